//! `preau roster import` on Cloudflare: the plan is made against an export of D1
//! (`wrangler d1 export`), written as SQL (`--sql`) and applied with `wrangler d1 execute`,
//! then the Worker serves the result (`/espace/classe/`). A second export and import
//! changes nothing. Runs under `wrangler dev` like the other Worker tests.

mod support;

use std::path::Path;
use std::process::Command;
use support::client::Browser;
use support::scenarios::{self, PASSWORD};
use support::site::{build_ok, copy_dir, fixture, repo, run_preau};
use support::worker::{self, WorkerServer};

const MAPPING: &str = "[classes]\n\"CE1 A\" = \"ecole-a/ce1\"\n\"CP A\" = \"ecole-a/cp\"\n\"CM2 B\" = \"ecole-b/cm1\"\n";

fn import(data: &Path, site: &Path, export: &Path, sql: &Path) -> (String, String) {
    let onde = |f: &str| fixture("onde").join(f);
    let out = Command::new(env!("CARGO_BIN_EXE_preau"))
        .args(["roster", "import"])
        .arg(onde("eleves.csv"))
        .arg(onde("responsables.csv"))
        .arg(onde("enseignants.csv"))
        .arg("--data")
        .arg(data)
        .arg("--site")
        .arg(site)
        .arg("--mapping")
        .arg(data.join("classes.toml"))
        .arg("--d1-export")
        .arg(export)
        .arg("--sql")
        .arg(sql)
        .current_dir(repo())
        .output()
        .expect("preau roster import");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stdout}\n{stderr}");
    (stdout, stderr)
}

#[test]
fn roster_import_into_d1_through_an_export_and_an_sql_file() {
    if worker::skipped() {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let content = dir.path().join("content");
    copy_dir(&scenarios::fixture(), &content);
    let site = dir.path().join("public");
    build_ok(&content, &site);
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("mkdir");
    std::fs::write(data.join("classes.toml"), MAPPING).expect("mapping");
    let server = WorkerServer::start(&site);

    let export = dir.path().join("d1.sql");
    server.export_sql(&export);
    let changes = dir.path().join("roster.sql");
    let (stdout, stderr) = import(&data, &site, &export, &changes);
    assert!(stdout.contains("Ajouts ("), "{stdout}");
    assert!(stdout.contains("Simulation"), "{stdout}");
    assert!(
        stderr.contains("wrangler.sh d1 execute DB --remote --file"),
        "{stderr}"
    );
    // Nothing but the export was read: no local database appeared.
    assert!(!data.join("preau.sqlite3").exists());
    server.exec_sql(&std::fs::read_to_string(&changes).expect("sql"));
    let people = server.query_json("SELECT count(*) AS n FROM roster_people WHERE kind = 'pupil'");
    let pupils = people[0]["n"].as_i64().expect("count");
    assert!(pupils >= 10, "{people:?}");

    // Idempotent: a new export, the same files, nothing to do.
    let again = dir.path().join("d1-again.sql");
    server.export_sql(&again);
    let second = dir.path().join("roster-again.sql");
    let (stdout, _) = import(&data, &site, &again, &second);
    assert!(stdout.contains("Aucun changement"), "{stdout}");
    assert_eq!(std::fs::read_to_string(&second).expect("sql").trim(), "");

    // The Worker serves what was imported: the CE1 teacher sees Léa without photo permission.
    let sql = run_preau(
        &[
            "accounts",
            "add",
            "prof.ce1",
            "--role",
            "teacher",
            "--scope",
            "ecole-a/ce1",
            "--password-stdin",
            "--sql",
        ],
        Some(PASSWORD),
    );
    server.exec_sql(&sql);
    let mut b = Browser::new(&server.base_url);
    assert_eq!(b.sign_in("prof.ce1", PASSWORD).status, 303);
    assert_eq!(b.accept_charter().status, 303);
    let page = b.get("/espace/classe/");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<li>Léa M.</li>"), "{}", page.body);
}
