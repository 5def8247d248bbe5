//! The online editor on the 10,000-post synthetic town of `benches/build.rs`: the time from
//! "Publier" to the post being served (the request that commits and rebuilds, then the
//! request that reads the page), for a new post and for an edit of a published one; a
//! draft save (the commit alone, with the checks on save); a preview; a commit with a push
//! to a local bare repository. In process, on the same core, generator and Git repository
//! as `preau serve` (`Edge<TestPlatform>` reading the built site from disk). The reference
//! runs of the same process: a one-post `Generator::rebuild` and a full `Generator::build`.
//! Run with `cargo bench --bench editor` (`PREAU_BENCH_POSTS=1000` for a smaller town).

#[allow(dead_code)]
#[path = "build.rs"]
mod build_bench;

use http::{Method, Request};
use preau_edge::accounts::{Role, Scope};
use preau_edge::admin::{self, NewAccount};
use preau_edge::native::GitRepo;
use preau_edge::site::ManifestSlot;
use preau_edge::store::repo::{Preview, Problem};
use preau_edge::testing::{block_on, local_client, TestPlatform};
use preau_edge::{Edge, EdgeConfig};
use preau_generator::{BuildError, BuildOptions, Generator};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PASSWORD: &str = "girafe-velo-orange-piscine-42";
const FORM: &str = "application/x-www-form-urlencoded";
const RUNS: usize = 5;
const TARGET: Duration = Duration::from_millis(300);
type E = Edge<TestPlatform>;

fn send(
    edge: &E,
    method: Method,
    uri: &str,
    cookie: &str,
    body: String,
) -> preau_edge::respond::Resp {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "ent.test")
        .header("cookie", cookie)
        .header("content-type", FORM)
        .body(body.into_bytes())
        .expect("request");
    block_on(edge.handle(req, local_client()))
}

fn text(r: &preau_edge::respond::Resp) -> String {
    String::from_utf8_lossy(r.body()).into_owned()
}

fn input(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let start = html.find(&key).expect("input") + key.len();
    html[start..].split('"').next().expect("value").to_string()
}

fn cookie(r: &preau_edge::respond::Resp, name: &str) -> String {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(name))
        .and_then(|v| v.split(';').next())
        .expect("cookie")
        .to_string()
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=Bench",
            "-c",
            "user.email=bench@bench",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("git")
        .status
        .success();
    assert!(ok, "git {args:?}");
}

fn sign_in(edge: &E, login: &str) -> String {
    let form = send(edge, Method::GET, "/connexion/", "", String::new());
    let csrf = cookie(&form, "preau_csrf");
    let body = format!(
        "csrf={}&login={login}&password={PASSWORD}",
        input(&text(&form), "csrf")
    );
    let r = send(edge, Method::POST, "/connexion/", &csrf, body);
    let session = cookie(&r, "preau_session");
    let gate = send(
        edge,
        Method::GET,
        "/charte/accepter/",
        &session,
        String::new(),
    );
    if gate.status() == 200 {
        let body = format!("csrf={}", input(&text(&gate), "csrf"));
        send(edge, Method::POST, "/charte/accepter/", &session, body);
    }
    session
}

/// Open the editor at `query`, send it with `action`; the answer and its time.
fn save(
    edge: &E,
    who: &str,
    query: &str,
    title: &str,
    body: &str,
    action: &str,
) -> (preau_edge::respond::Resp, Duration) {
    let page = text(&send(
        edge,
        Method::GET,
        &format!("/espace/ecrire/article/?{query}"),
        who,
        String::new(),
    ));
    let fields = [
        ("csrf", input(&page, "csrf")),
        ("chemin", input(&page, "chemin")),
        ("portee", input(&page, "portee")),
        ("base", input(&page, "base")),
        ("titre", title.to_string()),
        ("date", "2026-11-20".to_string()),
        ("texte", body.to_string()),
        ("commentaires", "1".to_string()),
        ("action", action.to_string()),
    ];
    let form = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect::<Vec<_>>()
        .join("&");
    let t = Instant::now();
    let r = send(edge, Method::POST, "/espace/ecrire/article/", who, form);
    (r, t.elapsed())
}

