//! `preau roster import` end to end, on the fictitious ONDE exports of
//! tests/fixtures/onde/: the class mapping proposed on first run, a dry run that changes
//! nothing, --apply, an idempotent re-import, next year's leavers, refused files, and no
//! address, phone number or INE anywhere in the database files.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::site::{fixture, repo};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn preau(args: &[&str]) -> Run {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_preau"))
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

/// A built site as far as the import cares: the manifest's classes.
fn site(dir: &Path) -> PathBuf {
    let site = dir.join("public");
    std::fs::create_dir_all(site.join("_preau")).expect("mkdir");
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
        site.join("_preau/manifest.json"),
        format!("{{\"files\":{{}},\"charters\":{{}},\"classes\":{{{classes}}}}}"),
    )
    .expect("manifest");
    site
}

const FILES: [&str; 6] = [
    "eleves.csv",
    "responsables.csv",
    "enseignants.csv",
    "CSVExtraction-eleves.csv",
    "CSVExtraction-responsables.csv",
    "CSVExtraction-enseignants.csv",
];

fn onde(name: &str) -> String {
    fixture("onde").join(name).display().to_string()
}

struct Town {
    _dir: tempfile::TempDir,
    data: String,
    site: String,
}

impl Town {
    fn new() -> Town {
        let dir = tempfile::tempdir().expect("tmp");
        let site = site(dir.path()).display().to_string();
        let data = dir.path().join("data").display().to_string();
        Town {
            _dir: dir,
            data,
            site,
        }
    }

    fn import(&self, files: &[String], extra: &[&str]) -> Run {
        let mut args = vec![
            "roster", "import", "--data", &self.data, "--site", &self.site,
        ];
        args.extend(files.iter().map(String::as_str));
        args.extend(extra);
        preau(&args)
    }

    fn accounts(&self) -> String {
        let r = preau(&["accounts", "list", "--data", &self.data]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        r.stdout
    }

    fn line_of(&self, login: &str) -> String {
        self.accounts()
            .lines()
            .find(|l| l.starts_with(&format!("{login} ")))
            .unwrap_or_else(|| panic!("no account {login}"))
            .to_string()
    }

    /// The database file and its write-ahead log, as bytes.
    fn database_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for name in ["preau.sqlite3", "preau.sqlite3-wal"] {
            if let Ok(b) = std::fs::read(Path::new(&self.data).join(name)) {
                out.extend(b);
            }
        }
        out
    }
}

fn all_files() -> Vec<String> {
    FILES.iter().map(|f| onde(f)).collect()
}

/// Every address, phone number and INE of the fixtures, read from the files themselves.
fn personal_values() -> Vec<String> {
    let mut out = Vec::new();
    for f in FILES {
        let bytes = std::fs::read(fixture("onde").join(f)).expect("fixture");
        let (text, _) = preau_edge::roster::onde::decode(&bytes);
        let mut rows = csv::ReaderBuilder::new()
            .delimiter(b';')
            .flexible(true)
            .from_reader(text.as_bytes());
        let header: Vec<String> = rows
            .headers()
            .expect("header")
            .iter()
            .map(preau_edge::roster::onde::normalise)
            .collect();
        for rec in rows.records() {
            let rec = rec.expect("record");
            for (i, name) in header.iter().enumerate() {
                let personal =
                    name.starts_with("adresse") || name.starts_with("telephone") || name == "ine";
                if let Some(v) = rec.get(i).filter(|v| personal && v.len() > 3) {
                    out.push(v.to_string());
                }
            }
        }
    }
    assert!(
        out.len() > 40,
        "the fixtures hold addresses, phones and INE"
    );
    out
}

