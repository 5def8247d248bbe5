//! `preau roster letters` end to end, on the fictitious ONDE exports of
//! tests/fixtures/onde/: one page per imported account, each page's QR code read back from
//! the PDF itself and decoded (rqrr) to the activation link of a stored code, no new
//! codes on a second run, a reprint that replaces a code, the audit entry without codes,
//! and `preau accounts activation-code` natively and as SQL for D1.

mod support;

use preau_edge::activation;
use preau_edge::native::SqliteDb;
use preau_edge::store::{Db, SqlValue};
use std::path::{Path, PathBuf};
use std::process::Command;
use support::site::{fixture, repo};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn preau(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_preau"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("start preau");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(f)
}

/// A town whose roster was imported from every fixture file.
struct Town {
    dir: tempfile::TempDir,
    data: String,
    site: String,
}

impl Town {
    fn imported() -> Town {
        let dir = tempfile::tempdir().expect("tmp");
        let site = dir.path().join("public/_preau");
        std::fs::create_dir_all(&site).expect("mkdir");
        let classes = [
            "ecole-jean-moulin/ce1-a",
            "ecole-jean-moulin/cp-a",
            "ecole-jean-moulin/cm2-b",
            "ecole-les-tilleuls/ce2",
            "ecole-les-tilleuls/cm1",
        ]
        .map(|c| format!("\"{c}\":{{\"title\":\"{c}\",\"path\":\"/\"}}"))
        .join(",");
        std::fs::write(
            site.join("manifest.json"),
            format!("{{\"files\":{{}},\"charters\":{{}},\"classes\":{{{classes}}}}}"),
        )
        .expect("manifest");
        let t = Town {
            data: dir.path().join("data").display().to_string(),
            site: dir.path().join("public").display().to_string(),
            dir,
        };
        let files: Vec<String> = [
            "eleves.csv",
            "responsables.csv",
            "enseignants.csv",
            "CSVExtraction-eleves.csv",
            "CSVExtraction-responsables.csv",
            "CSVExtraction-enseignants.csv",
        ]
        .iter()
        .map(|f| fixture("onde").join(f).display().to_string())
        .collect();
        for extra in [None, Some("--apply")] {
            let mut args = vec!["roster", "import", "--data", t.data(), "--site", t.site()];
            args.extend(files.iter().map(String::as_str));
            args.extend(extra);
            // The first run writes the class mapping and stops (exit 1), as documented.
            preau(&args);
            let r = preau(&args);
            assert_eq!(r.code, 0, "{}", r.stderr);
        }
        t
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn data(&self) -> &str {
        &self.data
    }

    fn site(&self) -> &str {
        &self.site
    }

    fn letters(&self, output: &str, extra: &[&str]) -> Run {
        let out = self.path(output).display().to_string();
        let content = repo().join("content").display().to_string();
        let mut args = vec![
            "roster",
            "letters",
            "--data",
            self.data(),
            "--site",
            self.site(),
            "--content",
            &content,
            "--output",
            &out,
        ];
        args.extend(extra);
        preau(&args)
    }

    fn query(&self, sql: &str) -> Vec<Vec<SqlValue>> {
        let db = SqliteDb::open(&Path::new(self.data()).join("preau.sqlite3"), 1).expect("db");
        block_on(db.query(sql, &[])).expect("query")
    }

    fn count(&self, sql: &str) -> i64 {
        self.query(sql)[0][0].as_i64().expect("count")
    }

    fn hash_of(&self, login: &str) -> String {
        self.query(&format!(
            "SELECT c.code_hash FROM activation_codes c JOIN accounts a ON a.id = c.account_id WHERE a.login = '{login}'"
        ))[0][0]
            .as_str()
            .expect("hash")
            .to_string()
    }
}

/// The PDF's page count, from its page objects.
fn pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.matches("/Type /Page").count() - text.matches("/Type /Pages").count()
}

