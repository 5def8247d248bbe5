//! `preau archive`: the year-end offline copy of one class blog, on the `class-archive`
//! fixture (never the demo town). Texts that must stay out of the ecole-a/ce1 archive of
//! 2025-2026 carry a `HORS-…` marker (another class, another school, school news, a
//! guide, a post for staff only, last year's post, comments not approved), those that
//! must be in carry `DANS-…`. The photos are blobs of a data folder made here.
//!
//! The benchmark (ignored; `cargo test --test class_archive -- --ignored --nocapture`)
//! prints the time and size of the archive of a class of 40 posts with photos, against
//! `preau build` of the same content.

mod support;

use preau_contract::media::{MediaKind, MediaRef, MediaScope};
use preau_edge::accounts::{Role, Scope};
use preau_edge::admin::{self, NewAccount};
use preau_edge::native::Native;
use preau_edge::store::{Db, SqlValue};
use preau_edge::testing::block_on;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::site::{decoded, fixture, theme};

const CLASS_PHOTO: &str = "ce1aaaa000000001";
const CP_PHOTO: &str = "c0000000000000cb";
const POST: &str = "/ecoles/ecole-a/classes/ce1/le-carnaval/";
const CP_POST: &str = "/ecoles/ecole-a/classes/cp/rallye-lecture/";

struct World {
    dir: tempfile::TempDir,
    content: PathBuf,
    data: PathBuf,
}

impl World {
    fn out(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn archive(&self, extra: &[&str]) -> Output {
        let mut args: Vec<String> = vec!["archive".into()];
        args.extend(extra.iter().map(|s| s.to_string()));
        for (k, v) in [
            ("--data", &self.data),
            ("--content", &self.content),
            ("--theme", &theme()),
        ] {
            if !extra.contains(&k) {
                args.push(k.into());
                args.push(v.to_string_lossy().into_owned());
            }
        }
        Command::new(env!("CARGO_BIN_EXE_preau"))
            .args(&args)
            .current_dir(self.dir.path())
            .output()
            .expect("run preau")
    }

    /// The archive of ecole-a/ce1 for 2025-2026, with `extra` arguments; its files.
    fn zip(&self, name: &str, extra: &[&str]) -> BTreeMap<String, Vec<u8>> {
        let out = self.out(name);
        let mut args = vec![
            "ecole-a/ce1",
            "--year",
            "2025-2026",
            "--output",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let r = self.archive(&args);
        assert!(
            r.status.success(),
            "preau archive failed: {}",
            String::from_utf8_lossy(&r.stderr)
        );
        read_zip(&out)
    }
}

fn read_zip(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let f = std::fs::File::open(path).expect("the archive is written");
    let mut z = zip::ZipArchive::new(f).expect("a zip");
    let mut files = BTreeMap::new();
    for i in 0..z.len() {
        let mut e = z.by_index(i).expect("entry");
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut e, &mut bytes).expect("read");
        files.insert(e.name().expect("a UTF-8 name").into_owned(), bytes);
    }
    files
}

fn photo(hash: &str, scope: MediaScope) -> MediaRef {
    MediaRef {
        scope,
        hash: hash.into(),
        kind: MediaKind::Jpeg,
        size: Some((1600, 1200)),
        variant: None,
    }
}

fn class_scope(class: &str) -> MediaScope {
    MediaScope::Class("ecole-a".into(), class.into())
}

/// A data folder: a parent of the class and their comments in every state, a comment on
/// the CP's post, and the two photos (each version with bytes that say which it is).
fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let site = dir.path().join("public");
    std::fs::create_dir_all(&site).unwrap();
    {
        let native = Native::open(&data, &site).expect("data folder");
        for (login, name, class) in [
            ("parent.ce1", "Mme Parent-Ce1", "ecole-a/ce1"),
            ("parent.cp", "M. Parent-Cp", "ecole-a/cp"),
        ] {
            let account = NewAccount {
                login,
                display_name: name,
                role: Role::Parent,
                scopes: vec![Scope::parse(class).unwrap()],
                password: "girafe-velo-orange-piscine-42",
            };
            block_on(admin::add(&native, &account, "test")).expect("account");
        }
        let id = |login: &str| {
            block_on(
                native
                    .db
                    .query("SELECT id FROM accounts WHERE login = ?1", &[login.into()]),
            )
            .unwrap()[0][0]
                .as_i64()
                .unwrap()
        };
        let (ce1, cp) = (id("parent.ce1"), id("parent.cp"));
        let comments: [(&str, &str, i64, &str, &str, i64); 7] = [
            (
                POST,
                "ecole-a/ce1",
                ce1,
                "Bravo DANS-COMMENTAIRE !",
                "approved",
                0,
            ),
            (POST, "ecole-a/ce1", ce1, "HORS-EN-ATTENTE", "pending", 0),
            (POST, "ecole-a/ce1", ce1, "HORS-REFUSE", "rejected", 0),
            (POST, "ecole-a/ce1", ce1, "HORS-SIGNALE", "approved", 1),
            (
                "/ecoles/ecole-a/classes/ce1/la-rentree/",
                "ecole-a/ce1",
                ce1,
                "Merci DANS-COMMENTAIRE-RENTREE",
                "approved",
                0,
            ),
            // A comment is text, never markup, in the archive too.
            (
                POST,
                "ecole-a/ce1",
                ce1,
                "<script>alert(1)</script><img src=x onerror=alert(2)> DANS-ECHAPPE",
                "approved",
                0,
            ),
            (
                CP_POST,
                "ecole-a/cp",
                cp,
                "HORS-COMMENTAIRE-CP",
                "approved",
                0,
            ),
        ];
        for (page, scope, author, body, status, reported) in comments {
            block_on(native.db.execute(
                "INSERT INTO comments (page, scope, author_id, body, status, reported, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1770000000, 1770000000)",
                &[
                    page.into(),
                    scope.into(),
                    author.into(),
                    body.into(),
                    status.into(),
                    SqlValue::Int(reported),
                ],
            ))
            .expect("comment");
        }
        for (hash, tag) in [(CLASS_PHOTO, "CE1"), (CP_PHOTO, "HORS-CP")] {
            native
                .blobs
                .put(hash, format!("ORIGINAL-{tag}").as_bytes())
                .unwrap();
            for v in [480, 960] {
                native
                    .blobs
                    .put(
                        &format!("{hash}-{v}"),
                        format!("PHOTO-{tag}-{v}").as_bytes(),
                    )
                    .unwrap();
            }
        }
    }
    World {
        content: fixture("class-archive"),
        dir,
        data,
    }
}

