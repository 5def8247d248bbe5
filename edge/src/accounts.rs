//! Accounts, roles and memberships, and who may read what. Used by the request core and by
//! the command line of the town's IT team.

use crate::access::{Access, Audience, Visibility};
use crate::store::{Db, SqlValue, StoreError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Pupil,
    Parent,
    Teacher,
    Director,
    Municipal,
    Partner,
    Communication,
    Admin,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Pupil,
        Role::Parent,
        Role::Teacher,
        Role::Director,
        Role::Municipal,
        Role::Partner,
        Role::Communication,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Pupil => "pupil",
            Role::Parent => "parent",
            Role::Teacher => "teacher",
            Role::Director => "director",
            Role::Municipal => "municipal",
            Role::Partner => "partner",
            Role::Communication => "communication",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The charter this role must accept.
    pub fn audience(self) -> Audience {
        match self {
            Role::Pupil => Audience::Eleves,
            Role::Parent => Audience::Parents,
            _ => Audience::Personnel,
        }
    }

    /// Staff see `staff` pages of their scope and get shorter sessions.
    pub fn is_staff(self) -> bool {
        matches!(
            self,
            Role::Teacher | Role::Director | Role::Municipal | Role::Communication | Role::Admin
        )
    }

    /// Roles that read every class of the schools in their scope.
    fn reads_all_classes(self) -> bool {
        matches!(self, Role::Director | Role::Admin | Role::Teacher)
    }
}

/// A scope: the whole town, a school, or a class of a school.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Scope {
    pub school: Option<String>,
    pub class: Option<String>,
}

impl Scope {
    pub fn town() -> Scope {
        Scope {
            school: None,
            class: None,
        }
    }

    /// Parse `school` or `school/class`; ids are lowercase slugs.
    pub fn parse(s: &str) -> Option<Scope> {
        let valid = |id: &str| {
            !id.is_empty()
                && id.len() <= 64
                && id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        match s.split_once('/') {
            Some((school, class)) if valid(school) && valid(class) => Some(Scope {
                school: Some(school.into()),
                class: Some(class.into()),
            }),
            None if valid(s) => Some(Scope {
                school: Some(s.into()),
                class: None,
            }),
            _ => None,
        }
    }

    pub fn label(&self) -> String {
        match (&self.school, &self.class) {
            (None, _) => "ville".into(),
            (Some(s), None) => s.clone(),
            (Some(s), Some(c)) => format!("{s}/{c}"),
        }
    }

    fn includes_school(&self, school: &str) -> bool {
        match &self.school {
            None => true,
            Some(s) => s == school,
        }
    }
}

/// A signed-in person as the core sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub scopes: Vec<Scope>,
    pub disabled: bool,
    pub password_changed_at: i64,
}

impl Account {
    /// May this person read a file with this access rule? (Charter acceptance is checked
    /// separately.)
    pub fn can_read(&self, access: &Access) -> bool {
        let school = access.school.as_deref();
        match access.visibility {
            Visibility::Public => true,
            Visibility::Internal => false,
            Visibility::School => {
                let Some(school) = school else { return false };
                self.scopes.iter().any(|s| s.includes_school(school))
            }
            Visibility::Class => {
                let (Some(school), Some(class)) = (school, access.class.as_deref()) else {
                    return false;
                };
                self.scopes.iter().any(|s| match (&s.school, &s.class) {
                    (Some(ss), Some(sc)) => ss == school && sc == class,
                    (Some(ss), None) => ss == school && self.role.reads_all_classes(),
                    (None, _) => self.role == Role::Admin,
                })
            }
            Visibility::Staff => {
                self.role.is_staff()
                    && match school {
                        Some(school) => self.scopes.iter().any(|s| s.includes_school(school)),
                        None => self.scopes.iter().any(|s| s.school.is_none()),
                    }
            }
        }
    }
}

pub const SELECT_ACCOUNT: &str =
    "SELECT id, login, display_name, role, disabled, password_changed_at FROM accounts";

/// Read an account row (in `SELECT_ACCOUNT` order) and its memberships.
pub async fn load<D: Db>(db: &D, row: &[SqlValue]) -> Result<Option<Account>, StoreError> {
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

/// Is `login` an acceptable identifier? (letters, digits, `.`, `-`, `_`; 3 to 64 chars)
pub fn valid_login(login: &str) -> bool {
    (3..=64).contains(&login.len())
        && login
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acc(role: Role, scopes: &[&str]) -> Account {
        Account {
            id: 1,
            login: "x".into(),
            display_name: "X".into(),
            role,
            scopes: scopes
                .iter()
                .map(|s| {
                    if *s == "*" {
                        Scope::town()
                    } else {
                        Scope::parse(s).unwrap()
                    }
                })
                .collect(),
            disabled: false,
            password_changed_at: 0,
        }
    }

    fn a(v: Visibility, s: Option<&str>, c: Option<&str>) -> Access {
        Access {
            visibility: v,
            school: s.map(Into::into),
            class: c.map(Into::into),
        }
    }

    #[test]
    fn class_pages_reach_only_their_class_and_its_staff() {
        let page = a(Visibility::Class, Some("jm"), Some("ce1"));
        assert!(acc(Role::Parent, &["jm/ce1"]).can_read(&page));
        assert!(!acc(Role::Parent, &["jm/cp"]).can_read(&page));
        assert!(!acc(Role::Parent, &["jm"]).can_read(&page));
        assert!(acc(Role::Director, &["jm"]).can_read(&page));
        assert!(!acc(Role::Director, &["port"]).can_read(&page));
        assert!(!acc(Role::Municipal, &["jm"]).can_read(&page));
        assert!(!acc(Role::Communication, &["*"]).can_read(&page));
        assert!(acc(Role::Admin, &["*"]).can_read(&page));
    }

    #[test]
    fn school_and_staff_pages() {
        let school = a(Visibility::School, Some("jm"), None);
        let staff = a(Visibility::Staff, Some("jm"), None);
        assert!(acc(Role::Parent, &["jm/ce1"]).can_read(&school));
        assert!(!acc(Role::Parent, &["port/cp"]).can_read(&school));
        assert!(acc(Role::Municipal, &["jm"]).can_read(&school));
        assert!(!acc(Role::Parent, &["jm/ce1"]).can_read(&staff));
        assert!(acc(Role::Teacher, &["jm/ce1"]).can_read(&staff));
        assert!(!acc(Role::Partner, &["jm"]).can_read(&staff));
        assert!(!acc(Role::Admin, &["*"]).can_read(&Access::internal()));
    }

    #[test]
    fn scopes_and_logins_parse_strictly() {
        assert!(Scope::parse("ecole-du-port/ce1-ce2").is_some());
        assert!(Scope::parse("Ecole").is_none());
        assert!(Scope::parse("a/b/c").is_none());
        assert!(valid_login("marie.dupont"));
        assert!(!valid_login("marie dupont"));
        assert!(!valid_login("x"));
    }
}
