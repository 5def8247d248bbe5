//! The moderation page `/espace/moderation/`: the pending and reported comments of the
//! classes this person moderates (their teachers, the school's director), newest first,
//! each with its post, author and time; one tap to publish or refuse (with an optional
//! reason shown to the author), "publish all on this page", and a filter by class.

use super::comment_view::hidden_input as hidden;
use crate::accounts::Account;
use crate::app::{Ctx, Edge, Halt, Handled};
use crate::audit::{Action, Outcome};
use crate::comments::{self, Status};
use crate::form;
use crate::guard;
use crate::respond;
use crate::site::SiteData;
use crate::store::comments::{self as sql, Comment};
use crate::store::{Platform, StoreError};
use http::StatusCode;
use preau_contract::html::SafeHtml;
use preau_contract::routes::MODERATION;
use preau_contract::shell::{ShellName, Slot};
use preau_contract::text::Text;

/// Most comments listed at once.
const QUEUE_MAX: i64 = 500;

/// The classes (`school/class`) this person moderates.
pub(crate) fn classes(site: &SiteData, a: &Account) -> Vec<String> {
    site.manifest
        .classes
        .keys()
        .filter(|k| comments::moderates(a, k))
        .cloned()
        .collect()
}

/// Pending or reported comments in the classes this person moderates.
pub(crate) async fn pending<P: Platform>(
    edge: &Edge<P>,
    site: &SiteData,
    a: &Account,
) -> Result<Option<i64>, StoreError> {
    let mine = classes(site, a);
    if mine.is_empty() {
        return Ok(None);
    }
    let counts = sql::queue_counts(&edge.platform).await?;
    Ok(Some(
        counts
            .iter()
            .filter(|(s, _)| mine.contains(s))
            .map(|(_, n)| n)
            .sum(),
    ))
}

/// A private page for a moderator, with the number of comments waiting next to "Mon espace"
/// in the header (only private pages: public ones may be cached for everyone).
pub(crate) async fn header_count<P: Platform>(
    edge: &Edge<P>,
    site: &SiteData,
    a: &Account,
    html: Vec<u8>,
) -> Result<Vec<u8>, StoreError> {
    let Some(n) = pending(edge, site, a).await?.filter(|n| *n > 0) else {
        return Ok(html);
    };
    let mut badge = SafeHtml::trusted(" <span class=\"badge\">");
    badge.push_text(
        &site
            .t(Text::ModerationPendingCount)
            .replace("{nombre}", &n.to_string()),
    );
    badge.push_markup("</span>");
    Ok(super::comment_view::append_to_space_link(html, &badge))
}

const DONE: &[(&str, Text)] = &[
    ("publie", Text::ModerationApproved),
    ("refuse", Text::ModerationRejected),
    ("tout", Text::ModerationApprovedAll),
];

pub(super) async fn page<P: Platform>(edge: &Edge<P>, cx: &Ctx<'_>) -> Handled {
    let s = guard::accepted(cx)?;
    let mine = classes(cx.site, &s.account);
    if mine.is_empty() {
        return Err(forbidden(cx));
    }
    let filter = form::query_value(cx.query, "classe").filter(|c| mine.contains(c));
    let queue: Vec<Comment> = sql::queue(&edge.platform, filter.as_deref(), QUEUE_MAX)
        .await?
        .into_iter()
        .filter(|c| mine.contains(&c.scope))
        .collect();
    let csrf = edge.session_csrf(s);
    let done = form::query_value(cx.query, "fait");
    let notice = DONE
        .iter()
        .find(|(f, _)| Some(*f) == done.as_deref())
        .map(|(_, t)| respond::form_notice(cx.site.t(*t)))
        .unwrap_or_default();
    let scopes = filter_form(cx.site, &mine, filter.as_deref());
    let results = list(cx.site, &queue, &csrf, filter.as_deref());
    Ok(respond::page(
        cx.site,
        StatusCode::OK,
        ShellName::Moderation,
        cx.site.t(Text::ModerationTitle),
        &[
            (Slot::Notice, &notice),
            (Slot::Scopes, &scopes),
            (Slot::Results, &results),
        ],
    ))
}

