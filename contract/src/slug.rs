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

/// Lowercase ASCII slug: accents folded, anything else becomes a hyphen.
pub fn slugify(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars().flat_map(fold_accent) {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

fn fold_accent(c: char) -> std::iter::Take<std::array::IntoIter<char, 2>> {
    let (a, b, n) = match c {
        'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => ('a', ' ', 1),
        'À' | 'Á' | 'Â' | 'Ä' | 'Ã' | 'Å' => ('a', ' ', 1),
        'ç' | 'Ç' => ('c', ' ', 1),
        'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => ('e', ' ', 1),
        'î' | 'ï' | 'í' | 'ì' | 'Î' | 'Ï' => ('i', ' ', 1),
        'ô' | 'ö' | 'ó' | 'ò' | 'õ' | 'Ô' | 'Ö' => ('o', ' ', 1),
        'ù' | 'û' | 'ü' | 'ú' | 'Ù' | 'Û' | 'Ü' => ('u', ' ', 1),
        'ÿ' | 'Ÿ' => ('y', ' ', 1),
        'ñ' | 'Ñ' => ('n', ' ', 1),
        'œ' | 'Œ' => ('o', 'e', 2),
        'æ' | 'Æ' => ('a', 'e', 2),
        'ß' => ('s', 's', 2),
        other => (other, ' ', 1),
    };
    [a, b].into_iter().take(n)
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

    #[test]
    fn slugify_folds_accents_and_drops_the_rest() {
        assert_eq!(slugify("Vie de classe"), "vie-de-classe");
        assert_eq!(slugify("Éducation  physique !"), "education-physique");
        assert_eq!(slugify("Cœur"), "coeur");
        assert_eq!(slugify("../../etc/passwd"), "etc-passwd");
        assert_eq!(slugify("/\u{0}x"), "x");
        assert_eq!(slugify("раз"), "");
    }
}
