//! Request paths: decode and normalise before any decision, so that `%2e%2e`, `%2f`,
//! backslashes, doubled slashes and dot segments all lead to one canonical path or to a
//! refusal.

pub const MAX_PATH: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathError {
    TooLong,
    BadEncoding,
    Nul,
    EscapesRoot,
}

/// Canonical form of a request path: starts with `/`, no empty or dot segments, keeps a
/// trailing slash if the request had one.
pub fn normalise(raw: &str) -> Result<String, PathError> {
    if raw.len() > MAX_PATH {
        return Err(PathError::TooLong);
    }
    // Most requests name a canonical path already (the site's own links): kept as it is,
    // without decoding and rebuilding it (the same result, tested against the long way).
    if is_canonical(raw) {
        return Ok(raw.to_string());
    }
    normalise_any(raw)
}

/// Starts with `/`, only unreserved characters (nothing to decode, no backslash or control
/// character), and no empty (but a last), `.` or `..` segment.
fn is_canonical(raw: &str) -> bool {
    let Some(rest) = raw.strip_prefix('/') else {
        return false;
    };
    if !raw
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~'))
    {
        return false;
    }
    if rest.is_empty() {
        return true;
    }
    let body = rest.strip_suffix('/').unwrap_or(rest);
    !body.is_empty() && body.split('/').all(|s| !matches!(s, "" | "." | ".."))
}

fn normalise_any(raw: &str) -> Result<String, PathError> {
    let decoded = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| PathError::BadEncoding)?;
    if decoded.contains('\0') {
        return Err(PathError::Nul);
    }
    if decoded.chars().any(|c| c.is_control()) {
        return Err(PathError::BadEncoding);
    }
    let unified = decoded.replace('\\', "/");
    let trailing = unified.ends_with('/') || unified.ends_with("/.") || unified.ends_with("/..");
    let mut parts: Vec<&str> = Vec::new();
    for seg in unified.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(PathError::EscapesRoot);
                }
            }
            s => parts.push(s),
        }
    }
    let mut out = String::with_capacity(unified.len() + 1);
    out.push('/');
    out.push_str(&parts.join("/"));
    if trailing && !parts.is_empty() {
        out.push('/');
    }
    Ok(out)
}

/// Path of the file a canonical URL path names, relative to the output folder.
pub fn file_of(path: &str) -> String {
    let rel = path.trim_start_matches('/');
    if rel.is_empty() || rel.ends_with('/') {
        format!("{rel}index.html")
    } else {
        rel.to_string()
    }
}

/// May the core ask the platform for this file? A relative path of plain segments only:
/// no empty, `.` or `..` segment, no backslash, no control character. Checked once here
/// for both adapters (the manifest is trusted, but a damaged one must not open the disk).
pub fn is_safe_file(path: &str) -> bool {
    !path.is_empty()
        && !path.contains('\\')
        && !path.chars().any(char::is_control)
        && path
            .split('/')
            .all(|s| !s.is_empty() && s != "." && s != "..")
}

/// Percent-encode a path for use in a `Location` header or a form field.
pub fn encode_for_query(path: &str) -> String {
    form_urlencoded::byte_serialize(path.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The short way gives what the long way gives, for every path up to six characters
    /// of an alphabet that has all the cases (and the site's own paths).
    #[test]
    fn canonical_paths_are_kept_as_the_long_way_would_make_them() {
        let alphabet = ['a', '/', '.', '%', '2', 'f', '\\', '~', '-', 'é', '\u{1}'];
        let mut all = vec![String::new()];
        let mut layer = vec![String::new()];
        for _ in 0..6 {
            layer = layer
                .iter()
                .flat_map(|p| alphabet.iter().map(move |c| format!("{p}{c}")))
                .collect();
            all.extend(layer.iter().cloned());
        }
        all.extend(
            [
                "/ecoles/ecole-jean-moulin/classes/ce1-a/sortie-a-la-ferme/",
                "/theme/style.3f2a.css",
                "/a/b.c/~d",
            ]
            .map(String::from),
        );
        let mut kept = 0;
        for p in &all {
            if is_canonical(p) {
                kept += 1;
                assert_eq!(normalise_any(p).as_deref(), Ok(p.as_str()), "{p:?}");
            }
            assert_eq!(normalise(p), normalise_any(p), "{p:?}");
        }
        assert!(kept > 1000, "{kept}");
    }

    #[test]
    fn only_plain_relative_files_reach_the_platform() {
        assert!(is_safe_file("ecoles/a/index.html"));
        assert!(is_safe_file("_preau/manifest.json"));
        for bad in [
            "",
            "/etc/passwd",
            "a//b",
            "a/../b",
            "./a",
            "a/.",
            "a\\b",
            "a/\0b",
            "a/",
        ] {
            assert!(!is_safe_file(bad), "{bad:?}");
        }
    }

    #[test]
    fn normalises_every_variant_to_one_path() {
        let want = "/ecoles/a/classes/b/";
        for raw in [
            "/ecoles/a/classes/b/",
            "//ecoles//a/classes/b/",
            "/ecoles/a/./classes/b/",
            "/ecoles/x/../a/classes/b/",
            "/ecoles%2fa%2fclasses%2Fb/",
            "/ecoles/a/classes/%62/",
            "\\ecoles\\a\\classes\\b\\",
            "/ecoles/a/classes/b/x/%2e%2e/",
        ] {
            assert_eq!(normalise(raw).as_deref(), Ok(want), "{raw}");
        }
    }

    #[test]
    fn refuses_what_cannot_be_normalised() {
        assert_eq!(normalise("/../etc/passwd"), Err(PathError::EscapesRoot));
        assert_eq!(
            normalise("/%2e%2e/%2e%2e/etc/passwd"),
            Err(PathError::EscapesRoot)
        );
        assert_eq!(normalise("/a%00.html"), Err(PathError::Nul));
        assert_eq!(normalise("/a%ff"), Err(PathError::BadEncoding));
        assert_eq!(
            normalise(&format!("/{}", "a/".repeat(600))),
            Err(PathError::TooLong)
        );
    }

    #[test]
    fn maps_paths_to_files() {
        assert_eq!(file_of("/"), "index.html");
        assert_eq!(file_of("/a/"), "a/index.html");
        assert_eq!(file_of("/a/b.svg"), "a/b.svg");
    }
}
