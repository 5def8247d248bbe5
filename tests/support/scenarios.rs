//! The HTTP scenario suite: what every deployment of the edge (self-hosted `preau serve`,
//! Cloudflare Worker under `wrangler dev`) must answer, on the small fixture site
//! `tests/fixtures/scenario-site/`. Written against a base URL and a small `Target` trait,
//! and listed once (`scenario_lists!`), so both adapters run exactly the same checks.
//!
//! The fixture: the town (news, a staff news item, a public and a staff guide, the three
//! charters), school A (`ecole-a`: public, school and staff news, périscolaire; classes
//! `ce1` and `cp`) and school B (`ecole-b`: class `cm1`). Class CE1 has a post of every
//! visibility, a post with an image, and a post whose title looks like the edge's page
//! markers. Every non-public page carries a "mot témoin" (a marker word, listed in the crawl
//! table) so that a page leaking into another page, a list or a feed is seen.

pub use super::activation::{activation_by_letter, activation_refusals};
use super::client::{input_value, input_values, Browser, Resp};
pub use super::comments::{comment_pending_then_approved, comment_refusals};
pub use super::delivery::{
    compression_negotiated, fingerprinted_theme, revalidation_after_the_gate,
};
pub use super::editor::{editor_photo_from_the_editor, editor_publish_validate_and_history};
use super::site;
// The upload scenarios live in uploads.rs and are listed here like the others.
pub use super::uploads::{
    upload_accepted_and_served, upload_concurrent_same_file, upload_daily_quota,
    upload_hostile_files, upload_hostile_names, upload_names_as_browsers_send_them,
    upload_quota_survives_deletion, upload_refused_requests,
};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The scenario fixture's content folder.
pub fn fixture() -> PathBuf {
    site::fixture("scenario-site")
}

/// Class A (`ce1`), another class of the same school (`cp`), a class of another school.
pub const CLASS: &str = "ecole-a/ce1";
pub const OTHER_CLASS: &str = "ecole-a/cp";
pub const OTHER_SCHOOL_CLASS: &str = "ecole-b/cm1";
pub const CLASS_URL: &str = "/ecoles/ecole-a/classes/ce1/";
pub const OTHER_CLASS_URL: &str = "/ecoles/ecole-a/classes/cp/";
pub const OTHER_SCHOOL_CLASS_URL: &str = "/ecoles/ecole-b/classes/cm1/";
/// A class post with a co-located image, and the marker word of its text.
pub const POST_URL: &str = "/ecoles/ecole-a/classes/ce1/sortie-a-la-ferme/";
pub const POST_IMAGE_URL: &str = "/ecoles/ecole-a/classes/ce1/sortie-a-la-ferme/vache.svg";
pub const POST_MARKER: &str = "FERME-CE1";
/// A class post whose title contains the edge's page markers, and that title.
pub const TRAP_POST_URL: &str = "/ecoles/ecole-a/classes/ce1/titre-piege/";
pub const TRAP_POST_TITLE: &str = "Le mot @@CSRF@@ @@TITLE@@ <b>gras</b>";
pub const PASSWORD: &str = "girafe-velo-orange-piscine-42";
/// Failed sign-ins allowed per client network before any delay (edge/src/throttle.rs).
pub const FREE_FAILURES_PER_NETWORK: usize = 50;

/// A running deployment under test.
pub trait Target {
    fn base_url(&self) -> String;
    /// The built site it serves (to read the manifest).
    fn site_dir(&self) -> PathBuf;
    /// Run `preau accounts <args>` against this deployment's accounts, the way the town's
    /// IT does it there (`--data` here, `--sql` piped into `wrangler d1 execute` there);
    /// returns what the command printed (`activation-code` prints the code either way).
    fn accounts(&self, args: &[&str], stdin: Option<&str>) -> String;
    /// Publish a new version of a charter (rebuild and redeploy the site).
    fn publish_charter(&self, audience: &str, version: &str);
    /// Forget the failed sign-ins counted so far (the throttle), so that a scenario that
    /// exhausts a network's allowance does not delay the scenarios run after it.
    fn forget_sign_in_failures(&self);
    /// The content repository's history, newest first, as `author <address>|subject` (a
    /// deployment without the online editor has none).
    fn content_log(&self) -> Vec<String> {
        Vec::new()
    }
    /// The files of the upload blob store (the data folder's `medias/` natively,
    /// miniflare's local R2 under `--persist-to` on the Worker), sorted, by their path
    /// inside it: to check that a refused upload leaves nothing stored.
    fn stored_blobs(&self) -> Vec<String>;
    /// Does this deployment compress its answers itself, where the test sees them?
    /// `preau serve` does; the Worker leaves it to Cloudflare's edge, which `wrangler dev`
    /// does not reproduce.
    fn compresses(&self) -> bool {
        true
    }

    fn add_account(&self, login: &str, role: &str, scope: Option<&str>, password: &str) {
        self.add_named_account(login, role, scope, None, password);
    }

    fn add_named_account(
        &self,
        login: &str,
        role: &str,
        scope: Option<&str>,
        name: Option<&str>,
        password: &str,
    ) {
        let mut args = vec!["add", login, "--role", role, "--password-stdin"];
        if let Some(s) = scope {
            args.extend(["--scope", s]);
        }
        if let Some(n) = name {
            args.extend(["--name", n]);
        }
        self.accounts(&args, Some(password));
    }

    fn disable(&self, login: &str) {
        self.accounts(&["disable", login], None);
    }
}

// ---------------------------------------------------------------------------------------
// The lists, written once
// ---------------------------------------------------------------------------------------

