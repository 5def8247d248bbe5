//! The online editor in process: a copy of the scenario fixture as a Git repository, built
//! by the generator, whose preview and incremental rebuild the repository uses (as `preau
//! serve` does), on the test platform. Who writes where, drafts, proposals and validation,
//! the path and front matter attacks, the checks on save, concurrency, and the history.

mod support;

use http::{Method, StatusCode};
use preau_edge::accounts::Role;
use preau_edge::native::GitRepo;
use preau_edge::store::repo::{Preview, Problem};
use preau_edge::testing::{block_on, TestPlatform};
use preau_edge::{Edge, EdgeConfig};
use preau_generator::{BuildError, BuildOptions, Generator};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use support::{copy_dir, git, input, text, World, FORM, NOW};

const CE1: &str = "ecoles/ecole-a/classes/ce1";
const CE1_URL: &str = "/ecoles/ecole-a/classes/ce1/";
const HOOK_SECRET: &[u8] = b"secret-partage-avec-la-forge-de-test";

struct Site {
    w: World,
    content: PathBuf,
    public: PathBuf,
}

fn problems(e: BuildError) -> Vec<Problem> {
    match e {
        BuildError::Content(list) => list
            .into_iter()
            .map(|c| Problem {
                line: c.line,
                message: c.message,
                hint: c.hint,
            })
            .collect(),
        other => vec![Problem {
            line: None,
            message: other.to_string(),
            hint: None,
        }],
    }
}

/// The scenario fixture as a fresh Git repository, built, served by an edge whose
/// content repository is that working tree.
fn site_with(pupil_posts: bool) -> Site {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    let public = dir.path().join("public");
    copy_dir(&root.join("tests/fixtures/scenario-site"), &content);
    if pupil_posts {
        let index = content.join(CE1).join("_index.md");
        let t = std::fs::read_to_string(&index).unwrap();
        std::fs::write(&index, t.replacen("+++\n", "+++\npupil_posts = true\n", 1)).unwrap();
    }
    git(&content, &["init", "--quiet", "-b", "main"]);
    git(&content, &["add", "-A"]);
    git(&content, &["commit", "--quiet", "-m", "Contenu initial"]);
    let mut g = Generator::new(BuildOptions {
        content: content.clone(),
        theme: root.join("themes/default"),
        output: public.clone(),
    })
    .unwrap();
    g.build(&|_, _| {}).unwrap();
    let g = Arc::new(Mutex::new(g));
    let (gp, gr) = (g.clone(), g.clone());
    let repo = GitRepo::open(
        &content,
        "alpha.test",
        Box::new(
            move |path, text| match gp.lock().unwrap().preview(Path::new(path), text) {
                Ok(html) => Preview::Page(html),
                Err(e) => Preview::Problems(problems(e)),
            },
        ),
        Box::new(move |paths: &[String]| {
            let rels: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
            gr.lock()
                .unwrap()
                .rebuild(&rels, &|_, _| {})
                .map(|_| ())
                .map_err(|e| e.to_string())
        }),
    )
    .unwrap();
    let mut platform = TestPlatform::new(&public, NOW).unwrap();
    platform.disk = Some(public.clone());
    platform.git = Some(repo);
    let mut config = EdgeConfig::new(vec![7u8; 32]).unwrap();
    config.repo_hook_secret = Some(HOOK_SECRET.to_vec());
    let edge = block_on(Edge::new(platform, config)).unwrap();
    Site {
        w: World::with_edge(edge, dir),
        content,
        public,
    }
}

