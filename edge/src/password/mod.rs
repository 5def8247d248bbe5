//! Passwords: the policy (length, login and name, common and weak passwords) and Argon2id
//! hashing with parameters that fit both a small server and a Cloudflare Worker on the
//! paid plan.
//!
//! The policy is the same code on every target (no feature flag, no float, no hash map,
//! no clock; Unicode case and letter tables are std's, so build both with one toolchain),
//! so the native server and the Worker give the same verdict for every password. zxcvbn
//! was measured for the Worker and left out: it adds about 2.1 MB raw and 0.8 MB gzip to
//! the wasm (regex, fancy-regex and its 30,000-word dictionaries); this policy adds
//! about 33 KB raw, 16 KB gzip.
//! In its place the policy estimates an *effective length*: the number of characters once
//! every predictable chunk (repetition, alphabetical or numeric sequence, keyboard walk,
//! repeat of an earlier part, year or date, common password) is counted as
//! [`PATTERN_COST`] characters, however long it is.

mod patterns;
#[cfg(test)]
mod tests;
mod text;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use patterns::*;
use text::*;

pub const MIN_LEN: usize = 12;
pub const MAX_LEN: usize = 128;

/// Fewer distinct characters than this (after lowercasing and removing accents) is weak.
pub const MIN_DISTINCT: usize = 5;
/// The effective length a password needs, once its predictable chunks are discounted.
/// A 12-character password passes with one 4-character sequence in it (12 - 4 + 2).
pub const MIN_EFFECTIVE: usize = 10;
/// What one predictable chunk counts for in the effective length.
pub const PATTERN_COST: usize = 2;
/// Parts of the user's name this long or longer may not appear in the password.
pub const MIN_NAME_PART: usize = 3;
/// Parts of the login ("marie" in "marie.dupont") this long or longer may not appear
/// either; the whole login may never, whatever its length.
pub const MIN_LOGIN_PART: usize = 4;

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
    /// The login, a part of it, or a part of the account holder's names (`user_inputs`):
    /// the edge's page says "ni votre identifiant ni votre nom" (theme strings).
    #[error("le mot de passe ne doit pas contenir l'identifiant")]
    ContainsLogin,
}

/// Check a new password against the policy, in this order: length ([`MIN_LEN`] to
/// [`MAX_LEN`] characters), the login or its parts, a part of `user_inputs` (the account
/// holder's names) of [`MIN_NAME_PART`] letters or more, the common passwords, then
/// [`MIN_DISTINCT`] distinct characters and an effective length of [`MIN_EFFECTIVE`].
pub fn check_policy(password: &str, login: &str, user_inputs: &[&str]) -> Result<(), PolicyError> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Err(PolicyError::TooShort);
    }
    if n > MAX_LEN {
        return Err(PolicyError::TooLong);
    }
    let folded = fold(password);
    if contains_login(&folded, login) || contains_name(&folded, user_inputs) {
        return Err(PolicyError::ContainsLogin);
    }
    if is_common(&folded) {
        return Err(PolicyError::Common);
    }
    let mut distinct = folded.clone();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < MIN_DISTINCT || effective_len(&folded) < MIN_EFFECTIVE {
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
