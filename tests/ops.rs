//! Running it for real: the server refuses a database a newer Préau migrated (and changes
//! nothing in it); a backup taken under load restores every acknowledged write; a
//! corrupted, truncated or newer archive is refused without touching the target.

mod support;
use support::site::{fixture, free_port, theme};

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// `preau serve` on the basic fixture with `data`, until it exits or `wait` has passed.
fn serve(dir: &Path, data: &Path) -> std::process::Output {
    let child = Command::new(env!("CARGO_BIN_EXE_preau"))
        .args(["serve", "--no-watch", "--addr"])
        .arg(format!("127.0.0.1:{}", free_port()))
        .arg("--content")
        .arg(fixture("basic"))
        .arg("--theme")
        .arg(theme())
        .arg("--output")
        .arg(dir.join("public"))
        .arg("--data")
        .arg(data)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start preau serve");
    child.wait_with_output().expect("wait")
}

/// One statement on the database, through the edge's own SQLite adapter.
fn execute(db: &Path, sql: &str) {
    use preau_edge::store::Db as _;
    let conn = preau_edge::native::SqliteDb::open(db, 1).expect("open");
    preau_edge::testing::block_on(conn.execute(sql, &[])).expect("execute");
}

#[test]
fn a_database_from_a_newer_version_is_refused_untouched() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    // A first opening creates and migrates the database.
    let out = Command::new(env!("CARGO_BIN_EXE_preau"))
        .args(["accounts", "list", "--data"])
        .arg(&data)
        .output()
        .expect("accounts list");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let db = data.join("preau.sqlite3");
    // What a newer Préau would have left: one more migration recorded.
    execute(
        &db,
        "INSERT INTO d1_migrations (name) VALUES ('9999_plus_tard.sql')",
    );
    let before = std::fs::read(&db).expect("db");
    let out = serve(tmp.path(), &data);
    assert!(!out.status.success(), "the server must not start");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("version plus récente de Préau"), "{err}");
    assert!(err.contains("9999_plus_tard.sql"), "{err}");
    assert!(err.contains("Rien n'a été modifié"), "{err}");
    assert_eq!(
        std::fs::read(&db).expect("db"),
        before,
        "database untouched"
    );
}

/// `preau` with `args`, which must succeed; returns its error output.
fn preau_ok(args: &[&std::ffi::OsStr]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_preau"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run preau");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "preau {args:?}: {err}");
    err
}

/// What a writer saw acknowledged, and when.
struct Acked {
    what: String,
    at: Instant,
}

