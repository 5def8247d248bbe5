//! The Cloudflare deployment never serves a non-public file without the Worker.
//!
//! On Workers, the built site is uploaded as static assets, and the static-asset server
//! answers every request that `[assets] run_worker_first` in wrangler.toml does not send to
//! the Worker. So every path at which the asset server would hand out a non-public file
//! (class pages, private news, staff pages, `_preau/` internals) must be sent to the Worker,
//! where the core checks the session, the membership and the charter.
//!
//! This test models the two parts of wrangler/workerd that decide it (workers-shared, the
//! code run both by `wrangler dev` and in production):
//! - the router's static routing: `*` is `.*` (it crosses `/`), a rule matches the whole
//!   URL path as sent (still percent-encoded), negative rules (`!/…`) are checked first and
//!   send the request to the assets;
//! - the asset server's default `html_handling` ("auto-trailing-slash"): which request paths
//!   return the bytes of which file. It serves bytes only at a file's canonical, encoded
//!   path (any other spelling is redirected there), so those are the paths to check.
//!
//! It checks the demo site, the `private` fixture (private items in every place the
//! generator allows them), the `scenario-site` fixture (the HTTP scenarios' site) and, when
//! `PREAU_SITE_DIR` is set, that built site (scripts/build-worker.sh does this on the site
//! about to be deployed).

mod support;

use preau_edge::access::{Manifest, Visibility, MANIFEST_PATH};
use std::path::{Path, PathBuf};
use support::site::{build_ok, fixture, repo as root};

/// `run_worker_first` split as wrangler does: (rules for the Worker, rules for the assets).
#[derive(Debug)]
struct Routing {
    worker: Vec<String>,
    assets: Vec<String>,
}

fn wrangler() -> toml::Table {
    let text = std::fs::read_to_string(root().join("wrangler.toml")).expect("wrangler.toml");
    text.parse().expect("wrangler.toml is valid TOML")
}

fn routing(config: &toml::Table) -> Routing {
    let rules = config["assets"]["run_worker_first"]
        .as_array()
        .expect("[assets] run_worker_first must be a list of rules");
    let mut r = Routing {
        worker: Vec::new(),
        assets: Vec::new(),
    };
    for rule in rules {
        let rule = rule.as_str().expect("rules are strings");
        if let Some(neg) = rule.strip_prefix('!') {
            assert!(
                neg.starts_with('/'),
                "negative rules must start with '!/': {rule}"
            );
            r.assets.push(neg.to_string());
        } else {
            assert!(rule.starts_with('/'), "rules must start with '/': {rule}");
            r.worker.push(rule.to_string());
        }
    }
    r
}

/// workers-shared `generateGlobOnlyRuleRegExp`: `^` + rule with `*` as `.*` + `$`.
fn glob_matches(rule: &str, path: &str) -> bool {
    fn go(rule: &[u8], path: &[u8]) -> bool {
        match rule.split_first() {
            None => path.is_empty(),
            Some((b'*', rest)) => (0..=path.len()).any(|i| go(rest, &path[i..])),
            Some((c, rest)) => path.first() == Some(c) && go(rest, &path[1..]),
        }
    }
    go(rule.as_bytes(), path.as_bytes())
}

impl Routing {
    /// True when the router sends a request for `path` to the Worker.
    fn to_worker(&self, path: &str) -> bool {
        if self.assets.iter().any(|r| glob_matches(r, path)) {
            return false;
        }
        self.worker.iter().any(|r| glob_matches(r, path))
    }
}