fn forbidden(cx: &Ctx) -> Halt {
    Halt::from(respond::notice(
        cx.site,
        StatusCode::FORBIDDEN,
        Text::ModerationForbidden,
    ))
}

fn filter_form(site: &SiteData, mine: &[String], filter: Option<&str>) -> SafeHtml {
    let mut h = SafeHtml::trusted("<form class=\"form filter\" method=\"get\" action=\"");
    h.push_markup(MODERATION);
    h.push_markup("\"><p><label for=\"classe\">");
    h.push_text(site.t(Text::ModerationFilterLabel));
    h.push_markup("</label><select id=\"classe\" name=\"classe\"><option value=\"\">");
    h.push_text(site.t(Text::ModerationFilterAll));
    h.push_markup("</option>");
    for c in mine {
        h.push_markup("<option value=\"");
        h.push_text(c);
        h.push_markup(if Some(c.as_str()) == filter {
            "\" selected>"
        } else {
            "\">"
        });
        let title = site.manifest.classes.get(c).map(|p| p.title.as_str());
        h.push_text(title.unwrap_or(c));
        h.push_markup("</option>");
    }
    h.push_markup("</select> <button type=\"submit\">");
    h.push_text(site.t(Text::ModerationFilterButton));
    h.push_markup("</button></p></form>");
    h
}

/// The title of a post, from what the manifest lists.
fn post_title<'s>(site: &'s SiteData, page: &'s str) -> &'s str {
    site.manifest
        .recent
        .values()
        .flatten()
        .find(|i| i.path == page)
        .map(|i| i.title.as_str())
        .unwrap_or(page)
}

fn list(site: &SiteData, queue: &[Comment], csrf: &str, filter: Option<&str>) -> SafeHtml {
    if queue.is_empty() {
        let mut h = SafeHtml::trusted("<p>");
        h.push_text(site.t(Text::ModerationEmpty));
        h.push_markup("</p>");
        return h;
    }
    let max = queue.iter().map(|c| c.id).max().unwrap_or(0);
    let mut h = SafeHtml::trusted("<form method=\"post\" action=\"");
    h.push_markup(MODERATION);
    h.push_markup("\">");
    hidden(&mut h, "csrf", csrf);
    hidden(&mut h, "action", "tout");
    hidden(&mut h, "classe", filter.unwrap_or(""));
    hidden(&mut h, "jusqua", &max.to_string());
    h.push_markup("<p><button type=\"submit\">");
    h.push_text(site.t(Text::ModerationApproveAll));
    h.push_markup("</button></p></form><ol class=\"moderation-queue\">");
    for c in queue {
        item(&mut h, site, c, csrf, filter);
    }
    h.push_markup("</ol>");
    h
}

