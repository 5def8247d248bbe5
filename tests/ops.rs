//! Running it for real: the server refuses a database a newer Préau migrated (and changes
//! nothing in it), and applies its own migrations at start.

mod support;
use support::site::{fixture, free_port, theme};

use std::path::Path;
use std::process::{Command, Stdio};

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
