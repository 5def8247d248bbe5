//! The online editor: `/espace/ecrire/` lists one's posts per blog (drafts, proposals,
//! published), `/espace/ecrire/article/` is the editor (save a draft, preview, publish or
//! propose, unpublish), `/espace/ecrire/valider/` is a validator's decision on a proposal.
//!
//! The rules are in `writing` (who writes where, paths, front matter); the file goes into
//! the content repository through `store::repo` (one commit per save, after checking that
//! the file is still the version the editor started from); `store::posts` keeps whose post
//! it is and where it stands; every save, publication, validation and refusal is audited.
//! The preview and the checks on save are the generator's own, through the repository.

use super::editor_view::{self as view, Item, Section, Shown};
use crate::accounts::Account;
use crate::app::{Ctx, Edge, Halt, Handled};
use crate::audit::{Action, Outcome};
use crate::form::{self, Form};
use crate::guard;
use crate::respond::{self, Resp};
use crate::session::Session;
use crate::store::posts::{self, Pending, PostRow};
use crate::store::repo::{Change, Preview, Problem, RepoError, RepoFile};
use crate::store::{self, Platform};
use crate::writing::{self, DocError, Document, Fields, Mode, Place};
use http::StatusCode;
use preau_contract::date::Date;
use preau_contract::html::SafeHtml;
use preau_contract::routes::WRITE;
use preau_contract::shell::{ShellName, Slot};
use preau_contract::text::Text;

/// Posts listed per blog and state.
const LIST_MAX: i64 = 200;
/// Hand-written posts (without a row) listed per blog.
const FILES_MAX: usize = 30;

const DRAFT: &str = "draft";
const SUBMITTED: &str = "submitted";
const PUBLISHED: &str = "published";

fn forbidden(cx: &Ctx, text: Text) -> Halt {
    Halt::from(respond::notice(cx.site, StatusCode::FORBIDDEN, text))
}

/// Refuse, with the refusal in the audit log.
async fn deny<P: Platform>(
    edge: &Edge<P>,
    cx: &Ctx<'_>,
    s: &Session,
    action: Action,
    target: &str,
) -> Halt {
    let l = &s.account.login;
    if let Err(e) = edge.audit(cx, l, action, target, Outcome::Denied).await {
        return Halt::Store(e);
    }
    forbidden(cx, Text::WriteForbidden)
}

fn off(cx: &Ctx) -> Halt {
    Halt::from(respond::notice(
        cx.site,
        StatusCode::SERVICE_UNAVAILABLE,
        Text::WriteOff,
    ))
}

fn repo_failed<P: Platform>(edge: &Edge<P>, what: &str, e: &RepoError) {
    edge.platform.error(&format!("éditeur : {what} : {e}"));
}

pub(super) async fn list<P: Platform>(edge: &Edge<P>, cx: &Ctx<'_>) -> Handled {
    let s = guard::accepted(cx)?;
    if !edge.platform.repo_available() {
        return Err(off(cx));
    }
    send_kept(edge, VISIT_RETRIES).await;
    let me = &s.account;
    let mut sections = Vec::new();
    for (place, mode) in writing::places_for(me, &cx.site.manifest) {
        sections.push(section(edge, cx, me, place, mode).await?);
    }
    let done = form::query_value(cx.query, "fait").unwrap_or_default();
    let url = form::query_value(cx.query, "chemin")
        .and_then(|p| Place::of_path(&p).and_then(|pl| pl.url_of(&p)));
    let later = edge.platform.repo_deploys_later();
    let mut notice = view::done_notice(cx.site, &done, url.as_deref(), later);
    let sent = form::query_value(cx.query, "envoi").unwrap_or_default();
    notice.push(&view::push_notice(cx.site, &sent));
    let waiting = edge
        .platform
        .repo_conflicts(&me.login)
        .await
        .unwrap_or_default();
    notice.push(&view::conflicts_notice(cx.site, &waiting));
    let results = view::list(cx.site, &sections);
    Ok(respond::page(
        cx.site,
        StatusCode::OK,
        ShellName::Writing,
        cx.site.t(Text::WriteTitle),
        &[(Slot::Notice, &notice), (Slot::Results, &results)],
    ))
}

/// One blog's posts as `me` may see them: their own drafts (a draft is nobody else's
/// business), proposals (their own; all of them for a validator), published posts.
async fn section<P: Platform>(
    edge: &Edge<P>,
    cx: &Ctx<'_>,
    me: &Account,
    place: Place,
    mode: Mode,
) -> Result<Section, Halt> {
    let rows = posts::in_place(&edge.platform, &place.key(), LIST_MAX).await?;
    let mine = |r: &PostRow| r.author_id == me.id;
    let later = edge.platform.repo_deploys_later();
    let items = |state: &str, all: bool| -> Vec<Item> {
        rows.iter()
            .filter(|r| r.state == state && (all || mine(r)))
            .map(|r| {
                let mut it = Item::of_row(&place, r);
                it.status = if r.pending_conflict {
                    Some(Text::WriteQueuedConflict)
                } else if r.pending {
                    Some(Text::WriteQueuedLabel)
                } else if later && r.state == PUBLISHED && !served(cx, &place, r) {
                    Some(Text::WritePublishing)
                } else {
                    None
                };
                it
            })
            .collect()
    };
    let validator = mode == Mode::Publish;
    let drafts = items(DRAFT, false);
    let submitted = items(SUBMITTED, validator);
    let mut published = items(PUBLISHED, validator);
    if validator {
        // Posts written with Git (no row): the published ones, newest names first.
        let files = edge
            .platform
            .repo_list(&place.folder())
            .await
            .unwrap_or_default();
        for path in files.iter().rev() {
            if published.len() >= FILES_MAX + LIST_MAX as usize
                || rows.iter().any(|r| &r.path == path)
            {
                continue;
            }
            let Ok(Some(file)) = edge.platform.repo_read(path).await else {
                continue;
            };
            let Ok(doc) = Document::parse(&file.text) else {
                continue;
            };
            if doc.fields(&place, path).draft {
                continue;
            }
            published.push(Item {
                path: path.clone(),
                title: doc.title(),
                author: String::new(),
                url: place.url_of(path),
                note: None,
                status: None,
            });
            if published.len() >= FILES_MAX {
                break;
            }
        }
    }
    Ok(Section {
        place,
        drafts,
        submitted,
        published,
    })
}

