//! SQL of the `sessions` table. Only the SHA-256 of a token is ever stored.

use super::{Db, SqlValue, Statement, StoreError};
use crate::accounts::{Account, Role, Scope};
use crate::session::{hash_token, plausible_token, Session, Timeouts};

const LOOKUP: &str = "SELECT a.id, a.login, a.display_name, a.role, a.disabled, a.password_changed_at, \
 s.last_seen_at, s.expires_at, s.remember, \
 (SELECT group_concat(coalesce(m.school, '') || '/' || coalesce(m.class, ''), '|') FROM memberships m WHERE m.account_id = a.id), \
 (SELECT group_concat(c.audience || ':' || c.version, '|') FROM charter_acceptances c WHERE c.account_id = a.id) \
 FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = ?1";

/// Find the session of a token, enforcing timeouts and disabled accounts (an ended session
/// is deleted). One query on the hot path; `last_seen_at` is written at most once a minute.
pub async fn lookup<D: Db>(
    db: &D,
    token: &str,
    now: i64,
    t: &Timeouts,
) -> Result<Option<Session>, StoreError> {
    let Some(found) = read(db, token, now, t, None).await? else {
        return Ok(None);
    };
    if found.touch {
        let (sql, params) = touch(&found.session.token_hash, now);
        db.execute(sql, &params).await?;
    }
    Ok(Some(found.session))
}

/// A live session, and whether its `last_seen_at` is over a minute old and should be written.
pub struct Found {
    pub session: Session,
    pub touch: bool,
}

/// `lookup` without the write of `last_seen_at`, for a caller that batches those writes.
/// `seen` is a later sighting the caller holds and has not written yet: it counts for the
/// idle timeout as if it were stored.
pub async fn read<D: Db>(
    db: &D,
    token: &str,
    now: i64,
    t: &Timeouts,
    seen: Option<i64>,
) -> Result<Option<Found>, StoreError> {
    if !plausible_token(token) {
        return Ok(None);
    }
    let hash = hash_token(token);
    let rows = db.query(LOOKUP, &[hash.clone().into()]).await?;
    let Some(row) = rows.into_iter().next() else {
        return Ok(None);
    };
    let int = |i: usize| row.get(i).and_then(SqlValue::as_i64).unwrap_or(0);
    let text = |i: usize| {
        row.get(i)
            .and_then(SqlValue::as_str)
            .unwrap_or("")
            .to_string()
    };
    let Some(role) = Role::parse(&text(3)) else {
        return Ok(None);
    };
    let (last_seen, expires, remember) = (int(6).max(seen.unwrap_or(0)), int(7), int(8) != 0);
    let (idle, _) = t.for_role(role, remember);
    if int(4) != 0 || now > expires || now - last_seen > idle {
        let (sql, params) = delete(&hash);
        db.execute(sql, &params).await?;
        return Ok(None);
    }
    let stale_seen = now - last_seen > 60;
    let scopes = text(9)
        .split('|')
        .filter(|s| !s.is_empty())
        .map(|s| {
            let (school, class) = s.split_once('/').unwrap_or((s, ""));
            Scope {
                school: (!school.is_empty()).then(|| school.to_string()),
                class: (!class.is_empty()).then(|| class.to_string()),
            }
        })
        .collect();
    let accepted = text(10)
        .split('|')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let session = Session {
        token_hash: hash,
        account: Account {
            id: int(0),
            login: text(1),
            display_name: text(2),
            role,
            scopes,
            disabled: false,
            password_changed_at: int(5),
        },
        accepted,
        valid_until: expires.min(now.max(last_seen) + idle),
        read_at: now,
    };
    Ok(Some(Found {
        session,
        touch: stale_seen,
    }))
}

/// Record that a session was seen at `at` (never moving it back).
pub fn touch(token_hash: &str, at: i64) -> Statement {
    (
        "UPDATE sessions SET last_seen_at = ?1 WHERE token_hash = ?2 AND last_seen_at < ?1",
        vec![at.into(), token_hash.into()],
    )
}

/// Start a session (the token's hash only).
pub fn insert(
    token_hash: &str,
    account_id: i64,
    now: i64,
    expires: i64,
    remember: bool,
) -> Statement {
    (
        "INSERT INTO sessions (token_hash, account_id, created_at, last_seen_at, expires_at, remember) VALUES (?1, ?2, ?3, ?3, ?4, ?5)",
        vec![token_hash.into(), account_id.into(), now.into(), expires.into(), i64::from(remember).into()],
    )
}

/// End one session.
pub fn delete(token_hash: &str) -> Statement {
    (
        "DELETE FROM sessions WHERE token_hash = ?1",
        vec![token_hash.into()],
    )
}

/// End every session of an account.
pub fn delete_all(account_id: i64) -> Statement {
    (
        "DELETE FROM sessions WHERE account_id = ?1",
        vec![account_id.into()],
    )
}

/// End every session of an account but one (after a password change on this browser).
pub fn delete_others(account_id: i64, keep_token_hash: &str) -> Statement {
    (
        "DELETE FROM sessions WHERE account_id = ?1 AND token_hash <> ?2",
        vec![account_id.into(), keep_token_hash.into()],
    )
}

/// End every session of an account, by login (the command line knows logins).
pub fn delete_by_login(login: &str) -> Statement {
    (
        "DELETE FROM sessions WHERE account_id IN (SELECT id FROM accounts WHERE login = ?1)",
        vec![login.into()],
    )
}
