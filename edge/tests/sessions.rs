//! Session lifetimes against a real SQLite database: idle and absolute timeouts by role,
//! "remember this phone", disabled accounts. (Timeouts of hours cannot be waited for in the
//! HTTP scenarios, so the clock is moved here instead.)
#![cfg(feature = "native")]

use preau_edge::native::SqliteDb;
use preau_edge::session::{self, Timeouts};
use preau_edge::store::sessions::lookup;
use preau_edge::store::Db;

const NOW: i64 = 1_800_000_000;

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(f)
}

/// A database with one account of `role` and one session created `age` seconds ago and
/// last seen `idle` seconds ago. Returns the token.
fn setup(db: &SqliteDb, role: &str, age: i64, idle: i64, remember: bool, disabled: bool) -> String {
    let token = session::new_token(&[9u8; 32]);
    let (_, absolute) = Timeouts::default().for_role(
        preau_edge::accounts::Role::parse(role).expect("role"),
        remember,
    );
    block_on(async {
        db.execute(
            "INSERT INTO accounts (login, display_name, role, password_hash, password_changed_at, disabled, created_at) VALUES ('a', 'A', ?1, 'x', ?2, ?3, ?2)",
            &[role.into(), NOW.into(), i64::from(disabled).into()],
        )
        .await
        .expect("account");
        db.execute(
            "INSERT INTO sessions (token_hash, account_id, created_at, last_seen_at, expires_at, remember) VALUES (?1, 1, ?2, ?3, ?4, ?5)",
            &[session::hash_token(&token).into(), (NOW - age).into(), (NOW - idle).into(), (NOW - age + absolute).into(), i64::from(remember).into()],
        )
        .await
        .expect("session");
    });
    token
}

fn alive(role: &str, age: i64, idle: i64, remember: bool, disabled: bool) -> bool {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = SqliteDb::open(&dir.path().join("t.sqlite3"), 1).expect("db");
    let token = setup(&db, role, age, idle, remember, disabled);
    let found = block_on(lookup(&db, &token, NOW, &Timeouts::default())).expect("lookup");
    if found.is_none() {
        // An ended session is deleted, so its cookie can never come back.
        let rows = block_on(db.query("SELECT count(*) FROM sessions", &[])).expect("count");
        assert_eq!(rows[0][0].as_i64(), Some(0), "ended session still stored");
    }
    found.is_some()
}

#[test]
fn idle_timeouts_depend_on_the_role() {
    assert!(
        alive("parent", 3600, 31 * 60, false, false),
        "family session after 31 idle minutes"
    );
    assert!(
        !alive("teacher", 3600, 31 * 60, false, false),
        "staff session after 31 idle minutes"
    );
    assert!(
        !alive("parent", 4 * 3600, 3 * 3600, false, false),
        "family session after 3 idle hours"
    );
    assert!(
        alive("parent", 20 * 86_400, 5 * 86_400, true, false),
        "remembered phone after 5 days"
    );
}

#[test]
fn absolute_timeouts_end_sessions_even_when_active() {
    assert!(
        !alive("director", 11 * 3600, 10, false, false),
        "staff session older than 10 h"
    );
    assert!(
        !alive("parent", 25 * 3600, 10, false, false),
        "family session older than 24 h"
    );
    assert!(
        !alive("parent", 91 * 86_400, 10, true, false),
        "remembered session older than 90 days"
    );
}

#[test]
fn disabled_accounts_have_no_session() {
    assert!(!alive("parent", 60, 10, false, true));
}

#[test]
fn audit_log_is_append_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = SqliteDb::open(&dir.path().join("t.sqlite3"), 1).expect("db");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    block_on(async {
        let e = preau_edge::audit::Entry {
            actor: "a",
            action: preau_edge::audit::Action::Signin,
            target: "a",
            outcome: preau_edge::audit::Outcome::Success,
            client: "-",
        };
        preau_edge::store::audit::append(&db, now, &e)
            .await
            .expect("append");
        preau_edge::store::audit::append(&db, now - 400 * 86_400, &e)
            .await
            .expect("append old");
        assert!(
            db.execute("UPDATE audit_log SET outcome = 'x'", &[])
                .await
                .is_err(),
            "update allowed"
        );
        assert!(
            db.execute("DELETE FROM audit_log WHERE at = ?1", &[now.into()])
                .await
                .is_err(),
            "fresh entry deleted"
        );
        let purged = preau_edge::store::audit::purge(&db, now, 365)
            .await
            .expect("purge");
        assert_eq!(purged, 1, "only the entry older than the retention goes");
        let rows = db
            .query("SELECT count(*) FROM audit_log", &[])
            .await
            .expect("count");
        assert_eq!(rows[0][0].as_i64(), Some(1));
    });
}
