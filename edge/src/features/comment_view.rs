//! The comments of a post as the viewer may see them, and their insertion into the built
//! page at the marker the theme leaves (`<section data-preau-comments="/path/">`), with the
//! `lol_html` streaming rewriter. Everything a person wrote goes through `comments::render`
//! (escaped, links only for http(s)), so nothing of it can become markup.

use crate::accounts::Account;
use crate::comments::{self, Status};
use crate::site::SiteData;
use crate::store::comments::Comment;
use lol_html::html_content::{ContentType, Element};
use lol_html::{element, rewrite_str, Settings};
use preau_contract::access::{Access, CommentRule};
use preau_contract::html::SafeHtml;
use preau_contract::routes;
use preau_contract::text::Text;
use std::cell::Cell;

/// Who looks at the page.
pub(super) struct Viewer<'a> {
    pub account: &'a Account,
    pub moderator: bool,
    pub may_comment: bool,
    pub csrf: String,
}

/// What the form shows after a post: a confirmation, or an error with the text kept.
pub(super) enum Outcome<'a> {
    None,
    Notice(Text),
    Error(Text, &'a str),
}

/// May this viewer see this comment?
pub(super) fn visible(c: &Comment, v: &Viewer) -> bool {
    if c.author_id == v.account.id {
        return true;
    }
    match c.status {
        Status::Approved => v.moderator || !c.reported,
        Status::Pending => v.moderator,
        Status::Rejected => false,
    }
}

/// The inside of the comments section.
pub(super) fn section(
    site: &SiteData,
    page: &str,
    all: &[Comment],
    v: &Viewer,
    outcome: &Outcome,
) -> SafeHtml {
    let mut h = SafeHtml::trusted("<h2 id=\"h-comments\">");
    h.push_text(site.t(Text::CommentsTitle));
    h.push_markup("</h2>");
    match outcome {
        Outcome::Notice(t) => h.push(&crate::respond::form_notice(site.t(*t))),
        Outcome::Error(t, _) => h.push(&crate::respond::form_error(site.t(*t))),
        Outcome::None => {}
    }
    let top: Vec<&Comment> = all
        .iter()
        .filter(|c| c.parent_id.is_none() && visible(c, v))
        .collect();
    if top.is_empty() {
        h.push_markup("<p>");
        h.push_text(site.t(Text::CommentsEmpty));
        h.push_markup("</p>");
    } else {
        h.push_markup("<ol class=\"comment-list\">");
        for c in top {
            item(&mut h, site, c, all, v);
        }
        h.push_markup("</ol>");
    }
    let draft = match outcome {
        Outcome::Error(_, d) => d,
        _ => "",
    };
    form(&mut h, site, page, v, draft);
    h
}

fn item(h: &mut SafeHtml, site: &SiteData, c: &Comment, all: &[Comment], v: &Viewer) {
    h.push_markup("<li class=\"comment\" id=\"commentaire-");
    h.push_text(&c.id.to_string());
    h.push_markup("\">");
    one(h, site, c, v);
    let replies: Vec<&Comment> = all
        .iter()
        .filter(|r| r.parent_id == Some(c.id) && visible(r, v))
        .collect();
    if !replies.is_empty() {
        h.push_markup("<ol class=\"replies\">");
        for r in replies {
            h.push_markup("<li class=\"comment reply\">");
            one(h, site, r, v);
            h.push_markup("</li>");
        }
        h.push_markup("</ol>");
    }
    if v.moderator && c.status == Status::Approved {
        action_form(
            h,
            site,
            routes::COMMENT_REPLY,
            c.id,
            v,
            Some(Text::CommentsReplyLabel),
            Text::CommentsReply,
        );
    }
    h.push_markup("</li>");
}

/// The comments section of a post as a reader saw it, for a page read without a server
/// (the year-end class archive): the approved comments that nobody reported and their
/// approved replies, in the served markup, without forms or actions.
pub fn archived_section(site: &SiteData, all: &[Comment]) -> SafeHtml {
    let shown = |c: &Comment| c.status == Status::Approved && !c.reported;
    let mut h = SafeHtml::trusted("<h2 id=\"h-comments\">");
    h.push_text(site.t(Text::CommentsTitle));
    h.push_markup("</h2>");
    let top: Vec<&Comment> = all
        .iter()
        .filter(|c| c.parent_id.is_none() && shown(c))
        .collect();
    if top.is_empty() {
        h.push_markup("<p>");
        h.push_text(site.t(Text::CommentsEmpty));
        h.push_markup("</p>");
        return h;
    }
    h.push_markup("<ol class=\"comment-list\">");
    for c in top {
        h.push_markup("<li class=\"comment\" id=\"commentaire-");
        h.push_text(&c.id.to_string());
        h.push_markup("\">");
        written(&mut h, site, c);
        let replies: Vec<&Comment> = all
            .iter()
            .filter(|r| r.parent_id == Some(c.id) && shown(r))
            .collect();
        if !replies.is_empty() {
            h.push_markup("<ol class=\"replies\">");
            for r in replies {
                h.push_markup("<li class=\"comment reply\">");
                written(&mut h, site, r);
                h.push_markup("</li>");
            }
            h.push_markup("</ol>");
        }
        h.push_markup("</li>");
    }
    h.push_markup("</ol>");
    h
}

