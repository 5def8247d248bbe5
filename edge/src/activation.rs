//! Activation codes of the invitation letters: how a code is made (12 symbols of an
//! alphabet without look-alikes, typed from paper), read back from what a person typed,
//! stored (a SHA-256, never the code), and judged when it comes back to `/activer/`.
//! The SQL is in `store::activation`; the page in `features::activation`; the letters are
//! printed by `preau roster letters`.

use crate::store::Random;
use sha2::{Digest, Sha256};

/// The symbols of a code: digits and capitals without 0/O, 1/I/L (31 symbols).
pub const ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Symbols per code: 31^12 ≈ 2^59.
pub const CODE_LEN: usize = 12;
/// Days a letter's code stays valid unless `--days` says otherwise.
pub const DEFAULT_DAYS: i64 = 60;
/// Longest validity the command line accepts.
pub const MAX_DAYS: i64 = 366;

/// A new code, uniformly drawn (bytes of 248 and more are drawn again, so that each
/// symbol has the same chance).
pub fn new_code<R: Random + ?Sized>(r: &R) -> String {
    let mut out = String::with_capacity(CODE_LEN);
    let limit = (256 / ALPHABET.len() * ALPHABET.len()) as u8;
    while out.len() < CODE_LEN {
        let mut buf = [0u8; 16];
        r.fill(&mut buf);
        for b in buf {
            if b < limit && out.len() < CODE_LEN {
                out.push(ALPHABET[b as usize % ALPHABET.len()] as char);
            }
        }
    }
    out
}

/// The code as printed: `ABCD-EFGH-JKMN`.
pub fn grouped(code: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// What a person typed, as a code: spaces and dashes dropped, lower case accepted. `None`
/// when it cannot be a code (wrong length, a symbol outside the alphabet), which needs no
/// look-up.
pub fn normalise(typed: &str) -> Option<String> {
    let mut out = String::with_capacity(CODE_LEN);
    for c in typed.chars() {
        if c.is_whitespace() || matches!(c, '-' | '‐' | '–' | '.') {
            continue;
        }
        let c = c.to_ascii_uppercase();
        if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) || out.len() >= CODE_LEN {
            return None;
        }
        out.push(c);
    }
    (out.len() == CODE_LEN).then_some(out)
}

/// What the database keeps of a (normalised) code.
pub fn hash(code: &str) -> String {
    let digest = Sha256::digest(format!("preau-activation|{code}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The address printed as a QR code: the site's `/activer/` with the code filled in.
pub fn link(base_url: &str, code: &str) -> String {
    format!(
        "{}{}?code={}",
        base_url.trim_end_matches('/'),
        preau_contract::routes::ACTIVATE,
        grouped(code)
    )
}

/// A code as stored, with the state of its account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCode {
    pub account_id: i64,
    pub login: String,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub account_disabled: bool,
}

/// What a code that came back is worth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// It may set the account's password.
    Valid,
    /// No such code (a typo, or a code replaced by a newer letter).
    Unknown,
    Used,
    Expired,
    /// The account was closed (the pupil left) after the letter.
    Disabled,
}

/// Judge a code found (or not) at `now`. A used code says so even once expired: the person
/// has a password already.
pub fn verdict(found: Option<&StoredCode>, now: i64) -> Verdict {
    match found {
        None => Verdict::Unknown,
        Some(c) if c.used_at.is_some() => Verdict::Used,
        Some(c) if c.account_disabled => Verdict::Disabled,
        Some(c) if now >= c.expires_at => Verdict::Expired,
        Some(_) => Verdict::Valid,
    }
}

/// Is this password hash one that nobody can sign in with yet (accounts from the roster
/// before activation: see `roster::unusable_hash`)?
pub fn never_activated(password_hash: &str) -> bool {
    password_hash.starts_with('!')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    /// xorshift64: a reproducible stream of bytes.
    struct Xorshift(Cell<u64>);
    impl Random for Xorshift {
        fn fill(&self, buf: &mut [u8]) {
            for b in buf {
                let mut x = self.0.get();
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                self.0.set(x);
                *b = (x >> 32) as u8;
            }
        }
    }

    #[test]
    fn alphabet_has_no_look_alikes() {
        for c in b"01OIL" {
            assert!(!ALPHABET.contains(c), "{}", *c as char);
        }
        let mut sorted = ALPHABET.to_vec();
        sorted.dedup();
        assert_eq!(sorted.len(), 31);
    }

    #[test]
    fn codes_are_drawn_evenly_from_the_alphabet() {
        let r = Xorshift(Cell::new(0x1234_5678_9abc_def0));
        let mut counts = [0usize; 31];
        for _ in 0..2000 {
            let code = new_code(&r);
            assert_eq!(code.len(), CODE_LEN);
            assert_eq!(normalise(&code).as_deref(), Some(code.as_str()));
            for c in code.bytes() {
                counts[ALPHABET.iter().position(|a| *a == c).expect("in alphabet")] += 1;
            }
        }
        // 24,000 symbols: about 774 each; a modulo bias would show as 8 symbols at +3 %.
        assert!(counts.iter().all(|n| (680..=870).contains(n)), "{counts:?}");
    }

    #[test]
    fn typed_codes_are_read_generously_but_strictly() {
        assert_eq!(
            normalise(" abcd-efgh jkmn ").as_deref(),
            Some("ABCDEFGHJKMN")
        );
        assert_eq!(normalise("ABCD–EFGH–JKMN").as_deref(), Some("ABCDEFGHJKMN"));
        assert_eq!(normalise("ABCD-EFGH-JKM"), None);
        assert_eq!(normalise("ABCD-EFGH-JKMNP"), None);
        assert_eq!(normalise("ABCD-EFGH-JKM0"), None, "0 is not a symbol");
        assert_eq!(normalise("ABCD-EFGH-JKMÉ"), None);
        assert_eq!(normalise("' OR 1=1 --"), None);
        assert_eq!(normalise(""), None);
        assert_eq!(grouped("ABCDEFGHJKMN"), "ABCD-EFGH-JKMN");
    }

    #[test]
    fn hashes_and_links() {
        assert_eq!(hash("ABCDEFGHJKMN").len(), 64);
        assert_ne!(hash("ABCDEFGHJKMN"), hash("ABCDEFGHJKMP"));
        assert_eq!(
            link("https://ent.alpha.example/", "ABCDEFGHJKMN"),
            "https://ent.alpha.example/activer/?code=ABCD-EFGH-JKMN"
        );
    }

    #[test]
    fn verdicts() {
        let c = StoredCode {
            account_id: 1,
            login: "lea.martin".into(),
            expires_at: 100,
            used_at: None,
            account_disabled: false,
        };
        assert_eq!(verdict(None, 0), Verdict::Unknown);
        assert_eq!(verdict(Some(&c), 99), Verdict::Valid);
        assert_eq!(verdict(Some(&c), 100), Verdict::Expired);
        let used = StoredCode {
            used_at: Some(50),
            ..c.clone()
        };
        assert_eq!(verdict(Some(&used), 200), Verdict::Used);
        let closed = StoredCode {
            account_disabled: true,
            ..c
        };
        assert_eq!(verdict(Some(&closed), 10), Verdict::Disabled);
        assert!(never_activated("!onde-00ff"));
        assert!(!never_activated("$argon2id$v=19$..."));
    }
}
