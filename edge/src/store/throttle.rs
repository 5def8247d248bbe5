//! SQL of the `throttle` table: failed sign-in counters per key (login or network).

use super::{Db, SqlValue, StoreError};
use crate::throttle::{delay_for, FORGET_AFTER};

/// Seconds left before `key` may try again (0 = now).
pub async fn wait_for<D: Db>(db: &D, key: &str, now: i64) -> Result<i64, StoreError> {
    let rows = db
        .query(
            "SELECT blocked_until FROM throttle WHERE key = ?1",
            &[key.into()],
        )
        .await?;
    let until = rows
        .first()
        .and_then(|r| r.first())
        .and_then(SqlValue::as_i64)
        .unwrap_or(0);
    Ok((until - now).max(0))
}

/// Record a failure for `key`, `free` failures being allowed before any delay.
pub async fn fail<D: Db>(db: &D, key: &str, free: i64, now: i64) -> Result<(), StoreError> {
    let rows = db
        .query(
            "SELECT failures, last_failure_at FROM throttle WHERE key = ?1",
            &[key.into()],
        )
        .await?;
    let previous = rows
        .first()
        .map(|r| {
            let f = r.first().and_then(SqlValue::as_i64).unwrap_or(0);
            let last = r.get(1).and_then(SqlValue::as_i64).unwrap_or(0);
            if now - last > FORGET_AFTER {
                0
            } else {
                f
            }
        })
        .unwrap_or(0);
    let failures = previous + 1;
    let blocked_until = now + delay_for(failures, free);
    db.execute(
        "INSERT INTO throttle (key, failures, last_failure_at, blocked_until) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT(key) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at, blocked_until = excluded.blocked_until",
        &[key.into(), failures.into(), now.into(), blocked_until.into()],
    )
    .await
    .map(|_| ())
}

/// Forget failures for `key` after a successful sign-in.
pub async fn clear<D: Db>(db: &D, key: &str) -> Result<(), StoreError> {
    db.execute("DELETE FROM throttle WHERE key = ?1", &[key.into()])
        .await
        .map(|_| ())
}
