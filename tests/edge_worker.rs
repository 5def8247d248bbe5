//! The same HTTP scenario suite as `edge_native.rs`, against the Cloudflare Worker under
//! `wrangler dev` (workerd + miniflare, D1 local). Accounts are created the way the town's
//! IT does it on Cloudflare: `preau accounts … --sql` piped into `wrangler d1 execute`.
//!
//! One Worker serves the whole main list, in its order (tests/support/scenarios.rs,
//! `scenario_lists!`): starting workerd costs seconds, and the charter re-gate scenario,
//! which republishes the site, runs last. The pending list has a Worker of its own.
//! Skipped only with PREAU_SKIP_WORKER=1; otherwise a missing toolchain fails the test.

mod support;

use std::path::PathBuf;
use std::time::{Duration, Instant};
use support::editor::{save, send_form};
use support::forge::MockForge;
use support::scenarios::{self, Scenario, Target};
use support::site::{build_ok, copy_dir, run_preau};
use support::worker::{self, WorkerServer};

struct WorkerTarget {
    content: PathBuf,
    site: PathBuf,
    server: WorkerServer,
    _dir: tempfile::TempDir,
}

impl WorkerTarget {
    fn start() -> WorkerTarget {
        WorkerTarget::start_with(&worker::Extra::default())
    }

    fn start_with(extra: &worker::Extra) -> WorkerTarget {
        let dir = tempfile::tempdir().expect("tempdir");
        let content = dir.path().join("content");
        copy_dir(&scenarios::fixture(), &content);
        let site = dir.path().join("public");
        build_ok(&content, &site);
        let server = WorkerServer::start_with(&site, extra);
        WorkerTarget {
            content,
            site,
            server,
            _dir: dir,
        }
    }
}

impl Target for WorkerTarget {
    fn base_url(&self) -> String {
        self.server.base_url.clone()
    }

    fn site_dir(&self) -> PathBuf {
        self.site.clone()
    }

    fn accounts(&self, args: &[&str], stdin: Option<&str>) -> String {
        let mut all = vec!["accounts"];
        all.extend(args);
        all.push("--sql");
        let sql = run_preau(&all, stdin);
        self.server.exec_sql(&sql);
        sql
    }

    fn publish_charter(&self, audience: &str, version: &str) {
        scenarios::set_charter_version(&self.content, audience, version);
        build_ok(&self.content, &self.site);
        // wrangler dev restarts the Worker when its assets change: wait until the charter
        // page it serves shows the new version, then a moment for the restart to settle.
        let mut b = support::client::Browser::new(&self.server.base_url);
        let url = format!("/charte/{audience}/");
        let deadline = Instant::now() + Duration::from_secs(60);
        while !b.get(&url).body.contains(version) {
            assert!(
                Instant::now() < deadline,
                "the Worker did not pick up the new charter"
            );
            std::thread::sleep(Duration::from_millis(250));
        }
        std::thread::sleep(Duration::from_secs(1));
    }

    fn forget_sign_in_failures(&self) {
        self.server.exec_sql("DELETE FROM throttle;");
    }

    fn stored_blobs(&self) -> Vec<String> {
        self.server.r2_files()
    }
    fn compresses(&self) -> bool {
        false
    }
}

/// Run `list` in order on one Worker; every scenario runs even after a failure (each has
/// its own accounts), and the failures are reported at the end with the Worker's log.
fn run_list(list: &[Scenario]) {
    if worker::skipped() {
        return;
    }
    let t = WorkerTarget::start();
    let mut failed = Vec::new();
    for (name, scenario) in list {
        let start = Instant::now();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| scenario(&t)));
        eprintln!(
            "{name}: {} in {:.1} s",
            if outcome.is_ok() { "ok" } else { "FAILED" },
            start.elapsed().as_secs_f64()
        );
        if outcome.is_err() {
            failed.push(*name);
            t.forget_sign_in_failures();
        }
    }
    if !failed.is_empty() {
        let log = t.server.log();
        let tail: String = log
            .lines()
            .rev()
            .take(40)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n");
        panic!("Worker scenarios failed: {failed:?}\n--- wrangler dev (end) ---\n{tail}");
    }
}

#[test]
fn worker_passes_the_scenario_suite() {
    run_list(scenarios::MAIN);
}

// The pending list gets a Worker of its own, and a test only when it is not empty.
macro_rules! worker_pending_test {
    (main: [$($main:ident),* $(,)?]; pending: [$(,)?]; native_only: [$($native:ident),* $(,)?];) => {};
    (main: [$($main:ident),* $(,)?]; pending: [$($pending:ident),+ $(,)?]; native_only: [$($native:ident),* $(,)?];) => {
        #[test]
        #[ignore = "pending (see scenario_lists! in tests/support/scenarios.rs)"]
        fn worker_passes_the_pending_scenarios() {
            run_list(scenarios::PENDING);
        }
    };
}

scenarios::scenario_lists!(worker_pending_test);

