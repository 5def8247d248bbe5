//! Reading what a browser posts: urlencoded forms, the same-origin check, and `next`
//! targets that must stay on this site.

use crate::paths;
use http::{header, Request};

/// A parsed `application/x-www-form-urlencoded` body (at most 20 fields are read).
pub struct Form(Vec<(String, String)>);

impl Form {
    pub fn parse(body: &[u8]) -> Form {
        Form(form_urlencoded::parse(body).into_owned().take(20).collect())
    }

    /// The text fields of a `multipart/form-data` body, read like a urlencoded one (the
    /// first 20 are kept).
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Form {
        Form(pairs.into_iter().take(20).collect())
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A `POST` must come from our own pages: when the browser sends `Origin`, it must match.
pub fn same_origin(req: &Request<Vec<u8>>) -> bool {
    let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        return true;
    };
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let bare = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
    !host.is_empty() && bare == host
}

/// A redirect target after sign-in must stay on this site.
pub fn safe_next(raw: &str) -> Option<String> {
    if !raw.starts_with('/') || raw.starts_with("//") || raw.contains('\\') {
        return None;
    }
    paths::normalise(raw).ok().filter(|p| !p.starts_with("//"))
}

/// The `suite` parameter of a query string, if it is a safe target.
pub fn next_from_query(query: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "suite")
        .and_then(|(_, v)| safe_next(&v))
}

/// Does the query string carry `key=value`?
pub fn query_has(query: &str, key: &str, value: &str) -> bool {
    form_urlencoded::parse(query.as_bytes()).any(|(k, v)| k == key && v == value)
}

/// The value of `key` in a query string.
pub fn query_value(query: &str, key: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}
