//! Content negotiation and revalidation, the same on both deployments: which coding a
//! client accepts (`Accept-Encoding` with q-values), entity tags (`ETag`, `If-None-Match`,
//! weak comparison as RFC 9110 asks, so that the `W/` a compressing proxy adds still
//! matches) and HTTP dates (`Last-Modified`, `If-Modified-Since`). No compression here: the
//! native adapter sends the build's `.br` copies or compresses; Cloudflare compresses
//! Worker answers itself.

use http::{header, HeaderMap, HeaderValue, StatusCode};
use time::OffsetDateTime;

/// A content coding the server can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Br,
    Gzip,
}

impl Coding {
    pub fn token(self) -> &'static str {
        match self {
            Coding::Br => "br",
            Coding::Gzip => "gzip",
        }
    }
    /// Extension of the build's copy, and suffix of the entity tag of that coding.
    pub fn suffix(self) -> &'static str {
        match self {
            Coding::Br => "br",
            Coding::Gzip => "gz",
        }
    }
}

/// The best of `offered` (in the server's order of preference) that `accept` allows;
/// `None`: send the identity bytes. A coding with `q=0` is refused, `*` stands for any
/// coding not named; the highest q wins, ties go to the server's order.
pub fn choose(accept: Option<&str>, offered: &[Coding]) -> Option<Coding> {
    let accept = accept?;
    let mut star: Option<f32> = None;
    let mut named: Vec<(String, f32)> = Vec::new();
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let token = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        if token.is_empty() {
            continue;
        }
        let mut q = 1.0f32;
        for p in parts {
            if let Some((k, v)) = p.split_once('=') {
                if k.trim().eq_ignore_ascii_case("q") {
                    q = v.trim().parse::<f32>().unwrap_or(0.0).clamp(0.0, 1.0);
                }
            }
        }
        if token == "*" {
            star = Some(q);
        } else {
            named.push((token, q));
        }
    }
    let q_of = |c: Coding| -> f32 {
        let token = c.token();
        named
            .iter()
            .find(|(t, _)| t == token || (c == Coding::Gzip && t == "x-gzip"))
            .map(|(_, q)| *q)
            .or(star)
            .unwrap_or(0.0)
    };
    let mut best: Option<(Coding, f32)> = None;
    for &c in offered {
        let q = q_of(c);
        if q > 0.0 && best.is_none_or(|(_, bq)| q > bq) {
            best = Some((c, q));
        }
    }
    best.map(|(c, _)| c)
}

/// Does `If-None-Match` name this representation? `etag` is quoted (`"abc"`); the
/// client may send it weak (`W/"abc"`) or with a coding suffix (`"abc-br"`, given by the
/// native adapter to its compressed copies), which name the same bytes once decoded.
pub fn none_match(headers: &HeaderMap, etag: &str) -> bool {
    let bare = etag.trim_matches('"');
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| {
            if tag == "*" {
                return true;
            }
            let tag = tag.strip_prefix("W/").unwrap_or(tag).trim_matches('"');
            tag == bare
                || [Coding::Br, Coding::Gzip].iter().any(|c| {
                    tag.strip_suffix(c.suffix())
                        .and_then(|t| t.strip_suffix('-'))
                        == Some(bare)
                })
        })
}

/// Was the file unchanged since the client's `If-Modified-Since`? Only asked when the
/// request has no `If-None-Match` (the entity tag is the better validator).
pub fn not_modified_since(headers: &HeaderMap, modified: i64) -> bool {
    if headers.contains_key(header::IF_NONE_MATCH) {
        return false;
    }
    headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_http_date)
        .is_some_and(|since| modified <= since)
}

