//! SQLite for `preau serve` and the CLI: a small pool of connections on one file (WAL),
//! the shared migrations, and SQLite errors mapped to the core's kinds.

use crate::store::{Db, Row, SqlValue, Statement, StoreError};
use rusqlite::types::{Value, ValueRef};
use rusqlite::Connection;
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a commit by another process (the CLI disabling an account, a roster import)
/// may go unseen by the caches. Asking SQLite costs a read transaction (two lock system
/// calls, several microseconds); once per millisecond it is noise, on every request it was
/// the largest cost of serving a gated page.
pub const FOREIGN_COMMITS_SEEN_WITHIN: Duration = Duration::from_millis(1);

/// The SQL migrations, shared with Cloudflare D1 (`wrangler d1 migrations apply`).
pub const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_init.sql",
        include_str!("../../migrations/0001_init.sql"),
    ),
    (
        "0002_uploads.sql",
        include_str!("../../migrations/0002_uploads.sql"),
    ),
    (
        "0003_roster.sql",
        include_str!("../../migrations/0003_roster.sql"),
    ),
    (
        "0004_comments.sql",
        include_str!("../../migrations/0004_comments.sql"),
    ),
    (
        "0005_activation.sql",
        include_str!("../../migrations/0005_activation.sql"),
    ),
    (
        "0006_editor.sql",
        include_str!("../../migrations/0006_editor.sql"),
    ),
    (
        "0007_editor_forge.sql",
        include_str!("../../migrations/0007_editor_forge.sql"),
    ),
];

/// A small pool of SQLite connections on one database file (WAL mode).
pub struct SqliteDb {
    conns: Vec<Mutex<Connection>>,
    next: AtomicUsize,
    /// A connection that never writes: its `data_version` changes on every commit by any
    /// other connection, in this process or another (the CLI).
    watch: Mutex<Connection>,
    generation: Generation,
    /// The migrations this opening applied (for the server's log).
    pub applied: Vec<&'static str>,
}

fn db_err(e: rusqlite::Error) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StoreError::Constraint(e.to_string())
        }
        rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound(e.to_string()),
        _ => StoreError::Db(e.to_string()),
    }
}

fn lock_err<T>(e: std::sync::PoisonError<T>) -> StoreError {
    StoreError::Db(e.to_string())
}