fn item(h: &mut SafeHtml, site: &SiteData, c: &Comment, csrf: &str, filter: Option<&str>) {
    h.push_markup("<li class=\"comment\"><p class=\"meta\"><strong>");
    h.push_text(&c.author_name);
    h.push_markup("</strong> <time datetime=\"");
    h.push_text(&crate::time::rfc3339(c.created_at));
    h.push_markup("\">");
    h.push_text(&site.long_date(&crate::time::date_of_unix(c.created_at)));
    h.push_markup("</time> ");
    h.push_text(site.t(Text::ModerationOn));
    h.push_markup(" <a href=\"");
    h.push_text(&c.page);
    h.push_markup("#commentaires\">");
    h.push_text(post_title(site, &c.page));
    h.push_markup("</a>");
    if c.reported {
        h.push_markup(" <span class=\"status\">(");
        h.push_text(site.t(Text::CommentsReported));
        h.push_markup(")</span>");
    }
    h.push_markup("</p><p class=\"body\">");
    h.push(&comments::render(&c.body));
    h.push_markup("</p><div class=\"comment-actions\"><form method=\"post\" action=\"");
    h.push_markup(MODERATION);
    h.push_markup("\">");
    hidden(h, "csrf", csrf);
    hidden(h, "action", "publier");
    hidden(h, "classe", filter.unwrap_or(""));
    hidden(h, "id", &c.id.to_string());
    h.push_markup("<button type=\"submit\">");
    h.push_text(site.t(Text::ModerationApprove));
    h.push_markup("</button></form><form method=\"post\" action=\"");
    h.push_markup(MODERATION);
    h.push_markup("\">");
    hidden(h, "csrf", csrf);
    hidden(h, "action", "refuser");
    hidden(h, "classe", filter.unwrap_or(""));
    hidden(h, "id", &c.id.to_string());
    let field = format!("motif-{}", c.id);
    h.push_markup("<label for=\"");
    h.push_text(&field);
    h.push_markup("\">");
    h.push_text(site.t(Text::ModerationReasonLabel));
    h.push_markup("</label> <input type=\"text\" maxlength=\"300\" name=\"motif\" id=\"");
    h.push_text(&field);
    h.push_markup("\"> <button type=\"submit\">");
    h.push_text(site.t(Text::ModerationReject));
    h.push_markup("</button></form></div></li>");
}

pub(super) async fn submit<P: Platform>(edge: &Edge<P>, cx: &Ctx<'_>) -> Handled {
    let s = guard::accepted(cx)?;
    let f = guard::session_form(edge, cx, s)?;
    let a = &s.account;
    let mine = classes(cx.site, a);
    let filter = f.get("classe").filter(|c| mine.iter().any(|m| m == c));
    let id = f.get("id").and_then(|i| i.parse::<i64>().ok()).unwrap_or(0);
    let action = f.get("action").unwrap_or("");
    let (statements, done) = if action == "tout" {
        let max = f
            .get("jusqua")
            .and_then(|i| i.parse::<i64>().ok())
            .unwrap_or(0);
        let scopes: Vec<&String> = mine
            .iter()
            .filter(|m| filter.is_none_or(|f| f == *m))
            .collect();
        if scopes.is_empty() {
            return Err(forbidden(cx));
        }
        let mut v = Vec::new();
        for scope in scopes {
            v.push(sql::approve_all(scope, max, a.id, cx.now));
            v.push(edge.audit_statement(
                cx,
                &a.login,
                Action::CommentApprove,
                scope,
                Outcome::Success,
            ));
        }
        (v, "tout")
    } else {
        let Some(c) = sql::find(&edge.platform, id).await? else {
            return Ok(respond::notice(
                cx.site,
                StatusCode::NOT_FOUND,
                Text::CommentsUnknown,
            ));
        };
        let (status, word, done) = match action {
            "publier" => (Status::Approved, Action::CommentApprove, "publie"),
            "refuser" => (Status::Rejected, Action::CommentReject, "refuse"),
            _ => {
                return Ok(respond::notice(
                    cx.site,
                    StatusCode::BAD_REQUEST,
                    Text::BadRequest,
                ))
            }
        };
        if !comments::moderates(a, &c.scope) {
            edge.audit(cx, &a.login, word, &id.to_string(), Outcome::Denied)
                .await?;
            return Err(forbidden(cx));
        }
        let reason = f
            .get("motif")
            .map(|r| r.trim().chars().take(300).collect::<String>())
            .filter(|r| status == Status::Rejected && !r.is_empty());
        let target = id.to_string();
        let v = vec![
            sql::decide(id, status, reason.as_deref(), a.id, cx.now),
            edge.audit_statement(cx, &a.login, word, &target, Outcome::Success),
        ];
        (v, done)
    };
    edge.platform.batch(statements).await?;
    let classe = filter
        .map(|c| format!("&classe={}", crate::paths::encode_for_query(c)))
        .unwrap_or_default();
    Ok(respond::redirect(
        StatusCode::SEE_OTHER,
        &format!("{MODERATION}?fait={done}{classe}"),
    ))
}