#[test]
fn import_dry_run_apply_reimport_and_leavers() {
    let town = Town::new();

    // First run: the mapping is proposed from the site's classes, and nothing is imported.
    let first = town.import(&all_files(), &[]);
    assert_eq!(first.code, 1, "{}", first.stderr);
    assert!(
        first.stderr.contains("correspondance des classes ONDE"),
        "{}",
        first.stderr
    );
    let mapping = std::fs::read_to_string(Path::new(&town.data).join("classes-onde.toml"))
        .expect("mapping written");
    assert!(
        mapping.contains("\"CE1 A\" = \"ecole-jean-moulin/ce1-a\""),
        "{mapping}"
    );
    assert!(
        mapping.contains("\"CM1\" = \"ecole-les-tilleuls/cm1\""),
        "{mapping}"
    );

    // Dry run: every change listed, nothing written.
    let dry = town.import(&all_files(), &[]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(dry.stdout.contains("Ajouts (30)"), "{}", dry.stdout);
    assert!(
        dry.stdout.contains("Simulation : rien n'a été modifié"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stderr.contains("colonne inconnue « Commentaire »"),
        "{}",
        dry.stderr
    );
    assert!(dry.stderr.contains("(Windows-1252)"), "{}", dry.stderr);
    // Homonym pupils born the same day are left to the IT team.
    assert!(dry.stdout.contains("À régler à la main"), "{}", dry.stdout);
    assert!(dry.stdout.contains("Nolan PETIT"), "{}", dry.stdout);
    assert_eq!(town.accounts().lines().count(), 1, "only the header");

    // Apply.
    let applied = town.import(&all_files(), &["--apply"]);
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    assert!(
        applied.stdout.contains("30 compte(s) créé(s)"),
        "{}",
        applied.stdout
    );
    let list = town.accounts();
    assert_eq!(list.lines().count(), 31, "{list}");
    // One account per person: a guardian listed once per class has both classes; the
    // mother of three has all three children's classes; homonym mothers are two people;
    // two guardians sharing one mailbox are two accounts.
    let claire = town.line_of("claire.martin");
    assert!(
        claire.contains("ecole-jean-moulin/ce1-a,ecole-jean-moulin/cp-a"),
        "{claire}"
    );
    let sophie = town.line_of("sophie.dubois");
    assert!(
        sophie.contains("ecole-jean-moulin/ce1-a,ecole-jean-moulin/cm2-b"),
        "{sophie}"
    );
    assert!(town.line_of("julie.bernard").contains("ecole-jean-moulin/"));
    assert!(town
        .line_of("julie.bernard2")
        .contains("ecole-jean-moulin/"));
    assert!(town.line_of("thomas.martin").contains("parent"));
    // Twins, siblings in two classes, pupils of the older Windows-1252 variant.
    assert!(town
        .line_of("emma.dubois")
        .contains("ecole-jean-moulin/ce1-a"));
    assert!(town
        .line_of("louis.dubois")
        .contains("ecole-jean-moulin/ce1-a"));
    assert!(town.line_of("zoe.oeuvrard").contains("Zoé ŒUVRARD"));
    // Teachers get their class, the director the school.
    assert!(town.line_of("marc.laurent").contains("teacher"));
    let director = town.line_of("helene.petit");
    assert!(
        director.contains("director") && director.contains("ecole-jean-moulin "),
        "{director}"
    );

    // Re-import: nothing changes.
    for extra in [&[][..], &["--apply"][..]] {
        let again = town.import(&all_files(), extra);
        assert_eq!(again.code, 0, "{}", again.stderr);
        assert!(
            again.stdout.contains("Aucun changement"),
            "{}",
            again.stdout
        );
    }
    assert_eq!(town.accounts(), list);

    // Next year: Nathan has left, Hugo moved up to CE1 A, Léa's photo permission changed.
    let dir = tempfile::tempdir().expect("tmp");
    let next = dir.path().join("eleves.csv");
    let text = std::fs::read_to_string(fixture("onde").join("eleves.csv")).expect("fixture");
    let text: String = text
        .split_inclusive('\n')
        .filter(|l| !l.contains("GARCIA"))
        .map(|l| {
            if l.contains(";Hugo;") {
                l.replace(";CP A;0451002;", ";CE1 A;0451001;")
            } else if l.contains(";Léa;03/05/2018") {
                l.replace(";Non;;", ";Oui;;")
            } else {
                l.to_string()
            }
        })
        .collect();
    std::fs::write(&next, text).expect("write");
    let files = vec![
        next.display().to_string(),
        onde("responsables.csv"),
        onde("enseignants.csv"),
    ];
    let dry = town.import(&files, &[]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(dry.stdout.contains("Départs"), "{}", dry.stdout);
    assert!(
        dry.stdout.contains("élève Nathan GARCIA (nathan.garcia)"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout.contains("responsable Pedro GARCIA"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout
            .contains("ecole-jean-moulin/cp-a → ecole-jean-moulin/ce1-a"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout
            .contains("Léa MARTIN (lea.martin) : photos autorisées"),
        "{}",
        dry.stdout
    );
    // The other school's pupils are not in these files and do not leave.
    assert!(!dry.stdout.contains("Zoé"), "{}", dry.stdout);
    assert_eq!(town.accounts(), list, "the dry run changed nothing");
    let applied = town.import(&files, &["--apply"]);
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    assert!(town.line_of("nathan.garcia").contains("désactivé"));
    assert!(town.line_of("pedro.garcia").contains("désactivé"));
    assert!(town
        .line_of("hugo.martin")
        .contains("ecole-jean-moulin/ce1-a"));
    // Hugo's parents follow him: both their children are now in CE1 A.
    let claire = town.line_of("claire.martin");
    assert!(
        claire.contains("ecole-jean-moulin/ce1-a ") && !claire.contains("cp-a"),
        "{claire}"
    );
    assert!(town.line_of("zoe.oeuvrard").contains("actif"));

    // Data minimisation: no address, phone number or INE in the database.
    let db = town.database_bytes();
    assert!(db.len() > 10_000);
    for v in personal_values() {
        assert!(
            !db.windows(v.len()).any(|w| w == v.as_bytes()),
            "« {v} » is in the database"
        );
    }
}

#[test]
fn bad_files_are_refused_with_their_lines() {
    let town = Town::new();
    let mapping = Path::new(&town.data).join("classes-onde.toml");
    std::fs::create_dir_all(&town.data).expect("mkdir");
    std::fs::write(
        &mapping,
        "[classes]\n\"CE1 A\" = \"ecole-jean-moulin/ce1-a\"\n\"CP A\" = \"ecole-jean-moulin/cp-a\"\n\"CM2 B\" = \"ecole-jean-moulin/cm2-b\"\n",
    )
    .expect("mapping");

    let bad = town.import(
        &[
            onde("erreurs/eleves-lignes-fautives.csv"),
            onde("responsables.csv"),
        ],
        &["--apply"],
    );
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    for line in [
        ":3 : date de naissance « 31/02/2018 »",
        ":4 : ligne incomplète",
        ":5 : autorisation photo « Peut-être »",
    ] {
        assert!(bad.stderr.contains(line), "{line}: {}", bad.stderr);
    }
    assert!(
        bad.stderr.contains("rien n'a été importé"),
        "{}",
        bad.stderr
    );
    assert_eq!(town.accounts().lines().count(), 1, "nothing imported");

    let missing = town.import(&[onde("erreurs/eleves-sans-date.csv")], &[]);
    assert_eq!(missing.code, 1);
    assert!(
        missing
            .stderr
            .contains("colonne obligatoire « Date naissance » absente"),
        "{}",
        missing.stderr
    );

    // A header-only pupils file would make everyone leave: refused unless confirmed.
    let ok = town.import(&[onde("eleves.csv")], &["--apply"]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    let empty = town.import(&[onde("erreurs/eleves-vide.csv")], &["--apply"]);
    assert_eq!(empty.code, 1, "{}", empty.stderr);
    assert!(
        empty.stderr.contains("--confirm-all-leave"),
        "{}",
        empty.stderr
    );
    assert!(!town.accounts().contains("désactivé"));
    let confirmed = town.import(&[onde("erreurs/eleves-vide.csv")], &["--confirm-all-leave"]);
    assert_eq!(confirmed.code, 0, "{}", confirmed.stderr);
    assert!(confirmed.stdout.contains("Départs"), "{}", confirmed.stdout);
}