fn html_of(files: &BTreeMap<String, Vec<u8>>) -> Vec<(String, String)> {
    files
        .iter()
        .filter(|(p, _)| p.ends_with(".html"))
        .map(|(p, b)| (p.clone(), String::from_utf8_lossy(b).into_owned()))
        .collect()
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn the_archive_holds_its_class_of_that_year_and_nothing_else() {
    let w = world();
    let files = w.zip("ce1.zip", &[]);
    let all_html: String = html_of(&files)
        .into_iter()
        .map(|(_, t)| decoded(&t))
        .collect();
    for marker in [
        "DANS-BLOG",
        "DANS-RENTREE",
        "DANS-FERME",
        "DANS-CARNAVAL",
        "DANS-PISCINE",
    ] {
        assert!(
            all_html.contains(marker),
            "{marker} missing from the archive"
        );
    }
    for (path, bytes) in &files {
        assert!(
            !contains(bytes, "HORS-"),
            "{path} holds text from outside the class and year: {}",
            String::from_utf8_lossy(bytes)
        );
        assert!(
            path == "index.html"
                || path.starts_with("ecoles/ecole-a/classes/ce1/")
                || path.starts_with("theme/")
                || path.starts_with("medias/ecole-a/ce1/"),
            "{path} is outside the class"
        );
    }
    assert!(
        !all_html.contains("DANS-COMMENTAIRE"),
        "comments are off by default"
    );
    assert!(
        !files.keys().any(|p| p.ends_with(".js")),
        "no script: {:?}",
        files.keys()
    );
    // The pages the class's families read, and the photo at phone size only.
    for page in [
        "index.html",
        "ecoles/ecole-a/classes/ce1/index.html",
        "ecoles/ecole-a/classes/ce1/page/2/index.html",
        "ecoles/ecole-a/classes/ce1/la-rentree/index.html",
        "ecoles/ecole-a/classes/ce1/sortie-a-la-ferme/index.html",
        "ecoles/ecole-a/classes/ce1/sortie-a-la-ferme/vache.svg",
        "ecoles/ecole-a/classes/ce1/le-carnaval/index.html",
        "ecoles/ecole-a/classes/ce1/piscine-pour-toute-l-ecole/index.html",
        "ecoles/ecole-a/classes/ce1/etiquettes/sortie/index.html",
    ] {
        assert!(
            files.contains_key(page),
            "{page} missing: {:?}",
            files.keys()
        );
    }
    let phone = MediaRef {
        variant: Some(960),
        ..photo(CLASS_PHOTO, class_scope("ce1"))
    };
    let phone_path = phone.url().trim_start_matches('/').to_string();
    assert_eq!(files[&phone_path], b"PHOTO-CE1-960");
    let medias: Vec<&String> = files.keys().filter(|p| p.starts_with("medias/")).collect();
    assert_eq!(medias, vec![&phone_path], "only the phone-size version");
    let carnaval = decoded(&String::from_utf8_lossy(
        &files["ecoles/ecole-a/classes/ce1/le-carnaval/index.html"],
    ));
    assert!(
        carnaval.contains(&format!("src=\"../../../../../{phone_path}\"")),
        "{carnaval}"
    );

    // Nothing that needs the server: no absolute links, forms, scripts, sign-in.
    for (path, text) in html_of(&files) {
        for bad in [
            "href=\"/",
            "src=\"/",
            "<form",
            "<script",
            "/connexion/",
            "/espace/",
            "srcset",
            "data-preau-comments",
        ] {
            assert!(!text.contains(bad), "{path} has {bad}: {text}");
        }
    }

    // The generator's leak test on the archive: no title or summary of a page that is not
    // in it appears in it.
    let tmp = tempfile::tempdir().unwrap();
    let mut g =
        preau_generator::Generator::new(support::site::options(&w.content, &tmp.path().join("p")))
            .unwrap();
    g.build(&|_, _| {}).unwrap();
    let site = g.site().unwrap();
    let inside = |p: &preau_generator::model::Page| {
        files.contains_key(&p.output_path()) && p.output_path() != "index.html"
    };
    let texts: Vec<(String, String)> = html_of(&files)
        .into_iter()
        .map(|(p, t)| (p, decoded(&t)))
        .collect();
    let (checked, leaks) = support::site::leaks(site, &texts, &|p| !inside(p), &inside);
    assert!(checked >= 10, "only {checked} texts checked");
    assert!(leaks.is_empty(), "leaks:\n{}", leaks.join("\n"));
}

/// `a/b/../c` -> `a/c`; `None` if it climbs out of the archive.
fn normalise(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// Every `href` and `src` of the archive's pages leads to a file of the archive, or out
/// of it to the web (`https:`), or inside the page (`#…`).
#[test]
fn every_link_resolves_to_a_file_inside_the_archive() {
    let w = world();
    let files = w.zip("ce1.zip", &["--comments"]);
    let mut checked = 0;
    for (path, text) in html_of(&files) {
        let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        for attr in [" href=\"", " src=\""] {
            for chunk in text.split(attr).skip(1) {
                let link = decoded(chunk.split('"').next().unwrap());
                if link.starts_with('#') || link.starts_with("https://") {
                    continue;
                }
                assert!(
                    !link.contains(':') && !link.starts_with('/'),
                    "{path}: {link} is not relative"
                );
                let file = link.split('#').next().unwrap();
                assert!(
                    !file.is_empty() && !file.ends_with('/'),
                    "{path}: {link} names a folder (file:// shows no index.html by itself)"
                );
                let target = normalise(&format!("{dir}/{file}"))
                    .unwrap_or_else(|| panic!("{path}: {link} climbs out of the archive"));
                assert!(
                    files.contains_key(&target),
                    "{path}: {link} -> {target} is not in the archive"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "only {checked} links checked");
}

#[test]
fn comments_only_with_the_flag_and_only_approved_ones() {
    let w = world();
    let files = w.zip("ce1-commentaires.zip", &["--comments"]);
    let post = decoded(&String::from_utf8_lossy(
        &files["ecoles/ecole-a/classes/ce1/le-carnaval/index.html"],
    ));
    assert!(post.contains("Bravo DANS-COMMENTAIRE !"), "{post}");
    assert!(post.contains("Mme Parent-Ce1"), "{post}");
    assert!(post.contains("class=\"comment-list\""), "{post}");
    let rentree = decoded(&String::from_utf8_lossy(
        &files["ecoles/ecole-a/classes/ce1/la-rentree/index.html"],
    ));
    assert!(rentree.contains("DANS-COMMENTAIRE-RENTREE"), "{rentree}");
    let raw = String::from_utf8_lossy(&files["ecoles/ecole-a/classes/ce1/le-carnaval/index.html"])
        .into_owned();
    assert!(
        raw.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && raw.contains("DANS-ECHAPPE"),
        "{raw}"
    );
    assert!(
        !raw.contains("<script") && !raw.contains("<img src=x"),
        "{raw}"
    );
    // The summary counts the comments shown: two on the carnival, one on the first day.
    let out = w.out("compte.zip");
    let r = w.archive(&[
        "ecole-a/ce1",
        "--year",
        "2025-2026",
        "--comments",
        "--output",
        out.to_str().unwrap(),
    ]);
    let said = String::from_utf8_lossy(&r.stderr);
    assert!(
        said.contains("4 article(s), 1 photo(s), 3 commentaire(s)"),
        "{said}"
    );
    for (path, bytes) in &files {
        assert!(
            !contains(bytes, "HORS-"),
            "{path}: {}",
            String::from_utf8_lossy(bytes)
        );
        assert!(!contains(bytes, "<form"), "{path} has a form");
    }
}

#[test]
fn same_content_same_bytes_and_an_audit_entry() {
    let w = world();
    w.zip("a.zip", &[]);
    w.zip("b.zip", &[]);
    assert_eq!(
        std::fs::read(w.out("a.zip")).unwrap(),
        std::fs::read(w.out("b.zip")).unwrap(),
        "two archives of the same content differ"
    );
    let f = std::fs::File::open(w.out("a.zip")).unwrap();
    let mut z = zip::ZipArchive::new(f).unwrap();
    let names: Vec<String> = z
        .file_names()
        .map(|n| n.expect("a UTF-8 name").into_owned())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "files in path order");
    let e = z.by_index(0).unwrap();
    let t = e.last_modified().unwrap();
    assert_eq!((t.year(), t.month(), t.day()), (2026, 7, 31));
    drop(e);
    let audit = Command::new(env!("CARGO_BIN_EXE_preau"))
        .args(["audit", "export", "--data", w.data.to_str().unwrap()])
        .output()
        .unwrap();
    let csv = String::from_utf8_lossy(&audit.stdout);
    assert_eq!(
        csv.matches("class_archive").count(),
        2,
        "one entry per archive: {csv}"
    );
    assert!(csv.contains("ecole-a/ce1 2025-2026"), "{csv}");
}

#[test]
fn bad_arguments_are_refused_in_french_and_write_nothing() {
    let w = world();
    let out = w.out("x.zip");
    let o = out.to_str().unwrap();
    let data = w.data.to_str().unwrap().to_string();
    let missing = w.out("pas-de-donnees");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["ce1", "--output", o], "sous la forme ecole/classe"),
        (vec!["École A/CE1", "--output", o], "minuscules"),
        (
            vec!["ecole-z/ce1", "--output", o],
            "école inconnue « ecole-z »",
        ),
        (
            vec!["ecole-a/cm2", "--output", o],
            "classe inconnue « cm2 »",
        ),
        (
            vec!["ecole-a/ce1", "--year", "2025", "--output", o],
            "année scolaire invalide",
        ),
        (
            vec!["ecole-a/ce1", "--year", "2025-2027", "--output", o],
            "année scolaire invalide",
        ),
        (
            vec!["ecole-a/ce1", "--year", "2030-2031", "--output", o],
            "aucun article",
        ),
        (
            vec![
                "ecole-a/ce1",
                "--year",
                "2025-2026",
                "--output",
                o,
                "--data",
                missing.to_str().unwrap(),
            ],
            "--data doit être le dossier",
        ),
    ];
    for (args, words) in cases {
        let r = w.archive(&args);
        let err = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(words), "{args:?}: {err}");
        assert!(!out.exists(), "{args:?} wrote {o}");
    }
    assert!(!missing.exists(), "no data folder is made up");
    // An existing file is never replaced.
    std::fs::write(&out, b"deja la").unwrap();
    let r = w.archive(&[
        "ecole-a/ce1",
        "--year",
        "2025-2026",
        "--output",
        o,
        "--data",
        &data,
    ]);
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(1), "{err}");
    assert!(err.contains("existe déjà"), "{err}");
    assert_eq!(std::fs::read(&out).unwrap(), b"deja la");
}

