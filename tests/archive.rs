//! `preau export` and `preau import-archive`: an instance filled through the product
//! (accounts signed in with the charter accepted, a roster import, comments, photos, an
//! activation code, the audit log) exported while the server runs, imported into an empty
//! instance and exported again gives the same files byte for byte, apart from the export
//! date in the manifest; a damaged, incomplete, truncated or newer export is refused with
//! the target untouched; a comment that looks like a spreadsheet formula is defused in the
//! CSV and comes back unchanged.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use support::native::NativeServer;
use support::scenarios::{member, Target, CLASS, POST_URL};
use support::site::{fixture, walk};
use support::uploads::{file, results, sideways_photo, tiny_png, upload};

const MAPPING: &str = "[classes]\n\"CE1 A\" = \"ecole-a/ce1\"\n\"CP A\" = \"ecole-a/cp\"\n\"CM2 B\" = \"ecole-b/cm1\"\n";
const FORMULAS: &[&str] = &[
    "=HYPERLINK(\"http://exemple.fr\";\"clic\")",
    "+33 6 00 00 00 00",
    "-moins bien cette fois",
    "@SOMME(A1:A9)",
    "'entre apostrophes'",
];

struct Run {
    ok: bool,
    stderr: String,
}

fn preau(args: &[&std::ffi::OsStr]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_preau"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run preau");
    Run {
        ok: out.status.success(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn export(data: &Path, out: &Path, extra: &[&str]) -> String {
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "export".as_ref(),
        "--output".as_ref(),
        out.as_os_str(),
        "--data".as_ref(),
        data.as_os_str(),
    ];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    let r = preau(&args);
    assert!(r.ok, "preau export: {}", r.stderr);
    r.stderr
}

fn import(dir: &Path, data: &Path) -> Run {
    preau(&[
        "import-archive".as_ref(),
        dir.as_os_str(),
        "--data".as_ref(),
        data.as_os_str(),
    ])
}

/// The files of an export, the manifest's date taken out.
fn without_date(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = walk(dir);
    let m = files.get_mut("manifest.json").expect("manifest.json");
    let mut v: serde_json::Value = serde_json::from_slice(m).expect("manifest");
    assert!(v["created"].as_str().is_some_and(|s| s.ends_with('Z')));
    v["created"] = serde_json::Value::Null;
    *m = serde_json::to_vec_pretty(&v).expect("json");
    files
}

fn csv_rows(dir: &Path, file: &str) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_path(dir.join(file)).expect(file);
    r.records()
        .map(|x| x.expect("record").iter().map(str::to_string).collect())
        .collect()
}