fn kept_rows(t: &WorkerTarget) -> Vec<serde_json::Value> {
    t.server.query_json(
        "SELECT path, state, pending_text, pending_error FROM editor_posts WHERE pending_text IS NOT NULL",
    )
}

/// The online editor on the Worker commits through a forge (a local server speaking the
/// Forgejo/Gitea contents API): a teacher's draft and publication arrive as commits with
/// the right path, author, message and branch, with the token; the editor says the post
/// will be online in a few minutes and shows it "en cours de publication" until the
/// rebuilt site serves it; with the forge down the save is kept in D1, then sent on the
/// next visit or by the cron; a file changed in the forge meanwhile gives the conflict
/// page (409); parents and another class's teacher cannot write into the class.
#[test]
fn worker_editor_commits_through_the_forge() {
    if worker::skipped() {
        return;
    }
    let forge = MockForge::start("jeton-de-test-forge");
    let extra = worker::Extra {
        vars: vec![
            ("FORGE_KIND".into(), "forgejo".into()),
            ("FORGE_API".into(), forge.api()),
            ("FORGE_REPO".into(), "ville/contenu".into()),
            ("FORGE_BRANCH".into(), "main".into()),
            ("FORGE_MAIL_DOMAIN".into(), "ent.scenarios.example".into()),
        ],
        secrets: vec![("FORGE_TOKEN".into(), forge.token.clone())],
    };
    let t = WorkerTarget::start_with(&extra);
    let run =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| editor_on_forge(&t, &forge)));
    if let Err(e) = run {
        let log = t.server.log();
        let tail: Vec<&str> = log.lines().rev().take(40).collect();
        eprintln!("--- wrangler dev (end) ---");
        for l in tail.into_iter().rev() {
            eprintln!("{l}");
        }
        std::panic::resume_unwind(e);
    }
}

