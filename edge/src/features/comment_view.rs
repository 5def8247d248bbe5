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
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

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

/// Stands for the comments section's inner content while a built page is split once
/// (an HTML comment: were it left in a page, it would show nothing).
const HOLE: &str = "<!--preau:commentaires-->";

/// A built post page cut where its comments section's content goes, so that each request
/// puts its viewer's section between two copies instead of parsing the page again:
/// `head + inner + tail` is byte for byte what `inject(built, page, inner)` gives, as
/// `lol_html` inserts HTML content verbatim and leaves the rest of the page as it was.
pub(crate) struct Split {
    /// The built page this split was made from (a rebuild that changes it makes another).
    built: Vec<u8>,
    /// `None` when the cut is not clear (no marker, or the page already holds `HOLE`):
    /// then every request runs `inject`.
    parts: Option<(Vec<u8>, Vec<u8>)>,
}

impl Split {
    pub(crate) fn new(built: &[u8], page: &str) -> Split {
        let hole = SafeHtml::trusted(HOLE);
        let marked = inject(built, page, &hole);
        let parts = if occurrences(built, HOLE.as_bytes()) == 0
            && occurrences(&marked, HOLE.as_bytes()) == 1
        {
            find(&marked, HOLE.as_bytes())
                .map(|at| (marked[..at].to_vec(), marked[at + HOLE.len()..].to_vec()))
        } else {
            None
        };
        Split {
            built: built.to_vec(),
            parts,
        }
    }

    /// Bytes held.
    fn size(&self) -> usize {
        self.built.len() + self.parts.as_ref().map_or(0, |(h, t)| h.len() + t.len())
    }

    /// Made from these bytes?
    pub(crate) fn fits(&self, built: &[u8]) -> bool {
        self.built == built
    }

    /// The page with `inner` as its comments section's content.
    pub(crate) fn fill(&self, page: &str, inner: &SafeHtml) -> Vec<u8> {
        match &self.parts {
            Some((head, tail)) => {
                let mut out = Vec::with_capacity(head.len() + inner.as_str().len() + tail.len());
                out.extend_from_slice(head);
                out.extend_from_slice(inner.as_str().as_bytes());
                out.extend_from_slice(tail);
                out
            }
            None => inject(&self.built, page, inner),
        }
    }
}

/// What post pages with comments reuse between requests (one per `Edge`): each page's
/// comments as read at one database generation (any commit, by this server or the CLI,
/// changes it), and each built page's `Split`.
#[derive(Default)]
pub(crate) struct Cache {
    rows: Mutex<(u64, PageRows)>,
    splits: Mutex<(usize, HashMap<String, Arc<Split>>)>,
}

/// Each page's comments.
type PageRows = HashMap<String, Arc<Vec<Comment>>>;

/// Pages whose comments are kept at once (emptied past that).
const ROWS_PAGES_MAX: usize = 1_000;
/// Bytes of split pages kept at once (emptied past that: the Worker has little memory).
const SPLITS_BYTES_MAX: usize = 8 * 1024 * 1024;

impl Cache {
    /// The comments of `page` if they were read at generation `g`.
    pub(crate) fn rows(&self, g: u64, page: &str) -> Option<Arc<Vec<Comment>>> {
        let kept = self.rows.lock().ok()?;
        if kept.0 != g {
            return None;
        }
        kept.1.get(page).cloned()
    }

    /// Keep the comments of `page`, read after the generation was `g`.
    pub(crate) fn keep_rows(&self, g: u64, page: &str, rows: Arc<Vec<Comment>>) {
        if let Ok(mut kept) = self.rows.lock() {
            if kept.0 != g || kept.1.len() >= ROWS_PAGES_MAX {
                kept.1.clear();
                kept.0 = g;
            }
            kept.1.insert(page.to_string(), rows);
        }
    }

