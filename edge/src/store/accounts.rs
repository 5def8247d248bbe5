//! SQL of the `accounts` and `memberships` tables.

use super::{Db, SqlValue, Statement, StoreError};
use crate::accounts::{Account, Role, Scope};

const SELECT_ACCOUNT: &str =
    "SELECT id, login, display_name, role, disabled, password_changed_at FROM accounts";

/// Read an account row (in `SELECT_ACCOUNT` order) and its memberships.
async fn load<D: Db>(db: &D, row: &[SqlValue]) -> Result<Option<Account>, StoreError> {
    let (Some(id), Some(login), Some(name), Some(role)) = (
        row.first().and_then(SqlValue::as_i64),
        row.get(1).and_then(SqlValue::as_str),
        row.get(2).and_then(SqlValue::as_str),
        row.get(3).and_then(SqlValue::as_str).and_then(Role::parse),
    ) else {
        return Ok(None);
    };
    let scopes = db
        .query(
            "SELECT school, class FROM memberships WHERE account_id = ?1",
            &[SqlValue::Int(id)],
        )
        .await?
        .into_iter()
        .map(|r| {
            let mut it = r.into_iter();
            Scope {
                school: it.next().and_then(SqlValue::into_string),
                class: it.next().and_then(SqlValue::into_string),
            }
        })
        .collect();
    Ok(Some(Account {
        id,
        login: login.to_string(),
        display_name: name.to_string(),
        role,
        scopes,
        disabled: row.get(4).and_then(SqlValue::as_i64).unwrap_or(1) != 0,
        password_changed_at: row.get(5).and_then(SqlValue::as_i64).unwrap_or(0),
    }))
}

/// The account of `login` and its password hash.
pub async fn find_by_login<D: Db>(
    db: &D,
    login: &str,
) -> Result<Option<(Account, String)>, StoreError> {
    let sql = "SELECT id, login, display_name, role, disabled, password_changed_at, password_hash FROM accounts WHERE login = ?1";
    let rows = db.query(sql, &[login.into()]).await?;
    let Some(row) = rows.into_iter().next() else {
        return Ok(None);
    };
    let hash = row
        .get(6)
        .and_then(SqlValue::as_str)
        .unwrap_or("")
        .to_string();
    Ok(load(db, &row).await?.map(|a| (a, hash)))
}

/// The password hash of an account, by id.
pub async fn password_hash<D: Db>(db: &D, id: i64) -> Result<Option<String>, StoreError> {
    let rows = db
        .query(
            "SELECT password_hash FROM accounts WHERE id = ?1",
            &[id.into()],
        )
        .await?;
    Ok(rows
        .into_iter()
        .next()
        .and_then(|r| r.into_iter().next())
        .and_then(SqlValue::into_string))
}

/// Every account, by login.
pub async fn list<D: Db>(db: &D) -> Result<Vec<Account>, StoreError> {
    let rows = db
        .query(&format!("{SELECT_ACCOUNT} ORDER BY login"), &[])
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        if let Some(a) = load(db, &r).await? {
            out.push(a);
        }
    }
    Ok(out)
}

/// Create an account and its memberships.
pub fn insert(
    login: &str,
    display_name: &str,
    role: Role,
    scopes: &[Scope],
    hash: &str,
    now: i64,
) -> Vec<Statement> {
    let mut st = vec![(
        "INSERT INTO accounts (login, display_name, role, password_hash, password_changed_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        vec![login.into(), display_name.into(), role.as_str().into(), hash.into(), now.into()],
    )];
    for s in scopes {
        st.push((
            "INSERT INTO memberships (account_id, school, class) SELECT id, ?2, ?3 FROM accounts WHERE login = ?1",
            vec![login.into(), s.school.clone().into(), s.class.clone().into()],
        ));
    }
    st
}

pub fn disable(login: &str) -> Statement {
    (
        "UPDATE accounts SET disabled = 1 WHERE login = ?1",
        vec![login.into()],
    )
}

pub fn set_password(login: &str, hash: &str, now: i64) -> Statement {
    (
        "UPDATE accounts SET password_hash = ?1, password_changed_at = ?2 WHERE login = ?3",
        vec![hash.into(), now.into(), login.into()],
    )
}