/// The author, the date and the text of an approved comment (no marks, no actions).
fn written(h: &mut SafeHtml, site: &SiteData, c: &Comment) {
    h.push_markup("<p class=\"meta\"><strong>");
    h.push_text(&c.author_name);
    h.push_markup("</strong> <time datetime=\"");
    h.push_text(&crate::time::rfc3339(c.created_at));
    h.push_markup("\">");
    h.push_text(&site.long_date(&crate::time::date_of_unix(c.created_at)));
    h.push_markup("</time></p><p class=\"body\">");
    h.push(&comments::render(&c.body));
    h.push_markup("</p>");
}

/// The author, the date, the marks, the text and the viewer's actions on it.
fn one(h: &mut SafeHtml, site: &SiteData, c: &Comment, v: &Viewer) {
    h.push_markup("<p class=\"meta\"><strong>");
    h.push_text(&c.author_name);
    h.push_markup("</strong> <time datetime=\"");
    h.push_text(&crate::time::rfc3339(c.created_at));
    h.push_markup("\">");
    h.push_text(&site.long_date(&crate::time::date_of_unix(c.created_at)));
    h.push_markup("</time>");
    let mark = match (c.status, c.reported) {
        (Status::Pending, _) => Some(Text::CommentsPending),
        (Status::Rejected, _) => Some(Text::CommentsRejected),
        (Status::Approved, true) => Some(Text::CommentsReported),
        _ => None,
    };
    if let Some(m) = mark {
        h.push_markup(" <span class=\"status\">(");
        h.push_text(site.t(m));
        h.push_markup(")</span>");
    }
    h.push_markup("</p><p class=\"body\">");
    h.push(&comments::render(&c.body));
    h.push_markup("</p>");
    if let (Status::Rejected, Some(reason)) = (c.status, &c.reason) {
        h.push_markup("<p class=\"reason\">");
        h.push_text(site.t(Text::CommentsReason));
        h.push_text(" ");
        h.push_text(reason);
        h.push_markup("</p>");
    }
    let own = c.author_id == v.account.id;
    h.push_markup("<div class=\"comment-actions\">");
    if own && c.status != Status::Rejected {
        edit_form(h, site, c, v);
    }
    if own || v.moderator {
        action_form(
            h,
            site,
            routes::COMMENT_DELETE,
            c.id,
            v,
            None,
            Text::CommentsDelete,
        );
    }
    if !own && c.status == Status::Approved && !c.reported {
        action_form(
            h,
            site,
            routes::COMMENT_REPORT,
            c.id,
            v,
            None,
            Text::CommentsReport,
        );
    }
    h.push_markup("</div>");
}

pub(super) fn hidden_input(h: &mut SafeHtml, name: &'static str, value: &str) {
    h.push_markup("<input type=\"hidden\" name=\"");
    h.push_markup(name);
    h.push_markup("\" value=\"");
    h.push_text(value);
    h.push_markup("\">");
}

/// A one-button form on a comment, with a text box when `label` is given (a reply).
fn action_form(
    h: &mut SafeHtml,
    site: &SiteData,
    action: &'static str,
    id: i64,
    v: &Viewer,
    label: Option<Text>,
    button: Text,
) {
    let field = format!("t{id}-{}", action.len());
    if label.is_some() {
        h.push_markup("<details><summary>");
        h.push_text(site.t(button));
        h.push_markup("</summary>");
    }
    h.push_markup("<form method=\"post\" action=\"");
    h.push_markup(action);
    h.push_markup("\">");
    hidden(h, "csrf", &v.csrf);
    hidden(h, "id", &id.to_string());
    if let Some(l) = label {
        textarea(h, site, &field, l, "");
    }
    h.push_markup("<button type=\"submit\">");
    h.push_text(site.t(button));
    h.push_markup("</button></form>");
    if label.is_some() {
        h.push_markup("</details>");
    }
}

