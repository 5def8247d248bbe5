//! Serving the built site: every path resolves against the access manifest; public files go
//! to anyone, everything else through the guard. A private path that does not exist answers
//! like one that does, so titles cannot be probed.

use super::{comment_view, comments, moderation};
use crate::app::{Ctx, Edge, Handled};
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
        return Ok(not_found(edge, cx).await?);
    }
    let session = if access.is_public() {
        None
    } else {
        Some(guard::member(edge, cx, access).await?)
    };
    match &resolved {
        Resolved::File { file, access } => match read(edge, file).await? {
            Some(body) => {
                let body = match session {
                    Some(s) if cx.site.manifest.comments.contains_key(cx.path) => {
                        let none = comment_view::Outcome::None;
                        comments::page_view(edge, cx, s, cx.path, &body, &none).await?
                    }
                    _ => body,
                };
                let body = match session {
                    Some(s) if file.ends_with(".html") => {
                        moderation::header_count(edge, cx.site, &s.account, body).await?
                    }
                    _ => body,
                };
                Ok(respond::file(file, body, access.is_public()))
            }
            None => Ok(not_found(edge, cx).await?),
        },
        Resolved::Redirect { to, .. } => Ok(respond::redirect(StatusCode::MOVED_PERMANENTLY, to)),
        Resolved::Missing { .. } => Ok(not_found(edge, cx).await?),
    }
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