/// `script` cut into pieces of about `size` bytes, each made of whole statements (cut only
/// after a `;` outside quotes). `execute_batch` on one huge string rescans what is left
/// after each statement, which makes a 15 MB export take half a minute instead of a second.
fn script_chunks(script: &str, size: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quote) = (0, None::<u8>);
    for (i, b) in script.bytes().enumerate() {
        match (quote, b) {
            (None, b'\'' | b'"') => quote = Some(b),
            (Some(q), _) if b == q => quote = None,
            (None, b';') if i + 1 - start >= size => {
                out.push(&script[start..=i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < script.len() {
        out.push(&script[start..]);
    }
    out
}

impl SqliteDb {
    /// Create the database file `path` from an SQL script (a `wrangler d1 export` of the
    /// Cloudflare database), so the CLI can work out changes against a copy of D1. Refuses
    /// an existing file: it is never overwritten.
    pub fn create_from_script(path: &Path, script: &str) -> Result<(), StoreError> {
        if path.exists() {
            return Err(StoreError::Db(format!("{} existe déjà", path.display())));
        }
        let c = Connection::open(path).map_err(db_err)?;
        // A throwaway copy: no journal, no syncing, one transaction (an export is tens of
        // thousands of INSERTs; committed one by one they take minutes).
        c.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; BEGIN;")
            .map_err(db_err)?;
        for chunk in script_chunks(script, 64 * 1024) {
            c.execute_batch(chunk).map_err(db_err)?;
        }
        c.execute_batch("COMMIT;").map_err(db_err)
    }

    pub fn open(path: &Path, pool: usize) -> Result<SqliteDb, StoreError> {
        let mut conns = Vec::new();
        for _ in 0..pool.max(1) {
            let c = Connection::open(path).map_err(db_err)?;
            c.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;")
                .map_err(db_err)?;
            conns.push(Mutex::new(c));
        }
        let watch = Connection::open(path).map_err(db_err)?;
        let seen = data_version(&watch).unwrap_or(0);
        let mut db = SqliteDb {
            conns,
            next: AtomicUsize::new(0),
            watch: Mutex::new(watch),
            generation: Generation::new(seen),
            applied: Vec::new(),
        };
        db.applied = db.migrate(path)?;
        Ok(db)
    }

    /// Apply the migrations not applied yet, recorded in the same table wrangler uses.
    /// A database that a newer Préau migrated is refused before anything is written: this
    /// version would not know its tables, and going back is a restore, not a guess.
    fn migrate(&self, path: &Path) -> Result<Vec<&'static str>, StoreError> {
        let unknown = self.with(|c| {
            c.execute_batch("CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)")?;
            let mut st = c.prepare("SELECT name FROM d1_migrations ORDER BY name")?;
            let names = st.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
            Ok(names.into_iter().filter(|n| !MIGRATIONS.iter().any(|(m, _)| m == n)).collect::<Vec<_>>())
        })?;
        if !unknown.is_empty() {
            return Err(StoreError::Db(newer_schema_message(path, &unknown)));
        }
        self.with(|c| {
            let mut applied = Vec::new();
            for (name, sql) in MIGRATIONS {
                let done: i64 = c.query_row(
                    "SELECT count(*) FROM d1_migrations WHERE name = ?1",
                    [name],
                    |r| r.get(0),
                )?;
                if done == 0 {
                    let tx = c.unchecked_transaction()?;
                    tx.execute_batch(sql)?;
                    tx.execute("INSERT INTO d1_migrations (name) VALUES (?1)", [name])?;
                    tx.commit()?;
                    applied.push(*name);
                }
            }
            Ok(applied)
        })
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let n = self.conns.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        // Take a free connection if there is one, else wait for ours.
        for i in 0..n {
            if let Ok(mut c) = self.conns[(start + i) % n].try_lock() {
                return f(&mut c).map_err(db_err);
            }
        }
        let mut c = self.conns[start % n].lock().map_err(lock_err)?;
        f(&mut c).map_err(db_err)
    }
}

/// The schema version of this binary: the name of its last migration.
pub fn schema_version() -> &'static str {
    MIGRATIONS.last().map(|(n, _)| *n).unwrap_or("")
}

/// Migrations recorded in a database that this binary does not have: a newer schema.
pub fn newer_schema_message(path: &Path, unknown: &[String]) -> String {
    format!(
        "{} a été mise à jour par une version plus récente de Préau (migration{} {} inconnue{} de celle-ci, qui s'arrête à {}). Rien n'a été modifié. Installez la version de Préau qui a servi en dernier, ou restaurez une sauvegarde faite avec cette version.",
        path.display(),
        if unknown.len() > 1 { "s" } else { "" },
        unknown.join(", "),
        if unknown.len() > 1 { "s" } else { "" },
        schema_version()
    )
}

fn to_sql(v: &SqlValue) -> Value {
    match v {
        SqlValue::Null => Value::Null,
        SqlValue::Int(i) => Value::Integer(*i),
        SqlValue::Text(s) => Value::Text(s.clone()),
    }
}

fn from_sql(v: ValueRef) -> SqlValue {
    match v {
        ValueRef::Integer(i) => SqlValue::Int(i),
        ValueRef::Text(t) => SqlValue::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Real(f) => SqlValue::Int(f as i64),
        ValueRef::Null | ValueRef::Blob(_) => SqlValue::Null,
    }
}

/// What a connection's `data_version` says: it changes when another connection commits.
fn data_version(c: &Connection) -> Option<u64> {
    let mut st = c.prepare_cached("PRAGMA data_version").ok()?;
    st.query_row([], |r| r.get::<_, i64>(0))
        .ok()
        .map(|v| v as u64)
}

/// The database's generation: bumped by every commit of this process as it returns, and
/// by commits of other processes once the watch connection sees them (it is asked at most
/// once per `FOREIGN_COMMITS_SEEN_WITHIN`, by whichever request comes first).
struct Generation {
    epoch: Instant,
    value: AtomicU64,
    /// When the watch connection was last asked, in microseconds since `epoch`.
    checked_at: AtomicU64,
    /// What it said then.
    seen: AtomicU64,
}

impl Generation {
    fn new(seen: u64) -> Generation {
        Generation {
            epoch: Instant::now(),
            value: AtomicU64::new(1),
            checked_at: AtomicU64::new(0),
            seen: AtomicU64::new(seen),
        }
    }

    fn bump(&self) {
        self.value.fetch_add(1, Ordering::AcqRel);
    }
}

impl SqliteDb {
    /// Ask the watch connection when the last asking is old enough. One request asks while
    /// the others go on with the value they have: it cannot be older than the bound.
    fn see_foreign_commits(&self) {
        let g = &self.generation;
        let now = g.epoch.elapsed().as_micros() as u64;
        let due = FOREIGN_COMMITS_SEEN_WITHIN.as_micros() as u64;
        if now.saturating_sub(g.checked_at.load(Ordering::Acquire)) < due {
            return;
        }
        let Ok(c) = self.watch.try_lock() else {
            return;
        };
        // Stored before asking: a commit made while we ask is seen by the next asking.
        g.checked_at.store(now, Ordering::Release);
        match data_version(&c) {
            Some(v) if g.seen.swap(v, Ordering::AcqRel) == v => {}
            // Changed, or unreadable: never reuse what was read before.
            _ => g.bump(),
        }
    }
}

impl Db for SqliteDb {
    fn generation(&self) -> Option<u64> {
        self.see_foreign_commits();
        Some(self.generation.value.load(Ordering::Acquire))
    }

    async fn query(&self, sql: &str, params: &[SqlValue]) -> Result<Vec<Row>, StoreError> {
        // `INSERT … RETURNING` comes here too.
        let mut writes = false;
        let out = self.with(|c| {
            let mut st = c.prepare_cached(sql)?;
            writes = !st.readonly();
            let cols = st.column_count();
            let params: Vec<Value> = params.iter().map(to_sql).collect();
            let mut rows = st.query(rusqlite::params_from_iter(params))?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(
                    (0..cols)
                        .map(|i| r.get_ref(i).map(from_sql).unwrap_or(SqlValue::Null))
                        .collect(),
                );
            }
            Ok(out)
        });
        if writes {
            self.generation.bump();
        }
        out
    }

    // A write bumps the generation before it returns, failed or not: whoever reads next
    // reads again.
    async fn execute(&self, sql: &str, params: &[SqlValue]) -> Result<u64, StoreError> {
        let done = self.with(|c| {
            let params: Vec<Value> = params.iter().map(to_sql).collect();
            c.prepare_cached(sql)?
                .execute(rusqlite::params_from_iter(params))
                .map(|n| n as u64)
        });
        self.generation.bump();
        done
    }

    async fn batch(&self, statements: Vec<Statement>) -> Result<(), StoreError> {
        let done = self.with(|c| {
            let tx = c.transaction()?;
            for (sql, params) in &statements {
                let params: Vec<Value> = params.iter().map(to_sql).collect();
                tx.prepare_cached(sql)?
                    .execute(rusqlite::params_from_iter(params))?;
            }
            tx.commit()
        });
        self.generation.bump();
        done
    }
}

/// A platform whose database is a `SqliteDb` (the server's, or the tests').
pub trait OnSqlite {
    fn sqlite(&self) -> &SqliteDb;
}

impl<T: OnSqlite> Db for T {
    async fn query(&self, sql: &str, params: &[SqlValue]) -> Result<Vec<Row>, StoreError> {
        self.sqlite().query(sql, params).await
    }
    async fn execute(&self, sql: &str, params: &[SqlValue]) -> Result<u64, StoreError> {
        self.sqlite().execute(sql, params).await
    }
    async fn batch(&self, statements: Vec<Statement>) -> Result<(), StoreError> {
        self.sqlite().batch(statements).await
    }
    fn generation(&self) -> Option<u64> {
        self.sqlite().generation()
    }
}

#[cfg(test)]
mod script_tests {
    use super::script_chunks;
    use crate::store::Db;

    /// Every commit changes the generation: this process's at once, another connection's
    /// (the CLI) within `FOREIGN_COMMITS_SEEN_WITHIN`; reads do not.
    #[test]
    fn generation_follows_every_commit() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("preau.sqlite3");
        let db = super::SqliteDb::open(&path, 2).expect("open");
        use crate::testing::block_on;
        let other = rusqlite::Connection::open(&path).expect("other");
        other
            .execute_batch("CREATE TABLE IF NOT EXISTS t (n INTEGER)")
            .expect("create");
        let settle = || std::thread::sleep(super::FOREIGN_COMMITS_SEEN_WITHIN * 2);
        for i in 0..20 {
            // Our own commits are seen twice (at once, and by the watch connection later).
            settle();
            let before = db.generation().expect("generation");
            settle();
            assert_eq!(db.generation(), Some(before), "nothing committed");
            block_on(db.query("SELECT 1", &[])).expect("read");
            settle();
            assert_eq!(db.generation(), Some(before), "a read commits nothing");
            if i % 2 == 0 {
                other
                    .execute("INSERT INTO t VALUES (?1)", [i])
                    .expect("insert");
                settle();
            } else {
                block_on(db.execute("INSERT INTO t VALUES (?1)", &[i.into()])).expect("insert");
            }
            assert_ne!(db.generation(), Some(before), "commit {i} seen");
        }
        settle();
        let before = db.generation();
        block_on(db.query("INSERT INTO t VALUES (99) RETURNING n", &[])).expect("insert");
        assert_ne!(
            db.generation(),
            before,
            "a write through query is seen at once"
        );
    }

    #[test]
    fn chunks_are_whole_statements_even_with_semicolons_in_values() {
        let script = "INSERT INTO t VALUES('a;b');\nINSERT INTO t VALUES('it''s;');\nINSERT INTO \"x;y\" VALUES(1);\n";
        let chunks = script_chunks(script, 1);
        assert_eq!(chunks.concat(), script);
        assert_eq!(chunks.len(), 4, "{chunks:?}");
        assert!(chunks[0].ends_with("'a;b');"));
        assert!(chunks[1].ends_with("'it''s;');"));
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("copy.sqlite3");
        super::SqliteDb::create_from_script(
            &path,
            &format!("CREATE TABLE t (v TEXT); CREATE TABLE \"x;y\" (n INTEGER);\n{script}"),
        )
        .expect("load");
        let c = rusqlite::Connection::open(&path).expect("open");
        let n: i64 = c
            .query_row("SELECT count(*) FROM t WHERE v LIKE '%;%'", [], |r| {
                r.get(0)
            })
            .expect("count");
        assert_eq!(n, 2);
        assert!(
            super::SqliteDb::create_from_script(&path, "").is_err(),
            "never overwrites"
        );
    }
}
