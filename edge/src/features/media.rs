//! Serving uploaded files (`/medias/…`) from the blob store, through the same guard as the
//! pages: public media to anyone, the others only to members of their scope who accepted
//! the charter. The type comes from the detected content; PDFs download in a sandbox;
//! range requests are answered from the store without reading the whole file.

use super::serving::not_found;
use crate::app::{Ctx, Edge, Handled};
use crate::guard;
use crate::respond;
use crate::store::{self, Platform};
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
    let range = cx
        .req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_range);
    let wanted = match range {
        Some(RangeSpec::From(start, end)) => Some((start, end)),
        // "The last n bytes" needs the size first: read it all (files are small).
        Some(RangeSpec::Suffix(_)) | None => None,
    };
    let Some(mut blob) = edge.platform.get_blob(&media.blob_key(), wanted).await? else {
        edge.platform
            .error(&format!("media sans fichier : {}", media.url()));
        return Ok(not_found(edge, cx).await?);
    };
    if let Some(RangeSpec::Suffix(n)) = range {
        let start = blob.total.saturating_sub(n);
        blob.bytes = blob.bytes.split_off(start as usize);
        blob.start = start;
    }
    if range.is_some() && (blob.start >= blob.total || blob.bytes.is_empty()) {
        let mut r = Response::new(Vec::new());
        *r.status_mut() = StatusCode::RANGE_NOT_SATISFIABLE;
        set(
            &mut r,
            header::CONTENT_RANGE,
            &format!("bytes */{}", blob.total),
        );
        return Ok(r);
    }
    let partial = range.is_some() && (blob.start > 0 || (blob.bytes.len() as u64) < blob.total);
    let end = blob.start + blob.bytes.len() as u64;
    let content_range = format!(
        "bytes {}-{}/{}",
        blob.start,
        end.saturating_sub(1),
        blob.total
    );
    let mut r = Response::new(blob.bytes);
    if partial {
        *r.status_mut() = StatusCode::PARTIAL_CONTENT;
        set(&mut r, header::CONTENT_RANGE, &content_range);
    }
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
        set(
            &mut r,
            header::CONTENT_DISPOSITION,
            &attachment(&row.original_name),
        );
    }
    Ok(r)
}

fn set(r: &mut respond::Resp, name: header::HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().insert(name, v);
    }
}

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
    let encoded: String = percent_encoding::utf8_percent_encode(
        &format!("{stem}.pdf"),
        percent_encoding::NON_ALPHANUMERIC,
    )
    .collect();
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
    fn attachment_names_are_safe() {
        let a = attachment("Sortie \"scolaire\"\r\n.pdf");
        assert!(
            a.starts_with("attachment; filename=\"Sortie _scolaire___.pdf\""),
            "{a}"
        );
        assert!(!a.contains('\n'));
    }
}