/// A class of 40 posts with a photo each (phone-size versions of 150 KB, stored images of
/// 600 KB): the archive's time and size, against `preau build` of the same content.
#[test]
#[ignore]
fn bench_a_class_of_forty_posts_with_photos() {
    let w = world();
    let content = w.out("content");
    support::site::copy_dir(&w.content, &content);
    let native = Native::open(&w.data, &w.out("public")).unwrap();
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut noise = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed as u8
            })
            .collect()
    };
    for i in 0..40 {
        let hash = format!("{:016x}", 0xabc0_0000_0000_0000u64 + i);
        let m = MediaRef {
            size: Some((2048, 1536)),
            ..photo(&hash, class_scope("ce1"))
        };
        native.blobs.put(&hash, &noise(600_000)).unwrap();
        native
            .blobs
            .put(&format!("{hash}-960"), &noise(150_000))
            .unwrap();
        native
            .blobs
            .put(&format!("{hash}-480"), &noise(40_000))
            .unwrap();
        let day = 1 + i % 28;
        let month = [9, 10, 11, 12, 1, 2, 3, 4, 5, 6][(i / 4) as usize];
        let year = if month >= 8 { 2025 } else { 2026 };
        let text = format!(
            "+++\ntitle = \"Article numéro {i}\"\ntags = [\"semaine {}\"]\n+++\n\nCe que la classe a fait cette semaine ({i}).\n\n![La photo de la semaine {i}]({})\n",
            i % 6,
            m.url()
        );
        std::fs::write(
            content.join(format!(
                "ecoles/ecole-a/classes/ce1/{year}-{month:02}-{day:02}-article-{i}.md"
            )),
            text,
        )
        .unwrap();
    }
    drop(native);
    let t = std::time::Instant::now();
    let b = Command::new(env!("CARGO_BIN_EXE_preau"))
        .args(["build", "--quiet", "--content"])
        .arg(&content)
        .arg("--theme")
        .arg(theme())
        .arg("--output")
        .arg(w.out("built"))
        .output()
        .unwrap();
    let build = t.elapsed();
    assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
    let out = w.out("bench.zip");
    let t = std::time::Instant::now();
    let r = w.archive(&[
        "ecole-a/ce1",
        "--year",
        "2025-2026",
        "--comments",
        "--output",
        out.to_str().unwrap(),
        "--content",
        content.to_str().unwrap(),
    ]);
    let archive = t.elapsed();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let files = read_zip(&out);
    let bytes = std::fs::metadata(&out).unwrap().len();
    let photos: u64 = files
        .iter()
        .filter(|(p, _)| p.starts_with("medias/"))
        .map(|(_, b)| b.len() as u64)
        .sum();
    println!("Archive d'une classe de 44 articles de l'année, dont 41 avec une photo");
    println!(
        "  preau build (même contenu, référence) : {:6.0} ms",
        build.as_secs_f64() * 1e3
    );
    println!(
        "  preau archive --comments              : {:6.0} ms ({:.2} × build)",
        archive.as_secs_f64() * 1e3,
        archive.as_secs_f64() / build.as_secs_f64()
    );
    println!(
        "  archive : {} fichiers, {} Ko (photos {} Ko, le reste {} Ko)",
        files.len(),
        bytes / 1024,
        photos / 1024,
        (bytes - photos.min(bytes)) / 1024
    );
}
