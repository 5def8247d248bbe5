//! Serving uploaded files (`/medias/…`) from the blob store, through the same guard as the
//! pages: public media to anyone, the others only to members of their scope who accepted
//! the charter. The type comes from the detected content; PDFs download in a sandbox;
//! range requests are answered from the store without reading the whole file.

use super::serving::not_found;
use crate::app::{Ctx, Edge, Handled};
use crate::guard;
use crate::respond;
use crate::store::{self, Platform, StreamedBlob};
use http::{header, HeaderValue, Response, StatusCode};
use preau_contract::media::{MediaKind, MediaRef};

/// Media are never run or framed, even when opened on their own.
const MEDIA_CSP: &str = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox";

pub(super) async fn get<P: Platform>(edge: &Edge<P>, cx: &Ctx<'_>) -> Handled {
    let Some(media) = MediaRef::parse(cx.path) else {
        return Ok(not_found(edge, cx).await?);
    };
    let access = media.scope.access();
    if !access.is_public() {
        guard::member(edge, cx, &access).await?;
    }
    let row = store::uploads::find(&edge.platform, &media.scope.as_path(), &media.hash).await?;
    let matches = row.as_ref().is_some_and(|r| {
        r.kind == media.kind.ext()
            && media.size.map(|(w, h)| (i64::from(w), i64::from(h))) == r.width.zip(r.height)
    });
    let Some(row) = row.filter(|_| matches) else {
        return Ok(not_found(edge, cx).await?);
    };
    let mut r = body(edge, cx, &media).await?;
    set(&mut r, header::CONTENT_TYPE, media.kind.mime());
    set(&mut r, header::ACCEPT_RANGES, "bytes");
    set(&mut r, header::CONTENT_SECURITY_POLICY, MEDIA_CSP);
    set(&mut r, header::ETAG, &format!("\"{}\"", media.blob_key()));
    let cache = if access.is_public() {
        "public, max-age=31536000, immutable"
    } else {
        "private, max-age=3600"
    };
    set(&mut r, header::CACHE_CONTROL, cache);
    if media.kind == MediaKind::Pdf {
        let disposition = attachment(&row.original_name);
        set(&mut r, header::CONTENT_DISPOSITION, &disposition);
    }
    Ok(r)
}

/// The file, or the part the `Range` header asks for, read here or left to the adapter.
async fn body<P: Platform>(edge: &Edge<P>, cx: &Ctx<'_>, media: &MediaRef) -> Handled {
    let range = cx
        .req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_range);
    let key = media.blob_key();
    let Some(total) = edge.platform.blob_size(&key).await? else {
        edge.platform
            .error(&format!("media sans fichier : {}", media.url()));
        return Ok(not_found(edge, cx).await?);
    };
    let Some((start, end)) = resolve(range, total) else {
        let mut r = Response::new(Vec::new());
        *r.status_mut() = StatusCode::RANGE_NOT_SATISFIABLE;
        set(&mut r, header::CONTENT_RANGE, &format!("bytes */{total}"));
        return Ok(r);
    };
    let len = end + 1 - start;
    let mut r = if edge.platform.streams() {
        let mut r = Response::new(Vec::new());
        r.extensions_mut().insert(StreamedBlob { key, start, len });
        r
    } else {
        let blob = edge
            .platform
            .get_blob(&key, Some((start, Some(end))))
            .await?;
        Response::new(blob.map(|b| b.bytes).unwrap_or_default())
    };
    set(&mut r, header::CONTENT_LENGTH, &len.to_string());
    if range.is_some() && len < total {
        *r.status_mut() = StatusCode::PARTIAL_CONTENT;
        set(
            &mut r,
            header::CONTENT_RANGE,
            &format!("bytes {start}-{end}/{total}"),
        );
    }
    Ok(r)
}

fn set(r: &mut respond::Resp, name: header::HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().insert(name, v);
    }
}

/// What RFC 8187 lets through unencoded in `filename*` (its `attr-char`).
const ATTR_CHAR: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `attachment; filename="…"; filename*=UTF-8''…` with the cleaned original name.
fn attachment(name: &str) -> String {
    let stem = name.strip_suffix(".pdf").unwrap_or(name);
    let ascii: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ' ' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String =
        percent_encoding::utf8_percent_encode(&format!("{stem}.pdf"), ATTR_CHAR).collect();
    format!(
        "attachment; filename=\"{}.pdf\"; filename*=UTF-8''{encoded}",
        ascii.trim()
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RangeSpec {
    From(u64, Option<u64>),
    Suffix(u64),
}

/// The first and last byte to send of a file of `total` bytes; `None` when the range asks
/// for nothing that exists (416). No range, or an empty file: all of it.
fn resolve(range: Option<RangeSpec>, total: u64) -> Option<(u64, u64)> {
    let last = total.checked_sub(1);
    match (range, last) {
        (_, None) => Some((0, 0)).filter(|_| range.is_none()),
        (None, Some(last)) => Some((0, last)),
        (Some(RangeSpec::From(s, e)), Some(last)) => {
            (s <= last).then(|| (s, e.unwrap_or(last).min(last)))
        }
        (Some(RangeSpec::Suffix(n)), Some(last)) => Some((total.saturating_sub(n), last)),
    }
}

/// One `bytes=` range (several ranges are answered with the whole file).
fn parse_range(h: &str) -> Option<RangeSpec> {
    let spec = h.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    match (a.trim(), b.trim()) {
        ("", n) => n.parse().ok().filter(|n| *n > 0).map(RangeSpec::Suffix),
        (s, "") => s.parse().ok().map(|s| RangeSpec::From(s, None)),
        (s, e) => {
            let (s, e): (u64, u64) = (s.parse().ok()?, e.parse().ok()?);
            (e >= s).then_some(RangeSpec::From(s, Some(e)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(
            parse_range("bytes=0-99"),
            Some(RangeSpec::From(0, Some(99)))
        );
        assert_eq!(parse_range("bytes=100-"), Some(RangeSpec::From(100, None)));
        assert_eq!(parse_range("bytes=-5"), Some(RangeSpec::Suffix(5)));
        assert_eq!(parse_range("bytes=5-1"), None);
        assert_eq!(parse_range("bytes=0-1,5-6"), None);
        assert_eq!(parse_range("items=0-1"), None);
    }

    #[test]
    fn ranges_resolve_against_the_size() {
        assert_eq!(resolve(None, 10), Some((0, 9)));
        assert_eq!(resolve(Some(RangeSpec::From(2, Some(4))), 10), Some((2, 4)));
        assert_eq!(
            resolve(Some(RangeSpec::From(8, Some(40))), 10),
            Some((8, 9))
        );
        assert_eq!(resolve(Some(RangeSpec::From(10, None)), 10), None);
        assert_eq!(resolve(Some(RangeSpec::Suffix(3)), 10), Some((7, 9)));
        assert_eq!(resolve(Some(RangeSpec::Suffix(30)), 10), Some((0, 9)));
    }

    #[test]
    fn attachment_names_are_safe() {
        let a = attachment("Sortie \"scolaire\"\r\n.pdf");
        assert!(
            a.starts_with("attachment; filename=\"Sortie _scolaire___.pdf\""),
            "{a}"
        );
        assert!(!a.contains('\n'));
    }
}
