//! The core's rules, in process: the edge is called directly on a built fixture site with
//! the test platform (SQLite on a temp file, files in memory, a clock the test moves). No
//! server, no port; each rule is a few lines.
#![cfg(feature = "native")]

use http::{Method, Request, StatusCode};
use preau_edge::accounts::{Role, Scope};
use preau_edge::admin::{self, NewAccount};
use preau_edge::client::{Client, Proxies};
use preau_edge::respond::Resp;
use preau_edge::store::Db;
use preau_edge::testing::{block_on, local_client, TestPlatform};
use preau_edge::{BodyProblem, Edge, EdgeConfig};
use preau_generator::{BuildOptions, Generator};
use std::path::Path;

const NOW: i64 = 1_800_000_000;
const PASSWORD: &str = "girafe-velo-orange-piscine-42";
const CLASS: &str = "/ecoles/ecole-a/classes/ce1/";

struct World {
    edge: Edge<TestPlatform>,
    _site: tempfile::TempDir,
}

fn world_with(config: impl FnOnce(&mut EdgeConfig)) -> World {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let site = tempfile::tempdir().expect("tempdir");
    let mut g = Generator::new(BuildOptions {
        content: root.join("tests/fixtures/basic"),
        theme: root.join("themes/default"),
        output: site.path().join("public"),
    })
    .expect("generator");
    g.build(&|_, _| {}).expect("build");
    let platform = TestPlatform::new(&site.path().join("public"), NOW).expect("platform");
    let mut c = EdgeConfig::new(vec![7u8; 32]).expect("config");
    config(&mut c);
    let edge = block_on(Edge::new(platform, c)).expect("edge");
    World { edge, _site: site }
}

fn world() -> World {
    world_with(|_| {})
}

impl World {
    fn add(&self, login: &str, name: &str, role: Role, scope: &str) {
        let a = NewAccount {
            login,
            display_name: name,
            role,
            scopes: vec![Scope::parse(scope).expect("scope")],
            password: PASSWORD,
        };
        block_on(admin::add(&self.edge.platform, &a, "test")).expect("add");
    }

    fn send(&self, method: Method, uri: &str, cookie: &str, body: &str, client: Client) -> Resp {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header("host", "ent.test")
            .header("cookie", cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.as_bytes().to_vec())
            .expect("request");
        block_on(self.edge.handle(req, client))
    }

    fn get(&self, uri: &str, cookie: &str) -> Resp {
        self.send(Method::GET, uri, cookie, "", local_client())
    }

    /// Sign in and accept the charter; returns the session cookie.
    fn sign_in(&self, login: &str) -> String {
        let form = self.get("/connexion/", "");
        let csrf_cookie = set_cookie(&form, "preau_csrf");
        let token = input(&text(&form), "csrf");
        let body = format!("csrf={token}&login={login}&password={PASSWORD}");
        let r = self.send(
            Method::POST,
            "/connexion/",
            &csrf_cookie,
            &body,
            local_client(),
        );
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", text(&r));
        let session = set_cookie(&r, "preau_session");
        let gate = self.get("/charte/accepter/", &session);
        let token = input(&text(&gate), "csrf");
        let r = self.send(
            Method::POST,
            "/charte/accepter/",
            &session,
            &format!("csrf={token}"),
            local_client(),
        );
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        session
    }
}

fn text(r: &Resp) -> String {
    String::from_utf8_lossy(r.body()).into_owned()
}

fn set_cookie(r: &Resp, name: &str) -> String {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(name))
        .and_then(|v| v.split(';').next())
        .expect("cookie")
        .to_string()
}

fn input(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let start = html.find(&key).expect("input") + key.len();
    html[start..].split('"').next().expect("value").to_string()
}

#[test]
fn slot_names_in_a_name_are_shown_as_text_and_never_filled() {
    let w = world();
    let name = "@@CSRF@@ @@PLACES@@ <script>alert(1)</script> @@TITLE@@";
    w.add("marie.slot", name, Role::Parent, "ecole-a/ce1");
    let session = w.sign_in("marie.slot");
    let page = text(&w.get("/espace/", &session));
    let token = input(&page, "csrf");
    assert!(
        page.contains("@@CSRF@@ @@PLACES@@ &lt;script&gt;alert(1)&lt;/script&gt; @@TITLE@@"),
        "{page}"
    );
    // The token is only in the forms' hidden inputs, the places list appears once.
    assert_eq!(
        page.matches(&token).count(),
        page.matches("name=\"csrf\"").count()
    );
    assert_eq!(page.matches("<ul class=\"tiles\">").count(), 1);
    assert!(!page.contains("<script>alert"));
}