/// The post being written: its blog, how this person writes there, and (for a post that
/// exists) its path, row and stored file.
struct Target {
    place: Place,
    mode: Mode,
    path: Option<String>,
    row: Option<PostRow>,
    file: Option<RepoFile>,
    /// A save of this post kept in the table (the repository did not take it yet): the
    /// editor shows it instead of the repository's file.
    kept: Option<Pending>,
}

impl Target {
    fn published(&self) -> bool {
        match &self.row {
            Some(r) => r.state == PUBLISHED,
            None => self
                .file
                .as_ref()
                .and_then(|f| Document::parse(&f.text).ok())
                .is_some_and(|d| !d.fields(&self.place, "").draft),
        }
    }
}

/// Find what `s` is writing: an existing post by `path`, or a new one in the blog `key`.
/// Anything `s` may not touch is refused (and audited) here.
async fn target<P: Platform>(
    edge: &Edge<P>,
    cx: &Ctx<'_>,
    s: &Session,
    path: Option<&str>,
    key: Option<&str>,
    saving: bool,
) -> Result<Target, Halt> {
    let me = &s.account;
    let Some(path) = path.filter(|p| !p.is_empty()) else {
        let key = key.unwrap_or("");
        let place = Place::parse_key(key);
        let Some((place, mode)) =
            place.and_then(|p| writing::mode(me, &p, &cx.site.manifest).map(|m| (p, m)))
        else {
            return Err(deny(edge, cx, s, Action::PostSave, key).await);
        };
        return Ok(Target {
            place,
            mode,
            path: None,
            row: None,
            file: None,
            kept: None,
        });
    };
    let place = Place::of_path(path);
    let Some((place, mode)) =
        place.and_then(|p| writing::mode(me, &p, &cx.site.manifest).map(|m| (p, m)))
    else {
        return Err(deny(edge, cx, s, Action::PostSave, path).await);
    };
    let row = posts::find(&edge.platform, path).await?;
    let allowed = match &row {
        // A draft is its author's alone; a proposal is its author's and the validators'.
        Some(r) if r.state == DRAFT => r.author_id == me.id,
        Some(r) => r.author_id == me.id || mode == Mode::Publish,
        // Written with Git: only those who publish there edit it online.
        None => mode == Mode::Publish,
    };
    // A proposer's post that was published is the validators' now.
    let allowed =
        allowed && !(mode == Mode::Propose && row.as_ref().is_some_and(|r| r.state == PUBLISHED));
    if !allowed {
        return Err(deny(edge, cx, s, Action::PostSave, path).await);
    }
    let mut kept = None;
    if row.as_ref().is_some_and(|r| r.pending) {
        kept = posts::pending_of(&edge.platform, path).await?;
    }
    // A kept save in conflict is shown beside the repository's file (which is edited).
    if let Some(kept) = kept.take_if(|k| !k.conflict) {
        return Ok(Target {
            place,
            mode,
            path: Some(path.to_string()),
            row,
            file: Some(RepoFile {
                text: kept.text.clone(),
                version: kept_version(&kept),
            }),
            kept: Some(kept),
        });
    }
    let file = match edge.platform.repo_read(path).await {
        Ok(Some(f)) => f,
        Ok(None) => {
            return Err(Halt::from(respond::notice(
                cx.site,
                StatusCode::NOT_FOUND,
                Text::WriteNotFound,
            )))
        }
        // Saving an editor's post while the forge is unreachable: the save is made from
        // the form alone (the keys the editor manages) and kept, rather than refused.
        Err(RepoError::Unreachable(e)) if saving && row.is_some() => {
            edge.platform
                .error(&format!("éditeur : {path} : forge injoignable : {e}"));
            return Ok(Target {
                place,
                mode,
                path: Some(path.to_string()),
                row,
                file: None,
                kept,
            });
        }
        Err(e) => {
            repo_failed(edge, path, &e);
            return Err(off(cx));
        }
    };
    Ok(Target {
        place,
        mode,
        path: Some(path.to_string()),
        row,
        file: Some(file),
        kept,
    })
}

/// The version the editor carries for a kept save: it names the kept text, so that two
/// people editing it still see each other's changes as a conflict.
fn kept_version(k: &Pending) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(k.text.as_bytes());
    let hex: String = d[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("{KEPT_PREFIX}{hex}")
}

const KEPT_PREFIX: &str = "garde-";

