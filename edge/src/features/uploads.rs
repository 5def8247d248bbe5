//! The upload page `/espace/medias/`: the form (scope and files), what became of each file
//! of the last request, and the gallery of the scope's earlier uploads; deleting one.
//! A refused file leaves nothing stored; the other files of the request still go in.

use super::gallery;
use super::upload_store::{self, Filed};
use crate::app::{Ctx, Edge, Halt, Handled};
use crate::audit::{Action, Outcome};
use crate::form::{self, Form};
use crate::guard;
use crate::multipart;
use crate::respond;
use crate::session::{self, Session};
use crate::store::{self, Platform};
use crate::uploads::{self as rules, clean_name};
use http::{header, StatusCode};
use preau_contract::html::SafeHtml;
use preau_contract::media::{MediaRef, MediaScope};
use preau_contract::routes::MEDIA_UPLOAD;
use preau_contract::shell::{ShellName, Slot};
use preau_contract::text::Text;

/// Uploads shown per gallery page.
const PER_PAGE: i64 = 24;

/// Signed in, charter accepted, and a role that uploads.
fn uploader<'c>(cx: &'c Ctx) -> Result<&'c Session, Halt> {
    let s = guard::accepted(cx)?;
    if !rules::may_upload(&s.account) {
        return Err(respond::notice(cx.site, StatusCode::FORBIDDEN, Text::MediaForbidden).into());
    }
    Ok(s)
}

pub(super) async fn page<P: Platform>(edge: &Edge<P>, cx: &Ctx<'_>) -> Handled {
    let s = uploader(cx)?;
    let wanted = query(cx.query, "portee").and_then(|p| MediaScope::parse(&p));
    let page_n = query(cx.query, "page")
        .and_then(|p| p.parse::<i64>().ok())
        .filter(|n| (1..=10_000).contains(n))
        .unwrap_or(1);
    let results = if form::query_has(cx.query, "supprime", "1") {
        respond::form_notice(cx.site.t(Text::MediaDeleted))
    } else {
        SafeHtml::empty()
    };
    render(edge, cx, s, wanted, page_n, results, StatusCode::OK).await
}

/// A checked upload form: the place chosen and the form's parts (files among them).
struct UploadForm<'a> {
    scope: MediaScope,
    parts: Vec<multipart::Part<'a>>,
}

/// Read the form: readable multipart, this session's token from our own origin, and a
/// place the uploader may put files into. Anything else is answered here.
async fn read_form<'a, P: Platform>(
    edge: &Edge<P>,
    cx: &'a Ctx<'_>,
    s: &Session,
) -> Result<UploadForm<'a>, Halt> {
    let limits = &edge.config.uploads;
    let boundary = cx
        .req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(multipart::boundary);
    let parts = boundary
        .and_then(|b| multipart::parse(cx.req.body(), &b, limits.files_per_request + 8).ok())
        .ok_or_else(|| respond::notice(cx.site, StatusCode::BAD_REQUEST, Text::MediaBadForm))?;
    let field = |name: &str| {
        parts
            .iter()
            .find(|p| p.name == name && p.file_name.is_none())
            .and_then(|p| std::str::from_utf8(p.data).ok())
    };
    let csrf_ok = form::same_origin(cx.req)
        && field("csrf").is_some_and(|t| session::csrf_ok(&edge.config.secret, &s.token_hash, t));
    if !csrf_ok {
        return Err(respond::notice(cx.site, StatusCode::FORBIDDEN, Text::Csrf).into());
    }
    let scope = field("portee").and_then(MediaScope::parse);
    let Some(scope) = scope.filter(|sc| rules::may_upload_into(&s.account, sc)) else {
        let l = &s.account.login;
        let target = field("portee").unwrap_or("");
        edge.audit(cx, l, Action::Upload, target, Outcome::Denied)
            .await?;
        return Err(respond::notice(cx.site, StatusCode::FORBIDDEN, Text::MediaBadScope).into());
    };
    Ok(UploadForm { scope, parts })
}

