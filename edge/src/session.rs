//! Sessions and anti-forgery tokens: random tokens stored only as hashes, cookies with the
//! strictest attributes the connection allows, idle and absolute timeouts by role.

use crate::accounts::{Account, Role};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Timeouts, in seconds.
#[derive(Debug, Clone)]
pub struct Timeouts {
    pub staff_idle: i64,
    pub staff_absolute: i64,
    pub family_idle: i64,
    pub family_absolute: i64,
    /// "Remember this phone" (families only).
    pub remember_idle: i64,
    pub remember_absolute: i64,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            staff_idle: 30 * 60,
            staff_absolute: 10 * 3600,
            family_idle: 2 * 3600,
            family_absolute: 24 * 3600,
            remember_idle: 30 * 86_400,
            remember_absolute: 90 * 86_400,
        }
    }
}

impl Timeouts {
    pub fn for_role(&self, role: Role, remember: bool) -> (i64, i64) {
        if role.is_staff() {
            (self.staff_idle, self.staff_absolute)
        } else if remember {
            (self.remember_idle, self.remember_absolute)
        } else {
            (self.family_idle, self.family_absolute)
        }
    }
}

/// Cookie names: `__Host-` names need `Secure`, which plain-http loopback cannot have.
pub fn cookie_name(secure: bool, base: &str) -> String {
    if secure {
        format!("__Host-preau_{base}")
    } else {
        format!("preau_{base}")
    }
}

/// `cookie_name(secure, "session")` without building it (read on every request).
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-preau_session"
    } else {
        "preau_session"
    }
}

pub fn set_cookie(secure: bool, base: &str, value: &str, max_age: Option<i64>) -> String {
    let mut c = format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Lax",
        cookie_name(secure, base)
    );
    if secure {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    c
}

pub fn clear_cookie(secure: bool, base: &str) -> String {
    set_cookie(secure, base, "", Some(0))
}

/// Value of cookie `name` in a `Cookie` header.
pub fn read_cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|part| {
        let (k, v) = part.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

pub fn new_token(random: &[u8; 32]) -> String {
    B64.encode(random)
}

/// Tokens must look like what `new_token` makes before they reach the database.
pub fn plausible_token(t: &str) -> bool {
    t.len() == 43
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub fn hash_token(token: &str) -> String {
    B64.encode(Sha256::digest(token.as_bytes()))
}

/// Anti-forgery token bound to `context` (the session hash, or the sign-in nonce).
pub fn csrf_token(secret: &[u8], context: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"preau-csrf|");
    mac.update(context.as_bytes());
    B64.encode(mac.finalize().into_bytes())
}

pub fn csrf_ok(secret: &[u8], context: &str, given: &str) -> bool {
    let Ok(bytes) = B64.decode(given) else {
        return false;
    };
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"preau-csrf|");
    mac.update(context.as_bytes());
    mac.verify_slice(&bytes).is_ok()
}

/// A live session and its account.
#[derive(Debug, Clone)]
pub struct Session {
    pub token_hash: String,
    pub account: Account,
    /// Charter versions accepted, as `audience:version`.
    pub accepted: Vec<String>,
    /// The session ends at this time unless it is used again (idle or absolute limit).
    pub valid_until: i64,
    /// When it was read from the database.
    pub read_at: i64,
}

impl Session {
    pub fn has_accepted(&self, audience: &str, version: &str) -> bool {
        // `audience:version` compared in place (asked on every gated request).
        self.accepted.iter().any(|a| {
            a.len() == audience.len() + 1 + version.len()
                && a.starts_with(audience)
                && a.as_bytes()[audience.len()] == b':'
                && a.ends_with(version)
        })
    }

    pub fn accepted_any(&self, audience: &str) -> bool {
        let prefix = format!("{audience}:");
        self.accepted.iter().any(|a| a.starts_with(&prefix))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_hash_and_csrf_bind_to_context() {
        let t = new_token(&[1u8; 32]);
        assert!(plausible_token(&t));
        assert!(!plausible_token("short"));
        assert_ne!(hash_token(&t), t);
        let c = csrf_token(b"key", "ctx");
        assert!(csrf_ok(b"key", "ctx", &c));
        assert!(!csrf_ok(b"key", "other", &c));
        assert!(!csrf_ok(b"other", "ctx", &c));
        assert!(!csrf_ok(b"key", "ctx", "garbage!"));
    }

    #[test]
    fn accepted_charters_match_audience_and_version_exactly() {
        let s = Session {
            token_hash: String::new(),
            account: Account {
                id: 1,
                login: "p".into(),
                display_name: "P".into(),
                role: Role::Parent,
                scopes: Vec::new(),
                disabled: false,
                password_changed_at: 0,
            },
            accepted: vec!["parents:2024-09".into(), "eleves:1".into()],
            valid_until: 0,
            read_at: 0,
        };
        assert!(s.has_accepted("parents", "2024-09"));
        assert!(s.has_accepted("eleves", "1"));
        for (a, v) in [
            ("parents", "2024-0"),
            ("parents", "024-09"),
            ("parent", "s:2024-09"),
            ("parents:", "2024-09"),
            ("eleves", "2"),
            ("personnel", "1"),
            ("", ""),
        ] {
            assert!(!s.has_accepted(a, v), "{a}:{v}");
        }
    }

    #[test]
    fn cookies() {
        let c = set_cookie(true, "session", "abc", None);
        assert!(c.starts_with("__Host-preau_session=abc; Path=/; HttpOnly; SameSite=Lax; Secure"));
        assert!(!set_cookie(false, "session", "abc", None).contains("Secure"));
        for secure in [true, false] {
            assert_eq!(session_cookie_name(secure), cookie_name(secure, "session"));
        }
        assert_eq!(
            read_cookie("a=1; preau_session=xyz; b=2", "preau_session"),
            Some("xyz")
        );
        assert_eq!(read_cookie("a=1", "preau_session"), None);
    }
}