/// Every content stream of the PDF, inflated.
fn contents(pdf: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = pdf;
    while let Some(i) = find(rest, b"stream\n") {
        let body = &rest[i + 7..];
        let Some(end) = find(body, b"\nendstream") else {
            break;
        };
        if let Ok(raw) = miniz_oxide::inflate::decompress_to_vec_zlib(&body[..end]) {
            if let Ok(s) = String::from_utf8(raw) {
                if s.contains(" re\n") {
                    out.push(s);
                }
            }
        }
        rest = &body[end + b"\nendstream".len()..];
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The QR code drawn on a page (`… cm`, then `c r 1 1 re` per dark module, `f`), decoded.
fn qr_of(page: &str) -> String {
    let start = page.find(" cm\n").expect("the QR code's transform");
    let mut dark = Vec::new();
    for line in page[start + 4..].lines() {
        let Some(cell) = line.strip_suffix(" 1 1 re") else {
            break;
        };
        let mut it = cell.split(' ').map(|n| n.parse::<usize>().expect("module"));
        dark.push((it.next().expect("col"), it.next().expect("row")));
    }
    // Four light modules of quiet zone on each side.
    let width = dark.iter().map(|(c, r)| c.max(r)).max().expect("modules") + 5;
    let scale = 4;
    let side = width * scale;
    let mut px = vec![255u8; side * side];
    for (c, r) in dark {
        let top = width - 1 - r;
        for y in top * scale..(top + 1) * scale {
            for x in c * scale..(c + 1) * scale {
                px[y * side + x] = 0;
            }
        }
    }
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| px[y * side + x]);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the page");
    grids[0].decode().expect("the QR code decodes").1
}

#[test]
fn letters_for_every_new_account_with_qr_codes_that_decode_to_stored_codes() {
    let town = Town::imported();
    let accounts = town.count("SELECT count(*) FROM accounts WHERE disabled = 0");
    assert!(accounts >= 25, "{accounts}");

    let sql_path = town.path("codes.sql").display().to_string();
    let first = town.letters("lettres.pdf", &["--sql", &sql_path]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(
        first.stdout.contains(&format!("{accounts} courrier(s)")),
        "{}",
        first.stdout
    );
    let pdf = std::fs::read(town.path("lettres.pdf")).expect("pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(pages(&pdf), accounts as usize);
    assert!(!town.path("lettres.pdf.partiel").exists());

    // Each page's QR code is the activation link of a code stored for an account.
    let streams = contents(&pdf);
    assert_eq!(streams.len(), accounts as usize);
    let mut codes = Vec::new();
    for page in &streams {
        let link = qr_of(page);
        let code = link
            .strip_prefix("https://ent.alpha.example/activer/?code=")
            .unwrap_or_else(|| panic!("{link}"));
        let normal = activation::normalise(code).expect("a code");
        assert_eq!(
            town.count(&format!(
                "SELECT count(*) FROM activation_codes WHERE code_hash = '{}' AND used_at IS NULL",
                activation::hash(&normal)
            )),
            1,
            "{code}"
        );
        codes.push(normal);
    }
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), accounts as usize, "one code per letter");

    // The D1 script holds the same hashes, never a code.
    let sql = std::fs::read_to_string(town.path("codes.sql")).expect("sql");
    assert_eq!(
        sql.matches("INSERT OR REPLACE INTO activation_codes")
            .count(),
        accounts as usize
    );
    assert!(codes.iter().all(|c| !sql.contains(c.as_str())));
    assert!(sql.contains(&activation::hash(&codes[0])));

    // Idempotent: no new account, no letter, no new code.
    let before: Vec<Vec<SqlValue>> =
        town.query("SELECT account_id, code_hash FROM activation_codes ORDER BY 1");
    let again = town.letters("encore.pdf", &[]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(again.stdout.contains("Aucun courrier"), "{}", again.stdout);
    assert!(!town.path("encore.pdf").exists());
    assert_eq!(
        town.query("SELECT account_id, code_hash FROM activation_codes ORDER BY 1"),
        before
    );

    // A reprint replaces the account's code.
    let login = town
        .query("SELECT login FROM accounts WHERE role = 'parent' ORDER BY login LIMIT 1")[0][0]
        .as_str()
        .expect("login")
        .to_string();
    let old = town.hash_of(&login);
    let reprint = town.letters("reprise.pdf", &["--login", &login]);
    assert_eq!(reprint.code, 0, "{}", reprint.stderr);
    assert_eq!(
        pages(&std::fs::read(town.path("reprise.pdf")).expect("pdf")),
        1
    );
    assert_ne!(town.hash_of(&login), old);
    assert!(reprint.stdout.contains("ne fonctionnent plus"));
    let class = town.letters("classe.pdf", &["--class", "ecole-jean-moulin/ce1-a"]);
    assert_eq!(class.code, 0, "{}", class.stderr);
    let unknown = town.letters("x.pdf", &["--login", "personne.inconnue"]);
    assert_eq!(unknown.code, 1);
    assert!(
        unknown.stderr.contains("aucun compte actif"),
        "{}",
        unknown.stderr
    );

    // Audited: who printed how many, never a code.
    let audit: Vec<String> = town
        .query("SELECT actor || ' ' || target FROM audit_log WHERE action = 'activation_codes' ORDER BY id")
        .into_iter()
        .filter_map(|r| r.into_iter().next().and_then(SqlValue::into_string))
        .collect();
    assert_eq!(audit.len(), 3, "{audit:?}");
    assert!(
        audit[0].contains(&format!("{accounts} code(s) valable(s) 60 jours")),
        "{audit:?}"
    );
    assert!(audit[0].contains("ecole-jean-moulin/ce1-a ("), "{audit:?}");
    assert!(audit
        .iter()
        .all(|a| codes.iter().all(|c| !a.contains(c.as_str()))));
}

#[test]
fn a_single_code_natively_and_as_sql_for_d1() {
    let town = Town::imported();
    let login = town.query("SELECT login FROM accounts ORDER BY login LIMIT 1")[0][0]
        .as_str()
        .expect("login")
        .to_string();
    let r = preau(&[
        "accounts",
        "activation-code",
        &login,
        "--data",
        town.data(),
        "--days",
        "30",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let code = activation::normalise(r.stdout.trim()).expect("prints the code");
    assert_eq!(town.hash_of(&login), activation::hash(&code));
    let sql = preau(&["accounts", "activation-code", &login, "--sql"]);
    assert_eq!(sql.code, 0, "{}", sql.stderr);
    let comment = sql.stdout.lines().next().expect("comment");
    assert!(
        comment.starts_with(&format!("-- Code d'activation de {login} : ")),
        "{comment}"
    );
    let printed = comment
        .split(" : ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .expect("code");
    let normal = activation::normalise(printed).expect("code");
    assert!(sql.stdout.contains(&activation::hash(&normal)));
    assert!(sql.stdout.contains(&format!("WHERE login = '{login}'")));
    let bad = preau(&[
        "accounts",
        "activation-code",
        &login,
        "--data",
        town.data(),
        "--days",
        "0",
    ]);
    assert_eq!(bad.code, 3, "{}", bad.stderr);
    assert!(bad.stderr.contains("durée de validité"), "{}", bad.stderr);
}
