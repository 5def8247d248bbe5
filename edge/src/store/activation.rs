//! SQL of the `activation_codes` table (one code per account, from the invitation
//! letters), and the accounts the letters are printed for.

use super::{Db, SqlValue, Statement, StoreError};
use crate::accounts::{Role, Scope};
use crate::activation::{never_activated, StoredCode};
use std::collections::HashMap;

/// The code whose hash this is, with its account's login and state.
pub async fn find<D: Db>(db: &D, code_hash: &str) -> Result<Option<StoredCode>, StoreError> {
    let rows = db
        .query(
            "SELECT c.account_id, a.login, c.expires_at, c.used_at, a.disabled FROM activation_codes c JOIN accounts a ON a.id = c.account_id WHERE c.code_hash = ?1",
            &[code_hash.into()],
        )
        .await?;
    Ok(rows.into_iter().next().and_then(|r| {
        Some(StoredCode {
            account_id: r.first()?.as_i64()?,
            login: r.get(1)?.as_str()?.to_string(),
            expires_at: r.get(2)?.as_i64()?,
            used_at: r.get(3).and_then(SqlValue::as_i64),
            account_disabled: r.get(4).and_then(SqlValue::as_i64).unwrap_or(1) != 0,
        })
    }))
}

/// The letters' codes of one account (for Mes données): when each was made, until when it
/// is valid and when it was used. Never the code or its hash.
pub async fn of_account<D: Db>(
    db: &D,
    account_id: i64,
) -> Result<Vec<(i64, i64, Option<i64>)>, StoreError> {
    let rows = db
        .query(
            "SELECT created_at, expires_at, used_at FROM activation_codes WHERE account_id = ?1 ORDER BY created_at DESC",
            &[account_id.into()],
        )
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some((
                r.first()?.as_i64()?,
                r.get(1)?.as_i64()?,
                r.get(2).and_then(SqlValue::as_i64),
            ))
        })
        .collect())
}

/// A new code for the account of `login`, replacing (and so invalidating) its previous one.
pub fn issue(login: &str, code_hash: &str, now: i64, expires_at: i64) -> Statement {
    (
        "INSERT OR REPLACE INTO activation_codes (account_id, code_hash, created_at, expires_at, used_at) SELECT id, ?2, ?3, ?4, NULL FROM accounts WHERE login = ?1",
        vec![login.into(), code_hash.into(), now.into(), expires_at.into()],
    )
}

/// Mark a code used. A second use fails the whole batch (trigger of 0005_activation.sql).
pub fn mark_used(code_hash: &str, now: i64) -> Statement {
    (
        "UPDATE activation_codes SET used_at = ?2 WHERE code_hash = ?1",
        vec![code_hash.into(), now.into()],
    )
}

/// Set the password of the code's own account: found through the code in the same batch,
/// so that a code replaced in between sets nothing.
pub fn set_password(code_hash: &str, password_hash: &str, now: i64) -> Statement {
    (
        "UPDATE accounts SET password_hash = ?2, password_changed_at = ?3 WHERE id = (SELECT account_id FROM activation_codes WHERE code_hash = ?1)",
        vec![code_hash.into(), password_hash.into(), now.into()],
    )
}

/// An enabled account as the letters see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    /// `pupil`, `guardian` or `teacher` for accounts from the roster.
    pub kind: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub scopes: Vec<Scope>,
    /// Has a usable password (activated, or created with one by `preau accounts add`).
    pub activated: bool,
    /// Got a letter already (a code exists, used or not).
    pub lettered: bool,
    /// Children's account ids (guardians).
    pub children: Vec<i64>,
}

/// Every enabled account, with its memberships and children, in three queries.
pub async fn recipients<D: Db>(db: &D) -> Result<Vec<Recipient>, StoreError> {
    let rows = db
        .query(
            "SELECT a.id, a.login, a.display_name, a.role, a.password_hash, c.account_id, r.kind, r.first_name, r.usage_name, r.last_name FROM accounts a LEFT JOIN activation_codes c ON c.account_id = a.id LEFT JOIN roster_people r ON r.account_id = a.id WHERE a.disabled = 0 ORDER BY a.id",
            &[],
        )
        .await?;
    let mut scopes: HashMap<i64, Vec<Scope>> = HashMap::new();
    for r in db
        .query("SELECT account_id, school, class FROM memberships", &[])
        .await?
    {
        if let Some(id) = r.first().and_then(SqlValue::as_i64) {
            let mut it = r.into_iter().skip(1);
            scopes.entry(id).or_default().push(Scope {
                school: it.next().and_then(SqlValue::into_string),
                class: it.next().and_then(SqlValue::into_string),
            });
        }
    }
    let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
    for r in db
        .query(
            "SELECT guardian_id, pupil_id FROM guardianships ORDER BY pupil_id",
            &[],
        )
        .await?
    {
        if let (Some(g), Some(p)) = (
            r.first().and_then(SqlValue::as_i64),
            r.get(1).and_then(SqlValue::as_i64),
        ) {
            children.entry(g).or_default().push(p);
        }
    }
    let text = |r: &[SqlValue], i: usize| {
        r.get(i)
            .and_then(SqlValue::as_str)
            .unwrap_or("")
            .to_string()
    };
    Ok(rows
        .iter()
        .filter_map(|r| {
            let id = r.first()?.as_i64()?;
            let role = Role::parse(r.get(3)?.as_str()?)?;
            let usage = text(r, 8);
            Some(Recipient {
                id,
                login: text(r, 1),
                display_name: text(r, 2),
                role,
                kind: r.get(6).and_then(SqlValue::as_str).map(str::to_string),
                first_name: text(r, 7),
                last_name: if usage.is_empty() { text(r, 9) } else { usage },
                scopes: scopes.remove(&id).unwrap_or_default(),
                activated: !never_activated(&text(r, 4)),
                lettered: r.get(5).is_some_and(|v| *v != SqlValue::Null),
                children: children.remove(&id).unwrap_or_default(),
            })
        })
        .collect())
}