pub(super) async fn submit<P: Platform>(edge: &Edge<P>, cx: &Ctx<'_>) -> Handled {
    let s = uploader(cx)?;
    let limits = &edge.config.uploads;
    let UploadForm { scope, parts } = read_form(edge, cx, s).await?;
    let files: Vec<_> = parts
        .iter()
        .filter(|p| {
            p.name == "fichiers"
                && p.file_name
                    .as_deref()
                    .is_some_and(|n| !n.is_empty() || !p.data.is_empty())
        })
        .collect();
    if files.is_empty() {
        return Ok(respond::notice(
            cx.site,
            StatusCode::UNPROCESSABLE_ENTITY,
            Text::MediaNoFile,
        ));
    }
    if files.len() > limits.files_per_request {
        let msg = cx
            .site
            .t(Text::MediaTooManyFiles)
            .replace("{max}", &limits.files_per_request.to_string());
        let r = render(
            edge,
            cx,
            s,
            Some(scope),
            1,
            respond::form_error(&msg),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
        return r.await;
    }
    let mut quota = upload_store::Quota::read(edge, s, cx.now).await?;
    let mut filed: Vec<Filed> = Vec::new();
    for part in files {
        let name = clean_name(part.file_name.as_deref().unwrap_or(""));
        filed.push(
            upload_store::take(edge, cx, s, &scope, name, part.data, &mut quota, false).await?,
        );
    }
    let any = filed.iter().any(|f| f.media.is_some());
    let results = gallery::results(cx.site, &filed);
    let status = if any {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(edge, cx, s, Some(scope), 1, results, status).await
}

pub(super) async fn delete<P: Platform>(edge: &Edge<P>, cx: &Ctx<'_>) -> Handled {
    let s = uploader(cx)?;
    let form: Form = guard::session_form(edge, cx, s)?;
    let media = form.get("media").and_then(MediaRef::parse);
    let Some(media) = media.map(|m| m.original()) else {
        return Ok(respond::notice(
            cx.site,
            StatusCode::BAD_REQUEST,
            Text::MediaBadForm,
        ));
    };
    let scope_path = media.scope.as_path();
    let row = store::uploads::find(&edge.platform, &scope_path, &media.hash).await?;
    let Some(row) = row.filter(|r| rules::may_delete(&s.account, r, &media.scope)) else {
        let l = &s.account.login;
        edge.audit(cx, l, Action::UploadDelete, &media.url(), Outcome::Denied)
            .await?;
        return Ok(respond::notice(
            cx.site,
            StatusCode::FORBIDDEN,
            Text::MediaBadScope,
        ));
    };
    upload_store::remove(edge, cx, s, &row, &media).await?;
    let to = format!(
        "{MEDIA_UPLOAD}?portee={}&supprime=1",
        crate::paths::encode_for_query(&scope_path)
    );
    Ok(respond::redirect(StatusCode::SEE_OTHER, &to))
}

/// The page: the form with the scopes `s` may upload into (`wanted` selected if allowed),
/// `results` above it, and a page of the selected scope's gallery.
async fn render<P: Platform>(
    edge: &Edge<P>,
    cx: &Ctx<'_>,
    s: &Session,
    wanted: Option<MediaScope>,
    page_n: i64,
    results: SafeHtml,
    status: StatusCode,
) -> Handled {
    let scopes = rules::scopes_for(&s.account, &cx.site.manifest, cx.site.t(Text::MediaTown));
    let selected = wanted
        .filter(|w| scopes.iter().any(|(sc, _)| sc == w))
        .or_else(|| scopes.first().map(|(sc, _)| sc.clone()));
    let gallery = match &selected {
        Some(scope) => {
            let offset = (page_n - 1) * PER_PAGE;
            let rows = store::uploads::list(&edge.platform, &scope.as_path(), PER_PAGE + 1, offset)
                .await?;
            let token = edge.session_csrf(s);
            gallery::gallery(
                cx.site,
                &s.account,
                scope,
                &rows,
                page_n,
                PER_PAGE as usize,
                &token,
            )
        }
        None => SafeHtml::empty(),
    };
    let options = gallery::scope_options(cx.site, &scopes, selected.as_ref());
    let token = SafeHtml::text(&edge.session_csrf(s));
    Ok(respond::page(
        cx.site,
        status,
        ShellName::Media,
        cx.site.t(Text::MediaTitle),
        &[
            (Slot::Csrf, &token),
            (Slot::Scopes, &options),
            (Slot::Results, &results),
            (Slot::Gallery, &gallery),
        ],
    ))
}

fn query(q: &str, key: &str) -> Option<String> {
    form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}
