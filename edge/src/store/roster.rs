//! SQL of the `roster_people` and `guardianships` tables (people imported from ONDE).

use super::{Db, SqlValue, Statement, StoreError};
use crate::accounts::{Role, Scope};
use std::collections::HashMap;

/// A person of the roster as stored, with their account's login, role, state and scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPerson {
    pub id: i64,
    pub login: String,
    pub role: Role,
    /// `pupil`, `guardian` or `teacher`.
    pub kind: String,
    pub person_key: Option<String>,
    pub last_name: String,
    pub usage_name: String,
    pub first_name: String,
    pub email: Option<String>,
    pub photo_allowed: Option<bool>,
    pub onde_class: Option<String>,
    pub disabled: bool,
    /// Disabled by an import (not by hand): a returning pupil is enabled again.
    pub left_at: Option<i64>,
    pub scopes: Vec<Scope>,
}

/// Everything an import compares against: the roster's people, the guardian links
/// (guardian id, pupil id) and every login in use.
#[derive(Debug, Clone, Default)]
pub struct Stored {
    pub people: Vec<StoredPerson>,
    pub links: Vec<(i64, i64)>,
    pub logins: Vec<String>,
}

fn text(r: &[SqlValue], i: usize) -> Option<String> {
    r.get(i).and_then(SqlValue::as_str).map(str::to_string)
}

fn int(r: &[SqlValue], i: usize) -> Option<i64> {
    r.get(i).and_then(SqlValue::as_i64)
}

/// Read the whole roster in four queries (6,000 pupils and 10,000 guardians fit in memory).
pub async fn load<D: Db>(db: &D) -> Result<Stored, StoreError> {
    let rows = db
        .query(
            "SELECT a.id, a.login, a.role, r.kind, r.person_key, r.last_name, r.usage_name, r.first_name, r.email, r.photo_allowed, r.onde_class, a.disabled, r.disabled_at FROM roster_people r JOIN accounts a ON a.id = r.account_id ORDER BY a.id",
            &[],
        )
        .await?;
    let mut scopes = load_scopes(db).await?;
    let people = rows.iter().filter_map(|r| person(r, &mut scopes)).collect();
    let links = db
        .query("SELECT guardian_id, pupil_id FROM guardianships", &[])
        .await?
        .into_iter()
        .filter_map(|r| Some((int(&r, 0)?, int(&r, 1)?)))
        .collect();
    let logins = db
        .query("SELECT login FROM accounts", &[])
        .await?
        .into_iter()
        .filter_map(|r| text(&r, 0))
        .collect();
    Ok(Stored {
        people,
        links,
        logins,
    })
}

/// The memberships of the roster's accounts, by account id.
async fn load_scopes<D: Db>(db: &D) -> Result<HashMap<i64, Vec<Scope>>, StoreError> {
    let mut scopes: HashMap<i64, Vec<Scope>> = HashMap::new();
    for r in db
        .query(
            "SELECT m.account_id, m.school, m.class FROM memberships m JOIN roster_people r ON r.account_id = m.account_id",
            &[],
        )
        .await?
    {
        if let Some(id) = int(&r, 0) {
            scopes.entry(id).or_default().push(Scope {
                school: text(&r, 1),
                class: text(&r, 2),
            });
        }
    }
    Ok(scopes)
}

/// One row of the roster query, with its scopes (taken from `scopes`); `None` if unreadable.
fn person(r: &[SqlValue], scopes: &mut HashMap<i64, Vec<Scope>>) -> Option<StoredPerson> {
    let (Some(id), Some(login), Some(role), Some(kind)) = (
        int(r, 0),
        text(r, 1),
        text(r, 2).as_deref().and_then(Role::parse),
        text(r, 3),
    ) else {
        return None;
    };
    Some(StoredPerson {
        id,
        login,
        role,
        kind,
        person_key: text(r, 4),
        last_name: text(r, 5).unwrap_or_default(),
        usage_name: text(r, 6).unwrap_or_default(),
        first_name: text(r, 7).unwrap_or_default(),
        email: text(r, 8),
        photo_allowed: int(r, 9).map(|v| v != 0),
        onde_class: text(r, 10),
        disabled: int(r, 11).unwrap_or(1) != 0,
        left_at: int(r, 12),
        scopes: scopes.remove(&id).unwrap_or_default(),
    })
}

