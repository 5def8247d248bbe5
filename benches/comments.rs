//! What inserting comments costs when serving a post page: the same page of the basic
//! fixture, in process (in-memory files, SQLite), without injection (comments off in the
//! manifest) and with 0, 10 and 200 approved comments, median of 200 requests each.
//! Run with `cargo bench --bench comments`.

use http::{Method, Request};
use preau_contract::access::{Manifest, MANIFEST_PATH};
use preau_edge::accounts::{Role, Scope};
use preau_edge::admin::{self, NewAccount};
use preau_edge::store::Db;
use preau_edge::testing::{block_on, local_client, TestPlatform};
use preau_edge::{Edge, EdgeConfig};
use preau_generator::{BuildOptions, Generator};
use std::path::Path;
use std::time::Instant;

const POST: &str = "/ecoles/ecole-a/classes/ce1/la-chorale/";
const PASSWORD: &str = "girafe-velo-orange-piscine-42";
const FORM: &str = "application/x-www-form-urlencoded";

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

fn body(r: &preau_edge::respond::Resp) -> String {
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

fn sign_in(edge: &E, login: &str) -> String {
    let form = send(edge, Method::GET, "/connexion/", "", String::new());
    let csrf = cookie(&form, "preau_csrf");
    let b = format!(
        "csrf={}&login={login}&password={PASSWORD}",
        input(&body(&form), "csrf")
    );
    let r = send(edge, Method::POST, "/connexion/", &csrf, b);
    let session = cookie(&r, "preau_session");
    let gate = send(
        edge,
        Method::GET,
        "/charte/accepter/",
        &session,
        String::new(),
    );
    let b = format!("csrf={}", input(&body(&gate), "csrf"));
    send(edge, Method::POST, "/charte/accepter/", &session, b);
    session
}

fn median_us(edge: &E, session: &str) -> f64 {
    let mut t: Vec<f64> = (0..200)
        .map(|_| {
            let s = Instant::now();
            let r = send(edge, Method::GET, POST, session, String::new());
            assert_eq!(r.status(), 200);
            s.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("public");
    Generator::new(BuildOptions {
        content: root.join("tests/fixtures/basic"),
        theme: root.join("themes/default"),
        output: out.clone(),
    })
    .and_then(|mut g| g.build(&|_, _| {}).map(|_| ()))
    .expect("build");
    let platform = TestPlatform::new(&out, 1_800_000_000).expect("platform");
    let edge = block_on(Edge::new(
        platform,
        EdgeConfig::new(vec![7u8; 32]).expect("config"),
    ))
    .expect("edge");
    let account = NewAccount {
        login: "parent.banc",
        display_name: "Parent Banc",
        role: Role::Parent,
        scopes: vec![Scope::parse("ecole-a/ce1").expect("scope")],
        password: PASSWORD,
    };
    block_on(admin::add(&edge.platform, &account, "bench")).expect("account");
    let session = sign_in(&edge, "parent.banc");
    let manifest = edge.platform.files.lock().expect("files")[MANIFEST_PATH].clone();
    let mut off: Manifest = serde_json::from_slice(&manifest).expect("manifest");
    off.comments.clear();
    edge.platform
        .put_file(MANIFEST_PATH, &serde_json::to_vec(&off).expect("json"));
    block_on(edge.reload()).expect("reload");
    let plain = median_us(&edge, &session);
    edge.platform.put_file(MANIFEST_PATH, &manifest);
    block_on(edge.reload()).expect("reload");
    println!("Page d'article servie en processus, médiane de 200 requêtes");
    println!("  sans insertion (commentaires fermés) : {plain:8.0} µs");
    let mut stored = 0;
    for n in [0, 10, 200] {
        while stored < n {
            let sql = "INSERT INTO comments (page, scope, author_id, body, status, created_at, updated_at) VALUES (?1, 'ecole-a/ce1', 1, ?2, 'approved', 0, 0)";
            let text = format!("Commentaire {stored} : bravo pour cette belle journée, https://exemple.fr/{stored}\nÀ bientôt !");
            block_on(edge.platform.execute(sql, &[POST.into(), text.into()])).expect("insert");
            stored += 1;
        }
        let t = median_us(&edge, &session);
        println!(
            "  {n:3} commentaires approuvés           : {t:8.0} µs (+{:.0} µs)",
            t - plain
        );
    }
}
