//! The audit log: every write and every refused access, with UTC time, actor, action,
//! target, outcome and a truncated client address. Never holds a password or a token.

use crate::store::{Db, SqlValue, StoreError};
use std::net::IpAddr;

pub const DEFAULT_RETENTION_DAYS: i64 = 365;

/// One entry to append.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub outcome: &'a str,
    pub client: &'a str,
}

pub const INSERT: &str =
    "INSERT INTO audit_log (at, actor, action, target, outcome, client) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

pub fn params(now: i64, e: &Entry) -> Vec<SqlValue> {
    vec![
        now.into(),
        e.actor.into(),
        e.action.into(),
        e.target.into(),
        e.outcome.into(),
        e.client.into(),
    ]
}

pub async fn append<D: Db>(db: &D, now: i64, e: &Entry<'_>) -> Result<(), StoreError> {
    db.execute(INSERT, &params(now, e)).await.map(|_| ())
}

/// Delete entries older than the retention; returns how many went.
pub async fn purge<D: Db>(db: &D, now: i64, retention_days: i64) -> Result<u64, StoreError> {
    let cutoff = now - retention_days.max(1) * 86_400;
    db.execute("DELETE FROM audit_log WHERE at < ?1", &[cutoff.into()])
        .await
}

/// Keep the network, drop the host: /24 for IPv4, /48 for IPv6 (CNIL's advice for logs
/// that must identify a connection without tracking a household forever).
pub fn truncate_ip(ip: Option<IpAddr>) -> String {
    match ip {
        Some(IpAddr::V4(v4)) => {
            let o = v4.octets();
            format!("{}.{}.{}.0/24", o[0], o[1], o[2])
        }
        Some(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
        }
        None => "-".into(),
    }
}

/// All entries since `since` (Unix seconds), oldest first, for the CSV export.
pub async fn since<D: Db>(db: &D, since: i64) -> Result<Vec<Vec<SqlValue>>, StoreError> {
    db.query(
        "SELECT id, at, actor, action, target, outcome, client FROM audit_log WHERE at >= ?1 ORDER BY id",
        &[since.into()],
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_truncated() {
        assert_eq!(truncate_ip("192.0.2.77".parse().ok()), "192.0.2.0/24");
        assert_eq!(
            truncate_ip("2001:db8:1:2::5".parse().ok()),
            "2001:db8:1::/48"
        );
        assert_eq!(truncate_ip(None), "-");
    }
}