fn editor_on_forge(t: &WorkerTarget, forge: &MockForge) {
    let mut teacher = scenarios::member(t, "forge.prof", "teacher", Some(scenarios::CLASS));
    let mut parent = scenarios::member(t, "forge.parent", "parent", Some(scenarios::CLASS));
    let mut other = scenarios::member(t, "forge.autre", "teacher", Some(scenarios::OTHER_CLASS));
    let path = "ecoles/ecole-a/classes/ce1/2026-10-21-le-marche.md";
    let repo_path = format!("content/{path}");

    // A draft: one commit, created with POST, by the teacher at the town's domain.
    let r = save(
        &mut teacher,
        "portee=classe:ecole-a/ce1",
        "Le marché",
        "Au marché. MARCHE-CE1",
        "brouillon",
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let c = forge.commits();
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!(c[0].path, repo_path);
    assert_eq!(c[0].method, "POST");
    assert_eq!(c[0].branch, "main");
    assert_eq!(c[0].author_name, "forge.prof");
    assert_eq!(c[0].author_email, "forge.prof@ent.scenarios.example");
    assert_eq!(c[0].message, "Brouillon : « Le marché »");
    assert!(
        c[0].text.contains("draft = true") && c[0].text.contains("MARCHE-CE1"),
        "{}",
        c[0].text
    );

    // Published: a second commit (PUT over the draft's sha); online in a few minutes.
    let r = save(
        &mut teacher,
        &format!("chemin={path}"),
        "Le marché",
        "Au marché. MARCHE-CE1",
        "publier",
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let c = forge.commits();
    assert_eq!(c.len(), 2, "{c:?}");
    assert_eq!(c[1].method, "PUT");
    assert_eq!(c[1].message, "Publication : « Le marché »");
    assert!(!c[1].text.contains("draft"), "{}", c[1].text);
    let list = teacher.get(r.location());
    assert_eq!(list.status, 200);
    assert!(list.body.contains("quelques minutes"), "{}", list.body);
    assert!(
        list.body.contains("en cours de publication"),
        "{}",
        list.body
    );
    assert_eq!(
        forge.unauthorised.load(std::sync::atomic::Ordering::SeqCst),
        0
    );

    // Someone adds a tag with Git; then the forge is down: the edit is kept in D1 (made
    // from the form alone), nothing is lost, the teacher is told. (The editor was opened
    // before: opening it needs the forge, or a kept save.)
    let tagged = forge.files()[&repo_path].replacen("+++\n", "+++\ntags = [\"marche\"]\n", 1);
    forge.push_from_elsewhere(&repo_path, &tagged);
    let page = teacher.get(&format!("/espace/ecrire/article/?chemin={path}"));
    forge.set_down(true);
    let r = send_form(
        &mut teacher,
        &page.body,
        "Le marché",
        "Au marché, avec des pommes. MARCHE-CE1",
        "publier",
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(r.location().contains("fait=garde"), "{}", r.location());
    let page = teacher.get(r.location());
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("rien n&#39;est perdu") || page.body.contains("rien n'est perdu"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("avec des pommes"),
        "the kept text is shown"
    );
    let kept = kept_rows(t);
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(forge.commits().len(), 2);
    // Saved again while down: still one kept save, the newest text.
    let r = send_form(
        &mut teacher,
        &page.body,
        "Le marché",
        "Au marché, avec des poires. MARCHE-CE1",
        "publier",
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let kept = kept_rows(t);
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(
        kept[0]["pending_text"]
            .as_str()
            .unwrap_or("")
            .contains("poires"),
        "{kept:?}"
    );

    // Back up: the next visit of the editor sends it, as the commit it was meant to be.
    forge.set_down(false);
    let list = teacher.get("/espace/ecrire/");
    assert_eq!(list.status, 200);
    let c = forge.commits();
    assert_eq!(c.len(), 3, "{c:?}");
    assert!(
        c[2].text.contains("poires") && c[2].author_email == "forge.prof@ent.scenarios.example"
    );
    assert!(
        c[2].text.contains("tags = [\"marche\"]"),
        "the key added with Git is kept: {}",
        c[2].text
    );
    assert!(kept_rows(t).is_empty());

    // Down again, then the cron sends it.
    let page = teacher.get(&format!("/espace/ecrire/article/?chemin={path}"));
    forge.set_down(true);
    let r = send_form(
        &mut teacher,
        &page.body,
        "Le marché",
        "Au marché, avec des prunes. MARCHE-CE1",
        "publier",
    );
    assert!(r.location().contains("fait=garde"), "{}", r.location());
    forge.set_down(false);
    t.server.run_cron();
    let c = forge.commits();
    assert_eq!(c.len(), 4, "{c:?}");
    assert!(c[3].text.contains("prunes"));
    assert!(kept_rows(t).is_empty());

    // Someone pushes the file from elsewhere while the teacher writes: 409, nothing lost.
    let page = teacher.get(&format!("/espace/ecrire/article/?chemin={path}"));
    let theirs = forge
        .file(&repo_path)
        .unwrap_or_default()
        .replace("prunes", "cerises");
    forge.push_from_elsewhere(&repo_path, &theirs);
    let r = send_form(
        &mut teacher,
        &page.body,
        "Le marché",
        "Ma version. MARCHE-CE1",
        "publier",
    );
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("Ma version"), "the text is shown again");
    assert_eq!(forge.commits().len(), 4);
    assert!(forge
        .file(&repo_path)
        .unwrap_or_default()
        .contains("cerises"));

    // Parents and another class's teacher cannot write into the class.
    for b in [&mut parent, &mut other] {
        let csrf = b.get("/espace/").csrf();
        for (k, v) in [("portee", "classe:ecole-a/ce1"), ("chemin", path)] {
            let r = b.post(
                "/espace/ecrire/article/",
                &[
                    ("csrf", &csrf),
                    (k, v),
                    ("titre", "Intrus"),
                    ("texte", "x"),
                    ("action", "publier"),
                ],
            );
            assert_eq!(r.status, 403, "{k}={v}: {}", r.body);
        }
    }
    assert_eq!(forge.commits().len(), 4);

    // A broken link or an image without alternative text cannot be published (the checks
    // the Worker makes without the generator), and nothing reaches the forge.
    for text in ["Voir [ici](/nulle-part/).", "![](/theme/logo.svg)"] {
        let r = save(
            &mut teacher,
            "portee=classe:ecole-a/ce1",
            "Erreurs",
            text,
            "publier",
        );
        assert_eq!(r.status, 422, "{text}: {}", r.body);
        assert!(r.body.contains("ligne 1"), "{text}: {}", r.body);
    }
    assert_eq!(forge.commits().len(), 4);

    // The deploy workflow builds what the forge holds: the post is served, the parent of
    // the class reads it, and the editor no longer says "en cours de publication".
    assert!(!parent
        .get("/ecoles/ecole-a/classes/ce1/le-marche/")
        .body
        .contains("MARCHE-CE1"));
    deploy_from_forge(t, forge);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let page = parent.get("/ecoles/ecole-a/classes/ce1/le-marche/");
        if page.status == 200 && page.body.contains("MARCHE-CE1") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the rebuilt site never served the post"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    std::thread::sleep(Duration::from_secs(1));
    let list = teacher.get("/espace/ecrire/");
    assert!(list.body.contains("Le marché"), "{}", list.body);
    assert!(
        !list.body.contains("en cours de publication"),
        "{}",
        list.body
    );

    // A photo added from the editor itself (the same journey as `preau serve`'s
    // scenario): stored in R2 through the uploads' core, its snippet committed to the
    // forge with the text, served after the deploy to the class only.
    support::editor::photo_journey(t, "forge.photo", &|parent, url| {
        deploy_from_forge(t, forge);
        let deadline = Instant::now() + Duration::from_secs(60);
        while parent.get(url).status != 200 {
            assert!(
                Instant::now() < deadline,
                "the rebuilt site never served {url}"
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    });
}

/// What the deploy workflow does after a push: build the forge's content and serve it.
fn deploy_from_forge(t: &WorkerTarget, forge: &MockForge) {
    for (p, text) in forge.files() {
        let rel = p.strip_prefix("content/").expect("content/");
        let dest = t.content.join(rel);
        std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
        std::fs::write(dest, text).expect("write");
    }
    build_ok(&t.content, &t.site);
}