/// Kept saves sent again per visit of the editor (each costs the forge three requests).
const VISIT_RETRIES: i64 = 3;
/// Kept saves sent again by the daily task.
pub const CRON_RETRIES: i64 = 50;

/// Is the published post `r` served by the deployed site, as last saved? The build records
/// when each file's bytes last changed (`meta.modified`): the page must have changed since
/// the save (the build that follows the forge's push).
fn served(cx: &Ctx, place: &Place, r: &PostRow) -> bool {
    let Some(url) = place.url_of(&r.path) else {
        return true;
    };
    let file = format!("{}index.html", url.trim_start_matches('/'));
    cx.site
        .manifest
        .meta
        .get(&file)
        .is_some_and(|m| m.modified >= r.updated_at)
}

/// Send the kept saves again (at most `limit`): each one that the repository takes
/// becomes the commit it was meant to be; a conflict stops it (its author is told in the
/// editor); an outage leaves it for the next try. Returns how many were sent.
pub async fn send_kept<P: Platform>(edge: &Edge<P>, limit: i64) -> usize {
    let kept = match posts::pending_to_send(&edge.platform, limit).await {
        Ok(k) => k,
        Err(e) => {
            edge.platform
                .error(&format!("éditeur : textes gardés illisibles : {e}"));
            return 0;
        }
    };
    let mut sent = 0;
    for k in kept {
        // Written over the file as it is now when it is still the version the save started
        // from: a save kept while the forge was down was made from the form alone, and
        // would otherwise drop the keys the editor does not manage (tags, cover…).
        let mut text = k.text.clone();
        if let (Some(place), Some(base)) = (Place::of_path(&k.path), &k.base) {
            if let Ok(Some(file)) = edge.platform.repo_read(&k.path).await {
                if &file.version == base {
                    if let Some(m) = Document::merge_onto(&file.text, &k.text, &place, &k.path) {
                        text = m;
                    }
                }
            }
        }
        let change = Change {
            path: k.path.clone(),
            text,
            base: k.base.clone(),
            author_name: k.name.clone(),
            author_login: k.login.clone(),
            message: k.message.clone(),
            rebuild: k.state == PUBLISHED,
        };
        let stmt = match edge.platform.repo_write(change).await {
            Ok(w) => {
                sent += 1;
                posts::pending_sent(&k.path, &k.text, &w.version, &w.commit)
            }
            Err(RepoError::Conflict) => posts::pending_failed(&k.path, &k.text, "conflict"),
            Err(e) => {
                repo_failed(edge, &k.path, &e);
                // One outage at a time: the others wait for the next try.
                let stmt = posts::pending_failed(&k.path, &k.text, &e.to_string());
                let _ = edge.platform.batch(vec![stmt]).await;
                break;
            }
        };
        if let Err(e) = edge.platform.batch(vec![stmt]).await {
            edge.platform
                .error(&format!("éditeur : texte gardé {} : {e}", k.path));
        }
    }
    sent
}

/// The stored file's document, or the page that says why it cannot be edited online.
fn document(cx: &Ctx, file: &RepoFile) -> Result<Document, Halt> {
    Document::parse(&file.text).map_err(|e| {
        let text = match e {
            DocError::Yaml => Text::WriteYaml,
            DocError::Unreadable => Text::WriteNotFound,
        };
        Halt::from(respond::notice(
            cx.site,
            StatusCode::UNPROCESSABLE_ENTITY,
            text,
        ))
    })
}

fn today(cx: &Ctx) -> Option<Date> {
    Date::parse(&crate::time::date_of_unix(cx.now))
}

pub(super) async fn page<P: Platform>(edge: &Edge<P>, cx: &Ctx<'_>) -> Handled {
    let s = guard::accepted(cx)?;
    if !edge.platform.repo_available() {
        return Err(off(cx));
    }
    send_kept(edge, VISIT_RETRIES).await;
    let path = form::query_value(cx.query, "chemin");
    let key = form::query_value(cx.query, "portee");
    let t = target(edge, cx, s, path.as_deref(), key.as_deref(), false).await?;
    let (fields, text) = match &t.file {
        Some(file) => {
            let doc = document(cx, file)?;
            let fields = doc.fields(&t.place, t.path.as_deref().unwrap_or(""));
            (fields, doc.body)
        }
        None => (
            Fields {
                title: String::new(),
                date: today(cx),
                visibility: t.place.visibilities()[0],
                comments: true,
                draft: true,
                author: s.account.display_name.clone(),
            },
            String::new(),
        ),
    };
    let mut notice = SafeHtml::empty();
    if let Some(note) = t.row.as_ref().and_then(|r| r.note.as_ref()) {
        let mut h = SafeHtml::trusted("<p class=\"notice\" role=\"status\">");
        h.push_text(cx.site.t(Text::WriteRefusedNote));
        h.push_markup(" ");
        h.push_text(note);
        h.push_markup("</p>");
        notice = h;
    }
    if let Some(k) = &t.kept {
        notice.push(&view::kept_notice(cx.site, k));
    } else if let Some(done) = form::query_value(cx.query, "fait") {
        let later = edge.platform.repo_deploys_later();
        notice.push(&view::done_notice(cx.site, &done, None, later));
    }
    let base = t.file.as_ref().map(|f| f.version.clone());
    render(
        edge,
        cx,
        s,
        &t,
        &fields,
        &text,
        base.as_deref(),
        notice,
        SafeHtml::empty(),
        StatusCode::OK,
    )
    .await
}