/// An instance with a bit of everything, made through the running server and the CLI.
fn filled_instance() -> NativeServer {
    let server = NativeServer::start();
    let t: &dyn Target = &server;
    let data = server.dir.path().join("data");
    let mut parent = member(t, "export.parent", "parent", Some(CLASS));
    let mut teacher = member(t, "export.prof", "teacher", Some(CLASS));
    // Five comments per person and ten minutes: the last ones are the teacher's.
    let texts: Vec<&str> = FORMULAS
        .iter()
        .copied()
        .chain(["Merci pour la sortie !"])
        .collect();
    for (i, text) in texts.iter().enumerate() {
        let b = if i < 4 { &mut parent } else { &mut teacher };
        let csrf = b.get(POST_URL).csrf();
        let r = b.post(
            "/commentaires/",
            &[("csrf", &csrf), ("page", POST_URL), ("texte", text)],
        );
        assert_eq!(r.status, 303, "comment {text}: {}", r.body);
    }
    let r = upload(
        &mut teacher,
        CLASS,
        &[
            file("petite.png", tiny_png(0xE4_0001)),
            file("grande.jpg", sideways_photo(1200, 900, 7)),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(results(&r.body).url("grande.jpg").is_some(), "{}", r.body);
    // The roster: pupils, guardians and teachers with their links and photo permissions.
    std::fs::write(data.join("classes-onde.toml"), MAPPING).expect("mapping");
    let onde = |f: &str| fixture("onde").join(f);
    let site = server.dir.path().join("public");
    let r = preau(&[
        "roster".as_ref(),
        "import".as_ref(),
        onde("eleves.csv").as_os_str(),
        onde("responsables.csv").as_os_str(),
        onde("enseignants.csv").as_os_str(),
        "--apply".as_ref(),
        "--data".as_ref(),
        data.as_os_str(),
        "--site".as_ref(),
        site.as_os_str(),
    ]);
    assert!(r.ok, "roster import: {}", r.stderr);
    let list = t.accounts(&["list"], None);
    let pupil = list
        .lines()
        .find(|l| l.contains("pupil"))
        .and_then(|l| l.split_whitespace().next())
        .expect("a pupil")
        .to_string();
    t.accounts(&["activation-code", &pupil], None);
    server
}

#[test]
fn export_import_export_gives_the_same_archive() {
    let server = filled_instance();
    let data = server.dir.path().join("data");
    let tmp = tempfile::tempdir().expect("tmp");
    let first = tmp.path().join("export-1");
    let log = export(&data, &first, &[]);
    assert!(log.contains("nouvelles lettres"), "{log}");

    // What it holds, and what it does not.
    let files = walk(&first);
    for name in [
        "LISEZMOI.txt",
        "manifest.json",
        "accounts.csv",
        "memberships.csv",
        "charter_acceptances.csv",
        "audit_log.csv",
        "uploads.csv",
        "roster_people.csv",
        "guardianships.csv",
        "comments.csv",
        "activation_codes.csv",
        "editor_posts.csv",
    ] {
        assert!(
            files.contains_key(name),
            "{name} missing: {:?}",
            files.keys()
        );
    }
    let medias: Vec<&String> = files.keys().filter(|k| k.starts_with("medias/")).collect();
    // The photo is stored upright (900 × 1200): itself and its 480-pixel version.
    assert!(
        medias.iter().any(|k| k.ends_with("-480.jpg")) && medias.len() == 3,
        "the smaller versions go too: {medias:?}"
    );
    assert!(medias.iter().any(|k| k.ends_with(".png")), "{medias:?}");
    for (name, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains("$argon2"), "{name} holds a password hash");
        assert!(
            std::str::from_utf8(bytes).is_ok() || name.starts_with("medias/"),
            "{name} is UTF-8"
        );
    }
    let accounts = csv_rows(&first, "accounts.csv");
    assert!(accounts.len() > 10, "roster accounts: {}", accounts.len());
    let header = csv::Reader::from_path(first.join("accounts.csv"))
        .expect("csv")
        .headers()
        .expect("header")
        .clone();
    assert!(!header.iter().any(|h| h == "password_hash"), "{header:?}");
    let codes = String::from_utf8_lossy(&files["activation_codes.csv"]).into_owned();
    assert!(!codes.contains("code_hash"), "{codes}");
    assert_eq!(codes.lines().count(), 2, "one activation code: {codes}");
    assert!(!csv_rows(&first, "guardianships.csv").is_empty());
    assert!(!csv_rows(&first, "charter_acceptances.csv").is_empty());
    let audit = String::from_utf8_lossy(&files["audit_log.csv"]).into_owned();
    for action in [
        "signin",
        "charter_accept",
        "comment_post",
        "upload",
        "roster_import",
    ] {
        assert!(audit.contains(action), "audit {action}");
    }
    // Formulas: defused in the file (a ' in front), the stored text in the cell otherwise.
    let comments = String::from_utf8_lossy(&files["comments.csv"]).into_owned();
    for f in FORMULAS {
        let cell = format!("'{f}");
        let quoted = format!("\"'{}\"", f.replace('"', "\"\""));
        assert!(
            comments.contains(&cell) || comments.contains(&quoted),
            "{f} not defused:\n{comments}"
        );
    }
    for row in csv_rows(&first, "comments.csv") {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "formula cell {cell}"
            );
        }
    }
    let readme = String::from_utf8_lossy(&files["LISEZMOI.txt"]).into_owned();
    assert!(readme.contains("roster letters --all"), "{readme}");
    for f in files.keys().filter(|k| k.ends_with(".csv")) {
        assert!(readme.contains(f.as_str()), "LISEZMOI names {f}");
    }
    // The export itself is in the live log, after the copy.
    let log_now = t_audit(&server);
    assert!(log_now.contains("export"), "{log_now}");

    // Into an empty instance, and out again: the same bytes.
    let restored = tmp.path().join("instance-2");
    let r = import(&first, &restored);
    assert!(r.ok, "import: {}", r.stderr);
    assert!(r.stderr.contains("lettres d'invitation"), "{}", r.stderr);
    let second = tmp.path().join("export-2");
    export(&restored, &second, &[]);
    assert_eq!(without_date(&first), without_date(&second));

    // The comments, as the restored database holds them: the exact texts.
    let db = preau_edge::native::SqliteDb::open(&restored.join("preau.sqlite3"), 1).expect("db");
    for f in FORMULAS {
        use preau_edge::store::{Db as _, SqlValue};
        let rows = preau_edge::testing::block_on(db.query(
            "SELECT id FROM comments WHERE body = ?1",
            &[SqlValue::Text(f.to_string())],
        ))
        .expect("query");
        assert_eq!(rows.len(), 1, "{f} came back changed");
    }
    // Nobody can sign in to the restored instance: no hash came along.
    use preau_edge::store::Db as _;
    let hashes = preau_edge::testing::block_on(db.query(
        "SELECT count(*) FROM accounts WHERE password_hash NOT LIKE '!%'",
        &[],
    ))
    .expect("query");
    assert_eq!(hashes[0][0], preau_edge::store::SqlValue::Int(0));
    drop(db);

    // With --with-secrets the hashes go, and round-trip too.
    let secret = tmp.path().join("export-secrets");
    let log = export(&data, &secret, &["--with-secrets"]);
    assert!(log.contains("secret"), "{log}");
    assert!(
        String::from_utf8_lossy(&std::fs::read(secret.join("accounts.csv")).expect("csv"))
            .contains("$argon2")
    );
    assert!(secret.join("roster.key").is_file());
    let restored = tmp.path().join("instance-3");
    let r = import(&secret, &restored);
    assert!(r.ok, "import: {}", r.stderr);
    assert!(
        String::from_utf8_lossy(&std::fs::read(restored.join("roster.key")).expect("key"))
            == String::from_utf8_lossy(&std::fs::read(data.join("roster.key")).expect("key"))
    );
    let again = tmp.path().join("export-secrets-2");
    export(&restored, &again, &["--with-secrets"]);
    assert_eq!(without_date(&secret), without_date(&again));
    let list = preau(&[
        "accounts".as_ref(),
        "list".as_ref(),
        "--data".as_ref(),
        restored.as_os_str(),
    ]);
    assert!(list.ok, "{}", list.stderr);
}