/// A backup taken while parents comment and a teacher uploads photos through the running
/// server holds every comment and upload acknowledged before it started, and each upload
/// row it holds has its files; restored into an empty folder, a new server serves them.
#[test]
fn a_backup_under_load_restores_every_acknowledged_write() {
    use support::native::NativeServer;
    use support::scenarios::{member, CLASS, POST_URL};
    use support::uploads::{file, results, tiny_png, upload};

    let server = NativeServer::start();
    let t: &dyn support::scenarios::Target = &server;
    let parents: Vec<_> = (0..6)
        .map(|i| member(t, &format!("sauve.parent{i}"), "parent", Some(CLASS)))
        .collect();
    let mut teacher = member(t, "sauve.prof", "teacher", Some(CLASS));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for (i, mut b) in parents.into_iter().enumerate() {
        writers.push(std::thread::spawn(move || {
            let mut acked = Vec::new();
            let csrf = b.get(POST_URL).csrf();
            // Five comments each: the limit per person and ten minutes.
            for k in 0..5 {
                let text = format!("Merci SAUVEGARDE-{i}-{k}");
                let r = b.post(
                    "/commentaires/",
                    &[("csrf", &csrf), ("page", POST_URL), ("texte", &text)],
                );
                if r.status == 303 {
                    acked.push(Acked {
                        what: text,
                        at: Instant::now(),
                    });
                }
                // Spread over about two seconds, so that the backup falls in the middle.
                std::thread::sleep(Duration::from_millis(400));
            }
            acked
        }));
    }
    let uploads_stop = stop.clone();
    let uploader = std::thread::spawn(move || {
        let mut acked = Vec::new();
        let mut seed = 0;
        while !uploads_stop.load(std::sync::atomic::Ordering::Relaxed) && seed < 60 {
            seed += 1;
            let r = upload(
                &mut teacher,
                CLASS,
                &[file(&format!("photo-{seed}.png"), tiny_png(seed))],
            );
            if r.status == 200 {
                if let Some(url) = results(&r.body).url(&format!("photo-{seed}.png")) {
                    acked.push(Acked {
                        what: url,
                        at: Instant::now(),
                    });
                }
            }
            std::thread::sleep(Duration::from_millis(30));
        }
        acked
    });
    std::thread::sleep(Duration::from_millis(900));
    let archive = server.dir.path().join("sauvegarde.tar");
    let data = server.dir.path().join("data");
    let started = Instant::now();
    let log = preau_ok(&[
        "backup".as_ref(),
        "--output".as_ref(),
        archive.as_os_str(),
        "--data".as_ref(),
        data.as_os_str(),
    ]);
    eprintln!("{log}");
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let comments: Vec<Acked> = writers
        .into_iter()
        .flat_map(|w| w.join().expect("writer"))
        .collect();
    let photos = uploader.join().expect("uploader");
    let before = |list: &[Acked]| list.iter().filter(|a| a.at < started).count();
    eprintln!(
        "acknowledged before the backup: {} comments, {} uploads; after it started: {} and {}",
        before(&comments),
        before(&photos),
        comments.len() - before(&comments),
        photos.len() - before(&photos)
    );
    assert!(
        before(&comments) > 0 && before(&photos) > 0,
        "writes before the backup"
    );
    assert!(
        comments.len() > before(&comments) || photos.len() > before(&photos),
        "writes went on during the backup"
    );

    let restored = tempfile::tempdir().expect("tempdir");
    let target = restored.path().join("data");
    preau_ok(&[
        "restore".as_ref(),
        archive.as_os_str(),
        "--data".as_ref(),
        target.as_os_str(),
    ]);
    let db = preau_edge::native::SqliteDb::open(&target.join("preau.sqlite3"), 1)
        .expect("open restored");
    let rows = |sql: &str, p: &str| {
        use preau_edge::store::{Db as _, SqlValue};
        preau_edge::testing::block_on(db.query(sql, &[SqlValue::Text(p.into())]))
            .expect("query")
            .len()
    };
    for c in comments.iter().filter(|c| c.at < started) {
        assert_eq!(
            rows("SELECT id FROM comments WHERE body = ?1", &c.what),
            1,
            "{} lost",
            c.what
        );
    }
    // A restored server serves every upload the backup holds, and each one acknowledged
    // before the backup is among them.
    let port = free_port();
    let site = restored.path().join("public");
    let mut child = Command::new(env!("CARGO_BIN_EXE_preau"))
        .args(["serve", "--no-watch", "--quiet", "--addr"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--content")
        .arg(server.dir.path().join("content"))
        .arg("--theme")
        .arg(theme())
        .arg("--output")
        .arg(&site)
        .arg("--data")
        .arg(&target)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("restored server");
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "restored server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut b = support::client::Browser::new(&format!("http://127.0.0.1:{port}"));
    let r = b.sign_in("sauve.prof", support::scenarios::PASSWORD);
    assert_eq!(r.status, 303, "the restored account signs in: {}", r.body);
    let mut served = 0;
    for p in &photos {
        let name = p.what.rsplit('/').next().unwrap_or_default();
        let hash = &name[..16.min(name.len())];
        let held = rows("SELECT id FROM uploads WHERE hash = ?1", hash) > 0;
        if p.at < started {
            assert!(held, "{} acknowledged before the backup, lost", p.what);
        }
        if held {
            let got = b.get(&p.what);
            assert_eq!(
                got.status, 200,
                "{}: its row is restored, its file must be",
                p.what
            );
            served += 1;
        }
    }
    eprintln!("restored server: {served} uploads served");
    let _ = child.kill();
    let _ = child.wait();
}

/// Every file under `dir` with its bytes, to see that a refused restore touched nothing.
fn snapshot_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    support::site::walk(dir).into_iter().collect()
}

#[test]
fn a_damaged_truncated_or_newer_archive_is_refused_without_touching_the_target() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let run = |args: &[&std::ffi::OsStr]| {
        Command::new(env!("CARGO_BIN_EXE_preau"))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run preau")
    };
    let add = Command::new(env!("CARGO_BIN_EXE_preau"))
        .args([
            "accounts",
            "add",
            "lea.sauve",
            "--role",
            "parent",
            "--scope",
            "ecole-a/ce1",
            "--password-stdin",
            "--data",
        ])
        .arg(&data)
        .stdin(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write as _;
            c.stdin
                .take()
                .expect("stdin")
                .write_all(b"girafe-velo-orange-piscine-42\n")?;
            c.wait()
        })
        .expect("accounts add");
    assert!(add.success());
    std::fs::create_dir_all(data.join("medias/0a")).unwrap();
    std::fs::write(data.join("medias/0a/0a1b2c3d4e5f6789-3x2.png"), b"photo").unwrap();
    let good = tmp.path().join("bonne.tar");
    preau_ok(&[
        "backup".as_ref(),
        "--output".as_ref(),
        good.as_os_str(),
        "--data".as_ref(),
        data.as_os_str(),
    ]);
    let bytes = std::fs::read(&good).unwrap();

    // A target in use: the same files before and after each refused restore.
    let target = tmp.path().join("cible");
    std::fs::create_dir_all(&target).unwrap();
    std::fs::write(target.join("preau.sqlite3"), b"la base actuelle").unwrap();
    let before = snapshot_of(&target);
    let refused = |archive: &Path, force: bool, why: &str| {
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "restore".as_ref(),
            archive.as_os_str(),
            "--data".as_ref(),
            target.as_os_str(),
        ];
        if force {
            args.push("--force".as_ref());
        }
        let out = run(&args);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!out.status.success(), "{archive:?} accepted");
        assert!(err.contains(why), "{archive:?}: {err}");
        assert_eq!(
            snapshot_of(&target),
            before,
            "target changed by {archive:?}"
        );
        let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".preau-restauration"))
            .collect();
        assert!(leftovers.is_empty(), "staging left behind: {leftovers:?}");
    };
    refused(&good, false, "n'est pas vide");
    for cut in [bytes.len() / 2, bytes.len() - 1100, 700] {
        let t = tmp.path().join(format!("tronquee-{cut}.tar"));
        std::fs::write(&t, &bytes[..cut]).unwrap();
        refused(&t, true, "rien n'a été modifié");
    }
    // One byte changed inside the database copy (past its 512-byte tar header).
    let mut bad = bytes.clone();
    bad[512 + 4000] ^= 0x55;
    let damaged = tmp.path().join("abimee.tar");
    std::fs::write(&damaged, &bad).unwrap();
    refused(&damaged, true, "archive endommagée");
    // Not an archive at all.
    let junk = tmp.path().join("autre.tar");
    std::fs::write(&junk, b"ceci n'est pas une archive").unwrap();
    refused(&junk, true, "rien n'a été modifié");
    // An archive made by a newer Préau: its database has a migration this one lacks.
    execute(
        &data.join("preau.sqlite3"),
        "INSERT INTO d1_migrations (name) VALUES ('9999_plus_tard.sql')",
    );
    let newer = tmp.path().join("plus-recente.tar");
    preau_ok(&[
        "backup".as_ref(),
        "--output".as_ref(),
        newer.as_os_str(),
        "--data".as_ref(),
        data.as_os_str(),
    ]);
    refused(&newer, true, "version plus récente de Préau");

    // The good archive with --force: restored, and the old folder kept beside it.
    preau_ok(&[
        "restore".as_ref(),
        good.as_os_str(),
        "--data".as_ref(),
        target.as_os_str(),
        "--force".as_ref(),
    ]);
    assert_eq!(
        std::fs::read(target.join("medias/0a/0a1b2c3d4e5f6789-3x2.png")).unwrap(),
        b"photo"
    );
    let kept: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("cible.avant-restauration-")
        })
        .collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(
        std::fs::read(kept[0].path().join("preau.sqlite3")).unwrap(),
        b"la base actuelle"
    );
    let list = run(&[
        "accounts".as_ref(),
        "list".as_ref(),
        "--data".as_ref(),
        target.as_os_str(),
    ]);
    assert!(String::from_utf8_lossy(&list.stdout).contains("lea.sauve"));
}

