//! Accounts as the core sees them: who a person is, their role and scopes, and the login
//! rule. Who may read what is the contract's rule (`preau_contract::access::may_read`), so
//! the generator and the edge share it. The SQL is in `store::accounts`.

use preau_contract::access::Access;
pub use preau_contract::access::{Role, Scope};

/// A signed-in person.
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
    /// separately, by the guard.)
    pub fn can_read(&self, access: &Access) -> bool {
        preau_contract::access::may_read(self.role, &self.scopes, access)
    }
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

    #[test]
    fn logins_parse_strictly() {
        assert!(valid_login("marie.dupont"));
        assert!(!valid_login("marie dupont"));
        assert!(!valid_login("x"));
        assert!(!valid_login("@@CSRF@@"));
    }
}
