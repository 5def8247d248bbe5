//! Comments on class posts: posting (`POST /commentaires/`, answered by a redirect back to
//! the post's `#commentaires`), editing, deleting, reporting and a teacher's reply, and the
//! post page served with its comments inserted (see `comment_view`). A refused comment
//! comes back in the form with the reason, so nothing typed is lost.

use super::comment_view::{self, Outcome, Viewer};
use crate::app::{Ctx, Edge, Halt, Handled};
use crate::audit::{Action, Outcome as Logged};
use crate::comments::{self, Status, TextError};
use crate::form::{self, Form};
use crate::guard;
use crate::respond::{self, Resp};
use crate::session::Session;
use crate::store::comments::{self as sql, Comment, New, Refusal};
use crate::store::{Platform, StoreError};
use http::StatusCode;
use preau_contract::access::{Access, CommentRule, Moderation};
use preau_contract::routes::SPACE;
use preau_contract::text::Text;
use std::sync::Arc;

/// The `commentaire=` flag of the redirect after a change, and what the page then says.
const FLAGS: &[(&str, Text)] = &[
    ("attente", Text::CommentsSentPending),
    ("publie", Text::CommentsSentPublished),
    ("modifie", Text::CommentsEdited),
    ("supprime", Text::CommentsDeleted),
    ("signale", Text::CommentsReportedDone),
    ("repondu", Text::CommentsReplied),
];

/// A post page open to comments, with the ones this viewer may see and the form.
pub(super) async fn page_view<P: Platform>(
    edge: &Edge<P>,
    cx: &Ctx<'_>,
    s: &Session,
    page: &str,
    built: &[u8],
    outcome: &Outcome<'_>,
) -> Result<Vec<u8>, StoreError> {
    let Some((rule, access)) = comment_view::rule(cx.site, page) else {
        return Ok(built.to_vec());
    };
    let scope = comments::scope_of(&access).unwrap_or_default();
    let viewer = Viewer {
        account: &s.account,
        moderator: comments::moderates(&s.account, &scope),
        may_comment: comments::may_comment(&s.account, &access, rule),
        csrf: edge.session_csrf(s),
    };
    // The generation is read before the comments: a commit in between makes the next
    // request read them again, never keeps older comments under a newer generation.
    let all = match edge.platform.generation() {
        Some(g) => match edge.comment_cache.rows(g, page) {
            Some(rows) => rows,
            None => {
                let rows = Arc::new(sql::of_page(&edge.platform, page).await?);
                edge.comment_cache.keep_rows(g, page, rows.clone());
                rows
            }
        },
        None => Arc::new(sql::of_page(&edge.platform, page).await?),
    };
    let flag = form::query_value(cx.query, "commentaire");
    let from_query = FLAGS
        .iter()
        .find(|(f, _)| Some(*f) == flag.as_deref())
        .map(|(_, t)| Outcome::Notice(*t));
    let outcome = match (outcome, from_query) {
        (Outcome::None, Some(q)) => q,
        (Outcome::None, None) => Outcome::None,
        (Outcome::Notice(t), _) => Outcome::Notice(*t),
        (Outcome::Error(t, d), _) => Outcome::Error(*t, d),
    };
    let inner = comment_view::section(cx.site, page, &all, &viewer, &outcome);
    Ok(edge.comment_cache.split(page, built).fill(page, &inner))
}

/// The post page again, with an error in its form and the text kept.
async fn refused<P: Platform>(
    edge: &Edge<P>,
    cx: &Ctx<'_>,
    s: &Session,
    page: &str,
    status: StatusCode,
    error: Text,
    draft: &str,
) -> Handled {
    let file = format!("{}index.html", page.trim_start_matches('/'));
    let Some(built) = edge.platform.read(&file).await? else {
        return Ok(respond::notice(cx.site, status, error));
    };
    let body = page_view(edge, cx, s, page, &built, &Outcome::Error(error, draft)).await?;
    let mut r = respond::html(status, body);
    respond::private(&mut r);
    Ok(r)
}

fn back(page: &str, flag: &str) -> Resp {
    respond::redirect(
        StatusCode::SEE_OTHER,
        &format!("{page}?commentaire={flag}#commentaires"),
    )
}