/// The roster row of a new account, found by its login (inserted in the same batch).
#[allow(clippy::too_many_arguments)]
pub fn insert(
    login: &str,
    kind: &str,
    person_key: Option<&str>,
    last_name: &str,
    usage_name: &str,
    first_name: &str,
    email: Option<&str>,
    photo_allowed: Option<bool>,
    onde_class: Option<&str>,
) -> Statement {
    (
        "INSERT INTO roster_people (account_id, kind, person_key, last_name, usage_name, first_name, email, photo_allowed, onde_class) SELECT id, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 FROM accounts WHERE login = ?1",
        vec![
            login.into(),
            kind.into(),
            person_key.into(),
            last_name.into(),
            usage_name.into(),
            first_name.into(),
            email.into(),
            photo_allowed.map(i64::from).map(SqlValue::Int).unwrap_or(SqlValue::Null),
            onde_class.into(),
        ],
    )
}

/// New names, e-mail, photo permission and ONDE class of a person already there.
pub fn update(
    id: i64,
    names: (&str, &str, &str),
    email: Option<&str>,
    photo_allowed: Option<bool>,
    onde_class: Option<&str>,
) -> Statement {
    (
        "UPDATE roster_people SET last_name = ?2, usage_name = ?3, first_name = ?4, email = ?5, photo_allowed = ?6, onde_class = ?7 WHERE account_id = ?1",
        vec![
            id.into(),
            names.0.into(),
            names.1.into(),
            names.2.into(),
            email.into(),
            photo_allowed.map(i64::from).map(SqlValue::Int).unwrap_or(SqlValue::Null),
            onde_class.into(),
        ],
    )
}

pub fn set_display_name(id: i64, name: &str) -> Statement {
    (
        "UPDATE accounts SET display_name = ?2 WHERE id = ?1",
        vec![id.into(), name.into()],
    )
}

pub fn set_role(id: i64, role: Role) -> Statement {
    (
        "UPDATE accounts SET role = ?2 WHERE id = ?1",
        vec![id.into(), role.as_str().into()],
    )
}

/// Replace an account's memberships (by id) with `scopes`.
pub fn set_scopes(id: i64, scopes: &[Scope]) -> Vec<Statement> {
    let mut st = vec![(
        "DELETE FROM memberships WHERE account_id = ?1",
        vec![id.into()],
    )];
    for s in scopes {
        st.push((
            "INSERT INTO memberships (account_id, school, class) VALUES (?1, ?2, ?3)",
            vec![id.into(), s.school.clone().into(), s.class.clone().into()],
        ));
    }
    st
}

/// Link a guardian to a child, both by login (either may be new in this batch).
pub fn link(guardian_login: &str, pupil_login: &str) -> Statement {
    (
        "INSERT OR IGNORE INTO guardianships (guardian_id, pupil_id) SELECT g.id, p.id FROM accounts g, accounts p WHERE g.login = ?1 AND p.login = ?2",
        vec![guardian_login.into(), pupil_login.into()],
    )
}

/// A guardian is not one of this pupil's guardians any more.
pub fn unlink(guardian_id: i64, pupil_id: i64) -> Statement {
    (
        "DELETE FROM guardianships WHERE guardian_id = ?1 AND pupil_id = ?2",
        vec![guardian_id.into(), pupil_id.into()],
    )
}

/// A pupil's key, upgraded to the keyed form.
pub fn set_key(id: i64, key: &str) -> Statement {
    (
        "UPDATE roster_people SET person_key = ?2 WHERE account_id = ?1",
        vec![id.into(), key.into()],
    )
}

