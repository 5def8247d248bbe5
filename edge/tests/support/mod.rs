//! What the in-process tests share: a built fixture site on the test platform, members
//! signed in with the charter accepted, and reading answers.
#![allow(dead_code)]

use http::{Method, Request};
use preau_edge::accounts::{Role, Scope};
use preau_edge::admin::{self, NewAccount};
use preau_edge::client::Client;
use preau_edge::respond::Resp;
use preau_edge::testing::{block_on, local_client, TestPlatform};
use preau_edge::{Edge, EdgeConfig};
use preau_generator::{BuildOptions, Generator};
use std::path::Path;

pub const NOW: i64 = 1_800_000_000;
pub const PASSWORD: &str = "girafe-velo-orange-piscine-42";
pub const FORM: &str = "application/x-www-form-urlencoded";

pub struct World {
    pub edge: Edge<TestPlatform>,
    _site: tempfile::TempDir,
}

/// The basic fixture, built, with an empty database; `config` may change the settings.
pub fn world_with(config: impl FnOnce(&mut EdgeConfig)) -> World {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let site = tempfile::tempdir().expect("tempdir");
    Generator::new(BuildOptions {
        content: root.join("tests/fixtures/basic"),
        theme: root.join("themes/default"),
        output: site.path().join("public"),
    })
    .and_then(|mut g| g.build(&|_, _| {}).map(|_| ()))
    .expect("build");
    let platform = TestPlatform::new(&site.path().join("public"), NOW).expect("platform");
    let mut c = EdgeConfig::new(vec![7u8; 32]).expect("config");
    config(&mut c);
    World {
        edge: block_on(Edge::new(platform, c)).expect("edge"),
        _site: site,
    }
}

impl World {
    /// A world around an edge made by the test (`keep`: the folder its site lives in).
    pub fn with_edge(edge: Edge<TestPlatform>, keep: tempfile::TempDir) -> World {
        World { edge, _site: keep }
    }
}

pub fn world() -> World {
    world_with(|_| {})
}

pub fn text(r: &Resp) -> String {
    String::from_utf8_lossy(r.body()).into_owned()
}

/// `name=value` of the `Set-Cookie` whose name starts with `name`.
pub fn cookie(r: &Resp, name: &str) -> String {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(name))
        .and_then(|v| v.split(';').next())
        .expect("cookie")
        .to_string()
}

/// The value of the first input named `name`.
pub fn input(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let start = html.find(&key).expect("input") + key.len();
    html[start..].split('"').next().expect("value").to_string()
}

impl World {
    pub fn send_from(
        &self,
        method: Method,
        uri: &str,
        cookie: &str,
        content_type: &str,
        body: Vec<u8>,
        client: Client,
    ) -> Resp {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header("host", "ent.test")
            .header("cookie", cookie)
            .header("content-type", content_type)
            .body(body)
            .expect("request");
        block_on(self.edge.handle(req, client))
    }

    pub fn send(&self, method: Method, uri: &str, cookie: &str, ct: &str, body: Vec<u8>) -> Resp {
        self.send_from(method, uri, cookie, ct, body, local_client())
    }

    pub fn get(&self, uri: &str, cookie: &str) -> Resp {
        self.send(Method::GET, uri, cookie, "", Vec::new())
    }

    pub fn add(&self, login: &str, name: &str, role: Role, scope: &str) {
        let a = NewAccount {
            login,
            display_name: name,
            role,
            scopes: vec![Scope::parse(scope).expect("scope")],
            password: PASSWORD,
        };
        block_on(admin::add(&self.edge.platform, &a, "test")).expect("add");
    }

    /// Sign in and accept the charter; returns the session cookie.
    pub fn sign_in(&self, login: &str) -> String {
        let form = self.get("/connexion/", "");
        let csrf = cookie(&form, "preau_csrf");
        let body = format!(
            "csrf={}&login={login}&password={PASSWORD}",
            input(&text(&form), "csrf")
        );
        let r = self.send(Method::POST, "/connexion/", &csrf, FORM, body.into_bytes());
        assert_eq!(r.status(), http::StatusCode::SEE_OTHER, "{}", text(&r));
        let session = cookie(&r, "preau_session");
        let gate = self.get("/charte/accepter/", &session);
        let body = format!("csrf={}", input(&text(&gate), "csrf"));
        let r = self.send(
            Method::POST,
            "/charte/accepter/",
            &session,
            FORM,
            body.into_bytes(),
        );
        assert_eq!(r.status(), http::StatusCode::SEE_OTHER);
        session
    }

    /// A new member with a display name, signed in with the charter accepted.
    pub fn member_named(&self, login: &str, name: &str, role: Role, scope: &str) -> String {
        self.add(login, name, role, scope);
        self.sign_in(login)
    }

    /// A new member with `role` in `scope`, signed in with the charter accepted.
    pub fn member(&self, login: &str, role: Role, scope: &str) -> String {
        self.add(login, login, role, scope);
        self.sign_in(login)
    }
}

/// Copy a folder tree (a fixture into a temp folder).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// Run `git` in `dir` as a test identity; its output.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@test",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