fn chemin(r: &preau_edge::respond::Resp) -> String {
    let loc = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let q = loc.split_once('?').map(|(_, q)| q).unwrap_or("");
    q.split('&')
        .find_map(|kv| kv.strip_prefix("chemin="))
        .unwrap_or("")
        .replace("%2F", "/")
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn main() {
    let posts: usize = std::env::var("PREAU_BENCH_POSTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("tempdir");
    let content = dir.path().join("content");
    let public = dir.path().join("public");
    build_bench::corpus::write(&content, posts);
    git(&content, &["init", "--quiet", "-b", "main"]);
    git(&content, &["add", "-A"]);
    git(&content, &["commit", "--quiet", "-m", "corpus"]);
    let bare = dir.path().join("remote.git");
    git(
        dir.path(),
        &["init", "--quiet", "--bare", bare.to_str().expect("path")],
    );
    let opts = BuildOptions {
        content: content.clone(),
        theme: root.join("themes/default"),
        output: public.clone(),
    };
    let mut g = Generator::new(opts.clone()).expect("generator");
    let t = Instant::now();
    g.build(&|_, _| {}).expect("build");
    let full = t.elapsed();
    // As `preau serve` runs it: each rebuild's manifest handed to the edge in memory, the
    // file written after.
    g.defer_manifest_writes().expect("writer");
    let slot = Arc::new(ManifestSlot::default());
    if let Some((n, m)) = g.manifest() {
        slot.put(n, m);
    }
    let g = Arc::new(Mutex::new(g));
    let (gp, gr, slot_r) = (g.clone(), g.clone(), slot.clone());
    let problems = |e: BuildError| match e {
        BuildError::Content(l) => l
            .into_iter()
            .map(|c| Problem {
                line: c.line,
                message: c.message,
                hint: c.hint,
            })
            .collect(),
        o => vec![Problem {
            line: None,
            message: o.to_string(),
            hint: None,
        }],
    };
    let repo = GitRepo::open(
        &content,
        "ent.banc.example",
        Box::new(
            move |p, t| match gp.lock().expect("lock").preview(Path::new(p), t) {
                Ok(h) => Preview::Page(h),
                Err(e) => Preview::Problems(problems(e)),
            },
        ),
        Box::new(move |paths: &[String]| {
            let rels: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
            let mut g = gr.lock().expect("lock");
            let r = g.rebuild(&rels, &|_, _| {});
            if let Some((n, m)) = g.manifest() {
                slot_r.put(n, m);
            }
            r.map(|_| ()).map_err(|e| e.to_string())
        }),
    )
    .expect("repo");
    let mut platform =
        TestPlatform::new(&root.join("tests/fixtures/basic"), 1_800_000_000).expect("platform");
    platform.disk = Some(public.clone());
    platform.git = Some(repo);
    platform.manifests = Some(slot.clone());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    platform
        .clock
        .store(now, std::sync::atomic::Ordering::SeqCst);
    let edge = block_on(Edge::new(
        platform,
        EdgeConfig::new(vec![7u8; 32]).expect("config"),
    ))
    .expect("edge");
    for (login, role) in [("prof", Role::Teacher), ("parent", Role::Parent)] {
        let a = NewAccount {
            login,
            display_name: login,
            role,
            scopes: vec![Scope::parse("ecole-00/cp").expect("scope")],
            password: PASSWORD,
        };
        block_on(admin::add(&edge.platform, &a, "bench")).expect("account");
    }
    let teacher = sign_in(&edge, "prof");
    let parent = sign_in(&edge, "parent");
    let class = "/ecoles/ecole-00/classes/cp/";
    let body =
        "## La sortie\n\nNous sommes allés au **marché** du quartier.\n\n- pommes\n- poires\n";

    println!(
        "Préau editor benchmark: {posts} posts, {RUNS} runs per measure; load {}",
        load()
    );
    // The reference: one edited post rebuilt by the generator alone.
    let edited = content.join("ecoles/ecole-00/classes/cp");
    let any = std::fs::read_dir(&edited)
        .expect("class")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "md") && !p.ends_with("_index.md"))
        .expect("post");
    let rel = any.strip_prefix(&content).expect("rel").to_path_buf();
    let mut reference = Vec::new();
    for i in 0..RUNS {
        let t = std::fs::read_to_string(&any).expect("read");
        std::fs::write(&any, format!("{t}\nRéférence {i}.\n")).expect("write");
        let s = Instant::now();
        g.lock()
            .expect("lock")
            .rebuild(std::slice::from_ref(&rel), &|_, _| {})
            .expect("rebuild");
        reference.push(s.elapsed());
    }
    git(&content, &["commit", "--quiet", "-am", "reference"]);
    let reference = median(reference);
    // The old behaviour, in the same process: what each rebuild also did before the
    // manifest was handed over in memory (serialise + write its file; the edge parsing
    // it again), and a commit the old way (`git add`, `git commit -- path`, `git
    // rev-parse`, `git remote`).
    let manifest = g.lock().expect("lock").manifest().expect("manifest").1;
    let (mut ser, mut parse, mut old_commit) = (vec![], vec![], vec![]);
    for i in 0..RUNS {
        let s = Instant::now();
        let json = serde_json::to_vec(&*manifest).expect("json");
        std::fs::write(dir.path().join("manifest-copy.json"), &json).expect("write");
        ser.push(s.elapsed());
        let s = Instant::now();
        let _: preau_edge::access::Manifest = serde_json::from_slice(&json).expect("parse");
        parse.push(s.elapsed());
        let t = std::fs::read_to_string(&any).expect("read");
        std::fs::write(&any, format!("{t}\nAncien commit {i}.\n")).expect("write");
        let rel = rel.to_string_lossy().into_owned();
        let s = Instant::now();
        git(&content, &["add", "--", &rel]);
        git(
            &content,
            &[
                "commit",
                "--quiet",
                "--no-verify",
                "-m",
                "ancien",
                "--",
                &rel,
            ],
        );
        git(&content, &["rev-parse", "HEAD"]);
        git(&content, &["remote"]);
        old_commit.push(s.elapsed());
    }
    let (ser, parse, old_commit) = (median(ser), median(parse), median(old_commit));

    let (
        mut new_post,
        mut new_served,
        mut edit,
        mut edit_served,
        mut draft,
        mut preview,
        mut pushed,
    ) = (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    for i in 0..RUNS {
        let title = format!("Sortie au marché numéro {i}");
        let slug = format!("sortie-au-marche-numero-{i}");
        let (r, d) = save(
            &edge,
            &teacher,
            "portee=classe:ecole-00/cp",
            &title,
            body,
            "brouillon",
        );
        assert_eq!(r.status(), 303, "{}", text(&r));
        draft.push(d);
        let path = chemin(&r);
        let (r, d) = save(
            &edge,
            &teacher,
            &format!("chemin={path}"),
            &title,
            body,
            "apercu",
        );
        assert_eq!(r.status(), 200);
        preview.push(d);
        let (r, d) = save(
            &edge,
            &teacher,
            &format!("chemin={path}"),
            &title,
            body,
            "publier",
        );
        assert_eq!(r.status(), 303, "{}", text(&r));
        let s = Instant::now();
        let page = send(
            &edge,
            Method::GET,
            &format!("{class}{slug}/"),
            &parent,
            String::new(),
        );
        assert_eq!(page.status(), 200, "served");
        new_post.push(d);
        new_served.push(d + s.elapsed());
        let (r, d) = save(
            &edge,
            &teacher,
            &format!("chemin={path}"),
            &title,
            &format!("{body}\nModifié {i}."),
            "publier",
        );
        assert_eq!(r.status(), 303);
        let s = Instant::now();
        let page = send(
            &edge,
            Method::GET,
            &format!("{class}{slug}/"),
            &parent,
            String::new(),
        );
        assert!(text(&page).contains(&format!("Modifié {i}")));
        edit.push(d);
        edit_served.push(d + s.elapsed());
    }
    git(
        &content,
        &["remote", "add", "origin", bare.to_str().expect("path")],
    );
    git(&content, &["push", "--quiet", "origin", "main"]);
    for i in 0..RUNS {
        let (r, d) = save(
            &edge,
            &teacher,
            "portee=classe:ecole-00/cp",
            &format!("Brouillon poussé {i}"),
            body,
            "brouillon",
        );
        assert_eq!(r.status(), 303, "{}", text(&r));
        pushed.push(d);
    }
    let rows = [
        (
            "reference: Generator::rebuild of one edited post",
            reference,
        ),
        ("reference: full Generator::build", full),
        (
            "old: manifest serialised + written (was in each rebuild)",
            ser,
        ),
        (
            "old: manifest parsed by the edge (was in each Publier)",
            parse,
        ),
        (
            "old: commit by add + commit -- path + rev-parse + remote",
            old_commit,
        ),
        ("draft save (checks + commit, no rebuild)", median(draft)),
        (
            "draft save + push to a local bare repository",
            median(pushed),
        ),
        ("preview (generator render of the text)", median(preview)),
        (
            "Publier a new post (checks, commit, rebuild)",
            median(new_post),
        ),
        (
            "  … until the parent's GET of the post is served",
            median(new_served.clone()),
        ),
        ("Publier an edit of a published post", median(edit)),
        (
            "  … until the parent's GET of the post is served",
            median(edit_served.clone()),
        ),
    ];
    for (name, d) in rows {
        println!(
            "{name:<58} {:>10}  ({:.1}× the one-post rebuild)",
            ms(d),
            d.as_secs_f64() / reference.as_secs_f64().max(1e-9)
        );
    }
    let verdict = |d: Duration| if d <= TARGET { "within" } else { "OVER" };
    println!(
        "load {}; target {}: edit of a published post {} ({}), new post {} ({})",
        load(),
        ms(TARGET),
        ms(median(edit_served.clone())),
        verdict(median(edit_served)),
        ms(median(new_served.clone())),
        verdict(median(new_served)),
    );
}