fn edit_form(h: &mut SafeHtml, site: &SiteData, c: &Comment, v: &Viewer) {
    h.push_markup("<details><summary>");
    h.push_text(site.t(Text::CommentsEdit));
    h.push_markup("</summary><form method=\"post\" action=\"");
    h.push_markup(routes::COMMENT_EDIT);
    h.push_markup("\">");
    hidden(h, "csrf", &v.csrf);
    hidden(h, "id", &c.id.to_string());
    textarea(
        h,
        site,
        &format!("m{}", c.id),
        Text::CommentsFormLabel,
        &c.body,
    );
    h.push_markup("<button type=\"submit\">");
    h.push_text(site.t(Text::CommentsSave));
    h.push_markup("</button></form></details>");
}

fn textarea(h: &mut SafeHtml, site: &SiteData, id: &str, label: Text, value: &str) {
    h.push_markup("<p><label for=\"");
    h.push_text(id);
    h.push_markup("\">");
    h.push_text(site.t(label));
    h.push_markup("</label><textarea id=\"");
    h.push_text(id);
    h.push_markup("\" name=\"texte\" required maxlength=\"2000\" rows=\"4\">");
    h.push_text(value);
    h.push_markup("</textarea></p>");
}

fn form(h: &mut SafeHtml, site: &SiteData, page: &str, v: &Viewer, draft: &str) {
    if !v.may_comment {
        h.push_markup("<p>");
        h.push_text(site.t(Text::CommentsNotAllowed));
        h.push_markup("</p>");
        return;
    }
    h.push_markup("<form class=\"form comment-form\" method=\"post\" action=\"");
    h.push_markup(routes::COMMENT);
    h.push_markup("\">");
    hidden(h, "csrf", &v.csrf);
    hidden(h, "page", page);
    h.push_markup("<p><label for=\"texte\">");
    h.push_text(site.t(Text::CommentsFormLabel));
    h.push_markup("</label><textarea id=\"texte\" name=\"texte\" required maxlength=\"2000\" rows=\"4\" aria-describedby=\"texte-aide\">");
    h.push_text(draft);
    h.push_markup("</textarea><span class=\"hint\" id=\"texte-aide\">");
    h.push_text(site.t(Text::CommentsFormHint));
    h.push_markup("</span></p><p><button type=\"submit\">");
    h.push_text(site.t(Text::CommentsSend));
    h.push_markup("</button></p></form>");
}

/// The page with `inner` as the content of its comments section (the first marker whose
/// value is this page's path). A page the rewriter cannot read is served as built.
pub(super) fn inject(html: &[u8], page: &str, inner: &SafeHtml) -> Vec<u8> {
    let Ok(text) = std::str::from_utf8(html) else {
        return html.to_vec();
    };
    let done = Cell::new(false);
    let handler = |el: &mut Element| {
        if !done.get() && el.get_attribute("data-preau-comments").as_deref() == Some(page) {
            el.set_inner_content(inner.as_str(), ContentType::Html);
            done.set(true);
        }
        Ok(())
    };
    let settings = Settings::new()
        .append_element_content_handler(element!("section[data-preau-comments]", handler));
    match rewrite_str(text, settings) {
        Ok(out) => out.into_bytes(),
        Err(_) => html.to_vec(),
    }
}

/// The page with `extra` appended inside the header's "Mon espace" link (`a.space`).
pub(super) fn append_to_space_link(html: Vec<u8>, extra: &SafeHtml) -> Vec<u8> {
    let Ok(text) = std::str::from_utf8(&html) else {
        return html;
    };
    let done = Cell::new(false);
    let handler = |el: &mut Element| {
        if !done.get() {
            el.append(extra.as_str(), ContentType::Html);
            done.set(true);
        }
        Ok(())
    };
    let settings = Settings::new().append_element_content_handler(element!("a.space", handler));
    match rewrite_str(text, settings) {
        Ok(out) => out.into_bytes(),
        Err(_) => html,
    }
}

/// Is the page open to comments, and its access rule (for the post form's `page`)?
pub(super) fn rule<'s>(site: &'s SiteData, page: &str) -> Option<(&'s CommentRule, Access)> {
    let rule = site.manifest.comments.get(page)?;
    let file = format!("{}index.html", page.trim_start_matches('/'));
    let access = site.manifest.files.get(&file)?.clone();
    if access.is_public() {
        return None;
    }
    Some((rule, access))
}

fn hidden(h: &mut SafeHtml, name: &'static str, value: &str) {
    hidden_input(h, name, value)
}
