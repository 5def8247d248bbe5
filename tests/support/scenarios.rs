//! The HTTP scenario suite: what every deployment of the edge (self-hosted `preau serve`,
//! Cloudflare Worker under `wrangler dev`) must answer. Written against a base URL and a
//! small `Target` trait, so both adapters run exactly the same checks.

#![allow(dead_code)]

use super::client::{Browser, Resp};
use preau_edge::access::{Access, Manifest, Visibility};
use preau_edge::accounts::{Account, Role, Scope};
use std::path::PathBuf;
use std::time::Instant;

pub const SCHOOL: &str = "ecole-jean-moulin";
pub const CLASS_URL: &str = "/ecoles/ecole-jean-moulin/classes/ce1-a/";
pub const POST_URL: &str = "/ecoles/ecole-jean-moulin/classes/ce1-a/sortie-a-la-ferme/";
pub const PASSWORD: &str = "girafe-velo-orange-piscine-42";

/// A running deployment under test.
pub trait Target {
    fn base_url(&self) -> String;
    /// The built site it serves (to read the manifest).
    fn site_dir(&self) -> PathBuf;
    /// Create an account the way the town's IT would on this deployment.
    fn add_account(&self, login: &str, role: &str, scope: Option<&str>, password: &str);
    fn disable(&self, login: &str);
    /// Publish a new version of a charter (rebuild and redeploy the site).
    fn publish_charter(&self, audience: &str, version: &str);
}

/// Run the `preau` command line with `stdin` as its input; returns its standard output.
pub fn run_preau(args: &[&std::ffi::OsStr], stdin: Option<&str>) -> String {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_preau"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start preau");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).expect("write stdin");
    }
    drop(input);
    let out = child.wait_with_output().expect("preau");
    assert!(out.status.success(), "preau {args:?} failed");
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Arguments of `preau accounts add` for a test account.
pub fn add_account_args<'a>(login: &'a str, role: &'a str, scope: Option<&'a str>) -> Vec<&'a str> {
    let mut args = vec!["accounts", "add", login, "--role", role, "--password-stdin"];
    if let Some(s) = scope {
        args.extend(["--scope", s]);
    }
    args
}

/// Write a new `version` into a charter of a content folder (before rebuilding it).
pub fn set_charter_version(content: &std::path::Path, audience: &str, version: &str) {
    let file = content.join("charte").join(format!("{audience}.md"));
    let text = std::fs::read_to_string(&file).expect("charter");
    let updated: Vec<String> = text
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("version") {
                format!("version = \"{version}\"")
            } else {
                l.to_string()
            }
        })
        .collect();
    std::fs::write(&file, updated.join("\n") + "\n").expect("write charter");
}

pub fn manifest(t: &dyn Target) -> Manifest {
    let bytes = std::fs::read(t.site_dir().join("_preau/manifest.json")).expect("manifest");
    serde_json::from_slice(&bytes).expect("manifest json")
}

fn browser(t: &dyn Target) -> Browser {
    Browser::new(&t.base_url())
}

/// A signed-in browser with the charter accepted.
pub fn member(t: &dyn Target, login: &str, role: &str, scope: Option<&str>) -> Browser {
    t.add_account(login, role, scope, PASSWORD);
    let mut b = browser(t);
    let r = b.sign_in(login, PASSWORD);
    assert_eq!(r.status, 303, "sign-in of {login}: {}", r.body);
    let r = b.accept_charter();
    assert_eq!(r.status, 303, "charter of {login}: {}", r.body);
    b
}

fn account(role: Role, scope: &str) -> Account {
    Account {
        id: 0,
        login: String::new(),
        display_name: String::new(),
        role,
        scopes: vec![Scope::parse(scope).expect("scope")],
        disabled: false,
        password_changed_at: 0,
    }
}

fn url_of(file: &str) -> String {
    match file.strip_suffix("index.html") {
        Some(dir) => format!("/{dir}"),
        None => format!("/{file}"),
    }
}

