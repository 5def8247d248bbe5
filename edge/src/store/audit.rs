//! SQL of the `audit_log` table (append-only, enforced by triggers in the migration).

use super::{Db, SqlValue, Statement, StoreError};
use crate::audit::Entry;

const INSERT: &str =
    "INSERT INTO audit_log (at, actor, action, target, outcome, client) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

/// The statement appending `e`, to put in the same batch as the change it records.
pub fn insert(now: i64, e: &Entry) -> Statement {
    let actor: String = e.actor.chars().take(64).collect();
    let target: String = e.target.chars().take(200).collect();
    (
        INSERT,
        vec![
            now.into(),
            actor.into(),
            e.action.as_str().into(),
            target.into(),
            e.outcome.as_str().into(),
            e.client.into(),
        ],
    )
}

pub async fn append<D: Db>(db: &D, now: i64, e: &Entry<'_>) -> Result<(), StoreError> {
    let (sql, params) = insert(now, e);
    db.execute(sql, &params).await.map(|_| ())
}

/// Delete entries older than the retention; returns how many went.
pub async fn purge<D: Db>(db: &D, now: i64, retention_days: i64) -> Result<u64, StoreError> {
    let cutoff = now - retention_days.max(1) * 86_400;
    db.execute("DELETE FROM audit_log WHERE at < ?1", &[cutoff.into()])
        .await
}

/// All entries since `since` (Unix seconds), oldest first, for the CSV export:
/// id, at, actor, action, target, outcome, client.
pub async fn since<D: Db>(db: &D, since: i64) -> Result<Vec<Vec<SqlValue>>, StoreError> {
    db.query(
        "SELECT id, at, actor, action, target, outcome, client FROM audit_log WHERE at >= ?1 ORDER BY id",
        &[since.into()],
    )
    .await
}

/// The log's entries about this person (as actor or as target), newest first, at most
/// `limit`: at, actor, action, target, outcome, client.
pub async fn about<D: Db>(
    db: &D,
    login: &str,
    limit: i64,
) -> Result<Vec<Vec<SqlValue>>, StoreError> {
    db.query(
        "SELECT at, actor, action, target, outcome, client FROM audit_log WHERE actor = ?1 OR target = ?1 ORDER BY id DESC LIMIT ?2",
        &[login.into(), limit.into()],
    )
    .await
}
