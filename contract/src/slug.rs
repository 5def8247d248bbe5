//! The one rule for identifiers that appear in URLs and account scopes: school and class
//! folder names, post slugs, `--scope` arguments. Kept in one place so that a folder the
//! generator accepts is always a scope the edge accepts, and the other way round.

/// Longest identifier (a URL segment, a scope part).
pub const MAX_LEN: usize = 64;

/// `a-z`, `0-9` and `-`, not starting or ending with `-`, 1 to 64 characters.
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_LEN
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(is_slug("ce1-a"));
        assert!(is_slug("ecole-jean-moulin"));
        assert!(!is_slug("CE1"));
        assert!(!is_slug("a b"));
        assert!(!is_slug(""));
        assert!(!is_slug("-a"));
        assert!(!is_slug("a-"));
        assert!(!is_slug("é"));
        assert!(is_slug(&"a".repeat(64)));
        assert!(!is_slug(&"a".repeat(65)));
    }
}