#[test]
fn a_login_and_a_next_target_with_slot_names_stay_text() {
    let w = world();
    let r = w.get("/connexion/?suite=/@@CSRF@@/%3Cb%3E", "");
    let page = text(&r);
    let token = input(&page, "csrf");
    assert_eq!(page.matches(&token).count(), 1);
    assert!(page.contains("value=\"/@@CSRF@@/&lt;b&gt;\""), "{page}");
}

#[test]
fn forwarded_headers_count_only_from_the_configured_proxy() {
    let w = world_with(|c| c.proxies = Proxies::loopback());
    w.add("paul.proxy", "Paul", Role::Parent, "ecole-a/ce1");
    let form = |peer: &str, xff: &str| {
        let get = Request::builder()
            .uri("/connexion/")
            .header("host", "ent.test")
            .body(Vec::new())
            .expect("request");
        let client = Client {
            ip: peer.parse().ok(),
            https: true,
        };
        let page = block_on(w.edge.handle(get, client));
        let cookie = set_cookie(&page, "__Host-preau_csrf");
        let token = input(&text(&page), "csrf");
        let post = Request::builder()
            .method(Method::POST)
            .uri("/connexion/")
            .header("host", "ent.test")
            .header("cookie", cookie)
            .header("x-forwarded-for", xff)
            .body(format!("csrf={token}&login=paul.proxy&password=faux").into_bytes())
            .expect("request");
        block_on(w.edge.handle(post, client))
    };
    assert_eq!(
        form("127.0.0.1", "198.51.100.7").status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        form("192.0.2.10", "203.0.113.99").status(),
        StatusCode::UNAUTHORIZED
    );
    let keys: Vec<String> = block_on(w.edge.platform.query(
        "SELECT key FROM throttle WHERE key LIKE 'ip:%' ORDER BY key",
        &[],
    ))
    .expect("throttle")
    .into_iter()
    .filter_map(|r| r.into_iter().next().and_then(|v| v.into_string()))
    .collect();
    // From the proxy: the forwarded client. From elsewhere: the peer, header ignored.
    assert_eq!(keys, vec!["ip:192.0.2.0/24", "ip:198.51.100.0/24"]);
}

#[test]
fn head_has_no_body_and_refused_bodies_get_a_page_with_headers() {
    let w = world();
    let r = w.send(Method::HEAD, "/", "", "", local_client());
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.body().is_empty());
    assert!(r.headers().contains_key("content-security-policy"));
    let r = w.edge.body_refused(BodyProblem::TooLarge, local_client());
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.headers().contains_key("content-security-policy"));
    assert!(text(&r).contains("trop volumineux"), "{}", text(&r));
    assert_eq!(w.edge.body_limit("/connexion/"), 64 * 1024);
}

#[test]
fn a_store_failure_is_logged_with_its_route_and_hidden_from_the_visitor() {
    let w = world();
    w.add("ana.panne", "Ana", Role::Parent, "ecole-a/ce1");
    let session = w.sign_in("ana.panne");
    block_on(w.edge.platform.execute("DROP TABLE sessions", &[])).expect("drop");
    let r = w.get("/espace/", &session);
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let page = text(&r);
    assert!(!page.contains("sessions"), "{page}");
    let log = w.edge.platform.logged();
    assert_eq!(log.len(), 1, "{log:?}");
    assert!(
        log[0].starts_with("GET espace : base de données"),
        "{log:?}"
    );
}

#[test]
fn the_guard_sends_readers_to_sign_in_then_to_the_charter_then_checks_the_class() {
    let w = world();
    let r = w.get(CLASS, "");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()["location"],
        "/connexion/?suite=%2Fecoles%2Fecole-a%2Fclasses%2Fce1%2F"
    );
    w.add("zoe.autre", "Zoé", Role::Parent, "ecole-a/cp");
    let session = w.sign_in("zoe.autre");
    assert_eq!(w.get(CLASS, &session).status(), StatusCode::FORBIDDEN);
    w.add("leo.ce1", "Léo", Role::Parent, "ecole-a/ce1");
    let session = w.sign_in("leo.ce1");
    assert_eq!(w.get(CLASS, &session).status(), StatusCode::OK);
    // A session moves with the clock: a family's idle timeout is 2 hours.
    w.edge.platform.advance(3 * 3600);
    assert_eq!(w.get(CLASS, &session).status(), StatusCode::SEE_OTHER);
}

#[test]
fn a_short_secret_is_refused() {
    assert!(EdgeConfig::new(vec![1u8; 31]).is_err());
    assert!(EdgeConfig::new(vec![1u8; 32]).is_ok());
}