/// The answer to a matching conditional request: no body, the validators and cache
/// headers of the full answer.
pub fn not_modified(full: &http::response::Parts) -> crate::respond::Resp {
    let mut r = http::Response::new(Vec::new());
    *r.status_mut() = StatusCode::NOT_MODIFIED;
    for name in [
        header::ETAG,
        header::LAST_MODIFIED,
        header::CACHE_CONTROL,
        header::VARY,
        header::CONTENT_LOCATION,
    ] {
        if let Some(v) = full.headers.get(&name) {
            r.headers_mut().insert(name, v.clone());
        }
    }
    r
}

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `Sun, 06 Nov 1994 08:49:37 GMT` (IMF-fixdate) of Unix seconds.
pub fn http_date(secs: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[t.weekday().number_days_from_monday() as usize],
        t.day(),
        MONTHS[u8::from(t.month()) as usize - 1],
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

pub fn http_date_value(secs: i64) -> Option<HeaderValue> {
    HeaderValue::from_str(&http_date(secs)).ok()
}

/// Unix seconds of an IMF-fixdate (the only form current clients send); `None` otherwise.
pub fn parse_http_date(s: &str) -> Option<i64> {
    let s = s.trim();
    let (_, rest) = s.split_once(", ")?;
    let mut it = rest.split(' ');
    let day: u8 = it.next()?.parse().ok()?;
    let month_name = it.next()?;
    let month = MONTHS.iter().position(|m| *m == month_name)? as u8 + 1;
    let year: i32 = it.next()?.parse().ok()?;
    let hms: Vec<u8> = it
        .next()?
        .split(':')
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    if it.next()? != "GMT" || hms.len() != 3 {
        return None;
    }
    let date =
        time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()?;
    let t = date.with_hms(hms[0], hms[1], hms[2]).ok()?;
    Some(t.assume_utc().unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Coding::*;

    #[test]
    fn negotiation() {
        let both = [Br, Gzip];
        assert_eq!(choose(Some("gzip, deflate, br"), &both), Some(Br));
        assert_eq!(choose(Some("gzip"), &both), Some(Gzip));
        assert_eq!(choose(Some("br;q=0, gzip"), &both), Some(Gzip));
        assert_eq!(choose(Some("br;q=0.5, gzip;q=0.8"), &both), Some(Gzip));
        assert_eq!(choose(Some("br;q=0, gzip;q=0"), &both), None);
        assert_eq!(choose(Some("identity"), &both), None);
        assert_eq!(choose(Some("*"), &both), Some(Br));
        assert_eq!(choose(Some("*;q=0, gzip"), &both), Some(Gzip));
        assert_eq!(choose(Some("BR"), &both), Some(Br));
        assert_eq!(choose(Some("x-gzip"), &both), Some(Gzip));
        assert_eq!(choose(Some("br;q=abc"), &both), None);
        assert_eq!(choose(None, &both), None);
        assert_eq!(choose(Some("br, gzip"), &[Gzip]), Some(Gzip));
        assert_eq!(choose(Some(""), &both), None);
    }

    #[test]
    fn entity_tags_compare_weakly_and_across_codings() {
        let mut h = HeaderMap::new();
        let tag = "\"abc\"";
        assert!(!none_match(&h, tag));
        for sent in [
            "\"abc\"",
            "W/\"abc\"",
            "\"x\", \"abc-br\"",
            "\"abc-gz\"",
            "*",
        ] {
            h.insert(header::IF_NONE_MATCH, HeaderValue::from_str(sent).unwrap());
            assert!(none_match(&h, tag), "{sent}");
        }
        for sent in ["\"abcd\"", "\"ab\"", "\"abc-zz\"", "\"abc-\"", ""] {
            h.insert(header::IF_NONE_MATCH, HeaderValue::from_str(sent).unwrap());
            assert!(!none_match(&h, tag), "{sent}");
        }
    }

    #[test]
    fn dates() {
        assert_eq!(http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784111777)
        );
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("garbage"), None);
        let mut h = HeaderMap::new();
        h.insert(header::IF_MODIFIED_SINCE, http_date_value(1000).unwrap());
        assert!(not_modified_since(&h, 1000));
        assert!(not_modified_since(&h, 999));
        assert!(!not_modified_since(&h, 1001));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"x\""));
        assert!(!not_modified_since(&h, 999), "the entity tag decides");
    }
}