/// The person left the roster: disabled now, deleted by the purge after `delete_after`.
pub fn leave(id: i64, now: i64, delete_after: i64) -> Vec<Statement> {
    vec![
        (
            "UPDATE accounts SET disabled = 1 WHERE id = ?1",
            vec![id.into()],
        ),
        (
            "UPDATE roster_people SET disabled_at = ?2, delete_after = ?3 WHERE account_id = ?1",
            vec![id.into(), now.into(), delete_after.into()],
        ),
        (
            "DELETE FROM sessions WHERE account_id = ?1",
            vec![id.into()],
        ),
    ]
}

/// The person is back on the roster before their account was deleted.
pub fn come_back(id: i64) -> Vec<Statement> {
    vec![
        (
            "UPDATE accounts SET disabled = 0 WHERE id = ?1",
            vec![id.into()],
        ),
        (
            "UPDATE roster_people SET disabled_at = NULL, delete_after = NULL WHERE account_id = ?1",
            vec![id.into()],
        ),
    ]
}

/// Delete the accounts of people who left the roster more than the retention ago (their
/// memberships, sessions, acceptances and links go with them). Accounts that uploaded
/// files are kept until their uploads are deleted. Returns how many went.
pub async fn purge_leavers<D: Db>(db: &D, now: i64) -> Result<u64, StoreError> {
    db.execute(
        "DELETE FROM accounts WHERE id IN (SELECT account_id FROM roster_people WHERE delete_after IS NOT NULL AND delete_after <= ?1) AND id NOT IN (SELECT uploader_id FROM uploads)",
        &[now.into()],
    )
    .await
}

/// A pupil of a class as staff see them on the photo permission list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassPupil {
    /// `school/class`.
    pub class: String,
    pub first_name: String,
    /// The name the family uses (usage name, else birth name).
    pub family_name: String,
    pub photo_allowed: bool,
}

/// The active imported pupils of `school`, with their class and photo permission.
pub async fn school_pupils<D: Db>(db: &D, school: &str) -> Result<Vec<ClassPupil>, StoreError> {
    let rows = db
        .query(
            "SELECT m.class, r.first_name, CASE WHEN r.usage_name <> '' THEN r.usage_name ELSE r.last_name END, r.photo_allowed FROM roster_people r JOIN accounts a ON a.id = r.account_id JOIN memberships m ON m.account_id = r.account_id WHERE r.kind = 'pupil' AND a.disabled = 0 AND m.school = ?1 AND m.class IS NOT NULL ORDER BY m.class, r.first_name, 3",
            &[school.into()],
        )
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            Some(ClassPupil {
                class: format!("{school}/{}", text(r, 0)?),
                first_name: text(r, 1)?,
                family_name: text(r, 2).unwrap_or_default(),
                photo_allowed: int(r, 3) != Some(0),
            })
        })
        .collect())
}

/// What the roster import stored about this person, if anything: (kind, last name, usage
/// name, first name, e-mail, photo permission).
pub type RosterFacts = (String, String, String, String, Option<String>, Option<bool>);

pub async fn facts<D: Db>(db: &D, account_id: i64) -> Result<Option<RosterFacts>, StoreError> {
    let rows = db
        .query(
            "SELECT kind, last_name, usage_name, first_name, email, photo_allowed FROM roster_people WHERE account_id = ?1",
            &[account_id.into()],
        )
        .await?;
    Ok(rows.first().and_then(|r| {
        Some((
            text(r, 0)?,
            text(r, 1)?,
            text(r, 2).unwrap_or_default(),
            text(r, 3)?,
            text(r, 4),
            int(r, 5).map(|n| n != 0),
        ))
    }))
}

/// The display names of the children (or guardians) linked to this account.
pub async fn relatives<D: Db>(db: &D, account_id: i64) -> Result<Vec<String>, StoreError> {
    let rows = db
        .query(
            "SELECT a.display_name FROM guardianships g JOIN accounts a ON a.id = g.pupil_id WHERE g.guardian_id = ?1 UNION ALL SELECT a.display_name FROM guardianships g JOIN accounts a ON a.id = g.guardian_id WHERE g.pupil_id = ?1 ORDER BY 1",
            &[account_id.into()],
        )
        .await?;
    Ok(rows.iter().filter_map(|r| text(r, 0)).collect())
}