fn t_audit(server: &NativeServer) -> String {
    let data = server.dir.path().join("data");
    let out = Command::new(env!("CARGO_BIN_EXE_preau"))
        .args(["audit", "export", "--data"])
        .arg(&data)
        .output()
        .expect("audit export");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every file under `dir` (or nothing if it does not exist), to see that a refusal
/// touched nothing.
fn state_of(dir: &Path) -> Option<BTreeMap<String, Vec<u8>>> {
    dir.exists().then(|| walk(dir))
}

#[test]
fn damaged_incomplete_truncated_or_newer_exports_are_refused_untouched() {
    let server = filled_instance();
    let data = server.dir.path().join("data");
    let tmp = tempfile::tempdir().expect("tmp");
    let good = tmp.path().join("bon");
    export(&data, &good, &[]);
    drop(server);

    let target = tmp.path().join("cible");
    let empty = tmp.path().join("cible-vide");
    std::fs::create_dir_all(&empty).expect("mkdir");
    let variant = |name: &str, change: &dyn Fn(&Path)| {
        let dir = tmp.path().join(name);
        support::site::copy_dir(&good, &dir);
        change(&dir);
        dir
    };
    let refused = |dir: &Path, why: &str| {
        for t in [&target, &empty] {
            let before = state_of(t);
            let r = import(dir, t);
            assert!(!r.ok, "{dir:?} accepted");
            assert!(
                r.stderr.contains(why),
                "{dir:?}: expected « {why} » in {}",
                r.stderr
            );
            assert!(r.stderr.contains("rien n'a été modifié"), "{}", r.stderr);
            assert_eq!(state_of(t), before, "target changed by {dir:?}");
        }
        let leftovers: Vec<String> = std::fs::read_dir(tmp.path())
            .expect("ls")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".preau-import"))
            .collect();
        assert!(leftovers.is_empty(), "staging left behind: {leftovers:?}");
    };
    let comments = good.join("comments.csv");
    let size = std::fs::metadata(&comments).expect("csv").len() as usize;

    // One byte changed in a CSV.
    let d = variant("abime", &|d| {
        let mut b = std::fs::read(d.join("comments.csv")).expect("read");
        b[size / 2] ^= 0x20;
        std::fs::write(d.join("comments.csv"), b).expect("write");
    });
    refused(&d, "somme de contrôle");
    // A file deleted: a photo, then the manifest.
    let d = variant("sans-photo", &|d| {
        let photo = walk(d)
            .into_keys()
            .find(|k| k.starts_with("medias/"))
            .expect("a photo");
        std::fs::remove_file(d.join(photo)).expect("rm");
    });
    refused(&d, "manque");
    let d = variant("sans-manifeste", &|d| {
        std::fs::remove_file(d.join("manifest.json")).expect("rm")
    });
    refused(&d, "manifest.json manque");
    // A CSV cut short, at a line's end (as a copy that stopped would leave it).
    let d = variant("tronque", &|d| {
        let b = std::fs::read(d.join("accounts.csv")).expect("read");
        let cut = b[..b.len() / 2]
            .iter()
            .rposition(|c| *c == b'\n')
            .expect("line")
            + 1;
        std::fs::write(d.join("accounts.csv"), &b[..cut]).expect("write");
    });
    refused(&d, "tronqué");
    // A file that the manifest does not list.
    let d = variant("en-trop", &|d| {
        std::fs::write(d.join("medias/notes.txt"), "x").expect("write")
    });
    refused(&d, "pas dans le manifeste");
    // A manifest that points out of the folder.
    let d = variant("evasion", &|d| {
        let p = d.join("manifest.json");
        let mut m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&p).expect("read")).expect("json");
        m["files"][0]["path"] = "../../etc/passwd".into();
        std::fs::write(&p, serde_json::to_vec(&m).expect("json")).expect("write");
    });
    refused(&d, "nom de fichier refusé");
    // A newer Préau: one more migration, or a newer format.
    let d = variant("plus-recent", &|d| {
        let p = d.join("manifest.json");
        let mut m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&p).expect("read")).expect("json");
        m["migrations"]
            .as_array_mut()
            .expect("migrations")
            .push("9999_plus_tard.sql".into());
        std::fs::write(&p, serde_json::to_vec(&m).expect("json")).expect("write");
    });
    refused(&d, "version plus récente de Préau");
    let d = variant("format-futur", &|d| {
        let p = d.join("manifest.json");
        let mut m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&p).expect("read")).expect("json");
        m["format_version"] = 2.into();
        std::fs::write(&p, serde_json::to_vec(&m).expect("json")).expect("write");
    });
    refused(&d, "plus récente");
    // A CSV whose rows break a link (a comment of an account that is not there), checksums
    // recomputed as a careless edit would: refused by the database checks.
    let d = variant("incoherent", &|d| {
        let p = d.join("accounts.csv");
        let text = std::fs::read_to_string(&p).expect("read");
        let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
        let gone = lines
            .iter()
            .position(|l| l.contains("export.parent"))
            .expect("parent row");
        lines.remove(gone);
        std::fs::write(&p, lines.concat()).expect("write");
        let mp = d.join("manifest.json");
        let mut m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&mp).expect("read")).expect("json");
        for t in m["tables"].as_array_mut().expect("tables") {
            if t["table"] == "accounts" {
                let n = t["rows"].as_u64().expect("rows") - 1;
                t["rows"] = n.into();
            }
        }
        let bytes = std::fs::read(&p).expect("read");
        for f in m["files"].as_array_mut().expect("files") {
            if f["path"] == "accounts.csv" {
                use sha2::Digest as _;
                f["bytes"] = (bytes.len() as u64).into();
                f["sha256"] = sha2::Sha256::digest(&bytes)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
                    .into();
            }
        }
        std::fs::write(&mp, serde_json::to_vec(&m).expect("json")).expect("write");
    });
    refused(&d, "n'existe pas");

    // A target that is not empty is refused, untouched; the good export then imports.
    let used = tmp.path().join("occupee");
    std::fs::create_dir_all(&used).expect("mkdir");
    std::fs::write(used.join("preau.sqlite3"), b"la base actuelle").expect("write");
    let r = import(&good, &used);
    assert!(!r.ok && r.stderr.contains("n'est pas vide"), "{}", r.stderr);
    assert_eq!(
        std::fs::read(used.join("preau.sqlite3")).expect("read"),
        b"la base actuelle"
    );
    let r = import(&good, &target);
    assert!(r.ok, "{}", r.stderr);
}

