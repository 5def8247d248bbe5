//! Account administration for the town's IT team: create, list, disable, reset passwords.
//! Every change is written to the audit log in the same transaction.

use crate::accounts::{self, Account, Role, Scope};
use crate::activation;
use crate::audit::{Action, Entry, Outcome, CLI_CLIENT};
use crate::password::{self, PolicyError};
use crate::store::{self, Clock, Db, Random, SqlValue, Statement, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("durée de validité invalide ({0} jours) : entre 1 et {max} jours", max = activation::MAX_DAYS)]
    BadDays(i64),
    #[error("identifiant invalide « {0} » : 3 à 64 caractères parmi lettres, chiffres, point, tiret, souligné")]
    BadLogin(String),
    #[error("l'identifiant « {0} » existe déjà")]
    Exists(String),
    #[error("aucun compte « {0} »")]
    Unknown(String),
    #[error("mot de passe refusé : {0}")]
    Password(#[from] PolicyError),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("hachage du mot de passe : {0}")]
    Hash(String),
}

/// A new account as the IT team describes it.
pub struct NewAccount<'a> {
    pub login: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub scopes: Vec<Scope>,
    pub password: &'a str,
}

/// SQL statements creating an account (used directly, or printed for `wrangler d1 execute`).
pub fn add_statements(a: &NewAccount, hash: &str, now: i64, actor: &str) -> Vec<Statement> {
    let mut st = store::accounts::insert(a.login, a.display_name, a.role, &a.scopes, hash, now);
    let target = format!(
        "{} ({} {})",
        a.login,
        a.role.as_str(),
        a.scopes
            .iter()
            .map(Scope::label)
            .collect::<Vec<_>>()
            .join(",")
    );
    st.push(store::audit::insert(
        now,
        &Entry {
            actor,
            action: Action::AccountCreate,
            target: &target,
            outcome: Outcome::Success,
            client: CLI_CLIENT,
        },
    ));
    st
}

fn checked(a: &NewAccount) -> Result<(), AdminError> {
    if !accounts::valid_login(a.login) {
        return Err(AdminError::BadLogin(a.login.into()));
    }
    password::check_policy(a.password, a.login, &[a.display_name])?;
    Ok(())
}

fn salt<R: Random>(r: &R) -> [u8; 16] {
    let mut s = [0u8; 16];
    r.fill(&mut s);
    s
}

pub async fn add<P: Db + Clock + Random>(
    p: &P,
    a: &NewAccount<'_>,
    actor: &str,
) -> Result<(), AdminError> {
    checked(a)?;
    if store::accounts::find_by_login(p, a.login).await?.is_some() {
        return Err(AdminError::Exists(a.login.into()));
    }
    let hash = password::hash(a.password, &salt(p)).map_err(AdminError::Hash)?;
    // Two imports at once can both pass the check above: the UNIQUE index decides.
    match p.batch(add_statements(a, &hash, p.now(), actor)).await {
        Err(e) if e.is_constraint() => Err(AdminError::Exists(a.login.into())),
        other => Ok(other?),
    }
}

/// The same account creation as SQL text, for `wrangler d1 execute --file` on Cloudflare.
pub fn add_sql<P: Clock + Random>(
    p: &P,
    a: &NewAccount<'_>,
    actor: &str,
) -> Result<String, AdminError> {
    checked(a)?;
    let hash = password::hash(a.password, &salt(p)).map_err(AdminError::Hash)?;
    Ok(to_sql_script(&add_statements(a, &hash, p.now(), actor)))
}

/// Replace `?N` placeholders by SQL literals (strings quoted, quotes doubled), in one pass
/// over the statement so that a value is never scanned again.
fn inline(sql: &str, params: &[SqlValue]) -> String {
    let mut out = String::with_capacity(sql.len() + 64);
    let mut chars = sql.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '?' {
            out.push(c);
            continue;
        }
        let digits: String = sql[i + 1..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        for _ in 0..digits.len() {
            chars.next();
        }
        let value = digits
            .parse::<usize>()
            .ok()
            .and_then(|n| params.get(n.wrapping_sub(1)));
        match value {
            Some(SqlValue::Null) | None => out.push_str("NULL"),
            Some(SqlValue::Int(n)) => out.push_str(&n.to_string()),
            Some(SqlValue::Text(t)) => {
                out.push('\'');
                out.push_str(&t.replace('\'', "''"));
                out.push('\'');
            }
        }
    }
    out
}

pub async fn list<D: Db>(db: &D) -> Result<Vec<Account>, StoreError> {
    store::accounts::list(db).await
}

/// The statements every account change ends with: the account's sessions end and the
/// change goes to the audit log.
fn end_sessions_and_log(login: &str, now: i64, actor: &str, action: Action) -> [Statement; 2] {
    [
        store::sessions::delete_by_login(login),
        store::audit::insert(
            now,
            &Entry {
                actor,
                action,
                target: login,
                outcome: Outcome::Success,
                client: CLI_CLIENT,
            },
        ),
    ]
}

