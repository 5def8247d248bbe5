//! Runs `preau serve` on a copy of the demo content, as a scenario `Target`.

use super::scenarios::Target;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct NativeServer {
    pub base: String,
    pub dir: tempfile::TempDir,
    child: Child,
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walk(from) {
        let rel = entry.strip_prefix(from).expect("prefix");
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
        std::fs::copy(&entry, &dest).expect("copy");
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read_dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

impl NativeServer {
    pub fn start() -> NativeServer {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = tempfile::tempdir().expect("tempdir");
        copy_dir(&root.join("content"), &dir.path().join("content"));
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_preau"))
            .args(["serve", "--no-reload", "--quiet"])
            .arg("--content")
            .arg(dir.path().join("content"))
            .arg("--theme")
            .arg(root.join("themes/default"))
            .arg("--output")
            .arg(dir.path().join("public"))
            .arg("--data")
            .arg(dir.path().join("data"))
            .arg("--addr")
            .arg(format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start preau serve");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "preau serve did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        NativeServer { base, dir, child }
    }

    fn cli(&self, args: &[&str], stdin: Option<&str>) {
        let data = self.dir.path().join("data");
        let mut all: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
        all.extend([
            std::ffi::OsStr::new("--data"),
            data.as_os_str(),
            std::ffi::OsStr::new("--quiet"),
        ]);
        super::scenarios::run_preau(&all, stdin);
    }
}

impl Drop for NativeServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Target for NativeServer {
    fn base_url(&self) -> String {
        self.base.clone()
    }

    fn site_dir(&self) -> PathBuf {
        self.dir.path().join("public")
    }

    fn add_account(&self, login: &str, role: &str, scope: Option<&str>, password: &str) {
        self.cli(
            &super::scenarios::add_account_args(login, role, scope),
            Some(password),
        );
    }

    fn disable(&self, login: &str) {
        self.cli(&["accounts", "disable", login], None);
    }

    fn publish_charter(&self, audience: &str, version: &str) {
        super::scenarios::set_charter_version(&self.dir.path().join("content"), audience, version);
        // The server watches the content: wait for the rebuild to reach the edge.
        let manifest = self.site_dir().join("_preau/manifest.json");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let m = std::fs::read_to_string(&manifest).unwrap_or_default();
            if m.contains(&format!("\"version\":\"{version}\"")) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "rebuild after charter change did not happen"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}