fn git_in(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@t",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn status(content: &Path, data: &Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_preau"))
        .arg("status")
        .arg("--content")
        .arg(content)
        .arg("--data")
        .arg(data)
        .output()
        .expect("preau status");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn status_shows_the_schema_and_the_texts_a_conflict_set_aside() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (content, data) = (tmp.path().join("content"), tmp.path().join("data"));
    std::fs::create_dir_all(&content).expect("mkdir");
    std::fs::write(content.join("index.md"), "+++\ntitle = \"Accueil\"\n+++\n").expect("write");
    git_in(&content, &["init", "--quiet", "-b", "main"]);
    git_in(&content, &["add", "-A"]);
    git_in(&content, &["commit", "--quiet", "-m", "Début"]);
    let (ok, out) = status(&content, &data);
    assert!(ok, "{out}");
    assert!(out.contains("pas encore de base"), "{out}");
    assert!(out.contains("aucun texte en attente"), "{out}");

    // A migrated database; then a set-aside text (as the editor leaves it) and a file
    // edited by hand on the server: both need a person, so the exit code says so.
    preau_ok(&[
        "accounts".as_ref(),
        "list".as_ref(),
        "--data".as_ref(),
        data.as_os_str(),
    ]);
    let (ok, out) = status(&content, &data);
    assert!(ok && out.contains("schéma : à jour"), "{out}");
    git_in(
        &content,
        &[
            "checkout",
            "--quiet",
            "-b",
            "preau/conflit/20261201T120000Z-abcdef12",
        ],
    );
    std::fs::write(
        content.join("index.md"),
        "+++\ntitle = \"Accueil modifié\"\n+++\n",
    )
    .expect("write");
    git_in(
        &content,
        &[
            "-c",
            "user.name=Marie Durand",
            "-c",
            "user.email=marie.durand@ville.test",
            "commit",
            "--quiet",
            "-am",
            "Publication",
        ],
    );
    git_in(&content, &["checkout", "--quiet", "main"]);
    std::fs::write(content.join("index.md"), "à la main").expect("write");
    let (ok, out) = status(&content, &data);
    assert!(!ok, "{out}");
    assert!(
        out.contains("preau/conflit/20261201T120000Z-abcdef12"),
        "{out}"
    );
    assert!(
        out.contains("Marie Durand <marie.durand@ville.test>"),
        "{out}"
    );
    assert!(out.contains("index.md"), "{out}");
    assert!(out.contains("modifiés à la main"), "{out}");
    assert!(!out.contains("mises de côté"), "{out}");

    // A hand change the server had to set aside (as it leaves one the forge contradicts).
    git_in(
        &content,
        &[
            "-c",
            "user.name=Préau",
            "-c",
            "user.email=preau@localhost",
            "stash",
            "push",
            "--quiet",
            "-m",
            "preau : modifications faites à la main sur le serveur",
        ],
    );
    let (ok, out) = status(&content, &data);
    assert!(!ok, "{out}");
    assert!(out.contains("mises de côté"), "{out}");
    assert!(out.contains("stash@{0}"), "{out}");
}