/// JavaScript's encodeURIComponent, which the asset server uses to spell canonical paths.
fn encode_component(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn encode_path(file: &str) -> String {
    file.split('/')
        .map(encode_component)
        .collect::<Vec<_>>()
        .join("/")
}

/// Every request path at which the asset server returns the bytes of `file`, or merely
/// redirects to it (which would tell that it exists): the file's own path and its
/// html_handling aliases (`a/index.html` at `/a/`, `/a`, `/a/index`; `b.html` at `/b`, `/b/`).
fn reachable_at(file: &str) -> Vec<String> {
    let enc = encode_path(file);
    let mut paths = vec![format!("/{enc}")];
    if let Some(dir) = enc.strip_suffix("index.html") {
        paths.push(format!("/{dir}"));
        paths.push(format!("/{dir}index"));
        if let Some(bare) = dir.strip_suffix('/') {
            paths.push(format!("/{bare}"));
        }
    } else if let Some(page) = enc.strip_suffix(".html") {
        paths.push(format!("/{page}"));
        paths.push(format!("/{page}/"));
    }
    paths
}

fn load_manifest(site: &Path) -> Manifest {
    let bytes = std::fs::read(site.join(MANIFEST_PATH))
        .unwrap_or_else(|e| panic!("{}: {e}", site.join(MANIFEST_PATH).display()));
    serde_json::from_slice(&bytes).expect("manifest")
}

/// The failures for one built site: non-public files the asset server could serve directly.
fn leaks(routing: &Routing, site: &Path) -> Vec<String> {
    let manifest = load_manifest(site);
    let mut leaks = Vec::new();
    let mut private = 0;
    for (file, access) in &manifest.files {
        if access.visibility == Visibility::Public {
            continue;
        }
        private += 1;
        for path in reachable_at(file) {
            if !routing.to_worker(&path) {
                leaks.push(format!(
                    "{file} ({}) is served without the Worker at {path}",
                    access.visibility.as_str()
                ));
            }
        }
    }
    assert!(
        private > 0,
        "{}: no non-public file at all, the check proves nothing",
        site.display()
    );
    assert!(
        manifest.files.keys().any(|f| f.starts_with("_preau/")),
        "the manifest lists _preau/ itself"
    );
    leaks
}

fn build(content: &Path) -> tempfile::TempDir {
    let out = tempfile::tempdir().expect("temp dir");
    build_ok(content, &out.path().join("public"));
    out
}

#[test]
fn glob_semantics_match_workers_shared() {
    assert!(glob_matches("/*", "/"));
    assert!(glob_matches("/*", "/a/b/c"));
    assert!(glob_matches(
        "/ecoles/*/classes/*",
        "/ecoles/x/classes/y/z.svg"
    ));
    assert!(glob_matches("/ecoles/*/classes/*", "/ecoles/x/y/classes/"));
    assert!(!glob_matches("/ecoles/*/classes/*", "/ecoles/x/classes"));
    assert!(!glob_matches("/theme/*", "/theme"));
    assert!(
        !glob_matches("/theme/*", "/x/theme/a.css"),
        "rules are anchored at both ends"
    );
    assert!(!glob_matches("/a.b", "/axb"), "only `*` is special");
    let r = Routing {
        worker: vec!["/*".into()],
        assets: vec!["/theme/*".into()],
    };
    assert!(!r.to_worker("/theme/style.css"), "negative rules win");
    assert!(
        r.to_worker("/%74heme/style.css"),
        "rules see the path as sent, still encoded"
    );
    assert_eq!(
        encode_path("ecoles/école/a b/index.html"),
        "ecoles/%C3%A9cole/a%20b/index.html"
    );
    assert_eq!(
        reachable_at("a/index.html"),
        ["/a/index.html", "/a/", "/a/index", "/a"]
    );
    assert_eq!(reachable_at("index.html"), ["/index.html", "/", "/index"]);
    assert_eq!(reachable_at("404.html"), ["/404.html", "/404", "/404/"]);
}

#[test]
fn wrangler_toml_is_the_expected_deployment() {
    let c = wrangler();
    assert_eq!(c["name"].as_str(), Some("preau"));
    assert_eq!(c["main"].as_str(), Some("build/worker/entry.mjs"));
    let assets = c["assets"].as_table().expect("[assets]");
    assert_eq!(assets["directory"].as_str(), Some("public"));
    assert_eq!(
        assets["binding"].as_str(),
        Some("ASSETS"),
        "the Worker reads the site through ASSETS"
    );
    // The model above (and the Worker's file reads) assume the default HTML handling.
    let html_handling = assets.get("html_handling").map(|h| h.as_str());
    assert!(
        matches!(html_handling, None | Some(Some("auto-trailing-slash"))),
        "html_handling changed: update reachable_at() and edge/worker/src/platform.rs"
    );
    let d1 = c["d1_databases"].as_array().expect("[[d1_databases]]");
    assert!(d1.iter().any(|d| d["binding"].as_str() == Some("DB")
        && d["migrations_dir"].as_str() == Some("edge/migrations")));
    let r2 = c["r2_buckets"].as_array().expect("[[r2_buckets]]");
    assert!(r2.iter().any(|b| b["binding"].as_str() == Some("UPLOADS")));
    assert_eq!(
        c["triggers"]["crons"].as_array().map(|a| a.len()),
        Some(1),
        "one daily cron (audit purge)"
    );
    let text = std::fs::read_to_string(root().join("wrangler.toml")).unwrap();
    for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
        assert!(
            !line.contains("PREAU_SECRET"),
            "no secret in wrangler.toml: {line}"
        );
        assert!(
            !line.contains("PREAU_TEST_PANIC"),
            "the panic test hook is for tests only: {line}"
        );
    }
    let routing = routing(&c);
    assert!(
        routing.worker.len() + routing.assets.len() <= 100,
        "wrangler allows 100 rules at most"
    );
    for edge_route in preau_contract::routes::EDGE_ROUTES {
        assert!(
            routing.to_worker(edge_route),
            "edge route {edge_route} must reach the Worker"
        );
    }
    assert!(routing.to_worker("/_preau/manifest.json"));
    assert!(routing.to_worker("/_preau/"));
}

