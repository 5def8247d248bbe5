//! Reading a `multipart/form-data` body in place: parts are slices of the request body,
//! never copies, because the Worker has 128 MB for the body, the decoded photo and its
//! smaller versions together. Hostile input (no boundary, truncated parts, endless
//! headers) is an error, never a panic.

use memchr::memmem;

/// One part of the form.
#[derive(Debug, PartialEq, Eq)]
pub struct Part<'a> {
    pub name: String,
    /// The file name the browser sent (untrusted: for display only, after cleaning).
    pub file_name: Option<String>,
    pub data: &'a [u8],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MultipartError {
    NoBoundary,
    Malformed,
    TooManyParts,
}

/// The boundary of a `Content-Type: multipart/form-data; boundary=…` header.
pub fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        if !k.trim().eq_ignore_ascii_case("boundary") {
            return None;
        }
        let v = v.trim().trim_matches('"');
        (!v.is_empty() && v.len() <= 70).then(|| v.to_string())
    })
}

/// Split `body` into its parts (at most `max_parts`).
pub fn parse<'a>(
    body: &'a [u8],
    boundary: &str,
    max_parts: usize,
) -> Result<Vec<Part<'a>>, MultipartError> {
    if boundary.is_empty() {
        return Err(MultipartError::NoBoundary);
    }
    let dash = format!("--{boundary}");
    let delimiter = format!("\r\n--{boundary}");
    let finder = memmem::Finder::new(delimiter.as_bytes());
    // The first boundary may start the body or follow a preamble.
    let mut pos = if body.starts_with(dash.as_bytes()) {
        dash.len()
    } else {
        finder.find(body).ok_or(MultipartError::Malformed)? + delimiter.len()
    };
    let mut parts = Vec::new();
    loop {
        let rest = body.get(pos..).ok_or(MultipartError::Malformed)?;
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        let rest = rest
            .strip_prefix(b"\r\n")
            .ok_or(MultipartError::Malformed)?;
        let start = body.len() - rest.len();
        let head_len = memmem::find(rest, b"\r\n\r\n").ok_or(MultipartError::Malformed)?;
        if head_len > 8 * 1024 {
            return Err(MultipartError::Malformed);
        }
        let head = std::str::from_utf8(&rest[..head_len]).map_err(|_| MultipartError::Malformed)?;
        let data_start = start + head_len + 4;
        let data_len = finder
            .find(&body[data_start..])
            .ok_or(MultipartError::Malformed)?;
        if parts.len() == max_parts {
            return Err(MultipartError::TooManyParts);
        }
        let (name, file_name) = disposition(head).ok_or(MultipartError::Malformed)?;
        parts.push(Part {
            name,
            file_name,
            data: &body[data_start..data_start + data_len],
        });
        pos = data_start + data_len + delimiter.len();
    }
}

/// `name` and `filename` of a part's `Content-Disposition: form-data` header.
fn disposition(head: &str) -> Option<(String, Option<String>)> {
    let line = head.split("\r\n").find(|l| {
        l.split(':')
            .next()
            .is_some_and(|k| k.trim().eq_ignore_ascii_case("content-disposition"))
    })?;
    let value = line.split_once(':')?.1;
    let mut name = None;
    let mut file_name = None;
    for (k, v) in params(value) {
        match k.to_ascii_lowercase().as_str() {
            "name" => name = Some(v),
            "filename" => file_name = Some(browser_decoded(&v)),
            _ => {}
        }
    }
    Some((name?, file_name))
}

/// Browsers (WHATWG HTML) write `"`, CR and LF of a file name as `%22`, `%0D`, `%0A`, and
/// nothing else; a real `%` in a name is sent as is, so only these three are decoded.
fn browser_decoded(name: &str) -> String {
    name.replace("%22", "\"")
        .replace("%0D", "\r")
        .replace("%0A", "\n")
}

/// `; key=value; key="quoted value"` pairs. Browsers do not escape inside the quotes
/// (a `"` arrives as `%22`), so a backslash is an ordinary character.
fn params(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.next_if(|c| *c == ';' || c.is_whitespace()).is_some() {}
        let key: String =
            std::iter::from_fn(|| chars.next_if(|c| *c != '=' && *c != ';')).collect();
        if key.is_empty() && chars.peek().is_none() {
            return out;
        }
        if chars.next_if_eq(&'=').is_none() {
            continue;
        }
        let mut value = String::new();
        if chars.next_if_eq(&'"').is_some() {
            for c in chars.by_ref() {
                if c == '"' {
                    break;
                }
                value.push(c);
            }
        } else {
            value = std::iter::from_fn(|| chars.next_if(|c| *c != ';')).collect();
        }
        out.push((key.trim().to_string(), value.trim_end().to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: &str = "----x7";

    fn body(parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, file, data) in parts {
            out.extend_from_slice(
                format!("--{B}\r\nContent-Disposition: form-data; name=\"{name}\"").as_bytes(),
            );
            if let Some(f) = file {
                out.extend_from_slice(
                    format!("; filename=\"{f}\"\r\nContent-Type: image/jpeg").as_bytes(),
                );
            }
            out.extend_from_slice(b"\r\n\r\n");
            out.extend_from_slice(data);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(format!("--{B}--\r\n").as_bytes());
        out
    }

    #[test]
    fn parts_are_read_in_place() {
        let b = body(&[
            ("csrf", None, b"tok"),
            (
                "fichiers",
                Some("C:\\ph%22oto%0A.jpg"),
                b"\xff\xd8\r\n--not-it\r\n",
            ),
            ("fichiers", Some("../../etc/passwd"), b""),
        ]);
        let parts = parse(&b, B, 10).unwrap();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0].name, "csrf");
        assert_eq!(parts[0].data, b"tok");
        assert_eq!(parts[1].file_name.as_deref(), Some("C:\\ph\"oto\n.jpg"));
        assert_eq!(parts[1].data, b"\xff\xd8\r\n--not-it\r\n");
        assert_eq!(parts[2].file_name.as_deref(), Some("../../etc/passwd"));
        assert_eq!(
            boundary("multipart/form-data; boundary=\"----x7\""),
            Some(B.into())
        );
        assert_eq!(boundary("application/x-www-form-urlencoded"), None);
    }

    #[test]
    fn hostile_bodies_are_errors() {
        let good = body(&[("a", None, b"1"), ("b", None, b"2")]);
        assert_eq!(parse(&good, B, 1), Err(MultipartError::TooManyParts));
        for cut in 0..good.len() - 4 {
            // Truncated anywhere: an error or fewer parts, never a panic.
            let _ = parse(&good[..cut], B, 10);
        }
        assert!(parse(b"garbage", B, 10).is_err());
        assert!(parse(format!("--{B}\r\nno headers end").as_bytes(), B, 10).is_err());
        assert!(parse(&good, "", 10).is_err());
        let mut x: u64 = 7;
        for _ in 0..2000 {
            let mut b = good.clone();
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            let i = (x >> 33) as usize % b.len();
            b[i] = (x >> 20) as u8;
            let _ = parse(&b, B, 10);
        }
    }
}