/// HMAC-SHA-256 of `body` in hex, as Gitea signs a webhook.
fn gitea_signature(secret: &[u8], body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).expect("key");
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn serve_takes_pushes_made_elsewhere_by_webhook_and_by_periodic_fetch() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let top = tmp.path();
    let content = top.join("content");
    support::site::copy_dir(&fixture("basic"), &content);
    git_in(&content, &["init", "--quiet", "-b", "main"]);
    git_in(&content, &["add", "-A"]);
    git_in(&content, &["commit", "--quiet", "-m", "Contenu initial"]);
    let forge = top.join("forge.git");
    git_in(
        top,
        &[
            "init",
            "--quiet",
            "--bare",
            "-b",
            "main",
            forge.to_str().expect("path"),
        ],
    );
    git_in(
        &content,
        &["remote", "add", "origin", forge.to_str().expect("path")],
    );
    git_in(&content, &["push", "--quiet", "-u", "origin", "main"]);
    let laptop = top.join("laptop");
    git_in(
        top,
        &[
            "clone",
            "--quiet",
            forge.to_str().expect("path"),
            laptop.to_str().expect("path"),
        ],
    );
    let secret = "0123456789abcdef0123456789abcdef";
    std::fs::write(top.join("webhook.secret"), format!("{secret}\n")).expect("secret");

    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_preau"))
        .args([
            "serve",
            "--no-watch",
            "--quiet",
            "--fetch-every",
            "1",
            "--addr",
        ])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--content")
        .arg(&content)
        .arg("--theme")
        .arg(theme())
        .arg("--output")
        .arg(top.join("public"))
        .arg("--data")
        .arg(top.join("data"))
        .arg("--webhook-secret-file")
        .arg(top.join("webhook.secret"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start preau serve");
    let mut b = support::client::Browser::new(&format!("http://127.0.0.1:{port}"));
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let publish = |name: &str, word: &str| {
        let path = laptop.join(format!("actualites/2026-10-2{}-{name}.md", name.len() % 10));
        std::fs::write(
            &path,
            format!("+++\ntitle = \"{name}\"\n+++\n\nMot témoin : {word}.\n"),
        )
        .expect("write");
        git_in(&laptop, &["add", "-A"]);
        git_in(&laptop, &["commit", "--quiet", "-m", name]);
        git_in(&laptop, &["push", "--quiet", "origin", "main"]);
    };
    let wait_for = |b: &mut support::client::Browser, url: &str, word: &str| -> Duration {
        let t = Instant::now();
        loop {
            let r = b.get(url);
            if r.status == 200 && r.body.contains(word) {
                return t.elapsed();
            }
            assert!(
                t.elapsed() < Duration::from_secs(30),
                "{url} never showed {word}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    };

    // No webhook call: the periodic fetch (every second here) brings it.
    publish("kermesse", "KERMESSE-PORTABLE");
    wait_for(&mut b, "/actualites/kermesse/", "KERMESSE-PORTABLE");

    // A signed call; an unsigned one is refused.
    let body = br#"{"ref":"refs/heads/main"}"#;
    let r = b.send(
        "POST",
        "/_preau/depot",
        support::client::Body::Typed("application/json", body),
        &[],
    );
    assert_eq!(r.status, 401, "{}", r.body);
    publish("brocante", "BROCANTE-PORTABLE");
    let sig = gitea_signature(secret.as_bytes(), body);
    let r = b.send(
        "POST",
        "/_preau/depot",
        support::client::Body::Typed("application/json", body),
        &[("x-gitea-event", "push"), ("x-gitea-signature", &sig)],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    // The webhook's sync has rebuilt before answering: online at once.
    let r = b.get("/actualites/brocante/");
    assert!(
        r.status == 200 && r.body.contains("BROCANTE-PORTABLE"),
        "{}",
        r.status
    );
    let _ = child.kill();
    let _ = child.wait();
}