/// A scenario: its name and its function.
pub type Scenario = (&'static str, fn(&dyn Target));

/// The scenario lists, the only place scenarios are listed: `scenario_lists!(callback)`
/// expands to `callback! { main: [a, b, …]; pending: [x, y, …]; }`. Both adapters are
/// generated from it (edge_native.rs: one test per scenario; edge_worker.rs: `MAIN` and
/// `PENDING` below, in order, on one Worker each), and `check_lists` (run by edge_native.rs)
/// fails when a scenario function of this file, uploads.rs or comments.rs is in neither list.
///
/// `main` runs in this order on the Worker, and `charter_regate` stays last: it republishes
/// the site. `pending` holds scenarios of features and fixes still being built in the edge
/// core: they run only when asked (`cargo test --test edge_native -- --ignored`, and the
/// ignored Worker test); move each into `main` (before `charter_regate`) when it passes.
macro_rules! scenario_lists {
    ($callback:ident) => {
        $callback! {
            main: [
                security_headers,
                health,
                leak_crawl,
                path_variants,
                cookies,
                csrf,
                brute_force,
                forwarded_spoofing,
                slot_injection,
                no_enumeration,
                disable_ends_sessions,
                my_space,
                my_data_download,
                return_after_sign_in,
                password_verdicts,
                upload_hostile_files,
                upload_hostile_names,
                upload_refused_requests,
                upload_accepted_and_served,
                upload_daily_quota,
                upload_concurrent_same_file,
                upload_names_as_browsers_send_them,
                upload_quota_survives_deletion,
                comment_pending_then_approved,
                comment_refusals,
                activation_by_letter,
                activation_refusals,
                compression_negotiated,
                revalidation_after_the_gate,
                fingerprinted_theme,
                charter_regate,
            ];
            pending: [];
            // `preau serve` publishes at once (commit + incremental rebuild); the Worker
            // commits to a forge and the deploy workflow publishes later, so its editor
            // test is edge_worker.rs `worker_editor_commits_through_the_forge` (local forge).
            native_only: [editor_publish_validate_and_history, editor_photo_from_the_editor];
        }
    };
}
// Used by edge_native.rs and edge_worker.rs; the other test files do not run scenarios.
#[allow(unused_imports)]
pub(crate) use scenario_lists;

macro_rules! scenario_consts {
    (main: [$($main:ident),* $(,)?]; pending: [$($pending:ident),* $(,)?]; native_only: [$($native:ident),* $(,)?];) => {
        /// The scenarios every deployment passes, in the order the Worker runs them.
        pub const MAIN: &[Scenario] = &[$((stringify!($main), $main)),*];
        /// Scenarios of work in progress (see `scenario_lists!`).
        pub const PENDING: &[Scenario] = &[$((stringify!($pending), $pending)),*];
        /// Scenarios only `preau serve` runs, until the Worker has the feature.
        pub const NATIVE_ONLY: &[Scenario] = &[$((stringify!($native), $native)),*];
    };
}
scenario_lists!(scenario_consts);

/// The files that define scenarios (`pub fn name(t: &dyn Target)`), all listed here.
const SCENARIO_FILES: &[&str] = &[
    "tests/support/scenarios.rs",
    "tests/support/uploads.rs",
    "tests/support/comments.rs",
    "tests/support/editor.rs",
    "tests/support/activation.rs",
    "tests/support/delivery.rs",
];

/// The lists are complete and in a valid order: every `pub fn name(t: &dyn Target)` of the
/// scenario files is listed exactly once, and `charter_regate` comes last in `MAIN`.
pub fn check_lists() {
    let mut source = String::new();
    for file in SCENARIO_FILES {
        let path = site::repo().join(file);
        source += &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
    }
    let defined: Vec<&str> = source
        .lines()
        .filter_map(|l| l.strip_prefix("pub fn "))
        .filter_map(|l| l.strip_suffix("(t: &dyn Target) {"))
        .collect();
    assert!(
        defined.len() >= 16,
        "found only {defined:?} in {SCENARIO_FILES:?}"
    );
    let listed: Vec<&str> = MAIN
        .iter()
        .chain(PENDING)
        .chain(NATIVE_ONLY)
        .map(|(n, _)| *n)
        .collect();
    for name in &defined {
        let times = listed.iter().filter(|l| *l == name).count();
        assert_eq!(
            times, 1,
            "scenario {name} is listed {times} times in scenario_lists! (want once)"
        );
    }
    assert_eq!(
        listed.len(),
        defined.len(),
        "scenario_lists! names {listed:?}, {SCENARIO_FILES:?} define {defined:?}"
    );
    assert_eq!(
        MAIN.last().map(|(n, _)| *n),
        Some("charter_regate"),
        "charter_regate republishes the site: it must stay last in main"
    );
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Write a new `version` into a charter of a content folder (before rebuilding it).
pub fn set_charter_version(content: &Path, audience: &str, version: &str) {
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

/// The URL of every file of the built site, from its manifest.
fn built_urls(t: &dyn Target) -> Vec<String> {
    let path = t.site_dir().join("_preau/manifest.json");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let manifest: serde_json::Value = serde_json::from_slice(&bytes).expect("manifest json");
    manifest["files"]
        .as_object()
        .expect("manifest files")
        .keys()
        .map(|file| match file.strip_suffix("index.html") {
            Some(dir) => format!("/{dir}"),
            None => format!("/{file}"),
        })
        .collect()
}

fn browser(t: &dyn Target) -> Browser {
    Browser::new(&t.base_url())
}

/// A signed-in browser with the charter accepted.
pub fn member(t: &dyn Target, login: &str, role: &str, scope: Option<&str>) -> Browser {
    t.add_account(login, role, scope, PASSWORD);
    signed_in(t, login)
}

/// A browser of an existing account (password `PASSWORD`), signed in, charter accepted.
fn signed_in(t: &dyn Target, login: &str) -> Browser {
    let mut b = browser(t);
    let r = b.sign_in(login, PASSWORD);
    assert_eq!(r.status, 303, "sign-in of {login}: {}", r.body);
    let r = b.accept_charter();
    assert_eq!(r.status, 303, "charter of {login}: {}", r.body);
    b
}

fn href(url: &str) -> String {
    format!("href=\"{url}\"")
}

/// The text of an HTML fragment as a reader sees it: character references decoded.
pub fn decode_entities(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let decoded = rest.find(';').filter(|&end| end <= 10).and_then(|end| {
            let name = &rest[1..end];
            let c = match name {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "commat" => Some('@'),
                _ => match name.strip_prefix('#') {
                    Some(hex) if hex.starts_with(['x', 'X']) => u32::from_str_radix(&hex[1..], 16)
                        .ok()
                        .and_then(char::from_u32),
                    Some(dec) => dec.parse().ok().and_then(char::from_u32),
                    None => None,
                },
            };
            c.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `@@NAME@@` markers (uppercase names) left in a text.
fn markers_in(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("@@") {
        let after = &rest[i + 2..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_uppercase() || c == '_'))
            .unwrap_or(after.len());
        if name_len > 0 && after[name_len..].starts_with("@@") {
            found.push(format!("@@{}@@", &after[..name_len]));
            rest = &after[name_len + 2..];
        } else {
            rest = after;
        }
    }
    found
}

// ---------------------------------------------------------------------------------------
// Main scenarios
// ---------------------------------------------------------------------------------------

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
    // Kept by the reader's browser only, revalidated through the gate each time.
    let r = b.get(CLASS_URL);
    assert!(r
        .header("cache-control")
        .unwrap_or("")
        .starts_with("private"));
}

/// The monitoring route answers `ok` to anyone, signed in or not, says nothing else (no
/// version, no counts, the same bytes for everyone), is never cached, takes no POST, and
/// is not a way around the manifest: `/_preau/` stays closed.
pub fn health(t: &dyn Target) {
    let mut anonymous = browser(t);
    let r = anonymous.get("/_preau/sante");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body, "ok\n");
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert!(r
        .header("content-type")
        .unwrap_or("")
        .starts_with("text/plain"));
    assert!(r.header("set-cookie").is_none(), "no cookie for monitoring");
    let mut staff = member(t, "sante.dir", "director", Some("ecole-a"));
    let s = staff.get("/_preau/sante");
    assert_eq!((s.status, s.body.as_str()), (200, "ok\n"));
    let head = anonymous.send("HEAD", "/_preau/sante", super::client::Body::None, &[]);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    let post = anonymous.post("/_preau/sante", &[]);
    assert_eq!(post.status, 405);
    for other in [
        "/_preau/sante/",
        "/_preau/manifest.json",
        "/_preau/sant%C3%A9",
    ] {
        let r = anonymous.get(other);
        assert_ne!(r.status, 200, "{other}");
        assert!(!r.body.contains("\"files\""), "{other}");
    }
}

/// The answer a person must get for a file of the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    /// 200 with the file.
    Open,
    /// 303 to the sign-in page (anonymous readers), or to the charter gate (signed in,
    /// charter not accepted); no body.
    SignIn,
    /// 403 with the friendly "Accès refusé" page.
    Denied,
    /// 404: files only the edge reads.
    Hidden,
}
use Want::{Denied, Hidden, Open, SignIn};

/// The crawl's expectations, by hand: the URL of every file of the built fixture (a trailing
/// `*` covers every file under a folder that does not come from the fixture's content),
/// what four people get, and the marker word of the page (it must appear in the page for
/// those who may open it, and nowhere else for those who may not).
/// People: anonymous; a parent of class A (ce1); a parent of another class of the same
/// school (cp); a teacher of class A.
#[rustfmt::skip]
const CRAWL: &[(&str, [Want; 4], Option<&str>)] = &[
    // url                                                         anonyme  parent  autre   enseignant
    ("/",                                                          [Open,   Open,   Open,   Open],   None),
    ("/404.html",                                                  [Open,   Open,   Open,   Open],   None),
    ("/robots.txt",                                                [Open,   Open,   Open,   Open],   None),
    ("/sitemap.xml",                                               [Open,   Open,   Open,   Open],   None),
    ("/atom.xml",                                                  [Open,   Open,   Open,   Open],   None),
    ("/theme/*",                                                   [Open,   Open,   Open,   Open],   None),
    ("/_headers",                                                  [Hidden, Hidden, Hidden, Hidden], None),
    ("/.assetsignore",                                             [Hidden, Hidden, Hidden, Hidden], None),
    ("/_preau/*",                                                  [Hidden, Hidden, Hidden, Hidden], None),
    ("/charte/",                                                   [Open,   Open,   Open,   Open],   None),
    ("/charte/parents/",                                           [Open,   Open,   Open,   Open],   None),
    ("/charte/eleves/",                                            [Open,   Open,   Open,   Open],   None),
    ("/charte/personnel/",                                         [Open,   Open,   Open,   Open],   None),
    ("/guides/",                                                   [Open,   Open,   Open,   Open],   None),
    ("/guides/activer-son-compte/",                                [Open,   Open,   Open,   Open],   None),
    // Town staff only: a teacher of a class is not town staff.
    ("/guides/procedure-interne/",                                 [SignIn, Denied, Denied, Denied], Some("GUIDE-INTERNE")),
    ("/actualites/",                                               [Open,   Open,   Open,   Open],   None),
    ("/actualites/atom.xml",                                       [Open,   Open,   Open,   Open],   None),
    ("/actualites/rentree/",                                       [Open,   Open,   Open,   Open],   None),
    ("/actualites/reunion-des-agents/",                            [SignIn, Denied, Denied, Denied], Some("AGENTS-VILLE")),
    // School A.
    ("/ecoles/ecole-a/",                                           [Open,   Open,   Open,   Open],   None),
    ("/ecoles/ecole-a/actualites/",                                [Open,   Open,   Open,   Open],   None),
    ("/ecoles/ecole-a/actualites/atom.xml",                        [Open,   Open,   Open,   Open],   None),
    ("/ecoles/ecole-a/actualites/kermesse/",                       [Open,   Open,   Open,   Open],   None),
    ("/ecoles/ecole-a/actualites/reunion-des-parents/",            [SignIn, Open,   Open,   Open],   Some("REUNION-A")),
    ("/ecoles/ecole-a/actualites/conseil-des-maitres/",            [SignIn, Denied, Denied, Open],   Some("CONSEIL-A")),
    ("/ecoles/ecole-a/periscolaire/",                              [SignIn, Open,   Open,   Open],   None),
    ("/ecoles/ecole-a/periscolaire/atom.xml",                      [SignIn, Open,   Open,   Open],   None),
    ("/ecoles/ecole-a/periscolaire/accueil-du-soir/",              [SignIn, Open,   Open,   Open],   Some("PERI-A")),
    // Class A: a post of every visibility, one with an image.
    ("/ecoles/ecole-a/classes/ce1/",                               [SignIn, Open,   Denied, Open],   Some("BLOG-CE1")),
    ("/ecoles/ecole-a/classes/ce1/atom.xml",                       [SignIn, Open,   Denied, Open],   None),
    ("/ecoles/ecole-a/classes/ce1/sortie-a-la-ferme/",             [SignIn, Open,   Denied, Open],   Some("FERME-CE1")),
    ("/ecoles/ecole-a/classes/ce1/sortie-a-la-ferme/vache.svg",    [SignIn, Open,   Denied, Open],   None),
    ("/ecoles/ecole-a/classes/ce1/spectacle/",                     [Open,   Open,   Open,   Open],   None),
    ("/ecoles/ecole-a/classes/ce1/piscine/",                       [SignIn, Open,   Open,   Open],   Some("PISCINE-A")),
    ("/ecoles/ecole-a/classes/ce1/point-equipe/",                  [SignIn, Denied, Denied, Open],   Some("EQUIPE-CE1")),
    ("/ecoles/ecole-a/classes/ce1/titre-piege/",                   [SignIn, Open,   Denied, Open],   Some("PIEGE-CE1")),
    // Another class of school A.
    ("/ecoles/ecole-a/classes/cp/",                                [SignIn, Denied, Open,   Denied], Some("BLOG-CP")),
    ("/ecoles/ecole-a/classes/cp/atom.xml",                        [SignIn, Denied, Open,   Denied], None),
    ("/ecoles/ecole-a/classes/cp/lecture/",                        [SignIn, Denied, Open,   Denied], Some("LECTURE-CP")),
    // School B.
    ("/ecoles/ecole-b/",                                           [Open,   Open,   Open,   Open],   None),
    ("/ecoles/ecole-b/actualites/",                                [Open,   Open,   Open,   Open],   None),
    ("/ecoles/ecole-b/actualites/atom.xml",                        [Open,   Open,   Open,   Open],   None),
    ("/ecoles/ecole-b/periscolaire/",                              [SignIn, Denied, Denied, Denied], None),
    ("/ecoles/ecole-b/periscolaire/atom.xml",                      [SignIn, Denied, Denied, Denied], None),
    ("/ecoles/ecole-b/classes/cm1/",                               [SignIn, Denied, Denied, Denied], Some("BLOG-CM1")),
    ("/ecoles/ecole-b/classes/cm1/atom.xml",                       [SignIn, Denied, Denied, Denied], None),
    ("/ecoles/ecole-b/classes/cm1/bateaux/",                       [SignIn, Denied, Denied, Denied], Some("PORT-CM1")),
];

/// The crawl table's rows, each with the built files it covers; fails unless every built
/// file is covered by exactly one row and every row covers a file.
fn crawl_plan(t: &dyn Target) -> Vec<(String, [Want; 4], Option<&'static str>)> {
    let urls = built_urls(t);
    let covers = |row: &str, url: &str| match row.strip_suffix('*') {
        Some(prefix) => url.starts_with(prefix),
        None => row == url,
    };
    let mut plan = Vec::new();
    for url in &urls {
        let rows: Vec<_> = CRAWL.iter().filter(|(r, ..)| covers(r, url)).collect();
        assert_eq!(
            rows.len(),
            1,
            "{url} is built and must be in exactly one row of the crawl table (CRAWL in \
             tests/support/scenarios.rs), found {}",
            rows.len()
        );
        let (_, want, marker) = rows[0];
        plan.push((url.clone(), *want, *marker));
    }
    for (row, ..) in CRAWL {
        assert!(
            urls.iter().any(|u| covers(row, u)),
            "{row} is in the crawl table but not built"
        );
    }
    plan
}

fn check_answer(who: &str, url: &str, want: Want, gate: &str, r: &Resp) {
    match want {
        Open => assert_eq!(r.status, 200, "{who} {url}"),
        SignIn => {
            assert_eq!(r.status, 303, "{who} {url}");
            assert!(
                r.location().starts_with(gate),
                "{who} {url}: to {} instead of {gate}",
                r.location()
            );
            assert!(r.bytes.is_empty(), "{who} {url}: body on redirect");
        }
        Denied => {
            assert_eq!(r.status, 403, "{who} {url}");
            assert!(r.body.contains("Accès refusé"), "{who} {url}: friendly 403");
        }
        Hidden => assert_eq!(r.status, 404, "{who} {url}"),
    }
}

/// Every file of the build, as six different people, gets exactly the answer the crawl
/// table says, and no page shows the marker word of a page its reader may not open.
pub fn leak_crawl(t: &dyn Target) {
    let plan = crawl_plan(t);
    let anon = browser(t);
    let parent = member(t, "crawl.parent", "parent", Some(CLASS));
    let other = member(t, "crawl.autre", "parent", Some(OTHER_CLASS));
    let teacher = member(t, "crawl.prof", "teacher", Some(CLASS));
    // Signed in, charter not accepted: the anonymous column, through the charter gate.
    t.add_account("crawl.attente", "parent", Some(CLASS), PASSWORD);
    let mut pending = browser(t);
    assert_eq!(pending.sign_in("crawl.attente", PASSWORD).status, 303);
    // A disabled account's old cookie: exactly the anonymous column.
    let mut disabled = member(t, "crawl.ferme", "parent", Some(CLASS));
    t.disable("crawl.ferme");

    let mut people = [
        ("anonyme", anon),
        ("parent", parent),
        ("autre classe", other),
        ("enseignant", teacher),
    ];
    let markers: Vec<&str> = plan.iter().filter_map(|(.., m)| *m).collect();
    assert!(markers.len() >= 10, "markers {markers:?}");
    for (column, (who, b)) in people.iter_mut().enumerate() {
        // The marker words of the pages this person may not open.
        let unreadable: Vec<&str> = plan
            .iter()
            .filter(|(_, want, _)| want[column] != Open)
            .filter_map(|(.., m)| *m)
            .collect();
        for (url, want, marker) in &plan {
            let r = b.get(url);
            check_answer(who, url, want[column], "/connexion/?suite=", &r);
            if r.status == 200 {
                if let Some(m) = marker {
                    assert!(
                        r.body.contains(m),
                        "{who} {url}: page without its marker {m}"
                    );
                }
                for m in &unreadable {
                    assert!(!r.body.contains(m), "{who} {url}: shows {m}");
                }
            } else {
                for m in &markers {
                    assert!(!r.body.contains(m), "{who} {url} ({}): shows {m}", r.status);
                }
            }
        }
    }
    for (url, want, _) in &plan {
        let r = disabled.get(url);
        check_answer("désactivé", url, want[0], "/connexion/?suite=", &r);
        let r = pending.get(url);
        check_answer("charte non acceptée", url, want[0], "/charte/accepter/", &r);
        if r.status != 200 {
            for m in &markers {
                assert!(!r.body.contains(m), "charte non acceptée {url}: shows {m}");
            }
        }
    }
}

/// Encoded, doubled, reversed, upper-cased and dotted paths lead nowhere private.
pub fn path_variants(t: &dyn Target) {
    let mut anon = browser(t);
    let mut p = member(t, "variantes.parent", "parent", Some(CLASS));
    let r = p.get(POST_URL);
    assert_eq!(r.status, 200);
    assert!(r.body.contains(POST_MARKER), "the post shows its marker");
    let post = POST_URL.trim_matches('/');
    let variants = [
        format!("/{post}/index.html"),
        format!("/{post}"),
        format!("/{}/", post.replace('/', "//")),
        format!("/{}/", post.replace("/ce1/", "/ce1/./")),
        format!("/{}/", post.replace("ecoles/", "ecoles/x/../")),
        format!("/{}/", post.replace("ecoles/", "ecoles/x/%2e%2e/")),
        format!("/{}/", post.replace('/', "%2f")),
        format!("/{}%5c", post.replace('/', "%5c")),
        format!("/{}/", post.replace("ecoles", "ECOLES")),
        format!("/{}/", post.replace("ce1", "CE1")),
        format!("{POST_URL}%00"),
        format!("{POST_URL}index.html%00.txt"),
        POST_IMAGE_URL.to_string(),
        POST_IMAGE_URL.replace("vache", "VACHE"),
        format!("{CLASS_URL}article-qui-n-existe-pas/"),
        "/_preau/manifest.json".to_string(),
        "/_preau/../_preau/manifest.json".to_string(),
        "/%5f%70reau/manifest.json".to_string(),
        "/_preau/shells/signin.html".to_string(),
        "/../../etc/passwd".to_string(),
        "/%2e%2e/%2e%2e/etc/passwd".to_string(),
    ];
    for v in &variants {
        let r = anon.get(v);
        assert_ne!(r.status, 200, "{v} answered 200");
        assert!(!r.body.contains(POST_MARKER), "{v} leaked the post");
        assert!(!r.body.contains("\"files\""), "{v} leaked the manifest");
    }
    let long = format!("/{}", "a".repeat(5000));
    assert!(anon.get(&long).status >= 400);
    // A private page that does not exist answers like one that does: no probing of titles.
    let r = anon.get(&format!("{CLASS_URL}article-qui-n-existe-pas/"));
    assert_eq!(r.status, 303);
}

/// Forged, replayed, signed-out and other-user cookies.
pub fn cookies(t: &dyn Target) {
    let mut p = member(t, "cookie.parent", "parent", Some(CLASS));
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
    let mut other = member(t, "cookie.autre", "parent", Some(OTHER_SCHOOL_CLASS));
    assert_eq!(other.get(CLASS_URL).status, 403);
    assert_eq!(other.get(OTHER_SCHOOL_CLASS_URL).status, 200);
}

/// Forms without a valid anti-forgery token are refused, and change nothing.
pub fn csrf(t: &dyn Target) {
    t.add_account("csrf.parent", "parent", Some(CLASS), PASSWORD);
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
    let mut p = member(t, "csrf.membre", "parent", Some(CLASS));
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
    t.add_account("force.parent", "parent", Some(CLASS), PASSWORD);
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
    t.add_account("force.voisin", "parent", Some(CLASS), PASSWORD);
    assert_eq!(browser(t).sign_in("force.voisin", PASSWORD).status, 303);
}

/// `X-Forwarded-For`, `Forwarded` and `X-Real-IP` are ignored when no trusted proxy is
/// configured (the servers under test have none): a client changing them at every attempt
/// is still throttled after the network's free failures.
pub fn forwarded_spoofing(t: &dyn Target) {
    t.forget_sign_in_failures();
    let mut b = browser(t);
    let page = b.get("/connexion/");
    let csrf = page.csrf();
    // A small xorshift for addresses that differ at every run; the attempt number makes
    // each one a different /24 network.
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .subsec_nanos()
        | 1;
    let mut ip = |i: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        format!(
            "{}.{}.{}.{}",
            11 + seed % 180,
            i,
            (seed >> 8) % 256,
            (seed >> 16) % 256
        )
    };
    for i in 0..=FREE_FAILURES_PER_NETWORK {
        let (forwarded_for, forwarded, real) = (ip(i), ip(i), ip(i));
        // A different login each time: the per-login allowance (5) never runs out.
        let login = format!("usurpation.{i}");
        let r = b.post_with(
            "/connexion/",
            &[
                ("csrf", &csrf),
                ("login", &login),
                ("password", "pas-le-bon-mot-de-passe"),
                ("next", ""),
            ],
            &[
                ("x-forwarded-for", &forwarded_for),
                ("forwarded", &format!("for={forwarded}")),
                ("x-real-ip", &real),
            ],
        );
        if i < FREE_FAILURES_PER_NETWORK {
            assert_eq!(
                r.status, 401,
                "attempt {i} (the network's free failures are {FREE_FAILURES_PER_NETWORK})"
            );
        } else {
            assert_eq!(
                r.status, 429,
                "after {i} failures from one network, changing X-Forwarded-For/Forwarded \
                 escaped the throttle"
            );
            assert!(r.header("retry-after").is_some());
        }
    }
    t.forget_sign_in_failures();
}

/// Unknown logins and wrong passwords are indistinguishable.
pub fn no_enumeration(t: &dyn Target) {
    t.add_account("enum.parent", "parent", Some(CLASS), PASSWORD);
    // The anti-forgery token and the login typed (shown again in the form) differ by
    // design; everything else must be identical.
    let strip = |r: &Resp| {
        let mut body = r.body.clone();
        for token in [r.csrf(), input_value(&r.body, "login")] {
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
    let mut parent = member(t, "charte.parent", "parent", Some(CLASS));
    let mut teacher = member(t, "charte.prof", "teacher", Some(CLASS));
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
    let mut p = member(t, "fin.parent", "parent", Some(CLASS));
    assert_eq!(p.get(CLASS_URL).status, 200);
    t.disable("fin.parent");
    assert_eq!(p.get(CLASS_URL).status, 303);
    let r = browser(t).sign_in("fin.parent", PASSWORD);
    assert_eq!(r.status, 401, "disabled account signs in");
}

/// Mon espace lists the person's class and the latest posts they may read, and nothing else.
/// Mes données: the page and the JSON file of the signed-in person only; signed out, none.
pub fn my_data_download(t: &dyn Target) {
    let mut b = member(t, "donnees.parent", "parent", Some(CLASS));
    let _other = member(t, "donnees.autre", "parent", Some(CLASS));
    let page = b.get("/espace/mes-donnees/");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("donnees.parent"));
    assert!(!page.body.contains("donnees.autre"), "{}", page.body);
    let file = b.get("/espace/mes-donnees/donnees.json");
    assert_eq!(file.status, 200);
    assert!(file
        .header("content-type")
        .unwrap_or("")
        .starts_with("application/json"));
    assert!(file
        .header("content-disposition")
        .unwrap_or("")
        .contains("attachment"));
    assert!(file
        .header("cache-control")
        .unwrap_or("")
        .contains("no-store"));
    let json: serde_json::Value = serde_json::from_str(&file.body).expect("JSON");
    assert_eq!(json["account"]["login"], "donnees.parent");
    assert!(json["activity"]
        .as_array()
        .is_some_and(|a| a.iter().any(|e| e["action"] == "signin")));
    assert!(!file.body.contains("donnees.autre") && !file.body.contains("argon2"));
    let mut anonymous = browser(t);
    assert_eq!(
        anonymous.get("/espace/mes-donnees/donnees.json").status,
        303
    );
}

pub fn my_space(t: &dyn Target) {
    let mut p = member(t, "espace.parent", "parent", Some(CLASS));
    let r = p.get("/espace/");
    assert_eq!(r.status, 200);
    assert!(r.header("cache-control").unwrap_or("").contains("no-store"));
    for (url, why) in [
        (CLASS_URL, "the class"),
        (POST_URL, "a class post"),
        (
            "/ecoles/ecole-a/classes/ce1/piscine/",
            "a school post of the class",
        ),
        (
            "/ecoles/ecole-a/classes/ce1/spectacle/",
            "a public post of the class",
        ),
        (
            "/ecoles/ecole-a/actualites/reunion-des-parents/",
            "school news",
        ),
        (
            "/ecoles/ecole-a/periscolaire/accueil-du-soir/",
            "périscolaire news",
        ),
    ] {
        assert!(r.body.contains(&href(url)), "{why} not listed: {url}");
    }
    for (url, why) in [
        ("/ecoles/ecole-a/classes/ce1/point-equipe/", "a staff post"),
        (
            "/ecoles/ecole-a/actualites/conseil-des-maitres/",
            "staff news",
        ),
        (OTHER_CLASS_URL, "another class"),
        (
            "/ecoles/ecole-a/classes/cp/lecture/",
            "a post of another class",
        ),
        (OTHER_SCHOOL_CLASS_URL, "a class of another school"),
        (
            "/ecoles/ecole-b/classes/cm1/bateaux/",
            "a post of another school",
        ),
    ] {
        assert!(!r.body.contains(&href(url)), "{why} listed: {url}");
    }
    for marker in ["EQUIPE-CE1", "CONSEIL-A", "LECTURE-CP", "PORT-CM1"] {
        assert!(!r.body.contains(marker), "Mon espace shows {marker}");
    }
    let mut anon = browser(t);
    let r = anon.get("/espace/");
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/connexion/?suite=%2Fespace%2F");
}

/// After sign-in the reader goes back to the page they asked for, never to another site.
pub fn return_after_sign_in(t: &dyn Target) {
    t.add_account("retour.parent", "parent", Some(CLASS), PASSWORD);
    let mut b = browser(t);
    let r = b.get(CLASS_URL);
    let signin = r.location().to_string();
    let page = b.get(&signin);
    assert_eq!(page.status, 200);
    let next = input_value(&page.body, "next");
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
        let r = browser(t).sign_in_to("retour.parent", PASSWORD, evil);
        assert_eq!(r.status, 303);
        assert!(
            r.location().starts_with('/') && !r.location().starts_with("//"),
            "open redirect to {}",
            r.location()
        );
    }
}

/// A path made of every slot name of the page shells.
const SLOT_PATH: &str = "/@@TITLE@@/@@URL@@/@@MESSAGE@@/@@ERROR@@/@@CSRF@@/@@NEXT@@/@@LOGIN@@/@@NAME@@/@@ROLE@@/@@PLACES@@/@@LATEST@@/@@NOTICE@@/";
/// A display name that looks like slots, with a script.
const SLOT_NAME: &str = "@@CSRF@@ @@NEXT@@ <script>alert(1)</script> @@LOGIN@@";

/// A page filled from a shell shows `shown` literally and escaped, the anti-forgery token
/// only in its `csrf` input(s), and no marker of the shell left unfilled.
fn assert_filled(what: &str, r: &Resp, shown: &[&str]) {
    let text = decode_entities(&r.body);
    assert!(
        !r.body.contains("<script>alert"),
        "{what}: raw script in the page:\n{}",
        r.body
    );
    for value in shown {
        assert!(
            text.contains(value),
            "{what}: {value:?} not shown as written:\n{}",
            r.body
        );
        if value.contains('<') {
            assert!(!r.body.contains(value), "{what}: {value:?} not escaped");
        }
    }
    let tokens = input_values(&r.body, "csrf");
    assert!(!tokens.is_empty(), "{what}: no csrf input:\n{}", r.body);
    let token = &tokens[0];
    assert!(token.len() >= 16, "{what}: csrf token {token:?}");
    assert!(
        tokens.iter().all(|t| t == token),
        "{what}: csrf inputs differ: {tokens:?}"
    );
    assert_eq!(
        text.matches(token.as_str()).count(),
        tokens.len(),
        "{what}: the anti-forgery token appears outside its csrf input(s):\n{}",
        r.body
    );
    let mut rest = text;
    for value in shown {
        rest = rest.replace(value, "");
    }
    let left = markers_in(&rest);
    assert!(
        left.is_empty(),
        "{what}: markers left unfilled {left:?}:\n{}",
        r.body
    );
}

/// Values that look like the shells' `@@SLOT@@` markers (a display name, a post title, a
/// login typed, a return path) are shown as written: a value never receives another slot.
pub fn slot_injection(t: &dyn Target) {
    // A display name with slot names and a script.
    t.add_named_account(
        "piege.nom",
        "parent",
        Some(CLASS),
        Some(SLOT_NAME),
        PASSWORD,
    );
    let mut b = browser(t);
    let r = b.sign_in("piege.nom", PASSWORD);
    assert_eq!(r.status, 303, "{}", r.body);
    let suite = format!("?suite={}", SLOT_PATH.replace('/', "%2F"));
    let gate = b.get(&format!("/charte/accepter/{suite}"));
    assert_eq!(gate.status, 200);
    assert_filled("charter gate", &gate, &[SLOT_PATH]);
    assert_eq!(
        decode_entities(&input_value(&gate.body, "next")),
        SLOT_PATH,
        "charter gate: next"
    );
    assert_eq!(b.accept_charter().status, 303);
    let space = b.get("/espace/");
    assert_eq!(space.status, 200);
    assert_filled("Mon espace", &space, &[SLOT_NAME, TRAP_POST_TITLE]);
    assert!(
        space.body.contains(&href(TRAP_POST_URL)),
        "trap post listed"
    );
    // The post's own page and its class page (static pages from the generator).
    for url in [TRAP_POST_URL, CLASS_URL] {
        let r = b.get(url);
        assert_eq!(r.status, 200, "{url}");
        assert!(decode_entities(&r.body).contains(TRAP_POST_TITLE), "{url}");
        assert!(!r.body.contains("<b>gras"), "{url}: title not escaped");
    }

    // The sign-in page, asked with a return path of slot names.
    let mut a = browser(t);
    let page = a.get(&format!("/connexion/{suite}"));
    assert_eq!(page.status, 200);
    assert_filled("sign-in page", &page, &[SLOT_PATH]);
    assert_eq!(
        decode_entities(&input_value(&page.body, "next")),
        SLOT_PATH,
        "sign-in page: next"
    );
    // Failed sign-ins with a login of slot names (not a valid login: it may be shown
    // again or not) and with a valid one, each with that return path.
    for login in ["@@CSRF@@", "piege.tentative"] {
        let page = a.get("/connexion/");
        let r = a.post(
            "/connexion/",
            &[
                ("csrf", &page.csrf()),
                ("login", login),
                ("password", "pas-le-bon-mot-de-passe"),
                ("next", SLOT_PATH),
            ],
        );
        let what = format!("failed sign-in as {login}");
        assert_eq!(r.status, 401, "{what}: {}", r.body);
        let shown = decode_entities(&input_value(&r.body, "login"));
        if login.starts_with('@') {
            assert!(
                shown.is_empty() || shown == login,
                "{what}: login shown as {shown:?}"
            );
        } else {
            assert_eq!(shown, login, "{what}: login shown again");
        }
        let shown: &[&str] = if shown.is_empty() {
            &[SLOT_PATH]
        } else {
            &[SLOT_PATH, login]
        };
        assert_filled(&what, &r, shown);
        assert_eq!(
            decode_entities(&input_value(&r.body, "next")),
            SLOT_PATH,
            "{what}: next"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Password change
// ---------------------------------------------------------------------------------------

/// The verdicts of the password rules (tests/fixtures/password-verdicts.txt): the login for
/// `contains_login` cases and the `(verdict, password)` cases.
fn password_verdicts_file() -> (String, Vec<(String, String)>) {
    let path = site::fixture("password-verdicts.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (the verdict list of the password rules, `verdict<TAB>password` per line)",
            path.display()
        )
    });
    let mut login = None;
    let mut cases = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if let Some(comment) = line.strip_prefix('#') {
            if let Some(l) = comment.trim().strip_prefix("login:") {
                login = Some(l.trim().to_string());
            }
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        let (verdict, password) = line
            .split_once('\t')
            .unwrap_or_else(|| panic!("{}:{}: want verdict<TAB>password", path.display(), n + 1));
        let verdict = verdict.trim();
        assert!(
            [
                "ok",
                "too_short",
                "too_long",
                "common",
                "weak",
                "contains_login"
            ]
            .contains(&verdict),
            "{}:{}: unknown verdict {verdict:?}",
            path.display(),
            n + 1
        );
        cases.push((verdict.to_string(), password.to_string()));
    }
    let login = login.unwrap_or_else(|| panic!("{}: no `# login: …` line", path.display()));
    assert!(
        cases.iter().any(|(v, _)| v == "ok") && cases.iter().any(|(v, _)| v != "ok"),
        "{}: want accepted and refused passwords",
        path.display()
    );
    (login, cases)
}

/// The password-change page of Mon espace.
const CHANGE_URL: &str = "/espace/mot-de-passe/";

/// Post the password-change form of `b` (with its own anti-forgery token unless `csrf`).
fn change_password(b: &mut Browser, csrf: Option<&str>, actuel: &str, nouveau: &str) -> Resp {
    let page = b.get(CHANGE_URL);
    assert_eq!(page.status, 200, "{CHANGE_URL}: {}", page.body);
    let token = page.csrf();
    assert!(!token.is_empty(), "{CHANGE_URL}: no csrf input");
    b.post(
        CHANGE_URL,
        &[
            ("csrf", csrf.unwrap_or(&token)),
            ("actuel", actuel),
            ("nouveau", nouveau),
            ("confirmation", nouveau),
        ],
    )
}

/// The error paragraph of a page ("" if none).
fn error_text(body: &str) -> String {
    let start = r#"<p class="error" role="alert">"#;
    body.find(start)
        .map(|i| {
            let rest = &body[i + start.len()..];
            rest[..rest.find("</p>").unwrap_or(rest.len())]
                .trim()
                .to_string()
        })
        .unwrap_or_default()
}

/// A signed-in parent changes their password: each case of the verdict list is accepted
/// (303 to Mon espace; it becomes the current password) or refused (422 with the reason).
/// A wrong current password and a forged anti-forgery token are refused too.
pub fn password_verdicts(t: &dyn Target) {
    let (login, cases) = password_verdicts_file();
    let r = browser(t).get(CHANGE_URL);
    assert_eq!(r.status, 303, "anonymous");
    assert!(r.location().starts_with("/connexion/?suite="), "anonymous");
    let mut b = member(t, &login, "parent", Some(CLASS));
    let mut current = PASSWORD.to_string();
    let good = cases
        .iter()
        .find(|(v, _)| v == "ok")
        .map(|(_, p)| p.clone())
        .expect("an ok case");
    let r = change_password(&mut b, Some("forged"), &current, &good);
    assert_eq!(r.status, 403, "forged anti-forgery token");
    let r = change_password(&mut b, None, "pas-le-mot-de-passe-actuel", &good);
    assert_eq!(r.status, 422, "wrong current password");
    assert!(
        !error_text(&r.body).is_empty(),
        "wrong current password: reason"
    );
    for (verdict, password) in &cases {
        let r = change_password(&mut b, None, &current, password);
        if verdict == "ok" {
            assert_eq!(
                r.status,
                303,
                "{password:?} (ok) refused: {}",
                error_text(&r.body)
            );
            // Mon espace, possibly with a notice in the query (`/espace/?…`).
            let to = r.location();
            assert!(
                to == "/espace/" || to.starts_with("/espace/?"),
                "{password:?}: to {to}"
            );
            current = password.clone();
        } else {
            assert_eq!(r.status, 422, "{password:?} ({verdict}) not refused");
            assert!(
                !error_text(&r.body).is_empty(),
                "{password:?} ({verdict}): no reason in <p class=\"error\" role=\"alert\">"
            );
        }
    }
    // The last accepted password is the one that signs in now.
    assert_eq!(browser(t).sign_in(&login, &current).status, 303);
    if current != PASSWORD {
        assert_eq!(browser(t).sign_in(&login, PASSWORD).status, 401);
    }
}
