//! The core's rules, in process: the edge is called directly on a built fixture site with
//! the test platform (SQLite on a temp file, files in memory, a clock the test moves). No
//! server, no port; each rule is a few lines.
#![cfg(feature = "native")]

mod support;

use http::{Method, Request, StatusCode};
use preau_edge::accounts::Role;
use preau_edge::client::{Client, Proxies};
use preau_edge::store::Db;
use preau_edge::testing::{block_on, local_client};
use preau_edge::{BodyProblem, EdgeConfig};
use support::{cookie as set_cookie, input, text, world, world_with};

const CLASS: &str = "/ecoles/ecole-a/classes/ce1/";

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
fn behind_a_required_proxy_a_direct_visitor_is_refused() {
    let w = world_with(|c| {
        c.proxies = Proxies::loopback();
        c.proxies.required = true;
    });
    let answer = |peer: &str, path: &str| {
        let req = Request::builder()
            .uri(path)
            .header("host", "ent.test")
            .body(Vec::new())
            .expect("request");
        let client = Client {
            ip: peer.parse().ok(),
            https: true,
        };
        block_on(w.edge.handle(req, client))
    };
    for path in ["/", "/connexion/", "/_preau/sante"] {
        let direct = answer("192.0.2.10", path);
        assert_eq!(direct.status(), StatusCode::FORBIDDEN, "{path}");
        assert!(text(&direct).contains("proxy HTTPS"), "{path}");
        assert!(direct.headers().get("set-cookie").is_none(), "{path}");
        assert_eq!(answer("127.0.0.1", path).status(), StatusCode::OK, "{path}");
    }
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
    let r = w.send(Method::HEAD, "/", "", "", Vec::new());
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

#[test]
fn sightings_wait_in_memory_and_still_count_for_the_idle_timeout() {
    let w = world();
    w.add("ana.vue", "Ana", Role::Parent, "ecole-a/ce1");
    w.add("bob.vue", "Bob", Role::Parent, "ecole-a/ce1");
    let ana = w.sign_in("ana.vue");
    let bob = w.sign_in("bob.vue");
    let stored = |login: &str| {
        let rows = block_on(w.edge.platform.query(
            "SELECT s.last_seen_at FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE a.login = ?1",
            &[login.into()],
        ))
        .expect("query");
        rows[0][0].as_i64().expect("last_seen_at")
    };
    let signed_in = stored("ana.vue");
    w.edge.platform.advance(61);
    let generation = w.edge.platform.generation();
    assert_eq!(w.get(CLASS, &ana).status(), StatusCode::OK);
    assert_eq!(w.get(CLASS, &bob).status(), StatusCode::OK);
    // Writing each sighting at once would change the database and empty every cached session.
    assert_eq!(w.edge.platform.generation(), generation);
    assert_eq!(stored("ana.vue"), signed_in);
    // A family's idle timeout is 2 hours: counted from the sighting held in memory, not from
    // the sign-in still stored, and this request writes the waiting sightings.
    w.edge.platform.advance(2 * 3600 - 30);
    assert_eq!(w.get(CLASS, &ana).status(), StatusCode::OK);
    assert_eq!(stored("ana.vue"), signed_in + 61 + 2 * 3600 - 30);
    assert_eq!(stored("bob.vue"), signed_in + 61);
    // Bob's sighting is now over 2 hours old: his session has ended.
    w.edge.platform.advance(31);
    assert_eq!(w.get(CLASS, &bob).status(), StatusCode::SEE_OTHER);
}
