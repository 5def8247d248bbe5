//! `preau serve` on a copy of the scenario fixture, as a scenario `Target`: the program
//! builds the site itself, watches the content and serves it through the edge core.

use super::scenarios::{self, Target};
use super::site::{copy_dir, free_port, repo, run_preau, theme, walk_names};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct NativeServer {
    pub base: String,
    pub dir: tempfile::TempDir,
    child: Child,
}

impl NativeServer {
    pub fn start() -> NativeServer {
        NativeServer::start_with_env(&scenarios::fixture(), &[])
    }

    /// `preau serve` on a copy of the content folder `content`.
    pub fn start_on(content: &std::path::Path) -> NativeServer {
        NativeServer::start_with_env(content, &[])
    }

    /// `preau serve` on a copy of `content` with these environment variables set.
    pub fn start_with_env(content: &std::path::Path, env: &[(&str, &str)]) -> NativeServer {
        let dir = tempfile::tempdir().expect("tempdir");
        copy_dir(content, &dir.path().join("content"));
        // The content is a Git working tree, as the online editor wants it.
        let content = dir.path().join("content");
        for args in [
            &["init", "--quiet", "-b", "main"][..],
            &["add", "-A"],
            &["commit", "--quiet", "-m", "Contenu initial"],
        ] {
            let ok = Command::new("git")
                .arg("-C")
                .arg(&content)
                .args([
                    "-c",
                    "user.name=Test",
                    "-c",
                    "user.email=test@test",
                    "-c",
                    "commit.gpgsign=false",
                ])
                .args(args)
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "git {args:?} in the scenario content");
        }
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_preau"))
            .args(["serve", "--no-reload", "--quiet"])
            .arg("--content")
            .arg(dir.path().join("content"))
            .arg("--theme")
            .arg(theme())
            .arg("--output")
            .arg(dir.path().join("public"))
            .arg("--data")
            .arg(dir.path().join("data"))
            .arg("--addr")
            .arg(format!("127.0.0.1:{port}"))
            .current_dir(repo())
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start preau serve");
        let mut server = NativeServer {
            base: format!("http://127.0.0.1:{port}"),
            dir,
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("preau serve exited ({status})");
            }
            assert!(Instant::now() < deadline, "preau serve did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
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

    fn content_log(&self) -> Vec<String> {
        let out = Command::new("git")
            .arg("-C")
            .arg(self.dir.path().join("content"))
            .args(["log", "--format=%an <%ae>|%s"])
            .output()
            .expect("git log");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn site_dir(&self) -> PathBuf {
        self.dir.path().join("public")
    }

    fn accounts(&self, args: &[&str], stdin: Option<&str>) -> String {
        let data = self.dir.path().join("data");
        let mut all: Vec<&std::ffi::OsStr> = vec!["accounts".as_ref()];
        all.extend(args.iter().map(std::ffi::OsStr::new));
        all.extend([
            std::ffi::OsStr::new("--data"),
            data.as_os_str(),
            std::ffi::OsStr::new("--quiet"),
        ]);
        let out = run_preau(&all, stdin);
        // The server sees another process's commits within this bound, not at once.
        std::thread::sleep(preau_edge::native::FOREIGN_COMMITS_SEEN_WITHIN * 2);
        out
    }

    fn publish_charter(&self, audience: &str, version: &str) {
        scenarios::set_charter_version(&self.dir.path().join("content"), audience, version);
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

    fn stored_blobs(&self) -> Vec<String> {
        walk_names(&self.dir.path().join("data/medias"))
    }

    fn forget_sign_in_failures(&self) {
        // Each native scenario has a server of its own (see edge_native.rs): no other
        // scenario counts failures before it or signs in after it on that server.
    }
}
