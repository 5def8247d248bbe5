//! Serving the built site: every path resolves against the access manifest; public files go
//! to anyone, everything else through the guard. A private path that does not exist answers
//! like one that does, so titles cannot be probed.

use super::{comment_view, comments, moderation};
use crate::app::{Ctx, Edge, Handled};
use crate::conditional;
use crate::guard;
use crate::paths;
use crate::respond::{self, Resp};
use crate::site::Resolved;
use crate::store::{Platform, StoreError};
use http::{header, HeaderValue, StatusCode};
use preau_contract::access::Visibility;
use preau_contract::html::SafeHtml;
use preau_contract::shell::{ShellName, Slot};
use preau_contract::text::Text;

pub(super) async fn get<P: Platform>(edge: &Edge<P>, cx: &Ctx<'_>) -> Handled {
    let resolved = cx.site.resolve(cx.path);
    let access = match &resolved {
        Resolved::File { access, .. }
        | Resolved::Redirect { access, .. }
        | Resolved::Missing { access } => access,
    };
    if access.visibility == Visibility::Internal {
        return Ok(Box::pin(not_found(edge, cx)).await?);
    }
    let session = if access.is_public() {
        None
    } else {
        Some(guard::member(edge, cx, access).await?)
    };
    match &resolved {
        Resolved::File { file, access } => match read(edge, file).await? {
            Some(built) => {
                // Signed-in readers may get a page changed for them (comments, the
                // moderators' count): then it is no longer the built file. The count is
                // only ever inserted, so an unchanged length means an unchanged page (no
                // copy of every gated page just to compare).
                let built_len = built.len();
                let with_comments =
                    session.is_some() && cx.site.manifest.comments.contains_key(cx.path);
                let body = match session {
                    Some(s) if with_comments => {
                        let none = comment_view::Outcome::None;
                        // Boxed: its future is large, and most pages have no comments.
                        Box::pin(comments::page_view(edge, cx, s, cx.path, &built, &none)).await?
                    }
                    _ => built,
                };
                let body = match session {
                    Some(s) if file.ends_with(".html") => {
                        moderation::header_count(edge, cx.site, &s.account, body).await?
                    }
                    _ => body,
                };
                // Comments and the count change without a rebuild, and a page with
                // comments carries its reader's forms (their session's token): such a page
                // is tagged with the hash of what is sent, so the tag moves with the
                // comments and differs from one reader to the next. Kept by the reader's
                // browser like any gated page; signing out asks it to forget them.
                let as_built = body.len() == built_len;
                let meta = cx.site.manifest.meta.get(file.as_str());
                let dynamic_tag = (!as_built).then(|| format!("\"d{}\"", short_hash(&body)));
                let mut r =
                    respond::file(file, body, access.is_public(), meta.filter(|_| as_built));
                if let Some(tag) = &dynamic_tag {
                    if let Ok(v) = HeaderValue::from_str(tag) {
                        r.headers_mut().insert(header::ETAG, v);
                    }
                }
                Ok(revalidate(cx, r))
            }
            None => Ok(Box::pin(not_found(edge, cx)).await?),
        },
        Resolved::Redirect { to, .. } => Ok(respond::redirect(StatusCode::MOVED_PERMANENTLY, to)),
        Resolved::Missing { .. } => Ok(Box::pin(not_found(edge, cx)).await?),
    }
}

/// `304 Not Modified` when the client's copy is this one (after the gate: only a reader
/// allowed to get the file gets this answer).
fn revalidate(cx: &Ctx<'_>, r: Resp) -> Resp {
    let headers = cx.req.headers();
    let fresh = match r.headers().get(header::ETAG).and_then(|v| v.to_str().ok()) {
        Some(tag) if headers.contains_key(header::IF_NONE_MATCH) => {
            conditional::none_match(headers, tag)
        }
        // No date to compare with: not parsed at all (most requests).
        _ if !headers.contains_key(header::IF_MODIFIED_SINCE) => false,
        _ => r
            .headers()
            .get(header::LAST_MODIFIED)
            .and_then(|v| v.to_str().ok())
            .and_then(conditional::parse_http_date)
            .is_some_and(|m| conditional::not_modified_since(headers, m)),
    };
    if !fresh {
        return r;
    }
    let (parts, body) = r.into_parts();
    let mut answer = conditional::not_modified(&parts);
    answer
        .extensions_mut()
        .insert(respond::FullLength(body.len()));
    if let Some(p) = parts.extensions.get::<respond::Precompressed>() {
        answer.extensions_mut().insert(p.clone());
    }
    answer
}

/// The XXH3-128 of a page as served, in hex (its entity tag). Not a cryptographic hash, nor
/// needs to be: a tag only has to change with the bytes, and the bytes of a page with
/// comments carry its reader's form token, which nobody else knows.
fn short_hash(body: &[u8]) -> String {
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(body))
}

/// A file of the site, if its path may be asked of the platform at all.
async fn read<P: Platform>(edge: &Edge<P>, file: &str) -> Result<Option<Vec<u8>>, StoreError> {
    if !paths::is_safe_file(file) {
        return Ok(None);
    }
    edge.platform.read(file).await
}

pub(super) async fn not_found<P: Platform>(
    edge: &Edge<P>,
    cx: &Ctx<'_>,
) -> Result<Resp, StoreError> {
    let body = match read(edge, "404.html").await? {
        Some(b) => b,
        None => {
            let text = SafeHtml::text(cx.site.t(Text::NotFoundText));
            respond::page(
                cx.site,
                StatusCode::NOT_FOUND,
                ShellName::Message,
                cx.site.t(Text::NotFoundTitle),
                &[(Slot::Message, &text)],
            )
            .into_body()
        }
    };
    let mut r = respond::html(StatusCode::NOT_FOUND, body);
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}
