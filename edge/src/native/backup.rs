//! The SQLite side of `preau backup` and `preau restore`: a consistent copy of a database
//! that a running server keeps writing (SQLite's online backup API, in one step so that
//! the copy is one read transaction of the source), and the checks a restored copy must
//! pass before it replaces anything.

use super::sqlite::MIGRATIONS;
use crate::store::StoreError;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

fn err(path: &Path, e: rusqlite::Error) -> StoreError {
    StoreError::Db(format!("{} : {e}", path.display()))
}

/// Copy the database `src` into a new file `dest`, consistently, while others write to it.
pub fn snapshot(src: &Path, dest: &Path) -> Result<(), StoreError> {
    let from = Connection::open_with_flags(
        src,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| err(src, e))?;
    from.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(|e| err(src, e))?;
    let mut to = Connection::open(dest).map_err(|e| err(dest, e))?;
    {
        let b = rusqlite::backup::Backup::new(&from, &mut to).map_err(|e| err(dest, e))?;
        // -1: every page in one step, so a write in between cannot restart the copy; the
        // server's writers hold the lock a few milliseconds at most.
        let mut tries = 0;
        loop {
            match b.step(-1).map_err(|e| err(src, e))? {
                rusqlite::backup::StepResult::Done => break,
                _ if tries < 200 => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                _ => {
                    return Err(StoreError::Db(format!(
                        "{} : base occupée, copie impossible",
                        src.display()
                    )))
                }
            }
        }
    }
    // The copy is a standalone file: no WAL beside it.
    to.execute_batch("PRAGMA journal_mode = DELETE;")
        .map_err(|e| err(dest, e))?;
    Ok(())
}

/// The migrations recorded in a database file, read-only.
pub fn migrations_of(path: &Path) -> Result<Vec<String>, StoreError> {
    let c = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| err(path, e))?;
    let mut st = c
        .prepare("SELECT name FROM d1_migrations ORDER BY name")
        .map_err(|e| err(path, e))?;
    let names = st
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(|e| err(path, e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| err(path, e))?;
    Ok(names)
}

/// A restored database is whole (`PRAGMA integrity_check`) and of a schema this binary
/// knows; the message says what is wrong, in French.
pub fn check_restored(path: &Path) -> Result<(), String> {
    let c = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| format!("base illisible : {e}"))?;
    let verdict: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| format!("base illisible : {e}"))?;
    if verdict != "ok" {
        return Err(format!("base endommagée : {verdict}"));
    }
    drop(c);
    let names = migrations_of(path).map_err(|e| e.to_string())?;
    let unknown: Vec<String> = names
        .into_iter()
        .filter(|n| !MIGRATIONS.iter().any(|(m, _)| m == n))
        .collect();
    if !unknown.is_empty() {
        return Err(super::sqlite::newer_schema_message(path, &unknown));
    }
    Ok(())
}