fn halt(cx: &Ctx, status: StatusCode, text: Text) -> Halt {
    Halt::from(respond::notice(cx.site, status, text))
}

/// The page of a form's `page` field, open to comments, that this session may read.
async fn open_page<'c, P: Platform>(
    edge: &Edge<P>,
    cx: &'c Ctx<'_>,
    page: &str,
) -> Result<(&'c Session, CommentRule, Access, String), Halt> {
    let Some((rule, access)) = comment_view::rule(cx.site, page) else {
        return Err(halt(cx, StatusCode::FORBIDDEN, Text::CommentsClosed));
    };
    let s = guard::member(edge, cx, &access).await?;
    let scope = comments::scope_of(&access).unwrap_or_default();
    Ok((s, *rule, access, scope))
}

fn text_error(e: TextError) -> Text {
    match e {
        TextError::Empty => Text::CommentsEmptyText,
        TextError::TooLong => Text::CommentsTooLong,
    }
}

pub(super) async fn post<P: Platform>(edge: &Edge<P>, cx: &Ctx<'_>) -> Handled {
    let s = guard::accepted(cx)?;
    let f = guard::session_form(edge, cx, s)?;
    let page = f.get("page").and_then(form::safe_next).unwrap_or_default();
    let (s, rule, access, scope) = open_page(edge, cx, &page).await?;
    let a = &s.account;
    if !comments::may_comment(a, &access, &rule) {
        return Err(halt(cx, StatusCode::FORBIDDEN, Text::CommentsNotAllowed));
    }
    let raw = f.get("texte").unwrap_or("");
    let body = match comments::normalise(raw) {
        Ok(b) => b,
        Err(e) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return refused(edge, cx, s, &page, status, text_error(e), raw).await;
        }
    };
    let moderator = comments::moderates(a, &scope);
    let trusted = rule.moderation == Moderation::Trusted
        && sql::author_trusted(&edge.platform, a.id, &scope).await?;
    let status = comments::initial_status(&rule, moderator, trusted);
    let new = New {
        page: &page,
        scope: &scope,
        author_id: a.id,
        parent_id: None,
        body: &body,
        status,
        now: cx.now,
    };
    if !sql::insert(&edge.platform, &new).await? {
        let (code, text) = match sql::refusal(&edge.platform, &new).await? {
            Refusal::Duplicate => (StatusCode::CONFLICT, Text::CommentsDuplicate),
            Refusal::UserLimit => (StatusCode::TOO_MANY_REQUESTS, Text::CommentsRateLimited),
            Refusal::PageLimit => (StatusCode::TOO_MANY_REQUESTS, Text::CommentsPageBusy),
        };
        edge.audit(cx, &a.login, Action::CommentPost, &page, Logged::Refused)
            .await?;
        return refused(edge, cx, s, &page, code, text, raw).await;
    }
    edge.audit(cx, &a.login, Action::CommentPost, &page, Logged::Success)
        .await?;
    let flag = if status == Status::Approved {
        "publie"
    } else {
        "attente"
    };
    Ok(back(&page, flag))
}

/// The comment of a form's `id` field.
/// What the edit, delete, report and reply forms share: a signed-in session with the
/// charter accepted, its own form, and the comment the form names.
async fn acting_on<'c, P: Platform>(
    edge: &Edge<P>,
    cx: &'c Ctx<'_>,
) -> Result<(&'c Session, Form, Comment), Halt> {
    let s = guard::accepted(cx)?;
    let f = guard::session_form(edge, cx, s)?;
    let c = target(edge, cx, &f).await?;
    Ok((s, f, c))
}

/// Log a refused action on comment `id` and answer 403 with `text`.
async fn denied<P: Platform>(
    edge: &Edge<P>,
    cx: &Ctx<'_>,
    login: &str,
    action: Action,
    id: i64,
    text: Text,
) -> Halt {
    match edge
        .audit(cx, login, action, &id.to_string(), Logged::Denied)
        .await
    {
        Ok(()) => halt(cx, StatusCode::FORBIDDEN, text),
        Err(e) => Halt::from(e),
    }
}

async fn target<P: Platform>(edge: &Edge<P>, cx: &Ctx<'_>, f: &Form) -> Result<Comment, Halt> {
    let id = f.get("id").and_then(|i| i.parse::<i64>().ok()).unwrap_or(0);
    sql::find(&edge.platform, id)
        .await?
        .ok_or_else(|| halt(cx, StatusCode::NOT_FOUND, Text::CommentsUnknown))
}