/// SQL that disables an account and ends all its sessions, by login.
pub fn disable_statements(login: &str, now: i64, actor: &str) -> Vec<Statement> {
    let mut st = vec![store::accounts::disable(login)];
    st.extend(end_sessions_and_log(
        login,
        now,
        actor,
        Action::AccountDisable,
    ));
    st
}

/// SQL that sets a new password hash and ends the account's sessions, by login.
pub fn reset_statements(login: &str, hash: &str, now: i64, actor: &str) -> Vec<Statement> {
    let mut st = vec![store::accounts::set_password(login, hash, now)];
    st.extend(end_sessions_and_log(
        login,
        now,
        actor,
        Action::PasswordReset,
    ));
    st
}

/// Statements as one SQL script, for `wrangler d1 execute --file`.
pub fn to_sql_script(statements: &[Statement]) -> String {
    let mut out = String::new();
    for (sql, params) in statements {
        out.push_str(&inline(sql, params));
        out.push_str(";\n");
    }
    out
}

async fn existing<D: Db>(db: &D, login: &str) -> Result<Account, AdminError> {
    match store::accounts::find_by_login(db, login).await? {
        Some((a, _)) => Ok(a),
        None => Err(AdminError::Unknown(login.into())),
    }
}

/// Disable an account and end all its sessions at once.
pub async fn disable<P: Db + Clock>(p: &P, login: &str, actor: &str) -> Result<(), AdminError> {
    let a = existing(p, login).await?;
    p.batch(disable_statements(&a.login, p.now(), actor))
        .await?;
    Ok(())
}

/// Hash a new password after checking the policy (for `reset_statements`).
pub fn new_hash<R: Random>(r: &R, login: &str, new_password: &str) -> Result<String, AdminError> {
    password::check_policy(new_password, login, &[])?;
    password::hash(new_password, &salt(r)).map_err(AdminError::Hash)
}

/// Set a new password; ends the account's sessions.
pub async fn reset_password<P: Db + Clock + Random>(
    p: &P,
    login: &str,
    new_password: &str,
    actor: &str,
) -> Result<(), AdminError> {
    let a = existing(p, login).await?;
    password::check_policy(new_password, &a.login, &[&a.display_name])?;
    let hash = password::hash(new_password, &salt(p)).map_err(AdminError::Hash)?;
    p.batch(reset_statements(&a.login, &hash, p.now(), actor))
        .await?;
    Ok(())
}

/// New activation codes, one per login: the statements that store them (each replacing
/// the account's previous code) and one audit entry saying who issued how many and for
/// what (`note`), never the codes. `codes` holds (login, code).
pub fn code_statements(
    codes: &[(String, String)],
    now: i64,
    days: i64,
    actor: &str,
    note: &str,
) -> Result<Vec<Statement>, AdminError> {
    if !(1..=activation::MAX_DAYS).contains(&days) {
        return Err(AdminError::BadDays(days));
    }
    let expires = now + days * 86_400;
    let mut st: Vec<Statement> = codes
        .iter()
        .map(|(login, code)| store::activation::issue(login, &activation::hash(code), now, expires))
        .collect();
    let target = format!("{} code(s) valable(s) {days} jours : {note}", codes.len());
    st.push(store::audit::insert(
        now,
        &Entry {
            actor,
            action: Action::ActivationCodes,
            target: &target,
            outcome: Outcome::Success,
            client: CLI_CLIENT,
        },
    ));
    Ok(st)
}

/// A fresh code for each login, drawn from `r`: (login, code).
pub fn new_codes<R: Random>(r: &R, logins: &[String]) -> Vec<(String, String)> {
    logins
        .iter()
        .map(|l| (l.clone(), activation::new_code(r)))
        .collect()
}

/// Issue a code for one existing account here (its previous code no longer works).
pub async fn issue_code<P: Db + Clock + Random>(
    p: &P,
    login: &str,
    days: i64,
    actor: &str,
) -> Result<String, AdminError> {
    let a = existing(p, login).await?;
    let codes = new_codes(p, std::slice::from_ref(&a.login));
    p.batch(code_statements(&codes, p.now(), days, actor, &a.login)?)
        .await?;
    Ok(codes.into_iter().next().map(|(_, c)| c).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_quotes_strings() {
        let s = inline(
            "INSERT INTO t VALUES (?1, ?2, ?10)",
            &[
                "l'école".into(),
                5i64.into(),
                SqlValue::Null,
                SqlValue::Null,
                SqlValue::Null,
                SqlValue::Null,
                SqlValue::Null,
                SqlValue::Null,
                SqlValue::Null,
                "x".into(),
            ],
        );
        assert_eq!(s, "INSERT INTO t VALUES ('l''école', 5, 'x')");
        // A value that looks like a placeholder is not expanded again.
        let s = inline(
            "VALUES (?1, ?2)",
            &["?2".into(), "a'); DROP TABLE accounts; --".into()],
        );
        assert_eq!(s, "VALUES ('?2', 'a''); DROP TABLE accounts; --')");
    }
}
