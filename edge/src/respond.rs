//! Building answers: pages from shells, redirects, files, and the headers every answer
//! carries. Handlers say what to answer; this module says how it goes on the wire.

use crate::site::SiteData;
use http::{header, HeaderValue, Response, StatusCode};
use preau_contract::access::{compressible, FileMeta};
use preau_contract::headers::{HSTS, IMMUTABLE, SECURITY_HEADERS, THEME_PLAIN};
use preau_contract::html::SafeHtml;
use preau_contract::shell::{Shell, ShellName, Slot};
use preau_contract::text::Text;

pub type Resp = Response<Vec<u8>>;

/// A page from one of the theme's shells, never cached.
pub fn page(
    site: &SiteData,
    status: StatusCode,
    shell: ShellName,
    title: &str,
    slots: &[(Slot, &SafeHtml)],
) -> Resp {
    let title = SafeHtml::text(title);
    let mut values: Vec<(Slot, &SafeHtml)> = Vec::with_capacity(slots.len() + 1);
    values.push((Slot::Title, &title));
    values.extend_from_slice(slots);
    let body = match site.shells.get(&shell) {
        Some(s) => s.fill(&values),
        None => fallback_shell().fill(&values),
    };
    let mut r = html(status, body.into_bytes());
    private(&mut r);
    r
}

/// Used only if the site has no shell of that name (checked at build; a damaged upload).
fn fallback_shell() -> Shell {
    Shell::parse(
        "<!DOCTYPE html><html lang=\"fr\"><title>@@TITLE@@</title><h1>@@TITLE@@</h1><p>@@MESSAGE@@</p>@@ERROR@@</html>",
    )
}

/// A short message page: a title and one sentence.
pub fn message(site: &SiteData, status: StatusCode, title: Text, text: Text) -> Resp {
    let text = SafeHtml::text(site.t(text));
    page(
        site,
        status,
        ShellName::Message,
        site.t(title),
        &[(Slot::Message, &text)],
    )
}

/// A message page whose title is its sentence.
pub fn notice(site: &SiteData, status: StatusCode, text: Text) -> Resp {
    message(site, status, text, text)
}

/// An error paragraph for a form (`ERROR` slot).
pub fn form_error(text: &str) -> SafeHtml {
    let mut h = SafeHtml::trusted("<p class=\"error\" role=\"alert\">");
    h.push_text(text);
    h.push_markup("</p>");
    h
}

/// Headers an answer usually ends with.
const ANSWER_HEADERS: usize = 16;

pub fn html(status: StatusCode, body: Vec<u8>) -> Resp {
    let mut r = Response::new(body);
    *r.headers_mut() = http::HeaderMap::with_capacity(ANSWER_HEADERS);
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}

pub fn private(r: &mut Resp) {
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
}

pub fn redirect(status: StatusCode, to: &str) -> Resp {
    let mut r = Response::new(Vec::new());
    *r.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    private(&mut r);
    r
}

/// `303 See Other` to `to` with `?suite=<next>`.
pub fn redirect_with_next(to: &str, next: &str) -> Resp {
    redirect(
        StatusCode::SEE_OTHER,
        &format!("{to}?suite={}", crate::paths::encode_for_query(next)),
    )
}

pub fn method_not_allowed(site: &SiteData, allow: &str) -> Resp {
    let mut r = notice(site, StatusCode::METHOD_NOT_ALLOWED, Text::MethodNotAllowed);
    if let Ok(v) = HeaderValue::from_str(allow) {
        r.headers_mut().insert(header::ALLOW, v);
    }
    r
}

pub fn append_cookie(r: &mut Resp, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// Tells the adapter that the body is the built file `path`, byte for byte, and that
/// the build wrote a `.br` copy of it (sent by `preau serve`, which makes gzip itself;
/// the Worker ignores it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Precompressed {
    pub path: String,
}

/// On a `304 Not Modified`: the length of the body the full answer would have had, so
/// that the adapter gives the `304` the entity tag of the coding it would have used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FullLength(pub usize);

