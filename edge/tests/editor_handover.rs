//! The online editor as `preau serve` runs it: each rebuild's manifest handed to the edge
//! in memory (`ManifestSlot`) and its file written afterwards in the background. A post is
//! served as soon as "Publier" answers (new and edited), the file catches up with what is
//! served, and a manifest of an older build never replaces a newer one.

mod support;

use http::{Method, StatusCode};
use preau_edge::access::Manifest;
use preau_edge::accounts::Role;
use preau_edge::native::GitRepo;
use preau_edge::site::ManifestSlot;
use preau_edge::store::repo::Preview;
use preau_edge::testing::{block_on, TestPlatform};
use preau_edge::{Edge, EdgeConfig};
use preau_generator::{BuildOptions, Generator};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use support::{copy_dir, git, input, text, World, FORM, NOW};

const CE1_URL: &str = "/ecoles/ecole-a/classes/ce1/";

struct Site {
    w: World,
    g: Arc<Mutex<Generator>>,
    content: PathBuf,
    public: PathBuf,
}

fn site() -> Site {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    let public = dir.path().join("public");
    copy_dir(&root.join("tests/fixtures/scenario-site"), &content);
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
    g.defer_manifest_writes().unwrap();
    let slot = Arc::new(ManifestSlot::default());
    let (n, m) = g.manifest().unwrap();
    slot.put(n, m);
    let g = Arc::new(Mutex::new(g));
    let (gp, gr, sr) = (g.clone(), g.clone(), slot.clone());
    let repo = GitRepo::open(
        &content,
        "alpha.test",
        Box::new(
            move |path, text| match gp.lock().unwrap().preview(Path::new(path), text) {
                Ok(html) => Preview::Page(html),
                Err(e) => panic!("preview: {e}"),
            },
        ),
        Box::new(move |paths: &[String]| {
            let rels: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
            let mut g = gr.lock().unwrap();
            let r = g.rebuild(&rels, &|_, _| {});
            if let Some((n, m)) = g.manifest() {
                sr.put(n, m);
            }
            r.map(|_| ()).map_err(|e| e.to_string())
        }),
    )
    .unwrap();
    let mut platform = TestPlatform::new(&public, NOW).unwrap();
    platform.disk = Some(public.clone());
    platform.git = Some(repo);
    platform.manifests = Some(slot);
    let edge = block_on(Edge::new(platform, EdgeConfig::new(vec![7u8; 32]).unwrap())).unwrap();
    Site {
        w: World::with_edge(edge, dir),
        g,
        content,
        public,
    }
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl Site {
    /// Open the editor at `query` and send it with `action`.
    fn save(&self, cookie: &str, query: &str, title: &str, body: &str, action: &str) -> String {
        let page = self
            .w
            .get(&format!("/espace/ecrire/article/?{query}"), cookie);
        assert_eq!(page.status(), StatusCode::OK, "{}", text(&page));
        let html = text(&page);
        let fields = [
            ("csrf", input(&html, "csrf")),
            ("chemin", input(&html, "chemin")),
            ("portee", input(&html, "portee")),
            ("base", input(&html, "base")),
            ("titre", title.to_string()),
            ("date", "2026-10-20".to_string()),
            ("texte", body.to_string()),
            ("commentaires", "1".to_string()),
            ("action", action.to_string()),
        ];
        let body = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        let r = self.w.send(
            Method::POST,
            "/espace/ecrire/article/",
            cookie,
            FORM,
            body.into_bytes(),
        );
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", text(&r));
        let location = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let q = location.split_once('?').map(|(_, q)| q).unwrap_or("");
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "chemin")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    }

    fn file_manifest(&self) -> Manifest {
        serde_json::from_slice(&std::fs::read(self.public.join("_preau/manifest.json")).unwrap())
            .unwrap()
    }
}

#[test]
fn a_post_is_served_when_publier_answers_and_the_file_catches_up() {
    let s = site();
    let teacher = s.w.member("enseignant.ce1", Role::Teacher, "ecole-a/ce1");
    let parent = s.w.member("parent.ce1", Role::Parent, "ecole-a/ce1");
    let path = s.save(
        &teacher,
        "portee=classe:ecole-a/ce1",
        "Sortie au verger",
        "Nous avons cueilli des pommes.",
        "publier",
    );
    assert!(s.content.join(&path).is_file(), "{path}");
    let url = format!("{CE1_URL}sortie-au-verger/");
    // The very next request, with no wait: the edge has this build's manifest.
    let page = s.w.get(&url, &parent);
    assert_eq!(page.status(), StatusCode::OK, "{url}");
    assert!(text(&page).contains("cueilli des pommes"));
    let list = s.w.get(CE1_URL, &parent);
    assert!(text(&list).contains("Sortie au verger"));
    // An edit of the published post: served at once too.
    s.save(
        &teacher,
        &format!("chemin={}", enc(&path)),
        "Sortie au verger",
        "Nous avons cueilli des poires.",
        "publier",
    );
    let page = s.w.get(&url, &parent);
    assert!(
        text(&page).contains("cueilli des poires"),
        "{}",
        text(&page)
    );
    // The file follows: once written, it is the manifest the edge serves with.
    s.g.lock().unwrap().flush_manifest();
    let served = s.w.edge.site().manifest.clone();
    let file = s.file_manifest();
    assert_eq!(file.files, served.files);
    assert_eq!(file.meta, served.meta);
}

#[test]
fn an_older_manifest_never_replaces_a_newer_one() {
    let slot = ManifestSlot::default();
    let mut newer = Manifest::default();
    newer.files.insert(
        "nouveau/index.html".into(),
        preau_edge::access::Access::public(),
    );
    slot.put(5, Arc::new(newer));
    slot.put(4, Arc::new(Manifest::default()));
    let (n, m) = slot.latest().unwrap();
    assert_eq!(n, 5);
    assert!(m.files.contains_key("nouveau/index.html"));
}