/// A town moves from `preau serve` to Cloudflare and back: the export (with the password
/// hashes, as for a move) goes into D1 and R2 under `wrangler dev`, comes back out through
/// `wrangler d1 export` and the R2 objects, and gives the same files; on the Worker the
/// families sign in with their own password and find their comments and photos.
#[test]
fn a_town_moves_to_cloudflare_and_back_with_all_its_data() {
    use support::client::Browser;
    use support::scenarios::PASSWORD;
    use support::uploads::gallery_of;
    use support::worker::{self, WorkerServer};
    if worker::skipped() {
        return;
    }
    let native = filled_instance();
    let data = native.dir.path().join("data");
    let tmp = tempfile::tempdir().expect("tmp");
    let first = tmp.path().join("export");
    export(&data, &first, &["--with-secrets"]);
    let sql = tmp.path().join("d1-import.sql");
    let r2 = tmp.path().join("r2-import");
    let r = preau(&[
        "import-archive".as_ref(),
        first.as_os_str(),
        "--d1-sql".as_ref(),
        sql.as_os_str(),
        "--r2-dir".as_ref(),
        r2.as_os_str(),
    ]);
    assert!(r.ok, "import-archive --d1-sql: {}", r.stderr);

    let content = tmp.path().join("content");
    support::site::copy_dir(&support::scenarios::fixture(), &content);
    let site = tmp.path().join("public");
    support::site::build_ok(&content, &site);
    let server = WorkerServer::start(&site);
    server.exec_sql(&std::fs::read_to_string(&sql).expect("sql"));
    let mut keys: Vec<String> = std::fs::read_dir(&r2)
        .expect("r2 folder")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    keys.sort();
    assert_eq!(
        keys.len(),
        3,
        "the photo, its smaller version, the PNG: {keys:?}"
    );
    for k in &keys {
        server.r2_object("put", k, &r2.join(k));
    }

    // Back out, before anyone signs in there (a sign-in is a new audit entry).
    let back_sql = tmp.path().join("d1-export.sql");
    server.export_sql(&back_sql);
    let r2_back = tmp.path().join("r2-export");
    std::fs::create_dir_all(&r2_back).expect("mkdir");
    for k in &keys {
        server.r2_object("get", k, &r2_back.join(k));
    }
    let second = tmp.path().join("export-retour");
    let r = preau(&[
        "export".as_ref(),
        "--output".as_ref(),
        second.as_os_str(),
        "--d1-export".as_ref(),
        back_sql.as_os_str(),
        "--r2-dir".as_ref(),
        r2_back.as_os_str(),
        "--with-secrets".as_ref(),
        "--data".as_ref(),
        data.as_os_str(),
    ]);
    assert!(r.ok, "export --d1-export: {}", r.stderr);
    assert_eq!(without_date(&first), without_date(&second));
    // And from Cloudflare back into an empty `preau serve` instance.
    let home = tmp.path().join("de-retour");
    let r = import(&second, &home);
    assert!(r.ok, "import of the Cloudflare export: {}", r.stderr);
    let list = preau(&[
        "accounts".as_ref(),
        "list".as_ref(),
        "--data".as_ref(),
        home.as_os_str(),
    ]);
    assert!(list.ok, "{}", list.stderr);

    // On Cloudflare, the same people with the same passwords, comments and photos.
    let mut parent = Browser::new(&server.base_url);
    let r = parent.sign_in("export.parent", PASSWORD);
    assert_eq!(r.status, 303, "the parent's own password: {}", r.body);
    let page = parent.get(POST_URL);
    assert_eq!(
        page.status, 200,
        "charter accepted before the move: {}",
        page.body
    );
    let mut teacher = Browser::new(&server.base_url);
    assert_eq!(teacher.sign_in("export.prof", PASSWORD).status, 303);
    // Shown on the post, or waiting for the teacher's moderation (class in "before" mode).
    let waiting = teacher.get("/espace/moderation/");
    assert!(
        page.body.contains("Merci pour la sortie") || waiting.body.contains("Merci pour la sortie"),
        "the comment moved: {}",
        waiting.body
    );
    let photos = gallery_of(&mut teacher, CLASS);
    assert_eq!(photos.len(), 2, "{photos:?}");
    for (_, snippet) in &photos {
        for url in support::uploads::versions(&support::uploads::snippet_url(snippet)) {
            let got = teacher.get(&url);
            assert_eq!(got.status, 200, "{url} served from R2");
        }
    }
}

