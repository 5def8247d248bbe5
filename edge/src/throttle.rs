//! Growing delays after failed sign-ins, per login and per client network. A delay never
//! exceeds 15 minutes and counters forget after a day, so nobody is locked out for good.

use crate::store::{Db, SqlValue, StoreError};

/// Failures allowed per login before any delay.
pub const FREE_FAILURES: i64 = 5;
/// Failures allowed per client network before any delay: higher, because a school or a
/// mobile operator may put many families behind one address.
pub const FREE_FAILURES_PER_NETWORK: i64 = 50;
/// Longest delay.
pub const MAX_DELAY: i64 = 15 * 60;
/// Counters older than this start again from zero.
pub const FORGET_AFTER: i64 = 24 * 3600;

/// Delay after `failures` failures when `free` are allowed: 0 until then, then 30 s, 60 s,
/// 120 s… up to 15 min.
pub fn delay_for(failures: i64, free: i64) -> i64 {
    if failures < free {
        return 0;
    }
    let step = (failures - free).min(10) as u32;
    (30i64 << step).min(MAX_DELAY)
}

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

/// Record a failure for `key`.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_stay_bounded() {
        assert_eq!(delay_for(4, FREE_FAILURES), 0);
        assert_eq!(delay_for(5, FREE_FAILURES), 30);
        assert_eq!(delay_for(6, FREE_FAILURES), 60);
        assert_eq!(delay_for(9, FREE_FAILURES), 480);
        assert_eq!(delay_for(10, FREE_FAILURES), MAX_DELAY);
        assert_eq!(delay_for(10_000, FREE_FAILURES), MAX_DELAY);
        assert_eq!(delay_for(49, FREE_FAILURES_PER_NETWORK), 0);
    }
}
