//! Passwords: the policy (length, common and weak passwords) and Argon2id hashing with
//! parameters that fit both a small server and a Cloudflare Worker on the paid plan.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

pub const MIN_LEN: usize = 12;
pub const MAX_LEN: usize = 128;

/// OWASP's Argon2id floor: 19 MiB, 2 passes, 1 lane.
pub const ARGON2_M_KIB: u32 = 19 * 1024;
pub const ARGON2_T: u32 = 2;
pub const ARGON2_P: u32 = 1;

/// Why a new password is refused (French, shown to the user or the IT team).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("le mot de passe doit contenir au moins {MIN_LEN} caractères")]
    TooShort,
    #[error("le mot de passe ne doit pas dépasser {MAX_LEN} caractères")]
    TooLong,
    #[error(
        "ce mot de passe fait partie des plus courants ; choisissez une phrase de plusieurs mots"
    )]
    Common,
    #[error("ce mot de passe est trop facile à deviner ; ajoutez des mots ou évitez les suites et les répétitions")]
    Weak,
    #[error("le mot de passe ne doit pas contenir l'identifiant")]
    ContainsLogin,
}

/// Passwords people pick most (French and international), checked after lowercasing and
/// removing trailing digits and symbols, so that "Azerty123456!" is caught too.
const COMMON: &[&str] = &[
    "azerty",
    "azertyuiop",
    "qwerty",
    "qwertyuiop",
    "motdepasse",
    "password",
    "passw0rd",
    "soleil",
    "doudou",
    "loulou",
    "chouchou",
    "marseille",
    "paris",
    "jetaime",
    "bonjour",
    "coucou",
    "nicolas",
    "julien",
    "camille",
    "princesse",
    "football",
    "iloveyou",
    "admin",
    "administrateur",
    "welcome",
    "letmein",
    "monkey",
    "dragon",
    "sunshine",
    "abc",
    "abcdef",
    "ecole",
    "ecole2026",
    "maitresse",
    "parent",
    "parents",
    "enfant",
    "famille",
    "preau",
    "bienvenue",
    "alpha",
    "chocolat",
    "vacances",
    "motdepasse123",
    "1234",
    "123456",
    "123456789",
    "1234567890",
    "0000",
    "000000",
    "111111",
    "121212",
    "123123",
    "654321",
    "abcd1234",
    "a1b2c3",
    "aaaaaa",
    "zzzzzz",
    "qazwsx",
    "trustno1",
    "superman",
    "batman",
];

/// Check a new password against the policy. `login` must not appear in it.
pub fn check_policy(password: &str, login: &str, user_inputs: &[&str]) -> Result<(), PolicyError> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Err(PolicyError::TooShort);
    }
    if n > MAX_LEN {
        return Err(PolicyError::TooLong);
    }
    let lower = password.to_lowercase();
    if !login.is_empty() && lower.contains(&login.to_lowercase()) {
        return Err(PolicyError::ContainsLogin);
    }
    let core = lower.trim_end_matches(|c: char| !c.is_alphabetic());
    let core = core.trim_start_matches(|c: char| !c.is_alphabetic());
    if COMMON.contains(&core)
        || COMMON.contains(&lower.as_str())
        || (core.len() < 4
            && lower
                .chars()
                .all(|c| c.is_ascii_digit() || c == core.chars().next().unwrap_or(' ')))
    {
        return Err(PolicyError::Common);
    }
    strength(password, login, user_inputs)
}

#[cfg(feature = "strength")]
fn strength(password: &str, login: &str, user_inputs: &[&str]) -> Result<(), PolicyError> {
    let mut inputs: Vec<&str> = user_inputs.to_vec();
    inputs.push(login);
    inputs.extend(["preau", "ecole", "alpha", "ent"]);
    let estimate = zxcvbn::zxcvbn(password, &inputs);
    if (estimate.score() as u8) < 3 {
        return Err(PolicyError::Weak);
    }
    Ok(())
}

#[cfg(not(feature = "strength"))]
fn strength(password: &str, _login: &str, _user_inputs: &[&str]) -> Result<(), PolicyError> {
    // Without the estimator, refuse at least passwords of one or two distinct characters.
    let distinct: std::collections::BTreeSet<char> = password.chars().collect();
    if distinct.len() < 5 {
        return Err(PolicyError::Weak);
    }
    Ok(())
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(ARGON2_M_KIB, ARGON2_T, ARGON2_P, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hash a password; `salt` must be 16 random bytes.
pub fn hash(password: &str, salt: &[u8; 16]) -> Result<String, String> {
    let salt = SaltString::encode_b64(salt).map_err(|e| e.to_string())?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Constant-time verification of a password against a stored PHC string.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash of no one's password, verified when the login is unknown so that an unknown
/// login and a wrong password take the same time.
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$cHJlYXVkdW1teXNhbHQ$3SpNm+OE0fkPYNYVzGXaIxxUJEMbmU8ScLOy6OUB+6o";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_refuses_short_common_and_weak() {
        assert_eq!(check_policy("court", "x", &[]), Err(PolicyError::TooShort));
        assert_eq!(
            check_policy("Azerty123456!", "x", &[]),
            Err(PolicyError::Common)
        );
        assert_eq!(
            check_policy("motdepasse2026", "x", &[]),
            Err(PolicyError::Common)
        );
        assert_eq!(
            check_policy("marie.dupont-1234", "marie.dupont", &[]),
            Err(PolicyError::ContainsLogin)
        );
        assert!(check_policy(&"a".repeat(200), "x", &[]).is_err());
        assert!(check_policy("aaaaaaaaaaaaaaaa", "x", &[]).is_err());
        assert!(check_policy("girafe-velo-orange-piscine", "x", &[]).is_ok());
        // 64 characters are allowed.
        assert!(check_policy(
            "le petit chat gris dort sur le radiateur de la classe de CE1 !!",
            "x",
            &[]
        )
        .is_ok());
    }

    #[test]
    fn hash_and_verify() {
        let h = hash("girafe-velo-orange-piscine", &[7u8; 16]).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("girafe-velo-orange-piscine", &h));
        assert!(!verify("girafe-velo-orange-piscinE", &h));
        assert!(!verify("x", "not a hash"));
    }

    #[test]
    fn dummy_hash_is_a_valid_hash_that_matches_nothing_useful() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!verify("", DUMMY_HASH));
    }
}
