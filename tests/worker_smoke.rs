//! The Cloudflare Worker, built for wasm32 and run under `wrangler dev` (workerd, the real
//! runtime), on the demo site: static assets, the gate, the edge's own pages, panic
//! recovery, the body limit, the cron handler and a real sign-in with an account created
//! the way the town's IT does it on Cloudflare (`preau accounts add --sql` piped into
//! `wrangler d1 execute`). Prints timings (startup, gated request, Argon2id sign-in).
//!
//! Skipped only with PREAU_SKIP_WORKER=1; otherwise a missing toolchain fails the test.

mod support;

use std::time::{Duration, Instant};
use support::client::{input_value, Body, Browser};
use support::site::{build_ok, repo, run_preau};
use support::worker::{self, WorkerServer};

const CLASS: &str = "/ecoles/ecole-jean-moulin/classes/ce1-a/";
const CLASS_IMAGE: &str = "ecoles/ecole-jean-moulin/classes/ce1-a/sortie-a-la-ferme/vache.svg";
const PASSWORD: &str = "girafe-velo-orange-piscine-42";

fn hidden(body: &str, name: &str) -> String {
    let value = input_value(body, name);
    assert!(!value.is_empty(), "no hidden field {name} in:\n{body}");
    value
}

/// The SQL `preau accounts add --sql` prints (what the IT team pipes into wrangler).
fn account_sql(login: &str, role: &str, scope: &str) -> String {
    run_preau(
        &[
            "accounts",
            "add",
            login,
            "--role",
            role,
            "--scope",
            scope,
            "--password-stdin",
            "--sql",
        ],
        Some(PASSWORD),
    )
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[test]
fn worker_under_wrangler_dev() {
    if worker::skipped() {
        return;
    }
    let site = tempfile::tempdir().expect("temp dir");
    let public = site.path().join("public");
    build_ok(&repo().join("content"), &public);
    let server = WorkerServer::start(&public);
    let mut c = Browser::new(&server.base_url);
    let csp = preau_contract::headers::CSP;

    // The home page, through the Worker (every path but /theme/ and /robots.txt runs it).
    let r = c.get("/");
    assert_eq!(r.status, 200, "{}", server.log());
    assert!(r.body.contains("<html"), "home page");
    assert_eq!(r.header("content-security-policy"), Some(csp));
    // Theme files are plain static assets.
    let r = c.get("/theme/style.css");
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/css")));

    // Never serve the edge's own data.
    for path in [
        "/_preau/manifest.json",
        "/_preau/strings.json",
        "/_preau/shells/signin.html",
        "/_preau/",
    ] {
        let r = c.get(path);
        assert_eq!(r.status, 404, "{path}");
        assert!(!r.body.contains("\"files\""), "{path} leaked the manifest");
    }

    // A class page needs a session.
    let r = c.get(CLASS);
    assert_eq!(r.status, 303, "{CLASS}");
    let location = r.header("location").unwrap_or("");
    assert!(location.starts_with("/connexion/?suite="), "{location}");
    assert_eq!(r.header("content-security-policy"), Some(csp));

    // Missing pages: the theme's 404 page (read by the Worker through ASSETS); a missing
    // page in a private place answers like an existing one.
    let r = c.get("/nexiste-pas/");
    assert_eq!(r.status, 404);
    assert_eq!(
        r.bytes,
        std::fs::read(public.join("404.html")).expect("404.html")
    );
    let r = c.get(&format!("{CLASS}nexiste-pas/"));
    assert_eq!(r.status, 303);

    // Other spellings of private files are refused or redirected to the canonical path
    // (which the Worker gates), never served.
    let secret = std::fs::read(public.join(CLASS_IMAGE)).expect("class image");
    let image = format!("/{CLASS_IMAGE}");
    for path in [
        image.clone(),
        image.replace("/ecoles/", "/%65coles/"),
        image.replace('/', "%2F").replacen("%2F", "/", 1),
        format!("/theme/..%2f{}", &image[1..].replace('/', "%2f")),
        format!("/theme/%2e%2e/{}", &image[1..]),
        format!("/theme/%2E%2E%2F{}", &image[1..]),
        "/theme/..%2f_preau%2fmanifest.json".to_string(),
        "/ECOLES/ecole-jean-moulin/classes/ce1-a/".to_string(),
        "/ecoles/ecole-jean-moulin/classes/ce1-a/index.html".to_string(),
        "/ecoles/ecole-jean-moulin/classes/ce1-a".to_string(),
    ] {
        let r = c.get(&path);
        assert_ne!(r.status, 200, "{path} answered 200");
        assert_ne!(r.bytes, secret, "{path} served the private image");
        assert!(!r.body.contains("\"files\""), "{path} leaked the manifest");
    }

    // The sign-in page, from the Worker.
    let r = c.get("/connexion/");
    assert_eq!(r.status, 200);
    let page = &r.body;
    assert!(
        page.contains("<form") && page.contains("name=\"password\""),
        "sign-in form:\n{page}"
    );
    assert_eq!(r.header("content-security-policy"), Some(csp));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    let head = c.send("HEAD", "/connexion/", Body::None, &[]);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty(), "HEAD has no body");

    // Bodies over 64 KiB are refused before the core sees them.
    let big = vec![b'a'; 70 * 1024];
    let r = c.send("POST", "/connexion/", Body::Raw(&big), &[]);
    assert_eq!(r.status, 413, "{}", r.body);

    // A panic answers 500 and the next request works (sync and after an await).
    for path in ["/_preau/test-panique", "/_preau/test-panique?apres-attente"] {
        let r = c.get(path);
        assert_eq!(r.status, 500, "{path}");
        assert!(r.body.contains("Erreur interne"), "{path}: {}", r.body);
        assert_eq!(r.header("content-security-policy"), Some(csp), "{path}");
        let r = c.get("/connexion/");
        assert_eq!(r.status, 200, "after {path}:\n{}", server.log());
    }
    let entry = std::fs::read_to_string(repo().join("edge/worker/entry.mjs")).expect("entry.mjs");
    assert!(
        entry.contains(&format!("\"{csp}\"")),
        "entry.mjs has a different CSP from preau_contract::headers::CSP"
    );

    // Gated request latency (warm): median of 20.
    let gated = median((0..20).map(|_| c.get(CLASS).took).collect());

    // An account created as on Cloudflare, then a real sign-in (Argon2id m=19 MiB, t=2).
    let sql = account_sql("parent.smoke", "parent", "ecole-jean-moulin/ce1-a");
    server.exec_sql(&sql);
    let rows = server.query_json("SELECT login, role FROM accounts WHERE login = 'parent.smoke'");
    assert_eq!(rows.len(), 1, "account in D1: {rows:?}");
    let mut signin_times = Vec::new();
    let mut b = Browser::new(&server.base_url);
    for _ in 0..3 {
        b.cookies.clear();
        let form = b.get(&format!("/connexion/?suite={}", CLASS.replace('/', "%2F")));
        let csrf = hidden(&form.body, "csrf");
        let r = b.post(
            "/connexion/",
            &[
                ("login", "parent.smoke"),
                ("password", PASSWORD),
                ("csrf", &csrf),
                ("next", CLASS),
            ],
        );
        assert_eq!(r.status, 303, "sign-in:\n{}\n{}", r.body, server.log());
        signin_times.push(r.took);
    }
    let wrong = {
        b.cookies.clear();
        let form = b.get("/connexion/");
        let csrf = hidden(&form.body, "csrf");
        let r = b.post(
            "/connexion/",
            &[
                ("login", "parent.smoke"),
                ("password", "mauvais-mot-de-passe-123"),
                ("csrf", &csrf),
            ],
        );
        assert_eq!(r.status, 401, "wrong password: {}", r.body);
        r.took
    };
    // Sign in once more, then the charter gate, then the class page.
    b.cookies.clear();
    let form = b.get("/connexion/");
    let csrf = hidden(&form.body, "csrf");
    let r = b.post(
        "/connexion/",
        &[
            ("login", "parent.smoke"),
            ("password", PASSWORD),
            ("csrf", &csrf),
            ("next", CLASS),
        ],
    );
    assert_eq!(r.status, 303);
    let r = b.get(CLASS);
    assert_eq!(r.status, 303, "charter first");
    let gate_url = r.header("location").expect("gate location").to_string();
    assert!(gate_url.starts_with("/charte/accepter/"), "{gate_url}");
    let gate = b.get(&gate_url);
    assert_eq!(gate.status, 200);
    let csrf = hidden(&gate.body, "csrf");
    let r = b.post("/charte/accepter/", &[("csrf", &csrf), ("next", CLASS)]);
    assert_eq!(r.status, 303, "accept: {}", r.body);
    let r = b.get(CLASS);
    assert_eq!(r.status, 200, "class page after sign-in and charter");
    // Kept by the member's browser, asked again each time (through the gate; issue 14).
    assert_eq!(r.header("cache-control"), Some("private, no-cache"));
    assert!(
        r.header("etag").is_some(),
        "a gated file has its build's entity tag"
    );
    let r = b.get(&image);
    assert_eq!(r.status, 200);
    assert_eq!(r.bytes, secret, "the member gets the class image");
    let member_page = median((0..20).map(|_| b.get(CLASS).took).collect());

    // The audit log got the sign-ins; the cron handler runs the purge.
    let audit =
        server.query_json("SELECT action, outcome FROM audit_log WHERE actor = 'parent.smoke'");
    assert!(
        audit
            .iter()
            .any(|r| r["action"] == "signin" && r["outcome"] == "success"),
        "{audit:?}"
    );
    assert!(
        audit.iter().any(|r| r["action"] == "charter_accept"),
        "{audit:?}"
    );
    server.run_cron();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !server.log().contains("Purge du journal d'audit") {
        assert!(
            Instant::now() < deadline,
            "no purge log after the cron:\n{}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    eprintln!(
        "Worker timings: wrangler dev startup {:.2} s; gated request (303) median {:.1} ms; \
         member class page median {:.1} ms; sign-in (Argon2id) {:?} ms; wrong password {} ms",
        server.startup.as_secs_f64(),
        gated.as_secs_f64() * 1e3,
        member_page.as_secs_f64() * 1e3,
        signin_times
            .iter()
            .map(|d| d.as_millis())
            .collect::<Vec<_>>(),
        wrong.as_millis()
    );
}