fn site() -> Site {
    site_with(false)
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl Site {
    fn post(&self, uri: &str, cookie: &str, fields: &[(&str, &str)]) -> preau_edge::respond::Resp {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.w
            .send(Method::POST, uri, cookie, FORM, body.into_bytes())
    }

    /// Open the editor (`query`: `portee=…` or `chemin=…`) and send it with `action`.
    fn save(
        &self,
        cookie: &str,
        query: &str,
        title: &str,
        body: &str,
        action: &str,
        extra: &[(&str, &str)],
    ) -> preau_edge::respond::Resp {
        let page = self
            .w
            .get(&format!("/espace/ecrire/article/?{query}"), cookie);
        assert_eq!(page.status(), StatusCode::OK, "{}", text(&page));
        let html = text(&page);
        let csrf = input(&html, "csrf");
        let chemin = input(&html, "chemin");
        let portee = input(&html, "portee");
        let base = input(&html, "base");
        let mut fields = vec![
            ("csrf", csrf.as_str()),
            ("chemin", chemin.as_str()),
            ("portee", portee.as_str()),
            ("base", base.as_str()),
            ("titre", title),
            ("date", "2026-10-20"),
            ("texte", body),
            ("commentaires", "1"),
            ("action", action),
        ];
        fields.extend_from_slice(extra);
        self.post("/espace/ecrire/article/", cookie, &fields)
    }

    fn log(&self) -> Vec<String> {
        git(&self.content, &["log", "--format=%an <%ae>|%s"])
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn files(&self) -> Vec<String> {
        let out = git(&self.content, &["ls-files", "--others", "--cached"]);
        out.lines().map(str::to_string).collect()
    }

    fn audit(&self) -> Vec<String> {
        let rows = block_on(preau_edge::store::Db::query(
            &self.w.edge.platform,
            "SELECT actor || ' ' || action || ' ' || outcome || ' ' || target FROM audit_log ORDER BY id",
            &[],
        ))
        .unwrap();
        rows.into_iter()
            .filter_map(|r| r.into_iter().next().and_then(|v| v.into_string()))
            .collect()
    }
}

fn location(r: &preau_edge::respond::Resp) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

fn path_of(location: &str) -> String {
    let q = location.split_once('?').map(|(_, q)| q).unwrap_or("");
    form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == "chemin")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[test]
fn a_teacher_writes_previews_and_publishes_and_only_the_class_reads_it() {
    let s = site();
    let teacher = s.w.member("enseignant.ce1", Role::Teacher, "ecole-a/ce1");
    let parent = s.w.member("parent.ce1", Role::Parent, "ecole-a/ce1");
    let other = s.w.member("parent.cp", Role::Parent, "ecole-a/cp");
    let list = s.w.get("/espace/ecrire/", &teacher);
    assert_eq!(list.status(), StatusCode::OK);
    assert!(
        text(&list).contains("portee=classe%3Aecole-a%2Fce1"),
        "{}",
        text(&list)
    );
    assert!(text(&s.w.get("/espace/", &teacher)).contains("/espace/ecrire/"));
    let history = s.log().len();

    // A draft: one commit, by the teacher at the town's domain; not built, not listed.
    let body = "Nous avons planté des **tomates**. Mot témoin EDITEUR-CE1.";
    let r = s.save(
        &teacher,
        "portee=classe:ecole-a/ce1",
        "Les tomates",
        body,
        "brouillon",
        &[],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", text(&r));
    let path = path_of(&location(&r));
    assert_eq!(path, format!("{CE1}/2026-10-20-les-tomates.md"));
    let file = std::fs::read_to_string(s.content.join(&path)).unwrap();
    assert!(file.contains("draft = true"), "{file}");
    assert_eq!(s.log().len(), history + 1);
    assert_eq!(
        s.log()[0],
        "enseignant.ce1 <enseignant.ce1@alpha.test>|Brouillon : « Les tomates »"
    );
    let url = format!("{CE1_URL}les-tomates/");
    assert_ne!(s.w.get(&url, &parent).status(), StatusCode::OK);

    // The preview is the built page, with the theme, shown to its author only.
    let r = s.save(
        &teacher,
        &format!("chemin={path}"),
        "Les tomates",
        body,
        "apercu",
        &[],
    );
    assert_eq!(r.status(), StatusCode::OK, "{}", text(&r));
    let html = text(&r);
    assert!(html.contains("EDITEUR-CE1") && html.contains("<strong>tomates</strong>"));
    // The theme's stylesheet, under its fingerprinted name.
    assert!(html.contains("preview-banner") && html.contains("/theme/style."));
    assert_eq!(r.headers()["cache-control"], "private, no-store");
    assert_eq!(s.log().len(), history + 1, "a preview commits nothing");

    // Publish: online at once for the class's families, not for another class's.
    let r = s.save(
        &teacher,
        &format!("chemin={path}"),
        "Les tomates",
        body,
        "publier",
        &[],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", text(&r));
    assert!(location(&r).starts_with("/espace/ecrire/?fait=publie"));
    let file = std::fs::read_to_string(s.content.join(&path)).unwrap();
    assert!(!file.contains("draft"), "{file}");
    let page = s.w.get(&url, &parent);
    assert_eq!(page.status(), StatusCode::OK);
    assert!(text(&page).contains("EDITEUR-CE1"));
    assert!(text(&s.w.get(CE1_URL, &parent)).contains("Les tomates"));
    assert_eq!(s.w.get(&url, &other).status(), StatusCode::FORBIDDEN);
    assert_eq!(s.w.get(&url, "").status(), StatusCode::SEE_OTHER);
    let list = text(&s.w.get(&location(&r), &teacher));
    assert!(list.contains(&url), "{list}");

    // Editing the published post is one more commit; the page changes at once.
    let r = s.save(
        &teacher,
        &format!("chemin={path}"),
        "Les tomates",
        "Elles ont poussé. EDITEUR-V2",
        "publier",
        &[],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", text(&r));
    assert!(text(&s.w.get(&url, &parent)).contains("EDITEUR-V2"));
    let log = s.log();
    assert_eq!(log.len(), history + 3);
    assert_eq!(
        log[0],
        "enseignant.ce1 <enseignant.ce1@alpha.test>|Modification : « Les tomates »"
    );
    assert_eq!(
        log[1],
        "enseignant.ce1 <enseignant.ce1@alpha.test>|Publication : « Les tomates »"
    );

    // Unpublishing is a commit too, and the page is gone.
    let r = s.save(
        &teacher,
        &format!("chemin={path}"),
        "Les tomates",
        "x",
        "depublier",
        &[],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", text(&r));
    assert_ne!(s.w.get(&url, &parent).status(), StatusCode::OK);
    assert_eq!(s.log().len(), history + 4);
    let audit = s.audit().join("\n");
    for a in [
        "post_save success",
        "post_publish success",
        "post_unpublish success",
    ] {
        assert!(audit.contains(&format!("enseignant.ce1 {a}")), "{audit}");
    }
}

#[test]
fn a_partner_proposes_and_a_teacher_validates_or_refuses() {
    let s = site();
    let teacher = s.w.member("enseignant.ce1", Role::Teacher, "ecole-a/ce1");
    let partner = s.w.member("partenaire", Role::Partner, "ecole-a/ce1");
    let parent = s.w.member("parent.ce1", Role::Parent, "ecole-a/ce1");
    let r = s.save(
        &partner,
        "portee=classe:ecole-a/ce1",
        "Atelier musique",
        "On a joué du djembé. PARTENAIRE-CE1",
        "proposer",
        &[],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", text(&r));
    let path = path_of(&location(&r));
    let url = format!("{CE1_URL}atelier-musique/");
    assert_ne!(s.w.get(&url, &parent).status(), StatusCode::OK);
    // A partner cannot publish directly: "publier" from a proposer is a proposal.
    let form = text(&s.w.get(&format!("/espace/ecrire/article/?chemin={path}"), &partner));
    assert!(form.contains("value=\"proposer\"") && !form.contains("value=\"publier\""));

    let list = text(&s.w.get("/espace/ecrire/", &teacher));
    assert!(
        list.contains("Atelier musique") && list.contains("partenaire"),
        "{list}"
    );
    let editor = text(&s.w.get(
        &format!("/espace/ecrire/article/?chemin={}", enc(&path)),
        &teacher,
    ));
    let csrf = input(&editor, "csrf");
    // The partner cannot validate their own proposal.
    let pcsrf = input(&form, "csrf");
    let r = s.post(
        "/espace/ecrire/valider/",
        &partner,
        &[("csrf", &pcsrf), ("chemin", &path), ("decision", "publier")],
    );
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let r = s.post(
        "/espace/ecrire/valider/",
        &teacher,
        &[
            ("csrf", &csrf),
            ("chemin", &path),
            ("decision", "refuser"),
            ("motif", "Ajoutez une photo"),
        ],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let mine = text(&s.w.get("/espace/ecrire/", &partner));
    assert!(mine.contains("Ajoutez une photo"), "{mine}");
    let r = s.save(
        &partner,
        &format!("chemin={path}"),
        "Atelier musique",
        "On a joué du djembé. PARTENAIRE-CE1",
        "proposer",
        &[],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", text(&r));
    let r = s.post(
        "/espace/ecrire/valider/",
        &teacher,
        &[("csrf", &csrf), ("chemin", &path), ("decision", "publier")],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", text(&r));
    assert!(text(&s.w.get(&url, &parent)).contains("PARTENAIRE-CE1"));
    let log = s.log();
    assert!(log[0].starts_with("enseignant.ce1 <enseignant.ce1@alpha.test>|Validation : « Atelier musique », proposé par partenaire"), "{log:?}");
    assert!(
        log[1].starts_with("partenaire <partenaire@alpha.test>|Proposition"),
        "{log:?}"
    );
    let audit = s.audit().join("\n");
    for a in [
        "partenaire post_submit success",
        "enseignant.ce1 post_refuse success",
        "enseignant.ce1 post_validate success",
        "partenaire post_validate denied",
    ] {
        assert!(audit.contains(a), "{a}\n{audit}");
    }
}

#[test]
fn a_draft_is_seen_by_nobody_else() {
    let s = site();
    let teacher = s.w.member("enseignant.ce1", Role::Teacher, "ecole-a/ce1");
    let colleague = s.w.member("enseignant2.ce1", Role::Teacher, "ecole-a/ce1");
    let director = s.w.member("directeur", Role::Director, "ecole-a");
    let r = s.save(
        &teacher,
        "portee=classe:ecole-a/ce1",
        "Secret de Noël",
        "Surprise",
        "brouillon",
        &[],
    );
    let path = path_of(&location(&r));
    for who in [&colleague, &director] {
        assert!(!text(&s.w.get("/espace/ecrire/", who)).contains("Secret de Noël"));
        let r =
            s.w.get(&format!("/espace/ecrire/article/?chemin={path}"), who);
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    assert!(text(&s.w.get("/espace/ecrire/", &teacher)).contains("Secret de Noël"));
}

#[test]
fn parents_pupils_and_other_classes_cannot_write_into_the_class() {
    let s = site_with(false);
    let teacher = s.w.member("enseignant.ce1", Role::Teacher, "ecole-a/ce1");
    let csrf = input(
        &text(&s.w.get(
            "/espace/ecrire/article/?portee=classe:ecole-a/ce1",
            &teacher,
        )),
        "csrf",
    );
    let files = s.files();
    let history = s.log().len();
    for (login, role, scope) in [
        ("parent.ce1", Role::Parent, "ecole-a/ce1"),
        ("eleve.ce1", Role::Pupil, "ecole-a/ce1"),
        ("enseignant.cp", Role::Teacher, "ecole-a/cp"),
        ("municipal", Role::Municipal, "ecole-a"),
    ] {
        let who = s.w.member(login, role, scope);
        let r =
            s.w.get("/espace/ecrire/article/?portee=classe:ecole-a/ce1", &who);
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{login}");
        // Even with a valid form of their own session.
        let page = s.w.get("/espace/", &who);
        let own = input(&text(&page), "csrf");
        let r = s.post(
            "/espace/ecrire/article/",
            &who,
            &[
                ("csrf", &own),
                ("portee", "classe:ecole-a/ce1"),
                ("titre", "Intrus"),
                ("texte", "x"),
                ("action", "publier"),
            ],
        );
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{login}");
        assert!(s
            .audit()
            .iter()
            .any(|a| a.starts_with(&format!("{login} post_save denied"))));
    }
    // CSRF: the teacher's post without the token, or with another session's.
    for token in ["", "faux"] {
        let r = s.post(
            "/espace/ecrire/article/",
            &teacher,
            &[
                ("csrf", token),
                ("portee", "classe:ecole-a/ce1"),
                ("titre", "X"),
                ("texte", "x"),
                ("action", "publier"),
            ],
        );
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    let _ = csrf;
    assert_eq!(s.files(), files);
    assert_eq!(s.log().len(), history);
    // Pupils propose where the class allows it.
    let s = site_with(true);
    let pupil = s.w.member("eleve.ce1", Role::Pupil, "ecole-a/ce1");
    let r = s.save(
        &pupil,
        "portee=classe:ecole-a/ce1",
        "Mon poème",
        "Les feuilles tombent.",
        "proposer",
        &[],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", text(&r));
}

#[test]
fn crafted_titles_and_paths_never_write_outside_the_class_folder() {
    let s = site();
    let teacher = s.w.member("enseignant.ce1", Role::Teacher, "ecole-a/ce1");
    let page = text(&s.w.get(
        "/espace/ecrire/article/?portee=classe:ecole-a/ce1",
        &teacher,
    ));
    let csrf = input(&page, "csrf");
    let before = s.files();
    let long = "x".repeat(5000);
    let hostile_paths = [
        "../../../etc/passwd",
        "/etc/passwd",
        "ecoles/ecole-a/classes/ce1/../cp/2026-10-20-x.md",
        "ecoles/ecole-a/classes/ce1/2026-10-20-x.md\u{0}.txt",
        "ecoles/ecole-a/classes/cp/2026-10-20-x.md",
        "ecoles/ecole-a/classes/ce1/_index.md",
        "ecoles/ecole-a/classes/ce1/2026-10-20-\u{0445}.md",
        "ecoles\\ecole-a\\classes\\ce1\\x.md",
        "charte/parents.md",
        long.as_str(),
    ];
    for p in hostile_paths {
        let r = s.post(
            "/espace/ecrire/article/",
            &teacher,
            &[
                ("csrf", &csrf),
                ("chemin", p),
                ("titre", "X"),
                ("texte", "x"),
                ("action", "publier"),
            ],
        );
        assert!(
            matches!(r.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{p:?} {}",
            r.status()
        );
    }
    assert_eq!(s.files(), before);
    let titles = [
        "../../../../etc/passwd",
        "/etc/passwd",
        "..\\..\\windows",
        "nul\u{0}byte",
        "ｅｔｃ／ｐａｓｓｗｄ",
        "․․∕․․∕secret",
        &"très long titre ".repeat(12),
    ];
    for t in titles {
        let r = s.save(
            &teacher,
            "portee=classe:ecole-a/ce1",
            t,
            "Texte.",
            "brouillon",
            &[],
        );
        assert!(
            matches!(
                r.status(),
                StatusCode::SEE_OTHER | StatusCode::UNPROCESSABLE_ENTITY
            ),
            "{t:?}: {}",
            r.status()
        );
    }
    for f in s.files() {
        if !before.contains(&f) {
            assert!(
                f.starts_with(&format!("{CE1}/2026-10-20-"))
                    && f.ends_with(".md")
                    && !f.contains(".."),
                "{f}"
            );
        }
    }
    assert!(s.files().len() > before.len());
    // Nothing appeared outside the content folder either.
    assert!(!s.content.parent().unwrap().join("etc").exists());
}

#[test]
fn front_matter_cannot_be_changed_through_the_title_or_the_text() {
    let s = site();
    let teacher = s.w.member("enseignant.ce1", Role::Teacher, "ecole-a/ce1");
    let title = "Sortie\nvisibility = \"public\"\ndraft = false";
    let body = "+++\nvisibility = \"public\"\ncomments = true\n+++\n\nvisibility = \"public\"";
    let r = s.save(
        &teacher,
        "portee=classe:ecole-a/ce1",
        title,
        body,
        "publier",
        &[("visibilite", "class")],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", text(&r));
    let path = path_of(&location(&r));
    let file = std::fs::read_to_string(s.content.join(&path)).unwrap();
    let doc = preau_edge::writing::Document::parse(&file).unwrap();
    assert_eq!(doc.meta.get("visibility"), None, "{file}");
    assert_eq!(doc.title(), "Sortie visibility = \"public\" draft = false");
    let manifest: preau_edge::access::Manifest =
        serde_json::from_slice(&std::fs::read(s.public.join("_preau/manifest.json")).unwrap())
            .unwrap();
    let built = manifest
        .files
        .iter()
        .find(|(k, _)| k.starts_with("ecoles/ecole-a/classes/ce1/sortie-visibility"))
        .map(|(_, a)| a.visibility);
    assert_eq!(built, Some(preau_edge::access::Visibility::Class), "{file}");
    // A visibility the blog does not offer is refused.
    let r = s.save(
        &teacher,
        "portee=classe:ecole-a/ce1",
        "Note",
        "x",
        "publier",
        &[("visibilite", "internal")],
    );
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[test]
fn a_post_with_errors_cannot_be_published_and_the_errors_show_their_line() {
    let s = site();
    let teacher = s.w.member("enseignant.ce1", Role::Teacher, "ecole-a/ce1");
    let history = s.log().len();
    let body = "Premier paragraphe.\n\nVoir [la page](/nulle-part/).\n\n![](photo-absente.jpg)";
    let r = s.save(
        &teacher,
        "portee=classe:ecole-a/ce1",
        "Avec erreurs",
        body,
        "publier",
        &[],
    );
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = text(&r);
    assert!(
        html.contains("ligne 3") && html.contains("lien cassé"),
        "{html}"
    );
    assert!(
        html.contains("ligne 5") && html.contains("texte alternatif"),
        "{html}"
    );
    assert!(
        html.contains("Voir [la page](/nulle-part/)"),
        "the text is kept"
    );
    assert_eq!(s.log().len(), history, "nothing committed");
    // Saved as a draft, it is kept with the same warnings.
    let r = s.save(
        &teacher,
        "portee=classe:ecole-a/ce1",
        "Avec erreurs",
        body,
        "brouillon",
        &[],
    );
    assert_eq!(r.status(), StatusCode::OK);
    assert!(text(&r).contains("ligne 3"));
    assert_eq!(s.log().len(), history + 1);
}

#[test]
fn two_editors_of_one_post_do_not_overwrite_each_other() {
    let s = site();
    let teacher = s.w.member("enseignant.ce1", Role::Teacher, "ecole-a/ce1");
    let r = s.save(
        &teacher,
        "portee=classe:ecole-a/ce1",
        "Piscine",
        "Version 1",
        "publier",
        &[],
    );
    let path = path_of(&location(&r));
    // Two tabs open the same post.
    let open = text(&s.w.get(&format!("/espace/ecrire/article/?chemin={path}"), &teacher));
    let (csrf, base) = (input(&open, "csrf"), input(&open, "base"));
    let r = s.save(
        &teacher,
        &format!("chemin={path}"),
        "Piscine",
        "Version 2",
        "publier",
        &[],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let fields = [
        ("csrf", csrf.as_str()),
        ("chemin", path.as_str()),
        ("base", base.as_str()),
        ("titre", "Piscine"),
        ("date", "2026-10-20"),
        ("texte", "Version 3 de l'autre onglet"),
        ("action", "publier"),
    ];
    let r = s.post("/espace/ecrire/article/", &teacher, &fields);
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(
        text(&r).contains("Quelqu&#39;un d&#39;autre a modifié")
            || text(&r).contains("Quelqu'un d'autre a modifié"),
        "{}",
        text(&r)
    );
    assert!(
        text(&r).contains("Version 3 de l&#39;autre onglet")
            || text(&r).contains("Version 3 de l'autre onglet")
    );
    let file = std::fs::read_to_string(s.content.join(&path)).unwrap();
    assert!(file.contains("Version 2"));
}

#[test]
fn the_history_has_one_commit_per_save_with_the_author() {
    let s = site();
    let teacher =
        s.w.member_named("marie.durand", "Marie Durand", Role::Teacher, "ecole-a/ce1");
    let start = s.log().len();
    let r = s.save(
        &teacher,
        "portee=classe:ecole-a/ce1",
        "Un",
        "1",
        "brouillon",
        &[],
    );
    let path = path_of(&location(&r));
    s.save(
        &teacher,
        &format!("chemin={path}"),
        "Un",
        "2",
        "brouillon",
        &[],
    );
    s.save(
        &teacher,
        &format!("chemin={path}"),
        "Un",
        "3",
        "publier",
        &[],
    );
    let log = s.log();
    assert_eq!(log.len(), start + 3);
    for l in &log[..3] {
        assert!(
            l.starts_with("Marie Durand <marie.durand@alpha.test>|"),
            "{l}"
        );
    }
    let committer = git(&s.content, &["log", "-1", "--format=%cn <%ce>"]);
    assert_eq!(committer.trim(), "Préau <preau@alpha.test>");
}

#[test]
fn a_save_commits_only_its_post_even_with_changes_staged_by_hand() {
    let s = site();
    let teacher = s.w.member("prof.ce1", Role::Teacher, "ecole-a/ce1");
    // Someone on the server staged a change to the charter and a new file, not committed.
    let charter = s.content.join("charte/parents.md");
    assert!(charter.is_file(), "the fixture has a parents' charter");
    let mut charter_text = std::fs::read_to_string(&charter).unwrap();
    charter_text.push_str("\nAJOUT-A-LA-MAIN\n");
    std::fs::write(&charter, &charter_text).unwrap();
    std::fs::write(s.content.join("brouillon-admin.md"), "pas pour la classe").unwrap();
    git(
        &s.content,
        &["add", "charte/parents.md", "brouillon-admin.md"],
    );
    let r = s.save(
        &teacher,
        "portee=classe:ecole-a/ce1",
        "Sortie au musée",
        "Nous avons vu des tableaux.",
        "publier",
        &[],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", text(&r));
    let path = path_of(&location(&r));
    let changed = git(&s.content, &["show", "--name-only", "--format=", "HEAD"]);
    assert_eq!(changed.trim(), path, "the commit holds the post only");
    // The hand-staged changes are still staged, and still not committed.
    let staged = git(&s.content, &["diff", "--cached", "--name-only"]);
    let mut staged: Vec<&str> = staged.lines().collect();
    staged.sort();
    assert_eq!(staged, ["brouillon-admin.md", "charte/parents.md"]);
    // Without anything staged the fast path gives the same kind of commit.
    git(&s.content, &["reset", "--quiet"]);
    let again = s.save(
        &teacher,
        &format!("chemin={path}"),
        "Sortie au musée",
        "Nous avons vu des tableaux et des statues.",
        "publier",
        &[],
    );
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    let changed = git(&s.content, &["show", "--name-only", "--format=", "HEAD"]);
    assert_eq!(changed.trim(), path);
    let status = git(&s.content, &["status", "--porcelain", "--", &path]);
    assert!(status.trim().is_empty(), "index and tree agree: {status}");
}

/// The content repository gets a bare remote (the forge), and a second clone of it (the
/// communication team's laptop).
fn with_remote(s: &Site) -> PathBuf {
    let top = s.content.parent().unwrap();
    let remote = top.join("forge.git");
    git(
        top,
        &[
            "init",
            "--quiet",
            "--bare",
            "-b",
            "main",
            remote.to_str().unwrap(),
        ],
    );
    git(
        &s.content,
        &["remote", "add", "origin", remote.to_str().unwrap()],
    );
    git(&s.content, &["push", "--quiet", "-u", "origin", "main"]);
    let laptop = top.join("laptop");
    git(
        top,
        &[
            "clone",
            "--quiet",
            remote.to_str().unwrap(),
            laptop.to_str().unwrap(),
        ],
    );
    laptop
}

fn push_from(laptop: &Path, path: &str, text: &str, message: &str) {
    let full = laptop.join(path);
    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
    std::fs::write(full, text).unwrap();
    git(laptop, &["add", "-A"]);
    git(laptop, &["commit", "--quiet", "-m", message]);
    git(laptop, &["push", "--quiet", "origin", "main"]);
}

/// The laptop pushes a kermesse post, then the teacher publishes « Les tomates » without
/// having it: the save is replayed on top of the push, with no conflict.
fn save_over_a_push(s: &Site, laptop: &Path, teacher: &str) {
    push_from(
        laptop,
        &format!("{CE1}/2026-10-21-kermesse.md"),
        "+++\ntitle = \"La kermesse\"\n+++\n\nMot témoin : KERMESSE-CE1.\n",
        "Kermesse",
    );
    let r = s.save(
        teacher,
        "portee=classe:ecole-a/ce1",
        "Les tomates",
        "TOMATES-CE1",
        "publier",
        &[],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", text(&r));
    assert!(!location(&r).contains("envoi="), "{}", location(&r));
}

fn hook(
    s: &Site,
    signature: Option<(&'static str, String)>,
    body: &[u8],
) -> preau_edge::respond::Resp {
    let mut req = http::Request::builder()
        .method(Method::POST)
        .uri("/_preau/depot")
        .header("host", "ent.test")
        .header("content-type", "application/json")
        .header("x-gitea-event", "push");
    if let Some((name, value)) = signature {
        req = req.header(name, value);
    }
    let req = req.body(body.to_vec()).unwrap();
    block_on(s.w.edge.handle(req, preau_edge::testing::local_client()))
}

/// The forge's signed push event: the server fetches and rebuilds.
fn sync_by_webhook(s: &Site) {
    let body = br#"{"ref":"refs/heads/main"}"#;
    let r = hook(
        s,
        Some(("x-gitea-signature", gitea_signature(HOOK_SECRET, body))),
        body,
    );
    assert_eq!(r.status(), StatusCode::OK, "{}", text(&r));
}

fn gitea_signature(secret: &[u8], body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap();
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn a_push_made_elsewhere_reaches_the_site_through_the_signed_webhook_only() {
    let s = site();
    let laptop = with_remote(&s);
    let parent = s.w.member("parent.ce1", Role::Parent, "ecole-a/ce1");
    let post = format!("{CE1}/2026-10-21-kermesse.md");
    push_from(
        &laptop,
        &post,
        "+++\ntitle = \"La kermesse\"\n+++\n\nÉcrit sur un portable (mot témoin : KERMESSE-CE1).\n",
        "Kermesse",
    );
    let url = format!("{CE1_URL}kermesse/");
    assert_ne!(s.w.get(&url, &parent).status(), StatusCode::OK);
    let body = br#"{"ref":"refs/heads/main"}"#;

    // Unsigned, signed with another secret, or a signature of another body: refused,
    // nothing fetched, and the refusal is in the audit log.
    for sig in [
        None,
        Some((
            "x-gitea-signature",
            gitea_signature(b"un autre secret de vingt caracteres", body),
        )),
        Some(("x-gitea-signature", gitea_signature(HOOK_SECRET, b"{}"))),
        Some(("x-hub-signature-256", gitea_signature(HOOK_SECRET, body))),
    ] {
        let r = hook(&s, sig, body);
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{}", text(&r));
    }
    assert!(!s.content.join(&post).exists());
    assert_ne!(s.w.get(&url, &parent).status(), StatusCode::OK);
    assert!(s
        .audit()
        .iter()
        .any(|l| l == "forge repo_sync denied webhook"));

    // Signed: fetched, built, served at once.
    let r = hook(
        &s,
        Some(("x-gitea-signature", gitea_signature(HOOK_SECRET, body))),
        body,
    );
    assert_eq!(r.status(), StatusCode::OK, "{}", text(&r));
    assert!(s.content.join(&post).is_file());
    let page = s.w.get(&url, &parent);
    assert_eq!(page.status(), StatusCode::OK);
    assert!(text(&page).contains("KERMESSE-CE1"));
    assert!(s
        .audit()
        .iter()
        .any(|l| l == "forge repo_sync success 1 fichier(s)"));
    // GitHub's header works the same way.
    let gh = format!("sha256={}", gitea_signature(HOOK_SECRET, body));
    assert_eq!(
        hook(&s, Some(("x-hub-signature-256", gh)), body).status(),
        StatusCode::OK
    );
}

#[test]
fn the_webhook_route_does_not_exist_without_a_secret() {
    let w = support::world();
    let r = w.send(
        Method::POST,
        "/_preau/depot",
        "",
        "application/json",
        b"{}".to_vec(),
    );
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[test]
fn a_save_while_someone_pushed_another_file_is_replayed_on_top_and_pushed() {
    let s = site();
    let laptop = with_remote(&s);
    let teacher = s.w.member("enseignant.ce1", Role::Teacher, "ecole-a/ce1");
    let parent = s.w.member("parent.ce1", Role::Parent, "ecole-a/ce1");
    save_over_a_push(&s, &laptop, &teacher);
    // Both are on the forge, the teacher's on top; both are served.
    git(&laptop, &["pull", "--quiet", "origin", "main"]);
    let log = git(&laptop, &["log", "--format=%an|%s", "-2"]);
    assert!(
        log.starts_with("enseignant.ce1|Publication : « Les tomates »\nTest|Kermesse"),
        "{log}"
    );
    assert!(text(&s.w.get(&format!("{CE1_URL}kermesse/"), &parent)).contains("KERMESSE-CE1"));
    assert!(text(&s.w.get(&format!("{CE1_URL}les-tomates/"), &parent)).contains("TOMATES-CE1"));
}

/// Changes made by hand in the server's checkout (staged or not) survive the replay of a
/// save on top of someone's push and the webhook's sync: never committed, never wiped,
/// and they do not turn a clean replay into a conflict.
#[test]
fn changes_made_by_hand_on_the_server_survive_a_replay_and_a_sync() {
    let s = site();
    let laptop = with_remote(&s);
    let teacher = s.w.member("enseignant.ce1", Role::Teacher, "ecole-a/ce1");
    let parent = s.w.member("parent.ce1", Role::Parent, "ecole-a/ce1");
    let charter = s.content.join("charte/parents.md");
    let mut by_hand = std::fs::read_to_string(&charter).unwrap();
    by_hand.push_str("\nAJOUT-A-LA-MAIN\n");
    std::fs::write(&charter, &by_hand).unwrap();
    std::fs::write(s.content.join("brouillon-admin.md"), "pas pour la classe").unwrap();
    git(&s.content, &["add", "brouillon-admin.md"]);
    let hand_made = |when: &str| {
        assert_eq!(
            std::fs::read_to_string(&charter).unwrap(),
            by_hand,
            "{when}: the edited charter"
        );
        assert_eq!(
            std::fs::read_to_string(s.content.join("brouillon-admin.md")).unwrap(),
            "pas pour la classe",
            "{when}: the staged new file"
        );
        let committed = git(&s.content, &["log", "--name-only", "--format="]);
        assert!(
            !committed.contains("brouillon-admin.md"),
            "{when}: {committed}"
        );
        assert!(
            !git(&s.content, &["show", "HEAD:charte/parents.md"]).contains("AJOUT-A-LA-MAIN"),
            "{when}: committed"
        );
        let conflicts = preau_edge::native::git::conflicts(&s.content).unwrap();
        assert!(conflicts.is_empty(), "{when}: {conflicts:?}");
    };

    // A save while the laptop pushed another file: replayed on top and pushed.
    save_over_a_push(&s, &laptop, &teacher);
    hand_made("after the replay");
    git(&laptop, &["pull", "--quiet", "origin", "main"]);
    let log = git(&laptop, &["log", "--format=%an|%s", "-2"]);
    assert!(log.starts_with("enseignant.ce1|Publication"), "{log}");
    assert!(!laptop.join("brouillon-admin.md").exists());

    // Another push, brought in by the signed webhook.
    push_from(
        &laptop,
        &format!("{CE1}/2026-10-22-chorale.md"),
        "+++\ntitle = \"La chorale\"\n+++\n\nMot témoin : CHORALE-CE1.\n",
        "Chorale",
    );
    sync_by_webhook(&s);
    hand_made("after the sync");
    assert!(text(&s.w.get(&format!("{CE1_URL}chorale/"), &parent)).contains("CHORALE-CE1"));
    assert!(text(&s.w.get(&format!("{CE1_URL}les-tomates/"), &parent)).contains("TOMATES-CE1"));
}

/// A change made by hand that the forge's new version contradicts is not applied half-way
/// (the site never builds conflict markers): the checkout follows the forge and the change
/// waits in `git stash list`.
#[test]
fn a_hand_change_the_forge_contradicts_waits_in_the_stash() {
    let s = site();
    let laptop = with_remote(&s);
    let charter = "charte/parents.md";
    let original = std::fs::read_to_string(s.content.join(charter)).unwrap();
    std::fs::write(
        s.content.join(charter),
        format!("{original}\nVERSION-DU-SERVEUR\n"),
    )
    .unwrap();
    push_from(
        &laptop,
        charter,
        &format!("{original}\nVERSION-DE-LA-FORGE\n"),
        "Charte relue",
    );
    sync_by_webhook(&s);
    let now = std::fs::read_to_string(s.content.join(charter)).unwrap();
    assert!(now.contains("VERSION-DE-LA-FORGE"), "{now}");
    assert!(
        !now.contains("<<<<<<<") && !now.contains("VERSION-DU-SERVEUR"),
        "{now}"
    );
    let status = git(
        &s.content,
        &["status", "--porcelain", "--untracked-files=no"],
    );
    assert!(status.trim().is_empty(), "{status}");
    let stashes = git(&s.content, &["stash", "list"]);
    assert!(
        stashes.contains("modifications faites à la main"),
        "{stashes}"
    );
    let kept = git(&s.content, &["stash", "show", "-p", "stash@{0}"]);
    assert!(kept.contains("VERSION-DU-SERVEUR"), "{kept}");
}

#[test]
fn a_conflicting_save_is_kept_on_a_branch_and_its_author_is_told() {
    let s = site();
    let laptop = with_remote(&s);
    let teacher = s.w.member("enseignant.ce1", Role::Teacher, "ecole-a/ce1");
    let parent = s.w.member("parent.ce1", Role::Parent, "ecole-a/ce1");
    let r = s.save(
        &teacher,
        "portee=classe:ecole-a/ce1",
        "Sortie au musée",
        "Version de départ",
        "publier",
        &[],
    );
    let path = path_of(&location(&r));
    git(&laptop, &["pull", "--quiet", "origin", "main"]);
    // The communication team rewrites the same line and pushes; then the teacher does.
    let theirs = std::fs::read_to_string(laptop.join(&path))
        .unwrap()
        .replace("Version de départ", "Version du service communication");
    push_from(&laptop, &path, &theirs, "Relecture");
    let r = s.save(
        &teacher,
        &format!("chemin={path}"),
        "Sortie au musée",
        "Version de l'enseignante, à ne pas perdre",
        "publier",
        &[],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", text(&r));
    assert!(location(&r).contains("envoi=conflit"), "{}", location(&r));

    // The site follows the forge; the teacher's text is on a branch, here and on the forge.
    let file = std::fs::read_to_string(s.content.join(&path)).unwrap();
    assert!(file.contains("Version du service communication"), "{file}");
    let conflicts = preau_edge::native::git::conflicts(&s.content).unwrap();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    let c = &conflicts[0];
    assert!(c.branch.starts_with("preau/conflit/"), "{}", c.branch);
    assert_eq!(c.author_mail, "enseignant.ce1@alpha.test");
    assert_eq!(c.files, vec![path.clone()]);
    let kept = git(&s.content, &["show", &format!("{}:{path}", c.branch)]);
    assert!(
        kept.contains("Version de l'enseignante, à ne pas perdre"),
        "{kept}"
    );
    let on_forge = git(&laptop, &["ls-remote", "origin", &c.branch]);
    assert!(!on_forge.trim().is_empty(), "the branch is pushed too");
    let page = text(&s.w.get(&format!("{CE1_URL}sortie-au-musee/"), &parent));
    assert!(page.contains("Version du service communication"), "{page}");

    // Told at once, and on the list until the IT team merges it; nobody else is told.
    let list = text(&s.w.get(&location(&r), &teacher));
    assert!(list.contains("gardée à part"), "{list}");
    assert!(list.contains("gardés à part après un conflit"), "{list}");
    assert!(list.contains(&path), "{list}");
    let other = s.w.member("enseignant.cp", Role::Teacher, "ecole-a/cp");
    assert!(!text(&s.w.get("/espace/ecrire/", &other)).contains("après un conflit"));
    assert!(s
        .audit()
        .iter()
        .any(|l| l.starts_with("enseignant.ce1 repo_conflict failure preau/conflit/")));
}

// ---------------------------------------------------------------------------------------
// Photos added from the editor (multipart/form-data, as the editor's form sends them)
// ---------------------------------------------------------------------------------------

#[path = "../media/tests/inspect/common/mod.rs"]
mod common;

const BOUNDARY: &str = "----preau-editeur-photo-4Tq";

/// A multipart body: text fields, then at most one file part named `photo`.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Vec<u8> {
    let b = BOUNDARY;
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(v.as_bytes());
        body.extend(b"\r\n");
    }
    let (name, data) = file.unwrap_or(("", b""));
    body.extend(
        format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"{name}\"\r\nContent-Type: image/jpeg\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(data);
    body.extend(format!("\r\n--{b}--\r\n").as_bytes());
    body
}

/// What a photo save sends besides the editor's own hidden fields.
struct Photo<'a> {
    title: &'a str,
    text: &'a str,
    action: &'a str,
    alt: &'a str,
    file: Option<(&'a str, &'a [u8])>,
}

impl Site {
    /// Open the editor at `query` and send its form as the browser does (multipart, with
    /// the photo field); `csrf`: a token to send instead of the page's.
    fn save_photo(
        &self,
        cookie: &str,
        query: &str,
        p: &Photo,
        csrf: Option<&str>,
    ) -> preau_edge::respond::Resp {
        let page = self
            .w
            .get(&format!("/espace/ecrire/article/?{query}"), cookie);
        assert_eq!(page.status(), StatusCode::OK, "{}", text(&page));
        let html = text(&page);
        assert!(
            html.contains("enctype=\"multipart/form-data\""),
            "the editor's form sends files"
        );
        let token = csrf
            .map(str::to_string)
            .unwrap_or_else(|| input(&html, "csrf"));
        let fields = [
            ("csrf", token.as_str()),
            ("chemin", &input(&html, "chemin")),
            ("portee", &input(&html, "portee")),
            ("base", &input(&html, "base")),
            ("titre", p.title),
            ("date", "2026-10-20"),
            ("texte", p.text),
            ("commentaires", "1"),
            ("photo_alt", p.alt),
            ("action", p.action),
        ];
        let ct = format!("multipart/form-data; boundary={BOUNDARY}");
        self.w.send(
            Method::POST,
            "/espace/ecrire/article/",
            cookie,
            &ct,
            multipart(&fields, p.file),
        )
    }

    fn uploads(&self) -> Vec<(String, String)> {
        let rows = block_on(preau_edge::store::Db::query(
            &self.w.edge.platform,
            "SELECT scope, original_name FROM uploads ORDER BY id",
            &[],
        ))
        .unwrap();
        rows.into_iter()
            .map(|r| {
                let mut it = r.into_iter().map(|v| v.into_string().unwrap_or_default());
                (it.next().unwrap_or_default(), it.next().unwrap_or_default())
            })
            .collect()
    }
}

/// The `/medias/…` URL of the first image snippet of a text.
fn snippet_url(text: &str) -> Option<String> {
    let start = text.find("](/medias/")? + 2;
    text[start..].split(')').next().map(str::to_string)
}

#[test]
fn a_photo_uploaded_in_the_editor_is_stored_cleaned_inserted_and_gated_like_the_post() {
    let s = site();
    let teacher = s.w.member("photo.prof", Role::Teacher, "ecole-a/ce1");
    let parent = s.w.member("photo.parent", Role::Parent, "ecole-a/ce1");
    let other = s.w.member("photo.autre", Role::Parent, "ecole-a/cp");
    let history = s.log().len();
    let page = text(&s.w.get(
        "/espace/ecrire/article/?portee=classe:ecole-a/ce1",
        &teacher,
    ));
    assert!(page.contains("name=\"photo\"") && page.contains("name=\"photo_alt\""));

    // A draft with a phone photo (EXIF, GPS…), placed where the text says `[photo]`.
    let jpeg = common::phone_jpeg();
    let r = s.save_photo(
        &teacher,
        "portee=classe:ecole-a/ce1",
        &Photo {
            title: "Le potager",
            text: "Voici nos tomates.\n\n[photo]\n\nElles sont rouges. POTAGER-CE1",
            action: "brouillon",
            alt: "Trois tomates rouges dans un bac",
            file: Some(("IMG_2034.jpg", &jpeg)),
        },
        None,
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", text(&r));
    let path = path_of(&location(&r));
    let file = std::fs::read_to_string(s.content.join(&path)).unwrap();
    let url = snippet_url(&file).unwrap_or_else(|| panic!("no snippet: {file}"));
    assert!(url.starts_with("/medias/ecole-a/ce1/"), "{url}");
    assert!(
        file.contains(&format!(
            "Voici nos tomates.\n\n![Trois tomates rouges dans un bac]({url})\n\nElles sont rouges."
        )),
        "{file}"
    );
    assert_eq!(
        s.uploads(),
        vec![("ecole-a/ce1".to_string(), "IMG_2034.jpg".to_string())]
    );
    assert!(s
        .audit()
        .iter()
        .any(|a| a.starts_with("photo.prof upload success /medias/ecole-a/ce1/")));
    assert_eq!(s.log().len(), history + 1, "one commit for the draft");
    // The editor shown again holds the text with its snippet, the gallery the photo.
    let again = text(&s.w.get(&location(&r), &teacher));
    assert!(
        again.contains("Trois tomates rouges dans un bac"),
        "{again}"
    );
    assert!(again.contains("Brouillon enregistré"), "{again}");
    // Stored cleaned: no metadata left, for the teacher who can read the gallery.
    let got = s.w.get(&url, &teacher);
    assert_eq!(got.status(), StatusCode::OK);
    common::assert_clean(&url, got.body());
    // Nobody outside the class sees a draft's photo either.
    assert_eq!(s.w.get(&url, &other).status(), StatusCode::FORBIDDEN);

    // Without a marker, a second photo goes to the end of the text; then publish.
    let png = common::png_with_text(40, 30, false, 1);
    let stored = std::fs::read_to_string(s.content.join(&path)).unwrap();
    let r = s.save_photo(
        &teacher,
        &format!("chemin={path}"),
        &Photo {
            title: "Le potager",
            text: stored.split("+++").nth(2).unwrap().trim(),
            action: "publier",
            alt: "Le bac vu de haut",
            file: Some(("bac.png", &png)),
        },
        None,
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", text(&r));
    let file = std::fs::read_to_string(s.content.join(&path)).unwrap();
    assert!(!file.contains("draft"), "{file}");
    let last = file.trim_end().lines().last().unwrap_or("");
    assert!(
        last.starts_with("![Le bac vu de haut](/medias/ecole-a/ce1/"),
        "{file}"
    );
    let png_url = snippet_url(last).unwrap();
    assert_eq!(s.uploads().len(), 2);

    // The class's parents read the post and its photos; another class's parents neither.
    let post = format!("{CE1_URL}le-potager/");
    let page = s.w.get(&post, &parent);
    assert_eq!(page.status(), StatusCode::OK);
    let html = text(&page);
    assert!(html.contains("POTAGER-CE1"), "{html}");
    assert!(
        html.contains("alt=\"Trois tomates rouges dans un bac\""),
        "{html}"
    );
    for u in [&url, &png_url] {
        assert_eq!(s.w.get(u, &parent).status(), StatusCode::OK, "{u}");
        assert_eq!(s.w.get(u, &other).status(), StatusCode::FORBIDDEN, "{u}");
        assert_ne!(s.w.get(u, "").status(), StatusCode::OK, "{u}");
    }
    assert_eq!(s.w.get(&post, &other).status(), StatusCode::FORBIDDEN);
    assert_eq!(s.log().len(), history + 2);
}

#[test]
fn hostile_photos_from_the_editor_store_nothing_and_keep_the_text() {
    let s = site();
    let teacher = s.w.member("hostile.prof", Role::Teacher, "ecole-a/ce1");
    let history = s.log().len();
    let typed = "Un texte tapé avec soin. GARDE-CE1";
    let jpeg = common::plain_jpeg(40, 30, &common::two_halves_rgb(40, 30), 90);
    let refused = |what: &str, alt: &str, name: &str, data: &[u8], expect: &str| {
        let r = s.save_photo(
            &teacher,
            "portee=classe:ecole-a/ce1",
            &Photo {
                title: "Sortie",
                text: typed,
                action: "brouillon",
                alt,
                file: Some((name, data)),
            },
            None,
        );
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {}",
            text(&r)
        );
        let html = text(&r);
        assert!(html.contains(typed), "{what}: the text typed is lost");
        assert!(html.contains(expect), "{what}: {html}");
        assert!(
            html.contains("id=\"photo-erreur\""),
            "{what}: next to the field"
        );
        assert!(s.uploads().is_empty(), "{what}: stored");
        assert_eq!(s.log().len(), history, "{what}: committed");
        html
    };
    // No alt text: a clear French message next to the field; the title and text stay.
    let html = refused(
        "no alt",
        "  ",
        "chat.jpg",
        &jpeg,
        "Décrivez ce que montre la photo",
    );
    assert!(html.contains("value=\"Sortie\""), "{html}");
    // An alt text made only of brackets and backslashes is no alt text.
    refused(
        "brackets",
        "[]\\",
        "chat.jpg",
        &jpeg,
        "Décrivez ce que montre la photo",
    );
    // A page named .jpg, a PDF (accepted on the media page, not as a photo), an oversized
    // photo, a damaged one.
    let html_page = b"<html><script>alert(1)</script></html>".to_vec();
    let html = refused(
        "html",
        "Une photo",
        "photo.jpg",
        &html_page,
        "ce type de fichier",
    );
    assert!(
        html.contains("value=\"Une photo\""),
        "the alt text typed stays: {html}"
    );
    refused(
        "pdf",
        "Un document",
        "doc.jpg",
        &common::pdf_with_metadata(),
        "pas une photo (JPEG",
    );
    let mut big = jpeg.clone();
    big.resize(10 * 1024 * 1024 + 1, 0);
    refused(
        "oversized",
        "Grande",
        "grande.jpg",
        &big,
        "trop volumineux (10 Mo au plus)",
    );
    refused(
        "truncated",
        "Abîmée",
        "abimee.jpg",
        &jpeg[..jpeg.len() / 2],
        "abîmé",
    );
    assert!(s
        .audit()
        .iter()
        .any(|a| a.starts_with("hostile.prof upload refused doc.jpg (not_an_image)")));

    // A forged token: refused before anything is read into the gallery or the repository.
    let r = s.save_photo(
        &teacher,
        "portee=classe:ecole-a/ce1",
        &Photo {
            title: "Sortie",
            text: typed,
            action: "publier",
            alt: "Une photo",
            file: Some(("chat.jpg", &jpeg)),
        },
        Some("faux-jeton"),
    );
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(s.uploads().is_empty());
    assert_eq!(s.log().len(), history);

    // A traversal in the file name: stored under the server's name only, shown cleaned.
    let before = s.files();
    let r = s.save_photo(
        &teacher,
        "portee=classe:ecole-a/ce1",
        &Photo {
            title: "Sortie",
            text: typed,
            action: "brouillon",
            alt: "Une vache",
            file: Some(("../../../../content/index.md\0.jpg", &jpeg)),
        },
        None,
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", text(&r));
    let names = s.uploads();
    assert_eq!(names.len(), 1);
    assert!(
        !names[0].1.contains('/') && !names[0].1.contains('\0'),
        "{names:?}"
    );
    let path = path_of(&location(&r));
    let mut after = s.files();
    after.retain(|f| !before.contains(f));
    assert_eq!(after, vec![path.clone()], "only the post was written");

    // The polyglot (a JPEG with a script in a comment and a page after its end): stored as
    // the photo it is, without any of the HTML.
    let mut poly = jpeg.clone();
    let comment = b"<script>alert('COM')</script>";
    let mut com = vec![0xFF, 0xFE];
    com.extend(((comment.len() + 2) as u16).to_be_bytes());
    com.extend(comment);
    poly.splice(2..2, com);
    poly.extend(b"<html><body><script>alert(document.cookie)</script></body></html>");
    let r = s.save_photo(
        &teacher,
        &format!("chemin={path}"),
        &Photo {
            title: "Sortie",
            text: typed,
            action: "brouillon",
            alt: "Un chat",
            file: Some(("polyglotte.jpg", &poly)),
        },
        None,
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", text(&r));
    let file = std::fs::read_to_string(s.content.join(&path)).unwrap();
    let url = snippet_url(file.split("Un chat").nth(1).unwrap_or("")).expect("snippet");
    let got = s.w.get(&url, &teacher);
    assert_eq!(got.status(), StatusCode::OK);
    for bad in [&b"<script"[..], b"<html", b"alert("] {
        assert!(
            !common::contains(got.body(), bad),
            "the polyglot keeps its HTML"
        );
    }
    // An alt text that tries to close the snippet and add a link stays one alt text.
    let r = s.save_photo(
        &teacher,
        &format!("chemin={path}"),
        &Photo {
            title: "Sortie",
            text: typed,
            action: "brouillon",
            alt: "x](https://ailleurs.example) ![y",
            file: Some((
                "chat2.jpg",
                &common::plain_jpeg(20, 20, &common::photo_rgb(20, 20), 80),
            )),
        },
        None,
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", text(&r));
    let file = std::fs::read_to_string(s.content.join(&path)).unwrap();
    assert!(
        file.contains("![x(https://ailleurs.example) !y](/medias/"),
        "{file}"
    );
}

#[test]
fn only_those_who_may_add_photos_to_the_class_can_do_it_from_the_editor() {
    let s = site();
    let parent = s.w.member("p.parent", Role::Parent, "ecole-a/ce1");
    let other = s.w.member("p.autre", Role::Teacher, "ecole-a/cp");
    let partner = s.w.member("p.partenaire", Role::Partner, "ecole-a/ce1");
    let jpeg = common::plain_jpeg(40, 30, &common::two_halves_rgb(40, 30), 90);
    let history = s.log().len();
    // A parent and another class's teacher are refused before any photo is looked at,
    // with their own token (the editor opened on a blog of theirs, or none).
    for (who, cookie) in [("parent", &parent), ("other teacher", &other)] {
        let csrf = input(&text(&s.w.get("/espace/", cookie)), "csrf");
        let fields = [
            ("csrf", csrf.as_str()),
            ("portee", "classe:ecole-a/ce1"),
            ("titre", "Intrus"),
            ("texte", "x"),
            ("photo_alt", "Une photo"),
            ("action", "brouillon"),
        ];
        let ct = format!("multipart/form-data; boundary={BOUNDARY}");
        let r = s.w.send(
            Method::POST,
            "/espace/ecrire/article/",
            cookie,
            &ct,
            multipart(&fields, Some(("chat.jpg", &jpeg))),
        );
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{who}: {}", text(&r));
    }
    // A partner proposes posts but adds no photos: no field, and a photo sent is refused
    // with the text kept.
    let page = text(&s.w.get(
        "/espace/ecrire/article/?portee=classe:ecole-a/ce1",
        &partner,
    ));
    assert!(!page.contains("name=\"photo\""), "{page}");
    let r = s.save_photo(
        &partner,
        "portee=classe:ecole-a/ce1",
        &Photo {
            title: "Au musée",
            text: "MUSEE-TEXTE",
            action: "proposer",
            alt: "Une statue",
            file: Some(("statue.jpg", &jpeg)),
        },
        None,
    );
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{}", text(&r));
    assert!(text(&r).contains("MUSEE-TEXTE"));
    assert!(text(&r).contains("Vous ne pouvez pas ajouter de photo à ce blog"));
    assert!(s.uploads().is_empty());
    assert_eq!(s.log().len(), history);
    assert!(s
        .audit()
        .iter()
        .any(|a| a == "p.partenaire upload denied ecole-a/ce1"));
}

/// A post that is a folder (`<date>-<slug>/index.md` with its images, made with Git) opens,
/// saves, unpublishes and publishes again in the editor: only its `index.md` is written,
/// its image and the keys the editor does not manage (`cover`) stay, and paths that name
/// another file of the folder, or leave it, are refused.
#[test]
fn a_folder_post_keeps_its_files_and_the_editor_writes_only_its_index() {
    let s = site();
    let teacher = s.w.member("dossier.prof", Role::Teacher, "ecole-a/ce1");
    let parent = s.w.member("dossier.parent", Role::Parent, "ecole-a/ce1");
    let folder = format!("{CE1}/2026-10-01-sortie-a-la-ferme");
    let path = format!("{folder}/index.md");
    let url = format!("{CE1_URL}sortie-a-la-ferme/");
    let image = s.content.join(&folder).join("vache.svg");
    let svg = std::fs::read(&image).unwrap();
    // Listed among the published posts, and opened with its text.
    let list = text(&s.w.get("/espace/ecrire/", &teacher));
    assert!(list.contains("Sortie à la ferme"), "{list}");
    let page = text(&s.w.get(&format!("/espace/ecrire/article/?chemin={path}"), &teacher));
    assert!(
        page.contains("![Une vache dans un pré](vache.svg)"),
        "{page}"
    );
    let history = s.log().len();

    let body = "Nous avons vu les vaches. DOSSIER-V2\n\n![Une vache dans un pré](vache.svg)";
    let r = s.save(
        &teacher,
        &format!("chemin={path}"),
        "Sortie à la ferme",
        body,
        "publier",
        &[],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", text(&r));
    let file = std::fs::read_to_string(s.content.join(&path)).unwrap();
    assert!(
        file.contains("DOSSIER-V2") && file.contains("image = \"vache.svg\""),
        "{file}"
    );
    let page = text(&s.w.get(&url, &parent));
    assert!(page.contains("DOSSIER-V2"), "{page}");
    assert_eq!(
        s.w.get(&format!("{url}vache.svg"), &parent).status(),
        StatusCode::OK
    );

    // Unpublished: still the folder's index, a draft, its image kept; then published again.
    let r = s.save(
        &teacher,
        &format!("chemin={path}"),
        "Sortie à la ferme",
        body,
        "depublier",
        &[],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", text(&r));
    let file = std::fs::read_to_string(s.content.join(&path)).unwrap();
    assert!(
        file.contains("draft = true") && file.contains("image = \"vache.svg\""),
        "{file}"
    );
    assert_ne!(s.w.get(&url, &parent).status(), StatusCode::OK);
    let svg_url = format!("{url}vache.svg");
    assert_ne!(s.w.get(&svg_url, &parent).status(), StatusCode::OK);
    assert!(image.is_file(), "the image waits in the folder");
    let r = s.save(
        &teacher,
        &format!("chemin={path}"),
        "Sortie à la ferme",
        body,
        "publier",
        &[],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", text(&r));
    assert!(text(&s.w.get(&url, &parent)).contains("DOSSIER-V2"));
    assert_eq!(s.w.get(&svg_url, &parent).status(), StatusCode::OK);
    assert_eq!(
        std::fs::read(&image).unwrap(),
        svg,
        "the image is untouched"
    );
    // Each commit touched the folder's index only.
    let log = s.log();
    assert_eq!(log.len(), history + 3, "{log:?}");
    let touched = git(&s.content, &["log", "-3", "--name-only", "--format="]);
    let touched: Vec<&str> = touched.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(touched, vec![path.as_str(); 3]);

    // Another file of the folder, a deeper path, a way out of it: refused, nothing written.
    let before = s.files();
    for chemin in [
        format!("{folder}/vache.svg"),
        format!("{folder}/photos/index.md"),
        format!("{folder}/../2026-10-06-spectacle.md/index.md"),
        format!("{folder}/../../cp/x/index.md"),
        format!("{folder}/index.md/../../../../../config.toml"),
        format!("{folder}%2Findex.md"),
    ] {
        let csrf = input(&text(&s.w.get("/espace/", &teacher)), "csrf");
        let r = s.post(
            "/espace/ecrire/article/",
            &teacher,
            &[
                ("csrf", &csrf),
                ("chemin", &chemin),
                ("titre", "Intrus"),
                ("texte", "INTRUS"),
                ("action", "publier"),
            ],
        );
        assert!(
            matches!(r.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{chemin}: {}",
            r.status()
        );
    }
    assert_eq!(s.files(), before);
    assert_eq!(s.log().len(), history + 3);
}