/// The token of the archive route in the route's tests (a Worker secret in production).
const ARCHIVE_TOKEN: &str = "jeton-d-archive-de-test-0123456789abcdef";

fn archive_worker(site: &Path, token: bool) -> support::worker::WorkerServer {
    let extra = support::worker::Extra {
        secrets: if token {
            vec![("ARCHIVE_TOKEN".into(), ARCHIVE_TOKEN.into())]
        } else {
            Vec::new()
        },
        ..Default::default()
    };
    support::worker::WorkerServer::start_with(site, &extra)
}

fn scenario_site(dir: &Path) -> std::path::PathBuf {
    let content = dir.join("content");
    support::site::copy_dir(&support::scenarios::fixture(), &content);
    let site = dir.join("public");
    support::site::build_ok(&content, &site);
    site
}

/// One raw call: (status, body). Errors of the transport fail the test.
fn call(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> (u16, Vec<u8>) {
    let mut req = ureq::request(method, url);
    for (k, v) in headers {
        req = req.set(k, v);
    }
    let got = match body {
        Some(b) => req.send_bytes(b),
        None => req.call(),
    };
    let resp = match got {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{method} {url}: {e}"),
    };
    let status = resp.status();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut resp.into_reader(), &mut bytes).expect("body");
    (status, bytes)
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Attacks on the archive route, under `wrangler dev`: absent without the secret (404 on
/// every path and method); no token, a wrong one, the token in a cookie or as Basic are
/// refused; keys that are not an upload's (traversal, other shapes) are refused; an
/// object is never replaced by other bytes, nor written without its upload row, nor with
/// bytes that do not match their checksum; wrong tokens end up throttled, the right one
/// then waits too; every call is in the audit log.
#[test]
fn the_archive_route_refuses_what_it_must() {
    use support::worker;
    if worker::skipped() {
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let site = scenario_site(tmp.path());
    let objects = "/_preau/archive/objets";
    let bearer = format!("Bearer {ARCHIVE_TOKEN}");
    let good: &[(&str, &str)] = &[("authorization", &bearer)];

    // No secret: nothing there, even with a token.
    {
        let closed = archive_worker(&site, false);
        let base = &closed.base_url;
        for (method, path) in [
            ("GET", objects.to_string()),
            ("GET", format!("{objects}/0123456789abcdef")),
            ("PUT", format!("{objects}/0123456789abcdef")),
        ] {
            let body = (method == "PUT").then_some(&b"x"[..]);
            let (status, _) = call(method, &format!("{base}{path}"), good, body);
            assert_eq!(status, 404, "{method} {path} without ARCHIVE_TOKEN");
        }
    }

    let server = archive_worker(&site, true);
    let base = server.base_url.clone();
    let url = |p: &str| format!("{base}{objects}{p}");
    let (status, body) = call("GET", &url(""), good, None);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let listing: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(listing["objects"], serde_json::json!([]));

    // An upload row for one photo of 1000 pixels (so it has a 480 version).
    let photo = b"pas vraiment un jpeg, mais des octets".to_vec();
    let hash = sha256_hex(&photo)[..16].to_string();
    server.exec_sql(&format!(
        "INSERT INTO accounts (id, login, display_name, role, password_hash, created_at, disabled, password_changed_at) VALUES (900, 'archive.prof', 'Prof', 'teacher', '!x', 1, 0, 1);
         INSERT INTO uploads (id, scope, hash, kind, width, height, bytes, original_name, uploader_id, created_at) VALUES (900, 'ecole-a/ce1', '{hash}', 'jpg', 1000, 750, 100, 'photo.jpg', 900, 1);"
    ));
    let put = |key: &str, bytes: &[u8], sha: &str| {
        call(
            "PUT",
            &url(&format!("/{key}")),
            &[("authorization", &bearer), ("x-preau-sha256", sha)],
            Some(bytes),
        )
    };
    let r2_before = server.r2_files();
    // Keys that are not an upload's, traversal first.
    for key in [
        "..%2f..%2fwrangler.toml",
        "%2e%2e%2f%2e%2e%2f.dev.vars",
        &format!("{hash}%2f..%2f..%2fx"),
        &format!("{hash}.jpg"),
        &format!("{hash}-481"),
        &hash.to_uppercase(),
        "..",
        "%5c..%5c..%5cx",
    ] {
        let (status, _) = put(key, &photo, &sha256_hex(&photo));
        assert!(!(200..300).contains(&status), "PUT {key}: {status}");
        let (status, _) = call("GET", &url(&format!("/{key}")), good, None);
        assert!(!(200..300).contains(&status), "GET {key}: {status}");
    }
    assert_eq!(server.r2_files(), r2_before, "nothing written by a bad key");
    // Bytes that do not match their checksum, or the hash their key names.
    let other = b"d'autres octets".to_vec();
    assert_eq!(put(&hash, &photo, &sha256_hex(&other)).0, 400);
    assert_eq!(put(&hash, &other, &sha256_hex(&other)).0, 400);
    assert_eq!(put(&hash, &photo, "").0, 400);
    // No upload row with this hash: nothing written.
    let stray = sha256_hex(&other)[..16].to_string();
    assert_eq!(put(&stray, &other, &sha256_hex(&other)).0, 409);
    // No 960 version of a photo 1000 wide? It has one; none of 480 for a 400-wide one is
    // tested by the shape: 481 is refused above.
    // Written once, the same bytes again are fine, other bytes never replace them.
    assert_eq!(put(&hash, &photo, &sha256_hex(&photo)).0, 201);
    assert_eq!(put(&hash, &photo, &sha256_hex(&photo)).0, 200);
    let small = format!("{hash}-480");
    assert_eq!(put(&small, &photo[..10], &sha256_hex(&photo[..10])).0, 201);
    let (status, body) = put(&small, &other, &sha256_hex(&other));
    assert_eq!(status, 409, "{}", String::from_utf8_lossy(&body));
    let (status, body) = call("GET", &url(&format!("/{small}")), good, None);
    assert_eq!(
        (status, &body[..]),
        (200, &photo[..10]),
        "kept as first written"
    );
    let (status, body) = call("GET", &url(""), good, None);
    assert_eq!(status, 200);
    let listing: serde_json::Value = serde_json::from_slice(&body).expect("json");
    let keys: Vec<&str> = listing["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .filter_map(|o| o["key"].as_str())
        .collect();
    assert_eq!(keys, [hash.as_str(), small.as_str()]);

    // Wrong tokens: none, another, in a cookie, as Basic, in the query.
    let cookie = format!(
        "ARCHIVE_TOKEN={ARCHIVE_TOKEN}; __Host-session={ARCHIVE_TOKEN}; session={ARCHIVE_TOKEN}"
    );
    let basic = format!("Basic {ARCHIVE_TOKEN}");
    let wrong = format!("Bearer {}x", &ARCHIVE_TOKEN[..ARCHIVE_TOKEN.len() - 1]);
    for (what, headers) in [
        ("none", vec![]),
        ("wrong", vec![("authorization", wrong.as_str())]),
        ("cookie", vec![("cookie", cookie.as_str())]),
        ("basic", vec![("authorization", basic.as_str())]),
    ] {
        let (status, _) = call("GET", &url(&format!("/{hash}")), &headers, None);
        assert_eq!(status, 401, "{what}");
    }
    let (status, _) = call("GET", &url(&format!("?token={ARCHIVE_TOKEN}")), &[], None);
    assert_eq!(status, 401, "query");
    // Five wrong tokens from one network: the sixth call waits, even with the right one.
    let (status, _) = call("GET", &url(""), good, None);
    assert_eq!(status, 429, "throttled after five wrong tokens");
    let audit = server.query_json(
        "SELECT action, outcome, count(*) AS n FROM audit_log WHERE actor = 'archive' GROUP BY action, outcome ORDER BY action, outcome",
    );
    let seen: Vec<String> = audit
        .iter()
        .map(|r| {
            format!(
                "{} {} {}",
                r["action"].as_str().unwrap_or("?"),
                r["outcome"].as_str().unwrap_or("?"),
                r["n"]
            )
        })
        .collect();
    // Listings: two with the token, one with it in the query; reads: the one good read,
    // four wrong tokens, three keys of another shape (the traversal ones are other paths
    // once normalised, answered by the site: 404); writes: three accepted (one the same
    // bytes again), eight refused (three shapes, three checksums, no row, other bytes).
    assert_eq!(
        seen,
        [
            "archive_list denied 1",
            "archive_list success 2",
            "archive_list throttled 1",
            "archive_read denied 4",
            "archive_read refused 3",
            "archive_read success 1",
            "archive_write refused 8",
            "archive_write success 3",
        ]
    );
}

/// Without the number of the date and the entries the move itself adds to the audit
/// log (`archive` writes and listings, after the rows of the export): the files of an
/// export, and the rows of its audit log apart.
fn without_date_and_archive_entries(dir: &Path) -> (BTreeMap<String, Vec<u8>>, usize) {
    let mut files = without_date(dir);
    let audit = files.remove("audit_log.csv").expect("audit_log.csv");
    let text = String::from_utf8(audit).expect("utf-8");
    let mut kept = Vec::new();
    let mut archive = 0;
    for line in text.lines() {
        if line.split(',').nth(2) == Some("archive") {
            archive += 1;
        } else {
            kept.push(line);
        }
    }
    files.insert("audit_log.csv".into(), kept.join("\n").into_bytes());
    let m = files.get_mut("manifest.json").expect("manifest");
    let mut v: serde_json::Value = serde_json::from_slice(m).expect("manifest");
    for list in ["files", "tables"] {
        if let Some(a) = v[list].as_array_mut() {
            a.retain(|e| e["file"] != "audit_log.csv" && e["path"] != "audit_log.csv");
        }
    }
    *m = serde_json::to_vec_pretty(&v).expect("json");
    (files, archive)
}

/// The move through the archive route: the native export goes into D1 (its SQL) and R2
/// (`import-archive --to-worker`, twice: the second run sends nothing), comes back out
/// through `wrangler d1 export` and `export --from-worker`, and gives the same files as
/// the first export, apart from the date and the route's own audit entries; then it goes
/// back into an empty `preau serve` instance.
#[test]
fn a_town_moves_to_cloudflare_and_back_through_the_archive_route() {
    use support::worker;
    if worker::skipped() {
        return;
    }
    let native = filled_instance();
    let data = native.dir.path().join("data");
    let tmp = tempfile::tempdir().expect("tmp");
    let first = tmp.path().join("export");
    export(&data, &first, &["--with-secrets"]);
    let token = tmp.path().join("jeton");
    std::fs::write(&token, format!("{ARCHIVE_TOKEN}\n")).expect("token");
    let site = scenario_site(tmp.path());
    let server = archive_worker(&site, true);
    let url = server.base_url.clone();
    let sql = tmp.path().join("d1-import.sql");
    let to_worker = |extra: &[&std::ffi::OsStr]| {
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "import-archive".as_ref(),
            first.as_os_str(),
            "--d1-sql".as_ref(),
            sql.as_os_str(),
            "--to-worker".as_ref(),
            url.as_ref(),
            "--token-file".as_ref(),
            token.as_os_str(),
        ];
        args.extend_from_slice(extra);
        preau(&args)
    };
    // First run: the SQL only, and what to do next.
    let r = to_worker(&[]);
    assert!(r.ok, "{}", r.stderr);
    assert!(
        r.stderr.contains("relancez la même commande"),
        "{}",
        r.stderr
    );
    assert!(server.r2_files().is_empty(), "no object before the SQL");
    server.exec_sql(&std::fs::read_to_string(&sql).expect("sql"));
    let r = to_worker(&[]);
    assert!(r.ok, "{}", r.stderr);
    assert!(r.stderr.contains("3 objet(s) envoyé(s)"), "{}", r.stderr);
    let r = to_worker(&["--connections".as_ref(), "2".as_ref()]);
    assert!(r.ok, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("0 objet(s) envoyé(s) au Worker, 3 déjà présent(s)"),
        "{}",
        r.stderr
    );

    let back_sql = tmp.path().join("d1-export.sql");
    server.export_sql(&back_sql);
    let second = tmp.path().join("export-retour");
    let r = preau(&[
        "export".as_ref(),
        "--output".as_ref(),
        second.as_os_str(),
        "--d1-export".as_ref(),
        back_sql.as_os_str(),
        "--from-worker".as_ref(),
        url.as_ref(),
        "--token-file".as_ref(),
        token.as_os_str(),
        "--with-secrets".as_ref(),
        "--data".as_ref(),
        data.as_os_str(),
    ]);
    assert!(r.ok, "export --from-worker: {}", r.stderr);
    assert!(r.stderr.contains("R2 : 3/3 objets reçus"), "{}", r.stderr);
    let (a, none) = without_date_and_archive_entries(&first);
    let (b, moved) = without_date_and_archive_entries(&second);
    assert_eq!(none, 0);
    // Two listings and three writes of the import, all after the imported rows.
    assert_eq!(moved, 5, "the route's entries of the import");
    assert_eq!(
        a, b,
        "same archive apart from the date and the move's audit entries"
    );
    let names: Vec<&String> = a.keys().filter(|k| k.starts_with("medias/")).collect();
    assert_eq!(names.len(), 3, "{names:?}");
    // No download folder left beside the export.
    let left: Vec<String> = std::fs::read_dir(tmp.path())
        .expect("tmp")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let home = tmp.path().join("de-retour");
    let r = import(&second, &home);
    assert!(r.ok, "import of the Cloudflare export: {}", r.stderr);

    // A wrong token file: refused with what to check, nothing written.
    std::fs::write(&token, "un-autre-jeton-de-plus-de-trente-deux-caracteres").expect("token");
    let third = tmp.path().join("export-3");
    let r = preau(&[
        "export".as_ref(),
        "--output".as_ref(),
        third.as_os_str(),
        "--d1-export".as_ref(),
        back_sql.as_os_str(),
        "--from-worker".as_ref(),
        url.as_ref(),
        "--token-file".as_ref(),
        token.as_os_str(),
        "--data".as_ref(),
        data.as_os_str(),
    ]);
    assert!(!r.ok);
    assert!(r.stderr.contains("jeton refusé"), "{}", r.stderr);
    assert!(!third.exists());
}
