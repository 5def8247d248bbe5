//! The same HTTP scenario suite as `edge_native.rs`, against the Cloudflare Worker under
//! `wrangler dev` (workerd + miniflare, D1 local). Accounts are created the way the town's
//! IT does it on Cloudflare: `preau accounts … --sql` piped into `wrangler d1 execute`.
//!
//! One Worker serves the whole suite, in order: starting workerd costs seconds, and the
//! charter re-gate scenario, which republishes the site, runs last.
//! Skipped only with PREAU_SKIP_WORKER=1; otherwise a missing toolchain fails the test.

#[path = "support/client.rs"]
mod client;
#[path = "support/scenarios.rs"]
mod scenarios;
#[path = "support/worker.rs"]
mod worker;

use preau_generator::{BuildOptions, Generator};
use scenarios::Target;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

struct WorkerTarget {
    content: PathBuf,
    site: PathBuf,
    server: worker::WorkerServer,
    _dir: tempfile::TempDir,
}

fn build(content: &Path, site: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut g = Generator::new(BuildOptions {
        content: content.to_path_buf(),
        theme: root.join("themes/default"),
        output: site.to_path_buf(),
    })
    .expect("generator");
    g.build(&|_, _| {}).expect("build");
}

fn copy_dir(from: &Path, to: &Path) {
    let status = Command::new("cp")
        .arg("-r")
        .arg(from)
        .arg(to)
        .status()
        .expect("cp");
    assert!(status.success());
}

impl WorkerTarget {
    fn start() -> WorkerTarget {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = tempfile::tempdir().expect("tempdir");
        let content = dir.path().join("content");
        copy_dir(&root.join("content"), &content);
        let site = dir.path().join("public");
        build(&content, &site);
        let server = worker::WorkerServer::start(&site);
        WorkerTarget {
            content,
            site,
            server,
            _dir: dir,
        }
    }

    fn sql_from_cli(&self, args: &[&str], stdin: Option<&str>) -> String {
        let mut all: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
        all.push(std::ffi::OsStr::new("--sql"));
        scenarios::run_preau(&all, stdin)
    }
}

impl Target for WorkerTarget {
    fn base_url(&self) -> String {
        self.server.base_url.clone()
    }

    fn site_dir(&self) -> PathBuf {
        self.site.clone()
    }

    fn add_account(&self, login: &str, role: &str, scope: Option<&str>, password: &str) {
        let sql = self.sql_from_cli(
            &scenarios::add_account_args(login, role, scope),
            Some(password),
        );
        self.server.exec_sql(&sql);
    }

    fn disable(&self, login: &str) {
        let sql = self.sql_from_cli(&["accounts", "disable", login], None);
        self.server.exec_sql(&sql);
    }

    fn publish_charter(&self, audience: &str, version: &str) {
        scenarios::set_charter_version(&self.content, audience, version);
        build(&self.content, &self.site);
        // wrangler dev restarts the Worker when its assets change: wait until the charter
        // page it serves shows the new version, then a moment for the restart to settle.
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(10))
            .build();
        let url = format!("{}/charte/{audience}/", self.server.base_url);
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let body = agent
                .get(&url)
                .call()
                .ok()
                .and_then(|r| r.into_string().ok())
                .unwrap_or_default();
            if body.contains(version) {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the Worker did not pick up the new charter"
            );
            std::thread::sleep(Duration::from_millis(250));
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

#[test]
fn worker_passes_the_scenario_suite() {
    if worker::skipped() {
        eprintln!("PREAU_SKIP_WORKER=1: Worker scenarios skipped");
        return;
    }
    let t = WorkerTarget::start();
    scenarios::security_headers(&t);
    scenarios::leak_crawl(&t);
    scenarios::path_variants(&t);
    scenarios::cookies(&t);
    scenarios::csrf(&t);
    scenarios::brute_force(&t);
    scenarios::no_enumeration(&t);
    scenarios::disable_ends_sessions(&t);
    scenarios::my_space(&t);
    scenarios::return_after_sign_in(&t);
    scenarios::charter_regate(&t);
}