/// The editor page.
#[allow(clippy::too_many_arguments)]
async fn render<P: Platform>(
    edge: &Edge<P>,
    cx: &Ctx<'_>,
    s: &Session,
    t: &Target,
    fields: &Fields,
    text: &str,
    base: Option<&str>,
    notice: SafeHtml,
    problems: SafeHtml,
    status: StatusCode,
) -> Handled {
    let photo = PhotoState::default();
    render_with(
        edge, cx, s, t, fields, text, base, notice, problems, &photo, status,
    )
    .await
}

/// What the photo field shows again: the alt text typed, and why the photo was not added.
#[derive(Default)]
struct PhotoState {
    alt: String,
    error: Option<String>,
}

/// The editor page, with the photo field's state.
#[allow(clippy::too_many_arguments)]
async fn render_with<P: Platform>(
    edge: &Edge<P>,
    cx: &Ctx<'_>,
    s: &Session,
    t: &Target,
    fields: &Fields,
    text: &str,
    base: Option<&str>,
    notice: SafeHtml,
    problems: SafeHtml,
    photo: &PhotoState,
    status: StatusCode,
) -> Handled {
    let csrf = edge.session_csrf(s);
    let scope = t.place.media_scope();
    let photo_field =
        crate::uploads::may_upload_into(&s.account, &scope).then(|| view::PhotoField {
            alt: &photo.alt,
            error: photo.error.as_deref(),
            max_mb: edge.config.uploads.media.max_bytes >> 20,
        });
    let mut notice = notice;
    if let (None, Some(e)) = (&photo_field, &photo.error) {
        // No photo field for this person: the reason goes at the top.
        notice.push(&respond::form_error(e));
    }
    let form = view::form(
        cx.site,
        &view::Form {
            place: &t.place,
            mode: t.mode,
            path: t.path.as_deref(),
            base,
            fields,
            text,
            problems,
            published: t.published(),
            csrf: &csrf,
            photo: photo_field,
        },
    );
    let mut results = form;
    let submitted = t.row.as_ref().is_some_and(|r| r.state == SUBMITTED);
    if submitted && t.mode == Mode::Publish {
        if let Some(p) = &t.path {
            results.push(&view::review(cx.site, p, &csrf));
        }
    }
    let rows = store::uploads::list(&edge.platform, &scope.as_path(), 24, 0).await?;
    let gallery = view::picker(cx.site, &t.place, &rows);
    let title = if fields.title.is_empty() {
        cx.site.t(Text::WriteNew).to_string()
    } else {
        fields.title.clone()
    };
    Ok(respond::page(
        cx.site,
        status,
        ShellName::Editor,
        &title,
        &[
            (Slot::Error, &notice),
            (Slot::Results, &results),
            (Slot::Gallery, &gallery),
        ],
    ))
}

/// What the form sent, checked.
struct Input {
    fields: Fields,
    text: String,
    action: String,
    base: Option<String>,
}

/// Read the form's fields for `t`; a wrong field is a message for the form.
fn input(
    cx: &Ctx,
    f: &Form,
    t: &Target,
    me: &Account,
    stored: Option<&Fields>,
) -> Result<Input, Box<(Input, Text)>> {
    let title = writing::clean_title(f.get("titre").unwrap_or(""));
    let text = writing::clean_text(f.get("texte").unwrap_or(""));
    let mut problem = None;
    if title.is_empty() || title.chars().count() > writing::TITLE_MAX {
        problem = Some(Text::WriteTitleMissing);
    }
    if text.chars().count() > writing::TEXT_MAX {
        problem = Some(Text::WriteTextTooLong);
    }
    let date = match f.get("date").map(str::trim).filter(|d| !d.is_empty()) {
        None => today(cx),
        Some(d) => match Date::parse(d) {
            Some(d) => Some(d),
            None => {
                problem = Some(Text::WriteBadDate);
                today(cx)
            }
        },
    };
    let allowed = t.place.visibilities();
    let visibility = match f.get("visibilite").filter(|v| !v.is_empty()) {
        None => allowed[0],
        Some(v) => match allowed.iter().find(|a| a.as_str() == v) {
            Some(a) => *a,
            None => {
                problem = Some(Text::WriteBadVisibility);
                allowed[0]
            }
        },
    };
    let author = stored
        .map(|s| s.author.clone())
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| me.display_name.clone());
    let input = Input {
        fields: Fields {
            title,
            date,
            visibility,
            comments: f.get("commentaires") == Some("1"),
            draft: true,
            author,
        },
        text,
        action: f.get("action").unwrap_or("brouillon").to_string(),
        base: f.get("base").filter(|b| !b.is_empty()).map(str::to_string),
    };
    match problem {
        Some(p) => Err(Box::new((input, p))),
        None => Ok(input),
    }
}

/// The problems of a document, placed in the text box's lines.
fn shown(doc: &Document, problems: &[Problem]) -> Vec<Shown> {
    let first = doc.body_line();
    problems
        .iter()
        .map(|p| {
            let line = p.line.filter(|l| *l >= first).map(|l| l - first + 1);
            let message = match &p.hint {
                Some(h) => format!("{} ({h})", p.message),
                None => p.message.clone(),
            };
            Shown { line, message }
        })
        .collect()
}