    /// The split of this built page (made now if the page changed or was never split).
    pub(crate) fn split(&self, page: &str, built: &[u8]) -> Arc<Split> {
        if let Some(s) = self
            .splits
            .lock()
            .ok()
            .and_then(|k| k.1.get(page).cloned())
            .filter(|s| s.fits(built))
        {
            return s;
        }
        let split = Arc::new(Split::new(built, page));
        if let Ok(mut kept) = self.splits.lock() {
            let size = split.size();
            if kept.0 + size > SPLITS_BYTES_MAX {
                kept.1.clear();
                kept.0 = 0;
            }
            if let Some(old) = kept.1.insert(page.to_string(), split.clone()) {
                kept.0 = kept.0.saturating_sub(old.size());
            }
            kept.0 += size;
        }
        split
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// How many times `needle` occurs in `hay` (without overlaps).
fn occurrences(hay: &[u8], needle: &[u8]) -> usize {
    let mut n = 0;
    let mut rest = hay;
    while let Some(at) = find(rest, needle) {
        n += 1;
        rest = &rest[at + needle.len()..];
    }
    n
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

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "/ecoles/a/classes/ce1/la-chorale/";

    fn built(extra: &str) -> String {
        format!(
            "<!DOCTYPE html><html lang=fr><head><title>La chorale &amp; nous</title>\
             <script>if (a < b) {{ document.write('<section data-preau-comments=\"{PAGE}\">') }}</script></head>\
             <body><header><a class=space href=/espace/>Mon espace</a></header><main><p>Été {extra}</p>\
             <section data-preau-comments=\"/autre/\"><p>autre</p></section>\
             <section id=\"commentaires\" data-preau-comments=\"{PAGE}\"><p>Connectez-vous</p></section>\
             <!-- fin --><p>après&nbsp;<br/>fin</p></main></body></html>"
        )
    }

    /// A split page filled is byte for byte what the rewriter gives, whatever is inserted;
    /// a page that already holds the hole, or has no section, is rewritten each time.
    #[test]
    fn a_split_page_filled_is_the_rewritten_page() {
        let inners = [
            SafeHtml::trusted(""),
            SafeHtml::trusted("<h2 id=\"h-comments\">Commentaires</h2><ol><li>Un</li></ol>"),
            SafeHtml::text("</section><script>alert(1)</script> & <!--"),
        ];
        for page in [
            built(""),
            built(HOLE),
            built("x").replace(PAGE, "/ailleurs/"),
        ] {
            let split = Split::new(page.as_bytes(), PAGE);
            assert!(split.fits(page.as_bytes()));
            assert!(!split.fits(built("changé").as_bytes()));
            assert_eq!(
                split.parts.is_some(),
                !page.contains(HOLE) && page.contains(PAGE)
            );
            for inner in &inners {
                assert_eq!(
                    String::from_utf8(split.fill(PAGE, inner)).unwrap(),
                    String::from_utf8(inject(page.as_bytes(), PAGE, inner)).unwrap()
                );
            }
        }
    }

    /// The cache gives a new split when the built page changes, and rows only for the
    /// generation they were read at.
    #[test]
    fn the_cache_follows_the_built_page_and_the_generation() {
        let cache = Cache::default();
        let (a, b) = (built("a"), built("b"));
        let inner = SafeHtml::trusted("<p>x</p>");
        assert_eq!(
            cache.split(PAGE, a.as_bytes()).fill(PAGE, &inner),
            inject(a.as_bytes(), PAGE, &inner)
        );
        assert_eq!(
            cache.split(PAGE, b.as_bytes()).fill(PAGE, &inner),
            inject(b.as_bytes(), PAGE, &inner)
        );
        cache.keep_rows(7, PAGE, Arc::new(Vec::new()));
        assert!(cache.rows(7, PAGE).is_some());
        assert!(cache.rows(8, PAGE).is_none());
        assert!(cache.rows(7, "/autre/").is_none());
        cache.keep_rows(8, "/autre/", Arc::new(Vec::new()));
        assert!(
            cache.rows(7, PAGE).is_none(),
            "a new generation forgets the old rows"
        );
    }
}