/// A file of the built site. `meta` (what the build knows of the bytes) when the body is
/// the file as built: it gives the `ETag` and `Last-Modified`.
/// Longer content hashes than this are cut in the entity tag (the build writes 32 hex
/// digits; a tag only has to change with the bytes).
const ETAG_HASH_MAX: usize = 64;

pub fn file(path: &str, body: Vec<u8>, public: bool, meta: Option<&FileMeta>) -> Resp {
    let mut r = Response::new(body);
    // Room for every header it will carry (its own, the security headers, the
    // adapter's), so the map is not grown three times on the way.
    *r.headers_mut() = http::HeaderMap::with_capacity(ANSWER_HEADERS);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(path)),
    );
    let cache = if public {
        if meta.is_some_and(|m| m.immutable) {
            IMMUTABLE
        } else if path.starts_with("theme/") {
            THEME_PLAIN
        } else {
            "public, max-age=300"
        }
    } else {
        // Kept by the reader's own browser only, and asked again each time: the gate runs
        // before every answer, and a `304` only follows a passed gate.
        "private, no-cache"
    };
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if compressible(path) {
        r.headers_mut()
            .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    if let Some(m) = meta {
        // Quoted on the stack: the header value is the only allocation.
        let mut tag = [b'"'; 2 + ETAG_HASH_MAX];
        let n = m.hash.len().min(ETAG_HASH_MAX);
        tag[1..=n].copy_from_slice(&m.hash.as_bytes()[..n]);
        if let Ok(v) = HeaderValue::from_bytes(&tag[..n + 2]) {
            r.headers_mut().insert(header::ETAG, v);
        }
        if let Some(v) = last_modified(m.modified) {
            r.headers_mut().insert(header::LAST_MODIFIED, v);
        }
        if m.compressed {
            r.extensions_mut().insert(Precompressed {
                path: path.to_string(),
            });
        }
    }
    r
}

/// The `Last-Modified` value of a time, written once per thread and time: a site has
/// few distinct build times, and the date is on every answer of a built file.
fn last_modified(secs: i64) -> Option<HeaderValue> {
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        static DATES: RefCell<HashMap<i64, HeaderValue>> = RefCell::new(HashMap::new());
    }
    DATES.with(|d| {
        let mut d = d.borrow_mut();
        if let Some(v) = d.get(&secs) {
            return Some(v.clone());
        }
        let v = crate::conditional::http_date_value(secs)?;
        if d.len() >= 4096 {
            d.clear();
        }
        d.insert(secs, v.clone());
        Some(v)
    })
}

pub fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, e)| e) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("xml") => "application/xml; charset=utf-8",
        Some("json") => "application/json",
        Some("txt") => "text/plain; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        Some("gif") => "image/gif",
        Some("pdf") => "application/pdf",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    }
}

/// Headers on every response; HSTS only where the connection is HTTPS.
pub fn security_headers(r: &mut Resp, https: bool) {
    // Names parsed once: every answer carries them.
    static PARSED: std::sync::OnceLock<Vec<(header::HeaderName, HeaderValue)>> =
        std::sync::OnceLock::new();
    let parsed = PARSED.get_or_init(|| {
        SECURITY_HEADERS
            .iter()
            .map(|(n, v)| {
                (
                    header::HeaderName::from_static(n),
                    HeaderValue::from_static(v),
                )
            })
            .collect()
    });
    let h = r.headers_mut();
    for (name, value) in parsed {
        // A stricter policy set by the handler (uploaded files) stays.
        if name == header::CONTENT_SECURITY_POLICY && h.contains_key(name) {
            continue;
        }
        h.insert(name.clone(), value.clone());
    }
    if https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
}

/// A confirmation paragraph (`NOTICE` slot).
pub fn form_notice(text: &str) -> SafeHtml {
    let mut h = SafeHtml::trusted("<p class=\"notice\" role=\"status\">");
    h.push_text(text);
    h.push_markup("</p>");
    h
}