/// The repository failed: logged, and the form shown again with the author's text (503).
async fn unavailable<P: Platform>(
    edge: &Edge<P>,
    cx: &Ctx<'_>,
    s: &Session,
    t: &Target,
    inp: &Input,
    path: &str,
    e: &RepoError,
) -> Handled {
    repo_failed(edge, path, e);
    let msg = respond::form_error(cx.site.t(Text::WriteUnavailable));
    render(
        edge,
        cx,
        s,
        t,
        &inp.fields,
        &inp.text,
        inp.base.as_deref(),
        msg,
        SafeHtml::empty(),
        StatusCode::SERVICE_UNAVAILABLE,
    )
    .await
}

/// The editor's form, sent `application/x-www-form-urlencoded` (the preview's banner, a
/// form without a file) or `multipart/form-data` (the editor, whose photo field sends its
/// file with the text): its text fields, checked like any session form (this session's
/// token, our own origin), and the photo, if one was chosen.
fn editor_form<'a, P: Platform>(
    edge: &Edge<P>,
    cx: &'a Ctx<'_>,
    s: &Session,
) -> Result<(Form, Option<PhotoPart<'a>>), Halt> {
    let boundary = cx
        .req
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::multipart::boundary);
    let Some(boundary) = boundary else {
        return Ok((guard::session_form(edge, cx, s)?, None));
    };
    let parts = crate::multipart::parse(cx.req.body(), &boundary, 32)
        .map_err(|_| respond::notice(cx.site, StatusCode::BAD_REQUEST, Text::MediaBadForm))?;
    let mut photo = None;
    let mut fields = Vec::new();
    for p in parts {
        match &p.file_name {
            Some(name) if p.name == "photo" && photo.is_none() => {
                // A file input left empty sends an empty part with an empty name.
                if !(name.is_empty() && p.data.is_empty()) {
                    photo = Some(PhotoPart {
                        name: crate::uploads::clean_name(name),
                        data: p.data,
                    });
                }
            }
            Some(_) => {}
            None => {
                // A text field that is not UTF-8 is read as empty, like a broken urlencoding.
                let value = std::str::from_utf8(p.data).unwrap_or("").to_string();
                fields.push((p.name.clone(), value));
            }
        }
    }
    let f = Form::from_pairs(fields);
    let ok = form::same_origin(cx.req)
        && f.get("csrf")
            .is_some_and(|t| crate::session::csrf_ok(&edge.config.secret, &s.token_hash, t));
    if !ok {
        return Err(Halt::from(respond::notice(
            cx.site,
            StatusCode::FORBIDDEN,
            Text::Csrf,
        )));
    }
    Ok((f, photo))
}

/// The photo chosen in the editor's form: its cleaned name (shown, never a path) and bytes.
struct PhotoPart<'a> {
    name: String,
    data: &'a [u8],
}

/// The alt text of a photo as it goes into `![…](…)`: one line, without the characters
/// that would end the brackets or escape them, at most 300 characters.
fn clean_alt(raw: &str) -> String {
    let kept: String = writing::clean_title(raw)
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | '\\' | '<' | '>'))
        .take(300)
        .collect();
    kept.trim().to_string()
}

/// Where the photo's snippet goes: in place of the first `[photo]` of the text, or at
/// its end after a blank line.
const PHOTO_MARKER: &str = "[photo]";

fn insert_snippet(text: &str, snippet: &str) -> String {
    if text.contains(PHOTO_MARKER) {
        return text.replacen(PHOTO_MARKER, snippet, 1);
    }
    let body = text.trim_end();
    if body.is_empty() {
        format!("{snippet}\n")
    } else {
        format!("{body}\n\n{snippet}\n")
    }
}

/// Store the photo sent with the form in the blog's gallery through the uploads' own core
/// (type sniffing, size and pixel limits, re-encoding without metadata, quota, audit) and
/// return the snippet for the text; or the French reason, for the field, with nothing kept.
async fn take_photo<P: Platform>(
    edge: &Edge<P>,
    cx: &Ctx<'_>,
    s: &Session,
    place: &Place,
    photo: &PhotoPart<'_>,
    alt: &str,
) -> Result<Result<String, String>, Halt> {
    let scope = place.media_scope();
    if !crate::uploads::may_upload_into(&s.account, &scope) {
        let l = &s.account.login;
        edge.audit(cx, l, Action::Upload, &scope.as_path(), Outcome::Denied)
            .await?;
        return Ok(Err(cx.site.t(Text::WritePhotoForbidden).to_string()));
    }
    if alt.is_empty() {
        return Ok(Err(cx.site.t(Text::WritePhotoAltMissing).to_string()));
    }
    let mut quota = super::upload_store::Quota::read(edge, s, cx.now).await?;
    let name = photo.name.clone();
    let filed =
        super::upload_store::take(edge, cx, s, &scope, name, photo.data, &mut quota, true).await?;
    match filed.media {
        Some(m) => Ok(Ok(format!("![{alt}]({})", m.url()))),
        None => Ok(Err(cx
            .site
            .t(Text::WritePhotoRefused)
            .replace("{raison}", &filed.reason))),
    }
}