/// Every response carries the security headers.
pub fn security_headers(t: &dyn Target) {
    let mut b = browser(t);
    for path in [
        "/",
        CLASS_URL,
        "/connexion/",
        "/nexiste-pas/",
        "/_preau/manifest.json",
    ] {
        let r = b.get(path);
        let csp = r
            .header("content-security-policy")
            .unwrap_or_else(|| panic!("no CSP on {path}"));
        for part in [
            "default-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(part), "{path}: CSP {csp} lacks {part}");
        }
        assert_eq!(
            r.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert!(r.header("referrer-policy").is_some(), "{path}");
        assert!(r.header("permissions-policy").is_some(), "{path}");
    }
    let r = b.get(CLASS_URL);
    assert!(r.header("cache-control").unwrap_or("").contains("no-store"));
}

/// Every file of the build, as six different people, gets exactly the expected answer.
pub fn leak_crawl(t: &dyn Target) {
    let m = manifest(t);
    let mut anon = browser(t);
    let other_parent = member(t, "crawl.autre", "parent", Some("ecole-jean-moulin/cp-a"));
    let mut pending = browser(t);
    t.add_account(
        "crawl.attente",
        "parent",
        Some("ecole-jean-moulin/ce1-a"),
        PASSWORD,
    );
    assert_eq!(pending.sign_in("crawl.attente", PASSWORD).status, 303);
    let parent = member(t, "crawl.parent", "parent", Some("ecole-jean-moulin/ce1-a"));
    let teacher = member(t, "crawl.prof", "teacher", Some("ecole-jean-moulin/ce1-a"));
    let mut disabled = member(t, "crawl.ferme", "parent", Some("ecole-jean-moulin/ce1-a"));
    t.disable("crawl.ferme");

    let people: Vec<(&str, Browser, Option<Account>)> = vec![
        (
            "autre classe",
            other_parent,
            Some(account(Role::Parent, "ecole-jean-moulin/cp-a")),
        ),
        (
            "parent",
            parent,
            Some(account(Role::Parent, "ecole-jean-moulin/ce1-a")),
        ),
        (
            "enseignant",
            teacher,
            Some(account(Role::Teacher, "ecole-jean-moulin/ce1-a")),
        ),
    ];
    let mut checked = 0;
    for (file, access) in &m.files {
        let url = url_of(file);
        // Anonymous and disabled: public files only.
        for (who, b) in [("anonyme", &mut anon), ("désactivé", &mut disabled)] {
            let r = b.get(&url);
            expect_anonymous(who, &url, access, &r);
        }
        let r = pending.get(&url);
        match access.visibility {
            Visibility::Public => assert_eq!(r.status, 200, "charte non acceptée {url}"),
            Visibility::Internal => assert_eq!(r.status, 404, "charte non acceptée {url}"),
            _ => {
                assert_eq!(r.status, 303, "charte non acceptée {url}");
                assert!(
                    r.location().starts_with("/charte/accepter/"),
                    "charte non acceptée {url}: {}",
                    r.location()
                );
            }
        }
        for (who, b, acc) in &people {
            let mut b = b.clone();
            let r = b.get(&url);
            let acc = acc.as_ref().expect("account");
            let want = match access.visibility {
                Visibility::Public => 200,
                Visibility::Internal => 404,
                _ if acc.can_read(access) => 200,
                _ => 403,
            };
            assert_eq!(r.status, want, "{who} {url}");
            if want == 403 {
                assert!(r.body.contains("Accès refusé"), "{who} {url}: friendly 403");
            }
        }
        checked += 1;
    }
    assert!(checked > 100, "crawl covered only {checked} files");
    // Named expectations, independent of the rule code.
    let mut other = people[0].1.clone();
    assert_eq!(other.get(CLASS_URL).status, 403);
    assert_eq!(other.get(&format!("{CLASS_URL}../cp-a/")).status, 200);
    let mut p = people[1].1.clone();
    assert_eq!(p.get(CLASS_URL).status, 200);
    assert_eq!(p.get(POST_URL).status, 200);
    assert_eq!(p.get("/ecoles/ecole-du-port/classes/gs-cp/").status, 403);
}

fn expect_anonymous(who: &str, url: &str, access: &Access, r: &Resp) {
    match access.visibility {
        Visibility::Public => assert_eq!(r.status, 200, "{who} {url}"),
        Visibility::Internal => assert_eq!(r.status, 404, "{who} {url}"),
        _ => {
            assert_eq!(r.status, 303, "{who} {url}");
            assert!(
                r.location().starts_with("/connexion/?suite="),
                "{who} {url}: {}",
                r.location()
            );
            assert!(r.body.is_empty(), "{who} {url}: body on redirect");
        }
    }
}

/// Encoded, doubled, reversed, upper-cased and dotted paths lead nowhere private.
pub fn path_variants(t: &dyn Target) {
    let mut anon = browser(t);
    let private_body_marker = {
        let mut p = member(
            t,
            "variantes.parent",
            "parent",
            Some("ecole-jean-moulin/ce1-a"),
        );
        let r = p.get(POST_URL);
        assert_eq!(r.status, 200);
        // A sentence of the post that must never reach an anonymous reader.
        let start = r.body.find("<h1>").expect("h1");
        r.body[start..start + 40].to_string()
    };
    let variants = [
        "/ecoles/ecole-jean-moulin/classes/ce1-a/sortie-a-la-ferme/index.html",
        "/ecoles/ecole-jean-moulin/classes/ce1-a/sortie-a-la-ferme",
        "//ecoles//ecole-jean-moulin/classes/ce1-a/sortie-a-la-ferme/",
        "/ecoles/ecole-jean-moulin/classes/ce1-a/./sortie-a-la-ferme/",
        "/ecoles/x/../ecole-jean-moulin/classes/ce1-a/sortie-a-la-ferme/",
        "/ecoles/x/%2e%2e/ecole-jean-moulin/classes/ce1-a/sortie-a-la-ferme/",
        "/ecoles%2fecole-jean-moulin%2fclasses%2fce1-a%2fsortie-a-la-ferme/",
        "/ecoles%5cecole-jean-moulin%5cclasses%5cce1-a%5csortie-a-la-ferme%5c",
        "/ECOLES/ecole-jean-moulin/classes/ce1-a/sortie-a-la-ferme/",
        "/ecoles/ecole-jean-moulin/classes/CE1-A/sortie-a-la-ferme/",
        "/ecoles/ecole-jean-moulin/classes/ce1-a/sortie-a-la-ferme/%00",
        "/ecoles/ecole-jean-moulin/classes/ce1-a/sortie-a-la-ferme/index.html%00.txt",
        "/ecoles/ecole-jean-moulin/classes/ce1-a/sortie-a-la-ferme/vache.svg",
        "/ecoles/ecole-jean-moulin/classes/ce1-a/article-qui-n-existe-pas/",
        "/_preau/manifest.json",
        "/_preau/../_preau/manifest.json",
        "/%5f%70reau/manifest.json",
        "/_preau/shells/signin.html",
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
    ];
    for v in variants {
        let r = anon.get(v);
        assert_ne!(r.status, 200, "{v} answered 200");
        assert!(
            !r.body.contains(&private_body_marker),
            "{v} leaked the post"
        );
        assert!(!r.body.contains("\"files\""), "{v} leaked the manifest");
    }
    let long = format!("/{}", "a".repeat(5000));
    assert!(anon.get(&long).status >= 400);
    // A private page that does not exist answers like one that does: no probing of titles.
    let r = anon.get("/ecoles/ecole-jean-moulin/classes/ce1-a/article-qui-n-existe-pas/");
    assert_eq!(r.status, 303);
}

/// Forged, replayed, signed-out and other-user cookies.
pub fn cookies(t: &dyn Target) {
    let mut p = member(
        t,
        "cookie.parent",
        "parent",
        Some("ecole-jean-moulin/ce1-a"),
    );
    assert_eq!(p.get(CLASS_URL).status, 200);
    let (name, token) = p
        .cookies
        .iter()
        .find(|(k, _)| k.contains("session"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .expect("session cookie");
    assert!(token.len() >= 22, "at least 128 random bits");
    // Forged tokens of the right shape and of the wrong shape.
    for forged in [
        "A".repeat(43),
        "x".into(),
        format!(
            "{}{}",
            &token[..42],
            if token.ends_with('A') { 'E' } else { 'A' }
        ),
        "' OR 1=1 --".into(),
    ] {
        let mut f = browser(t);
        f.cookies.insert(name.clone(), forged.clone());
        assert_eq!(f.get(CLASS_URL).status, 303, "forged {forged}");
    }
    // A copy of the cookie works until sign-out, then never again (replay).
    let mut copy = p.clone();
    assert_eq!(copy.get(CLASS_URL).status, 200);
    let space = p.get("/espace/");
    assert_eq!(space.status, 200);
    let r = p.post("/deconnexion/", &[("csrf", &space.csrf())]);
    assert_eq!(r.status, 200);
    assert_eq!(
        copy.get(CLASS_URL).status,
        303,
        "replayed cookie after sign-out"
    );
    // A new sign-in gets a new token.
    let mut again = browser(t);
    assert_eq!(again.sign_in("cookie.parent", PASSWORD).status, 303);
    let new_token = again.cookies.get(&name).cloned().unwrap_or_default();
    assert_ne!(new_token, token);
    // Sign out everywhere ends every session of the account.
    let mut second = browser(t);
    assert_eq!(second.sign_in("cookie.parent", PASSWORD).status, 303);
    let space = again.get("/espace/");
    assert_eq!(space.status, 200, "{}", space.body);
    assert_eq!(
        again
            .post("/deconnexion/partout/", &[("csrf", &space.csrf())])
            .status,
        200
    );
    assert_eq!(second.get("/espace/").status, 303);
    // Another user's cookie grants only that user's rights.
    let mut other = member(t, "cookie.autre", "parent", Some("ecole-du-port/gs-cp"));
    assert_eq!(other.get(CLASS_URL).status, 403);
}

/// Forms without a valid anti-forgery token are refused, and change nothing.
pub fn csrf(t: &dyn Target) {
    t.add_account(
        "csrf.parent",
        "parent",
        Some("ecole-jean-moulin/ce1-a"),
        PASSWORD,
    );
    let mut b = browser(t);
    let _ = b.get("/connexion/");
    let r = b.post(
        "/connexion/",
        &[("login", "csrf.parent"), ("password", PASSWORD)],
    );
    assert_eq!(r.status, 403, "sign-in without token");
    assert!(!b.cookies.keys().any(|k| k.contains("session")));
    let page = b.get("/connexion/");
    let r = b.post_with(
        "/connexion/",
        &[
            ("csrf", &page.csrf()),
            ("login", "csrf.parent"),
            ("password", PASSWORD),
        ],
        &[("origin", "https://evil.example")],
    );
    assert_eq!(r.status, 403, "cross-origin sign-in");
    let mut p = member(t, "csrf.membre", "parent", Some("ecole-jean-moulin/ce1-a"));
    assert_eq!(p.post("/deconnexion/", &[("csrf", "forged")]).status, 403);
    assert_eq!(p.post("/deconnexion/", &[]).status, 403);
    assert_eq!(
        p.get(CLASS_URL).status,
        200,
        "session survived forged sign-out"
    );
}

/// Brute force is slowed down with a clear French message; the right password waits too.
pub fn brute_force(t: &dyn Target) {
    t.add_account(
        "force.parent",
        "parent",
        Some("ecole-jean-moulin/ce1-a"),
        PASSWORD,
    );
    let mut b = browser(t);
    for i in 0..5 {
        let r = b.sign_in("force.parent", &format!("mauvais-mot-de-passe-{i}"));
        assert_eq!(r.status, 401, "attempt {i}");
        assert!(r.body.contains("Identifiant ou mot de passe incorrect."));
    }
    let r = b.sign_in("force.parent", PASSWORD);
    assert_eq!(r.status, 429, "sixth attempt");
    assert!(r.body.contains("Trop de tentatives"), "{}", r.body);
    assert!(r.header("retry-after").is_some());
    // Other accounts from the same network are not locked out.
    t.add_account(
        "force.voisin",
        "parent",
        Some("ecole-jean-moulin/ce1-a"),
        PASSWORD,
    );
    assert_eq!(browser(t).sign_in("force.voisin", PASSWORD).status, 303);
}

/// Unknown logins and wrong passwords are indistinguishable.
pub fn no_enumeration(t: &dyn Target) {
    t.add_account(
        "enum.parent",
        "parent",
        Some("ecole-jean-moulin/ce1-a"),
        PASSWORD,
    );
    // The anti-forgery token and the login typed (shown again in the form) differ by
    // design; everything else must be identical.
    let strip = |r: &Resp| {
        let mut body = r.body.clone();
        for token in [r.csrf(), super::client::hidden_value(&r.body, "login")] {
            if !token.is_empty() {
                body = body.replace(&format!("value=\"{token}\""), "value=\"\"");
            }
        }
        (r.status, body)
    };
    let mut times = (Vec::new(), Vec::new());
    let mut last = (None, None);
    for i in 0..5 {
        let mut b = browser(t);
        let s = Instant::now();
        let r = b.sign_in("enum.parent", &format!("pas-le-bon-{i}-mot-de-passe"));
        times.0.push(s.elapsed().as_secs_f64());
        last.0 = Some(strip(&r));
        let mut b = browser(t);
        let s = Instant::now();
        let r = b.sign_in(&format!("personne.{i}"), "pas-le-bon-mot-de-passe");
        times.1.push(s.elapsed().as_secs_f64());
        last.1 = Some(strip(&r));
    }
    assert_eq!(
        last.0, last.1,
        "wrong password and unknown login answer differently"
    );
    // Medians, and a wide band: other tests share the CPU. An unknown login answered
    // without a password hash would be ~20x faster, far outside it.
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (a, b) = (median(&mut times.0), median(&mut times.1));
    let ratio = a / b;
    assert!(
        (0.33..3.0).contains(&ratio),
        "timing ratio {ratio:.2} (wrong password {a:.3}s vs unknown {b:.3}s)"
    );
}

/// A new charter version re-gates everyone of that audience at their next request.
pub fn charter_regate(t: &dyn Target) {
    let mut parent = member(
        t,
        "charte.parent",
        "parent",
        Some("ecole-jean-moulin/ce1-a"),
    );
    let mut teacher = member(t, "charte.prof", "teacher", Some("ecole-jean-moulin/ce1-a"));
    assert_eq!(parent.get(CLASS_URL).status, 200);
    t.publish_charter("parents", "2027-01");
    let r = parent.get(CLASS_URL);
    assert_eq!(r.status, 303, "parent not re-gated");
    assert!(r.location().starts_with("/charte/accepter/"));
    let gate = parent.get("/charte/accepter/");
    assert!(
        gate.body.contains("La charte a changé"),
        "notice of a new version"
    );
    assert_eq!(
        teacher.get(CLASS_URL).status,
        200,
        "staff charter unchanged"
    );
    assert_eq!(parent.accept_charter().status, 303);
    assert_eq!(parent.get(CLASS_URL).status, 200);
}

/// Disabling an account ends its sessions at once.
pub fn disable_ends_sessions(t: &dyn Target) {
    let mut p = member(t, "fin.parent", "parent", Some("ecole-jean-moulin/ce1-a"));
    assert_eq!(p.get(CLASS_URL).status, 200);
    t.disable("fin.parent");
    assert_eq!(p.get(CLASS_URL).status, 303);
    let r = browser(t).sign_in("fin.parent", PASSWORD);
    assert_eq!(r.status, 401, "disabled account signs in");
}

/// Mon espace lists the person's classes and latest posts, and nothing else.
pub fn my_space(t: &dyn Target) {
    let mut p = member(
        t,
        "espace.parent",
        "parent",
        Some("ecole-jean-moulin/ce1-a"),
    );
    let r = p.get("/espace/");
    assert_eq!(r.status, 200);
    assert!(r.body.contains(CLASS_URL), "class link");
    let m = manifest(t);
    let ce1 = m
        .recent
        .get("ecole-jean-moulin/ce1-a")
        .expect("recent ce1-a");
    assert!(r.body.contains(&ce1[0].path), "latest post listed");
    if let Some(cp) = m.recent.get("ecole-jean-moulin/cp-a") {
        for item in cp {
            assert!(
                !r.body.contains(&item.path),
                "post of another class listed: {}",
                item.path
            );
        }
    }
    let mut anon = browser(t);
    let r = anon.get("/espace/");
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/connexion/?suite=%2Fespace%2F");
}

/// After sign-in the reader goes back to the page they asked for, never to another site.
pub fn return_after_sign_in(t: &dyn Target) {
    t.add_account(
        "retour.parent",
        "parent",
        Some("ecole-jean-moulin/ce1-a"),
        PASSWORD,
    );
    let mut b = browser(t);
    let r = b.get(CLASS_URL);
    let signin = r.location().to_string();
    let page = b.get(&signin);
    assert_eq!(page.status, 200);
    let next = super::client::hidden(&page.body, "next");
    assert_eq!(next, CLASS_URL);
    let r = b.post(
        "/connexion/",
        &[
            ("csrf", &page.csrf()),
            ("login", "retour.parent"),
            ("password", PASSWORD),
            ("next", &next),
        ],
    );
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), CLASS_URL);
    for evil in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let mut b = browser(t);
        let page = b.get("/connexion/");
        let r = b.post(
            "/connexion/",
            &[
                ("csrf", &page.csrf()),
                ("login", "retour.parent"),
                ("password", PASSWORD),
                ("next", evil),
            ],
        );
        assert_eq!(r.status, 303);
        assert!(
            r.location().starts_with('/') && !r.location().starts_with("//"),
            "open redirect to {}",
            r.location()
        );
    }
}