pub(super) async fn edit<P: Platform>(edge: &Edge<P>, cx: &Ctx<'_>) -> Handled {
    let (s, f, c) = acting_on(edge, cx).await?;
    if c.author_id != s.account.id || c.status == Status::Rejected {
        return Err(halt(cx, StatusCode::FORBIDDEN, Text::CommentsNotAllowed));
    }
    let (s, rule, _, scope) = open_page(edge, cx, &c.page).await?;
    let raw = f.get("texte").unwrap_or("");
    let body = match comments::normalise(raw) {
        Ok(b) => b,
        Err(e) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return refused(edge, cx, s, &c.page, status, text_error(e), raw).await;
        }
    };
    let moderator = comments::moderates(&s.account, &scope);
    let status = match c.status {
        Status::Approved if rule.moderation == Moderation::Before && !moderator => Status::Pending,
        other => other,
    };
    let login = &s.account.login;
    let target = c.id.to_string();
    let change = vec![sql::edit(c.id, &body, status, cx.now)];
    edge.commit(cx, change, login, Action::CommentEdit, &target)
        .await?;
    Ok(back(&c.page, "modifie"))
}

pub(super) async fn delete<P: Platform>(edge: &Edge<P>, cx: &Ctx<'_>) -> Handled {
    let (s, _, c) = acting_on(edge, cx).await?;
    let a = &s.account;
    if c.author_id != a.id && !comments::moderates(a, &c.scope) {
        let text = Text::CommentsNotAllowed;
        return Err(denied(edge, cx, &a.login, Action::CommentDelete, c.id, text).await);
    }
    let target = c.id.to_string();
    edge.commit(
        cx,
        vec![sql::delete(c.id)],
        &a.login,
        Action::CommentDelete,
        &target,
    )
    .await?;
    if comment_view::rule(cx.site, &c.page).is_none() {
        return Ok(respond::redirect(StatusCode::SEE_OTHER, SPACE));
    }
    Ok(back(&c.page, "supprime"))
}

pub(super) async fn report<P: Platform>(edge: &Edge<P>, cx: &Ctx<'_>) -> Handled {
    let (_, _, c) = acting_on(edge, cx).await?;
    let (s, _, _, _) = open_page(edge, cx, &c.page).await?;
    if c.status != Status::Approved || c.author_id == s.account.id {
        return Err(halt(cx, StatusCode::FORBIDDEN, Text::CommentsNotAllowed));
    }
    let target = c.id.to_string();
    let login = &s.account.login;
    let change = vec![sql::report(c.id, cx.now)];
    edge.commit(cx, change, login, Action::CommentReport, &target)
        .await?;
    Ok(back(&c.page, "signale"))
}

pub(super) async fn reply<P: Platform>(edge: &Edge<P>, cx: &Ctx<'_>) -> Handled {
    let (_, f, c) = acting_on(edge, cx).await?;
    let (s, _, _, scope) = open_page(edge, cx, &c.page).await?;
    let a = &s.account;
    if !comments::moderates(a, &scope) || c.parent_id.is_some() || c.status != Status::Approved {
        let text = Text::ModerationForbidden;
        return Err(denied(edge, cx, &a.login, Action::CommentReply, c.id, text).await);
    }
    let raw = f.get("texte").unwrap_or("");
    let body = match comments::normalise(raw) {
        Ok(b) => b,
        Err(e) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return refused(edge, cx, s, &c.page, status, text_error(e), raw).await;
        }
    };
    let new = New {
        page: &c.page,
        scope: &scope,
        author_id: a.id,
        parent_id: Some(c.id),
        body: &body,
        status: Status::Approved,
        now: cx.now,
    };
    if !sql::insert(&edge.platform, &new).await? {
        let status = StatusCode::TOO_MANY_REQUESTS;
        return refused(edge, cx, s, &c.page, status, Text::CommentsRateLimited, raw).await;
    }
    edge.audit(
        cx,
        &a.login,
        Action::CommentReply,
        &c.id.to_string(),
        Logged::Success,
    )
    .await?;
    Ok(back(&c.page, "repondu"))
}
