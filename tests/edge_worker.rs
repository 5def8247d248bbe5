//! The same HTTP scenario suite as `edge_native.rs`, against the Cloudflare Worker under
//! `wrangler dev` (workerd + miniflare, D1 local). Accounts are created the way the town's
//! IT does it on Cloudflare: `preau accounts … --sql` piped into `wrangler d1 execute`.
//!
//! One Worker serves the whole main list, in its order (tests/support/scenarios.rs,
//! `scenario_lists!`): starting workerd costs seconds, and the charter re-gate scenario,
//! which republishes the site, runs last. The pending list has a Worker of its own.
//! Skipped only with PREAU_SKIP_WORKER=1; otherwise a missing toolchain fails the test.

mod support;

use std::path::PathBuf;
use std::time::{Duration, Instant};
use support::scenarios::{self, Scenario, Target};
use support::site::{build_ok, copy_dir, run_preau};
use support::worker::{self, WorkerServer};

struct WorkerTarget {
    content: PathBuf,
    site: PathBuf,
    server: WorkerServer,
    _dir: tempfile::TempDir,
}

impl WorkerTarget {
    fn start() -> WorkerTarget {
        let dir = tempfile::tempdir().expect("tempdir");
        let content = dir.path().join("content");
        copy_dir(&scenarios::fixture(), &content);
        let site = dir.path().join("public");
        build_ok(&content, &site);
        let server = WorkerServer::start(&site);
        WorkerTarget {
            content,
            site,
            server,
            _dir: dir,
        }
    }
}

impl Target for WorkerTarget {
    fn base_url(&self) -> String {
        self.server.base_url.clone()
    }

    fn site_dir(&self) -> PathBuf {
        self.site.clone()
    }

    fn accounts(&self, args: &[&str], stdin: Option<&str>) -> String {
        let mut all = vec!["accounts"];
        all.extend(args);
        all.push("--sql");
        let sql = run_preau(&all, stdin);
        self.server.exec_sql(&sql);
        sql
    }

    fn publish_charter(&self, audience: &str, version: &str) {
        scenarios::set_charter_version(&self.content, audience, version);
        build_ok(&self.content, &self.site);
        // wrangler dev restarts the Worker when its assets change: wait until the charter
        // page it serves shows the new version, then a moment for the restart to settle.
        let mut b = support::client::Browser::new(&self.server.base_url);
        let url = format!("/charte/{audience}/");
        let deadline = Instant::now() + Duration::from_secs(60);
        while !b.get(&url).body.contains(version) {
            assert!(
                Instant::now() < deadline,
                "the Worker did not pick up the new charter"
            );
            std::thread::sleep(Duration::from_millis(250));
        }
        std::thread::sleep(Duration::from_secs(1));
    }

    fn forget_sign_in_failures(&self) {
        self.server.exec_sql("DELETE FROM throttle;");
    }

    fn stored_blobs(&self) -> Vec<String> {
        self.server.r2_files()
    }
    fn compresses(&self) -> bool {
        false
    }
}

/// Run `list` in order on one Worker; every scenario runs even after a failure (each has
/// its own accounts), and the failures are reported at the end with the Worker's log.
fn run_list(list: &[Scenario]) {
    if worker::skipped() {
        return;
    }
    let t = WorkerTarget::start();
    let mut failed = Vec::new();
    for (name, scenario) in list {
        let start = Instant::now();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| scenario(&t)));
        eprintln!(
            "{name}: {} in {:.1} s",
            if outcome.is_ok() { "ok" } else { "FAILED" },
            start.elapsed().as_secs_f64()
        );
        if outcome.is_err() {
            failed.push(*name);
            t.forget_sign_in_failures();
        }
    }
    if !failed.is_empty() {
        let log = t.server.log();
        let tail: String = log
            .lines()
            .rev()
            .take(40)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n");
        panic!("Worker scenarios failed: {failed:?}\n--- wrangler dev (end) ---\n{tail}");
    }
}

#[test]
fn worker_passes_the_scenario_suite() {
    run_list(scenarios::MAIN);
}

// The pending list gets a Worker of its own, and a test only when it is not empty.
macro_rules! worker_pending_test {
    (main: [$($main:ident),* $(,)?]; pending: [$(,)?]; native_only: [$($native:ident),* $(,)?];) => {};
    (main: [$($main:ident),* $(,)?]; pending: [$($pending:ident),+ $(,)?]; native_only: [$($native:ident),* $(,)?];) => {
        #[test]
        #[ignore = "pending (see scenario_lists! in tests/support/scenarios.rs)"]
        fn worker_passes_the_pending_scenarios() {
            run_list(scenarios::PENDING);
        }
    };
}

scenarios::scenario_lists!(worker_pending_test);