#[test]
fn every_non_public_file_of_the_demo_site_needs_the_worker() {
    let routing = routing(&wrangler());
    let site = build(&root().join("content"));
    let leaks = leaks(&routing, &site.path().join("public"));
    assert!(
        leaks.is_empty(),
        "wrangler.toml run_worker_first lets these through:\n{}",
        leaks.join("\n")
    );
}

#[test]
fn every_non_public_file_of_the_private_fixture_needs_the_worker() {
    // Private items in every place the generator allows: staff guides, staff town news,
    // school-wide and staff school news, school-only class posts.
    let routing = routing(&wrangler());
    let site = build(&fixture("private"));
    let leaks = leaks(&routing, &site.path().join("public"));
    assert!(
        leaks.is_empty(),
        "wrangler.toml run_worker_first lets these through:\n{}",
        leaks.join("\n")
    );
}

#[test]
fn every_non_public_file_of_the_scenario_fixture_needs_the_worker() {
    // The site the HTTP scenarios run on (tests/support/scenarios.rs), under wrangler dev too.
    let routing = routing(&wrangler());
    let site = build(&fixture("scenario-site"));
    let leaks = leaks(&routing, &site.path().join("public"));
    assert!(
        leaks.is_empty(),
        "wrangler.toml run_worker_first lets these through:\n{}",
        leaks.join("\n")
    );
}

/// scripts/build-worker.sh runs this with PREAU_SITE_DIR=public before any deployment.
#[test]
fn every_non_public_file_of_the_site_to_deploy_needs_the_worker() {
    let Some(dir) = std::env::var_os("PREAU_SITE_DIR") else {
        return;
    };
    let dir = PathBuf::from(dir);
    let dir = if dir.is_relative() {
        root().join(dir)
    } else {
        dir
    };
    let routing = routing(&wrangler());
    let leaks = leaks(&routing, &dir);
    assert!(
        leaks.is_empty(),
        "wrangler.toml run_worker_first laisse passer des fichiers non publics sans le Worker :\n{}",
        leaks.join("\n")
    );
}