pub(super) async fn submit<P: Platform>(edge: &Edge<P>, cx: &Ctx<'_>) -> Handled {
    let s = guard::accepted(cx)?;
    let (f, photo) = editor_form(edge, cx, s)?;
    if !edge.platform.repo_available() {
        return Err(off(cx));
    }
    let t = target(edge, cx, s, f.get("chemin"), f.get("portee"), true).await?;
    let stored = match &t.file {
        Some(file) => Some(document(cx, file)?),
        None => None,
    };
    let stored_fields = stored
        .as_ref()
        .map(|d| d.fields(&t.place, t.path.as_deref().unwrap_or("")));
    let (mut inp, problem) = match input(cx, &f, &t, &s.account, stored_fields.as_ref()) {
        Ok(i) => (i, None),
        Err(bad) => {
            let (i, problem) = *bad;
            (i, Some(problem))
        }
    };
    // The photo first: a form with another problem still keeps its photo (the browser
    // would not send the file again), its snippet going into the text shown back.
    let mut photo_state = PhotoState::default();
    if let Some(photo) = &photo {
        let alt = clean_alt(f.get("photo_alt").unwrap_or(""));
        match take_photo(edge, cx, s, &t.place, photo, &alt).await? {
            Ok(snippet) => inp.text = insert_snippet(&inp.text, &snippet),
            Err(reason) => {
                photo_state = PhotoState {
                    alt,
                    error: Some(reason),
                };
            }
        }
    }
    if photo_state.error.is_some() || problem.is_some() {
        let msg = match problem {
            Some(p) => respond::form_error(cx.site.t(p)),
            None => SafeHtml::empty(),
        };
        let base = inp.base.clone();
        return render_with(
            edge,
            cx,
            s,
            &t,
            &inp.fields,
            &inp.text,
            base.as_deref(),
            msg,
            SafeHtml::empty(),
            &photo_state,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let action = inp.action.as_str();
    if action == "modifier" {
        let base = inp.base.clone();
        return render(
            edge,
            cx,
            s,
            &t,
            &inp.fields,
            &inp.text,
            base.as_deref(),
            SafeHtml::empty(),
            SafeHtml::empty(),
            StatusCode::OK,
        )
        .await;
    }
    // The path: the post's own, or a new one in its blog (never from the browser).
    let path = match &t.path {
        Some(p) => p.clone(),
        None => {
            let mut existing = Vec::new();
            if let Ok(list) = edge.platform.repo_list(&t.place.folder()).await {
                existing = list;
            }
            let Some(date) = inp.fields.date.or_else(|| today(cx)) else {
                let msg = respond::form_error(cx.site.t(Text::WriteBadDate));
                let base = inp.base.clone();
                return render(
                    edge,
                    cx,
                    s,
                    &t,
                    &inp.fields,
                    &inp.text,
                    base.as_deref(),
                    msg,
                    SafeHtml::empty(),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            };
            writing::new_path(&t.place, date, &inp.fields.title, |p| {
                existing.iter().any(|e| e == p)
            })
        }
    };
    let publishing = match (action, t.mode) {
        ("publier", Mode::Publish) => true,
        ("publier" | "proposer", Mode::Propose) => false,
        ("proposer", Mode::Publish) => true,
        _ => false,
    };
    let proposing = t.mode == Mode::Propose && matches!(action, "publier" | "proposer");
    let unpublishing = action == "depublier" && t.mode == Mode::Publish && t.path.is_some();
    let mut fields = inp.fields.clone();
    fields.draft = !publishing;
    let mut doc = stored
        .clone()
        .unwrap_or_else(|| writing::new_document(&t.place, &fields, ""));
    doc.body = inp.text.clone();
    doc.set(&t.place, &fields);
    // The checks of `preau check`, on the text as it would be published.
    let mut as_published = doc.clone();
    let mut pf = fields.clone();
    pf.draft = false;
    as_published.set(&t.place, &pf);
    let checked = match edge
        .platform
        .repo_preview(&path, &as_published.render())
        .await
    {
        Ok(p) => p,
        // No generator here (the Worker): the checks it can make, then the text itself;
        // the deploy's build checks the rest.
        Err(RepoError::NoPreview) => {
            let found = writing::quick_problems(&as_published, &cx.site.manifest);
            if found.is_empty() {
                Preview::Page(view::plain_preview(cx.site, &inp.fields, &inp.text))
            } else {
                Preview::Problems(found)
            }
        }
        Err(e) => {
            return unavailable(edge, cx, s, &t, &inp, &path, &e).await;
        }
    };
    let problems = match &checked {
        Preview::Problems(list) => shown(&as_published, list),
        Preview::Page(_) => Vec::new(),
    };
    if action == "apercu" {
        return match checked {
            Preview::Page(html) => {
                let base = inp.base.clone();
                let form = view::Form {
                    place: &t.place,
                    mode: t.mode,
                    path: t.path.as_deref(),
                    base: base.as_deref(),
                    fields: &inp.fields,
                    text: &inp.text,
                    problems: SafeHtml::empty(),
                    published: t.published(),
                    csrf: &edge.session_csrf(s),
                    photo: None,
                };
                let mut r =
                    respond::html(StatusCode::OK, view::preview_page(cx.site, &html, &form));
                respond::private(&mut r);
                Ok(r)
            }
            Preview::Problems(_) => {
                let list = view::problems(cx.site, Text::WriteErrors, &problems);
                let base = inp.base.clone();
                render(
                    edge,
                    cx,
                    s,
                    &t,
                    &inp.fields,
                    &inp.text,
                    base.as_deref(),
                    SafeHtml::empty(),
                    list,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
        };
    }
    if (publishing || proposing) && !problems.is_empty() {
        let list = view::problems(cx.site, Text::WriteErrors, &problems);
        let base = inp.base.clone();
        return render(
            edge,
            cx,
            s,
            &t,
            &inp.fields,
            &inp.text,
            base.as_deref(),
            SafeHtml::empty(),
            list,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let was_published = t.published();
    let (state, audit_action, message, done) = if publishing {
        let verb = if was_published {
            "Modification"
        } else {
            "Publication"
        };
        (PUBLISHED, Action::PostPublish, verb, "publie")
    } else if proposing {
        (SUBMITTED, Action::PostSubmit, "Proposition", "propose")
    } else if unpublishing {
        (DRAFT, Action::PostUnpublish, "Dépublication", "depublie")
    } else {
        (DRAFT, Action::PostSave, "Brouillon", "brouillon")
    };
    // A kept save is replaced by this one, written over what the kept one started from.
    let base = match &t.kept {
        Some(k) if k.conflict => Ok(inp.base.clone()),
        Some(k) if inp.base.as_deref() == Some(kept_version(k).as_str()) => Ok(k.base.clone()),
        Some(_) => Err(RepoError::Conflict),
        None => Ok(inp.base.clone()),
    };
    let (author_id, author_name) = match &t.row {
        Some(r) => (r.author_id, r.author_name.clone()),
        None => (s.account.id, s.account.display_name.clone()),
    };
    let change = Change {
        path: path.clone(),
        text: doc.render(),
        base: base.clone().unwrap_or_default(),
        author_name: s.account.display_name.clone(),
        author_login: s.account.login.clone(),
        message: format!("{message} : « {} »", fields.title),
        rebuild: publishing || was_published,
    };
    let kept = Pending {
        path: path.clone(),
        state: state.to_string(),
        text: change.text.clone(),
        base: change.base.clone(),
        message: change.message.clone(),
        login: change.author_login.clone(),
        name: change.author_name.clone(),
        conflict: false,
        tries: 0,
    };
    let result = match base {
        Ok(_) => edge.platform.repo_write(change).await,
        Err(e) => Err(e),
    };
    let written = match result {
        Ok(w) => w,
        Err(RepoError::Unreachable(e)) => {
            // Nothing is lost: the save waits in the table and is sent again later.
            edge.platform.error(&format!(
                "éditeur : {path} gardé, la forge ne répond pas : {e}"
            ));
            let row = posts::keep_pending(
                &path,
                &t.place.key(),
                &fields.title,
                author_id,
                &author_name,
                &kept,
                &e,
                cx.now,
            );
            edge.commit(cx, vec![row], &s.account.login, audit_action, &path)
                .await?;
            return Ok(redirect_after("garde", &path, None, false));
        }
        Err(RepoError::Conflict) => {
            let msg = respond::form_error(cx.site.t(Text::WriteConflict));
            let l = &s.account.login;
            edge.audit(cx, l, audit_action, &path, Outcome::Refused)
                .await?;
            let base = inp.base.clone();
            return render(
                edge,
                cx,
                s,
                &t,
                &inp.fields,
                &inp.text,
                base.as_deref(),
                msg,
                SafeHtml::empty(),
                StatusCode::CONFLICT,
            )
            .await;
        }
        Err(e) => {
            return unavailable(edge, cx, s, &t, &inp, &path, &e).await;
        }
    };
    let row = posts::upsert(
        &path,
        &t.place.key(),
        &fields.title,
        author_id,
        &author_name,
        state,
        &written.version,
        &written.commit,
        cx.now,
    );
    edge.commit(cx, vec![row], &s.account.login, audit_action, &path)
        .await?;
    after_write(edge, cx, &written, publishing || was_published).await;
    if !problems.is_empty() {
        // A draft with problems is kept; they are shown at once, next to the text.
        let t2 = Target {
            path: Some(path.clone()),
            row: posts::find(&edge.platform, &path).await?,
            file: edge.platform.repo_read(&path).await.ok().flatten(),
            kept: None,
            ..t
        };
        let list = view::problems(cx.site, Text::WriteWarnings, &problems);
        return render(
            edge,
            cx,
            s,
            &t2,
            &inp.fields,
            &inp.text,
            Some(&written.version),
            SafeHtml::empty(),
            list,
            StatusCode::OK,
        )
        .await;
    }
    let conflict = kept_aside(edge, cx, &s.account.login, &written).await?;
    Ok(redirect_after(
        done,
        &path,
        written.pushed.as_ref(),
        conflict,
    ))
}

/// Reload the site after a rebuild; report a failed rebuild or push in the server's log.
async fn after_write<P: Platform>(
    edge: &Edge<P>,
    cx: &Ctx<'_>,
    w: &crate::store::repo::Written,
    rebuilt: bool,
) {
    let _ = cx;
    if let Some(e) = &w.rebuild_error {
        edge.platform
            .error(&format!("éditeur : reconstruction : {e}"));
    }
    if let Some(Err(e)) = &w.pushed {
        edge.platform
            .error(&format!("éditeur : envoi vers le dépôt distant : {e}"));
    }
    if rebuilt {
        if let Err(e) = edge.reload().await {
            edge.platform
                .error(&format!("éditeur : rechargement du site : {e}"));
        }
    }
}

/// A save that a conflict with the remote set aside on a branch: in the audit log (the IT
/// team merges it; `preau status` lists it), and the author is told.
async fn kept_aside<P: Platform>(
    edge: &Edge<P>,
    cx: &Ctx<'_>,
    login: &str,
    w: &crate::store::repo::Written,
) -> Result<bool, Halt> {
    let Some(branch) = &w.conflict else {
        return Ok(false);
    };
    edge.platform.error(&format!(
        "éditeur : conflit avec le dépôt distant, texte gardé sur la branche {branch}"
    ));
    edge.audit(cx, login, Action::RepoConflict, branch, Outcome::Failure)
        .await?;
    Ok(true)
}

fn redirect_after(
    done: &str,
    path: &str,
    pushed: Option<&Result<(), String>>,
    conflict: bool,
) -> Resp {
    let to = match done {
        "brouillon" | "garde" => format!(
            "{}?chemin={}&fait={done}",
            preau_contract::routes::WRITE_POST,
            crate::paths::encode_for_query(path)
        ),
        _ => format!(
            "{WRITE}?fait={done}&chemin={}",
            crate::paths::encode_for_query(path)
        ),
    };
    let to = if conflict {
        format!("{to}&envoi=conflit")
    } else if matches!(pushed, Some(Err(_))) {
        format!("{to}&envoi=echec")
    } else {
        to
    };
    respond::redirect(StatusCode::SEE_OTHER, &to)
}

pub(super) async fn review<P: Platform>(edge: &Edge<P>, cx: &Ctx<'_>) -> Handled {
    let s = guard::accepted(cx)?;
    let f = guard::session_form(edge, cx, s)?;
    if !edge.platform.repo_available() {
        return Err(off(cx));
    }
    let path = f.get("chemin").unwrap_or("");
    let decision = f.get("decision").unwrap_or("");
    let action = if decision == "publier" {
        Action::PostValidate
    } else {
        Action::PostRefuse
    };
    let t = target(edge, cx, s, Some(path), None, false).await?;
    let Some(row) = t
        .row
        .clone()
        .filter(|r| r.state == SUBMITTED && t.mode == Mode::Publish)
    else {
        return Err(deny(edge, cx, s, action, path).await);
    };
    let Some(file) = &t.file else {
        return Err(deny(edge, cx, s, action, path).await);
    };
    if decision != "publier" {
        let note: String = writing::clean_title(f.get("motif").unwrap_or(""))
            .chars()
            .take(500)
            .collect();
        edge.commit(
            cx,
            vec![posts::refuse(path, &note, cx.now)],
            &s.account.login,
            Action::PostRefuse,
            path,
        )
        .await?;
        return Ok(redirect_after("refuse", path, None, false));
    }
    let mut doc = document(cx, file)?;
    let mut fields = doc.fields(&t.place, path);
    fields.draft = false;
    doc.set(&t.place, &fields);
    let problems = match edge.platform.repo_preview(path, &doc.render()).await {
        Ok(Preview::Page(_)) => Vec::new(),
        Err(RepoError::NoPreview) => shown(&doc, &writing::quick_problems(&doc, &cx.site.manifest)),
        Ok(Preview::Problems(list)) => shown(&doc, &list),
        Err(e) => {
            repo_failed(edge, path, &e);
            return Err(off(cx));
        }
    };
    if !problems.is_empty() {
        let list = view::problems(cx.site, Text::WriteErrors, &problems);
        let body = doc.body.clone();
        let base = file.version.clone();
        return render(
            edge,
            cx,
            s,
            &t,
            &fields,
            &body,
            Some(&base),
            SafeHtml::empty(),
            list,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let base = match &t.kept {
        Some(k) if !k.conflict => k.base.clone(),
        _ => Some(file.version.clone()),
    };
    let change = Change {
        path: path.to_string(),
        text: doc.render(),
        base,
        author_name: s.account.display_name.clone(),
        author_login: s.account.login.clone(),
        message: format!(
            "Validation : « {} », proposé par {}",
            fields.title, row.author_name
        ),
        rebuild: true,
    };
    let kept = Pending {
        path: path.to_string(),
        state: PUBLISHED.to_string(),
        text: change.text.clone(),
        base: change.base.clone(),
        message: change.message.clone(),
        login: change.author_login.clone(),
        name: change.author_name.clone(),
        conflict: false,
        tries: 0,
    };
    let written = match edge.platform.repo_write(change).await {
        Ok(w) => w,
        Err(RepoError::Unreachable(e)) => {
            edge.platform.error(&format!(
                "éditeur : {path} gardé, la forge ne répond pas : {e}"
            ));
            let row = posts::keep_pending(
                path,
                &t.place.key(),
                &fields.title,
                row.author_id,
                &row.author_name,
                &kept,
                &e,
                cx.now,
            );
            edge.commit(cx, vec![row], &s.account.login, Action::PostValidate, path)
                .await?;
            return Ok(redirect_after("garde", path, None, false));
        }
        Err(e) => {
            repo_failed(edge, path, &e);
            return Err(off(cx));
        }
    };
    let upsert = posts::upsert(
        path,
        &t.place.key(),
        &fields.title,
        row.author_id,
        &row.author_name,
        PUBLISHED,
        &written.version,
        &written.commit,
        cx.now,
    );
    edge.commit(
        cx,
        vec![upsert],
        &s.account.login,
        Action::PostValidate,
        path,
    )
    .await?;
    after_write(edge, cx, &written, true).await;
    let conflict = kept_aside(edge, cx, &s.account.login, &written).await?;
    Ok(redirect_after(
        "valide",
        path,
        written.pushed.as_ref(),
        conflict,
    ))
}
