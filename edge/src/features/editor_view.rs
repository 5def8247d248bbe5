//! The HTML of the online editor's pages: the list of one's posts per blog, the form (a
//! plain `<textarea>` that works without JavaScript), the problems found by the checks with
//! their line, the photo picker from the blog's gallery, and the banner of a preview.

use super::comment_view::hidden_input as hidden;
use super::gallery;
use crate::site::SiteData;
use crate::store::posts::PostRow;
use crate::store::repo::ConflictBranch;
use crate::store::uploads::Upload;
use crate::writing::{Fields, Mode, Place};
use lol_html::html_content::{ContentType, Element};
use lol_html::{element, rewrite_str, Settings};
use preau_contract::access::Visibility;
use preau_contract::html::SafeHtml;
use preau_contract::routes::{WRITE_POST, WRITE_REVIEW};
use preau_contract::text::Text;
use std::cell::Cell;

/// A blog's readable name.
pub(super) fn place_label(site: &SiteData, place: &Place) -> String {
    let school = |s: &str| {
        site.manifest
            .schools
            .get(s)
            .map(|p| p.title.clone())
            .unwrap_or_else(|| s.to_string())
    };
    match place {
        Place::Class(s, c) => {
            let class = site
                .manifest
                .classes
                .get(&format!("{s}/{c}"))
                .map(|p| p.title.clone())
                .unwrap_or_else(|| c.clone());
            format!("{class} — {}", school(s))
        }
        Place::SchoolNews(s) => format!("{} — {}", site.t(Text::PlaceSchoolNews), school(s)),
        Place::Periscolaire(s) => {
            format!("{} — {}", site.t(Text::PlacePeriscolaire), school(s))
        }
        Place::Guides => site.t(Text::PlaceGuides).to_string(),
        Place::TownNews => site.t(Text::PlaceTownNews).to_string(),
    }
}

fn edit_link(path: &str) -> String {
    format!(
        "{WRITE_POST}?chemin={}",
        crate::paths::encode_for_query(path)
    )
}

/// One item of the list of posts.
pub(super) struct Item {
    pub path: String,
    pub title: String,
    pub author: String,
    pub url: Option<String>,
    pub note: Option<String>,
    /// Where a post stands beyond its group: kept here, or not online yet.
    pub status: Option<Text>,
}

impl Item {
    pub(super) fn of_row(place: &Place, r: &PostRow) -> Item {
        Item {
            path: r.path.clone(),
            title: r.title.clone(),
            author: r.author_name.clone(),
            url: place.url_of(&r.path),
            note: r.note.clone(),
            status: None,
        }
    }
}

/// One blog of the list: its drafts, its proposals and its published posts.
pub(super) struct Section {
    pub place: Place,
    pub drafts: Vec<Item>,
    pub submitted: Vec<Item>,
    pub published: Vec<Item>,
}

pub(super) fn list(site: &SiteData, sections: &[Section]) -> SafeHtml {
    if sections.is_empty() {
        let mut h = SafeHtml::trusted("<p>");
        h.push_text(site.t(Text::WriteNoPlace));
        h.push_markup("</p>");
        return h;
    }
    let mut h = SafeHtml::empty();
    for (i, s) in sections.iter().enumerate() {
        let id = format!("h-blog-{i}");
        h.push_markup("<section class=\"write-place\" aria-labelledby=\"");
        h.push_text(&id);
        h.push_markup("\"><h2 id=\"");
        h.push_text(&id);
        h.push_markup("\">");
        h.push_text(&place_label(site, &s.place));
        h.push_markup("</h2><p><a class=\"button\" href=\"");
        h.push_text(&format!(
            "{WRITE_POST}?portee={}",
            crate::paths::encode_for_query(&s.place.key())
        ));
        h.push_markup("\">");
        h.push_text(site.t(Text::WriteNew));
        h.push_markup("</a></p>");
        group(&mut h, site, Text::WriteDrafts, &s.drafts, false);
        group(&mut h, site, Text::WriteSubmitted, &s.submitted, true);
        group(&mut h, site, Text::WritePublished, &s.published, false);
        h.push_markup("</section>");
    }
    h
}

fn group(h: &mut SafeHtml, site: &SiteData, heading: Text, items: &[Item], by: bool) {
    h.push_markup("<h3>");
    h.push_text(site.t(heading));
    h.push_markup("</h3>");
    if items.is_empty() {
        h.push_markup("<p class=\"hint\">");
        h.push_text(site.t(Text::WriteNone));
        h.push_markup("</p>");
        return;
    }
    h.push_markup("<ul class=\"write-list\">");
    for it in items {
        h.push_markup("<li><a href=\"");
        h.push_text(&edit_link(&it.path));
        h.push_markup("\">");
        h.push_text(if it.title.is_empty() {
            &it.path
        } else {
            &it.title
        });
        h.push_markup("</a>");
        if by && !it.author.is_empty() {
            h.push_markup(" <span class=\"hint\">");
            h.push_text(site.t(Text::WriteBy));
            h.push_markup(" ");
            h.push_text(&it.author);
            h.push_markup("</span>");
        }
        if let Some(status) = it.status {
            h.push_markup(" <span class=\"hint status\">(");
            h.push_text(site.t(status));
            h.push_markup(")</span>");
        }
        if let Some(note) = &it.note {
            h.push_markup(" <span class=\"hint\">");
            h.push_text(site.t(Text::WriteRefusedNote));
            h.push_markup(" ");
            h.push_text(note);
            h.push_markup("</span>");
        }
        if let Some(url) = it.url.as_ref().filter(|_| heading == Text::WritePublished) {
            h.push_markup(" — <a href=\"");
            h.push_text(url);
            h.push_markup("\">");
            h.push_text(site.t(Text::WriteView));
            h.push_markup("</a>");
        }
        h.push_markup("</li>");
    }
    h.push_markup("</ul>");
}

/// A problem found by the checks, placed in the text the person wrote.
pub(super) struct Shown {
    /// Line of the text box (`None`: the header the server writes, e.g. the title).
    pub line: Option<usize>,
    pub message: String,
}

/// The problems, next to the text box (it points at them with `aria-describedby`).
pub(super) fn problems(site: &SiteData, intro: Text, list: &[Shown]) -> SafeHtml {
    if list.is_empty() {
        return SafeHtml::empty();
    }
    let mut h = SafeHtml::trusted("<div class=\"error\" id=\"texte-erreurs\" role=\"alert\"><p>");
    h.push_text(site.t(intro));
    h.push_markup("</p><ul>");
    for p in list {
        h.push_markup("<li><strong>");
        match p.line {
            Some(n) => h.push_text(&site.t(Text::WriteLine).replace("{ligne}", &n.to_string())),
            None => h.push_text(site.t(Text::WriteHeader)),
        }
        h.push_markup("</strong> : ");
        h.push_text(&p.message);
        h.push_markup("</li>");
    }
    h.push_markup("</ul></div>");
    h
}

fn vis_text(v: Visibility) -> Text {
    match v {
        Visibility::Public => Text::VisPublic,
        Visibility::School => Text::VisSchool,
        Visibility::Class => Text::VisClass,
        _ => Text::VisStaff,
    }
}

/// What the form shows.
pub(super) struct Form<'a> {
    pub place: &'a Place,
    pub mode: Mode,
    pub path: Option<&'a str>,
    pub base: Option<&'a str>,
    pub fields: &'a Fields,
    pub text: &'a str,
    pub problems: SafeHtml,
    /// The post is published now (its buttons: save the changes, unpublish).
    pub published: bool,
    pub csrf: &'a str,
    /// The photo field: shown to those who may add photos to the blog.
    pub photo: Option<PhotoField<'a>>,
}

/// The editor's photo field: the alt text typed, the error next to it, the size limit.
pub(super) struct PhotoField<'a> {
    pub alt: &'a str,
    pub error: Option<&'a str>,
    pub max_mb: usize,
}

fn field_hidden(h: &mut SafeHtml, f: &Form) {
    hidden(h, "csrf", f.csrf);
    hidden(h, "chemin", f.path.unwrap_or(""));
    hidden(h, "portee", &f.place.key());
    hidden(h, "base", f.base.unwrap_or(""));
}

pub(super) fn form(site: &SiteData, f: &Form) -> SafeHtml {
    // multipart: the photo field sends its file with the text (the edge reads both forms).
    let mut h = SafeHtml::trusted(
        "<form class=\"form editor\" method=\"post\" enctype=\"multipart/form-data\" action=\"",
    );
    h.push_markup(WRITE_POST);
    h.push_markup("\">");
    field_hidden(&mut h, f);
    h.push_markup("<p class=\"hint\">");
    h.push_text(site.t(Text::WriteFor));
    h.push_markup(" : <strong>");
    h.push_text(&place_label(site, f.place));
    h.push_markup("</strong></p><p><label for=\"titre\">");
    h.push_text(site.t(Text::WriteTitleLabel));
    h.push_markup("</label><input id=\"titre\" name=\"titre\" required maxlength=\"200\" value=\"");
    h.push_text(&f.fields.title);
    h.push_markup("\"></p>");
    if f.place.dated() {
        h.push_markup("<p><label for=\"date\">");
        h.push_text(site.t(Text::WriteDateLabel));
        h.push_markup("</label><input id=\"date\" name=\"date\" type=\"date\" value=\"");
        h.push_text(&f.fields.date.map(|d| d.to_string()).unwrap_or_default());
        h.push_markup("\"></p>");
    }
    h.push_markup("<fieldset><legend>");
    h.push_text(site.t(Text::WriteVisibilityLabel));
    h.push_markup("</legend>");
    for v in f.place.visibilities() {
        let id = format!("visibilite-{}", v.as_str());
        h.push_markup("<p class=\"choice\"><input type=\"radio\" name=\"visibilite\" id=\"");
        h.push_text(&id);
        h.push_markup("\" value=\"");
        h.push_text(v.as_str());
        h.push_markup(if *v == f.fields.visibility {
            "\" checked><label for=\""
        } else {
            "\"><label for=\""
        });
        h.push_text(&id);
        h.push_markup("\">");
        h.push_text(site.t(vis_text(*v)));
        h.push_markup("</label></p>");
    }
    h.push_markup("</fieldset>");
    if f.place.has_comments() {
        h.push_markup(
            "<p class=\"choice\"><input type=\"checkbox\" id=\"commentaires\" name=\"commentaires\" value=\"1\"",
        );
        h.push_markup(if f.fields.comments { " checked>" } else { ">" });
        h.push_markup("<label for=\"commentaires\">");
        h.push_text(site.t(Text::WriteCommentsLabel));
        h.push_markup("</label></p>");
    }
    h.push_markup("<p><label for=\"texte\">");
    h.push_text(site.t(Text::WriteTextLabel));
    h.push_markup("</label><span class=\"hint\" id=\"texte-aide\">");
    h.push_text(site.t(Text::WriteTextHint));
    h.push_markup("</span></p>");
    let has_problems = !f.problems.as_str().is_empty();
    h.push(&f.problems);
    h.push_markup(
        "<p><textarea id=\"texte\" name=\"texte\" rows=\"16\" data-editor data-t-insert=\"",
    );
    h.push_text(site.t(Text::WriteInsert));
    h.push_markup("\" aria-describedby=\"texte-aide");
    if has_problems {
        h.push_markup(" texte-erreurs\" aria-invalid=\"true");
    }
    h.push_markup("\">");
    h.push_text(f.text);
    h.push_markup("</textarea></p>");
    if let Some(p) = &f.photo {
        photo_field(&mut h, site, p);
    }
    h.push_markup("<div class=\"actions editor-actions\">");
    let button = |h: &mut SafeHtml, action: &str, text: Text, class: &str| {
        h.push_markup("<button type=\"submit\" name=\"action\" value=\"");
        h.push_text(action);
        h.push_markup("\"");
        if !class.is_empty() {
            h.push_markup(" class=\"");
            h.push_text(class);
            h.push_markup("\"");
        }
        h.push_markup(">");
        h.push_text(site.t(text));
        h.push_markup("</button>");
    };
    if !f.published {
        button(&mut h, "brouillon", Text::WriteSaveDraft, "secondary");
    }
    button(&mut h, "apercu", Text::WritePreview, "secondary");
    match (f.mode, f.published) {
        (Mode::Publish, false) => button(&mut h, "publier", Text::WritePublish, ""),
        (Mode::Publish, true) => {
            button(&mut h, "publier", Text::WriteSaveChanges, "");
            button(&mut h, "depublier", Text::WriteUnpublish, "secondary");
        }
        (Mode::Propose, _) => button(&mut h, "proposer", Text::WritePropose, ""),
    }
    h.push_markup("</div></form>");
    h
}

/// The file input and the alt text of a photo added from the editor, with its error.
fn photo_field(h: &mut SafeHtml, site: &SiteData, p: &PhotoField) {
    h.push_markup("<fieldset class=\"editor-photo\"><legend>");
    h.push_text(site.t(Text::WritePhotoLegend));
    h.push_markup("</legend><p class=\"hint\" id=\"photo-aide\">");
    h.push_text(site.t(Text::WritePhotoHint));
    h.push_markup("</p>");
    let described = if p.error.is_some() {
        "photo-aide photo-erreur"
    } else {
        "photo-aide"
    };
    if let Some(e) = p.error {
        h.push_markup("<p class=\"error\" id=\"photo-erreur\" role=\"alert\">");
        h.push_text(e);
        h.push_markup("</p>");
    }
    h.push_markup("<p><label for=\"photo\">");
    h.push_text(
        &site
            .t(Text::WritePhotoLabel)
            .replace("{mo}", &p.max_mb.to_string()),
    );
    h.push_markup("</label><input type=\"file\" id=\"photo\" name=\"photo\" accept=\"image/jpeg,image/png,image/webp,image/gif\" aria-describedby=\"");
    h.push_text(described);
    h.push_markup("\"></p><p><label for=\"photo-alt\">");
    h.push_text(site.t(Text::WritePhotoAltLabel));
    h.push_markup(
        "</label><input id=\"photo-alt\" name=\"photo_alt\" maxlength=\"300\" aria-describedby=\"",
    );
    h.push_text(described);
    if p.error.is_some() {
        h.push_markup("\" aria-invalid=\"true");
    }
    h.push_markup("\" value=\"");
    h.push_text(p.alt);
    h.push_markup("\"></p></fieldset>");
}

/// The validator's decision on a proposal.
pub(super) fn review(site: &SiteData, path: &str, csrf: &str) -> SafeHtml {
    let mut h = SafeHtml::trusted("<form class=\"form review\" method=\"post\" action=\"");
    h.push_markup(WRITE_REVIEW);
    h.push_markup("\">");
    hidden(&mut h, "csrf", csrf);
    hidden(&mut h, "chemin", path);
    h.push_markup("<p><label for=\"motif\">");
    h.push_text(site.t(Text::WriteReasonLabel));
    h.push_markup("</label><input id=\"motif\" name=\"motif\" maxlength=\"500\"></p><div class=\"actions\"><button type=\"submit\" name=\"decision\" value=\"publier\">");
    h.push_text(site.t(Text::WriteValidate));
    h.push_markup(
        "</button><button class=\"secondary\" type=\"submit\" name=\"decision\" value=\"refuser\">",
    );
    h.push_text(site.t(Text::WriteRefuse));
    h.push_markup("</button></div></form>");
    h
}

/// The blog's photos with their snippets to copy (and, with JavaScript, insert) into the
/// text. Each snippet carries the alt text placeholder the author must replace.
pub(super) fn picker(site: &SiteData, place: &Place, rows: &[Upload]) -> SafeHtml {
    let scope = place.media_scope();
    let media: Vec<_> = rows
        .iter()
        .filter_map(|r| gallery::media_of(&scope, r).map(|m| (r, m)))
        .collect();
    if media.is_empty() {
        let mut h = SafeHtml::trusted("<p>");
        h.push_text(site.t(Text::MediaGalleryEmpty));
        h.push_markup("</p>");
        return h;
    }
    let mut h = SafeHtml::trusted("<ul class=\"gallery picker\">");
    for (row, m) in media {
        h.push_markup("<li>");
        if m.kind.is_image() {
            gallery::image(&mut h, &m);
        }
        gallery::snippet_box(
            &mut h,
            &format!("media-{}", row.id),
            &gallery::snippet(site, &m, &row.original_name),
        );
        h.push_markup("</li>");
    }
    h.push_markup("</ul>");
    h
}

/// The built page of a preview with a banner at the top of its main content: it is not
/// published, and a form (carrying the whole text) goes back to the editor or publishes.
pub(super) fn preview_page(site: &SiteData, page: &[u8], f: &Form) -> Vec<u8> {
    let mut b = SafeHtml::trusted("<div class=\"preview-banner\" role=\"status\"><p><strong>");
    b.push_text(site.t(Text::WritePreviewBanner));
    b.push_markup("</strong></p><form method=\"post\" action=\"");
    b.push_markup(WRITE_POST);
    b.push_markup("\">");
    field_hidden(&mut b, f);
    hidden(&mut b, "titre", &f.fields.title);
    hidden(
        &mut b,
        "date",
        &f.fields.date.map(|d| d.to_string()).unwrap_or_default(),
    );
    hidden(&mut b, "visibilite", f.fields.visibility.as_str());
    if f.fields.comments {
        hidden(&mut b, "commentaires", "1");
    }
    hidden(&mut b, "texte", f.text);
    b.push_markup("<div class=\"actions\"><button class=\"secondary\" type=\"submit\" name=\"action\" value=\"modifier\">");
    b.push_text(site.t(Text::WriteBackToEditor));
    b.push_markup("</button>");
    let (action, text) = match f.mode {
        Mode::Publish => ("publier", Text::WritePublish),
        Mode::Propose => ("proposer", Text::WritePropose),
    };
    b.push_markup("<button type=\"submit\" name=\"action\" value=\"");
    b.push_text(action);
    b.push_markup("\">");
    b.push_text(site.t(text));
    b.push_markup("</button></div></form></div>");
    let Ok(text) = std::str::from_utf8(page) else {
        return page.to_vec();
    };
    let done = Cell::new(false);
    let handler = |el: &mut Element| {
        if !done.get() {
            el.prepend(b.as_str(), ContentType::Html);
            done.set(true);
        }
        Ok(())
    };
    let settings = Settings::new().append_element_content_handler(element!("main", handler));
    match rewrite_str(text, settings) {
        Ok(out) => out.into_bytes(),
        Err(_) => page.to_vec(),
    }
}

/// The notice at the top of the list after a save (`fait=…`), with a link to the post.
/// What happened to the push after a save (`envoi=` of the redirect).
pub(super) fn push_notice(site: &SiteData, sent: &str) -> SafeHtml {
    let text = match sent {
        "echec" => Text::WritePushFailed,
        "conflit" => Text::WriteConflictKept,
        _ => return SafeHtml::empty(),
    };
    let mut h = SafeHtml::trusted("<p class=\"notice\" role=\"status\">");
    h.push_text(site.t(text));
    h.push_markup("</p>");
    h
}

/// The author's texts that conflicts set aside, until the IT team merges them.
pub(super) fn conflicts_notice(site: &SiteData, list: &[ConflictBranch]) -> SafeHtml {
    if list.is_empty() {
        return SafeHtml::empty();
    }
    let mut h = SafeHtml::trusted("<div class=\"notice\" role=\"status\"><p>");
    h.push_text(site.t(Text::WriteConflictsWaiting));
    h.push_markup("</p><ul>");
    for c in list {
        h.push_markup("<li>");
        h.push_text(&c.files.join(", "));
        h.push_markup(" (");
        h.push_text(c.date.get(..10).unwrap_or(&c.date));
        h.push_markup(")</li>");
    }
    h.push_markup("</ul></div>");
    h
}

/// The notice after a save. `later`: publications reach readers through the deploy
/// workflow (the Worker), not at once.
pub(super) fn done_notice(site: &SiteData, done: &str, url: Option<&str>, later: bool) -> SafeHtml {
    let text = match done {
        "brouillon" => Text::WriteSaved,
        "garde" => Text::WriteQueued,
        "publie" | "valide" if later => Text::WriteOnlineSoon,
        "publie" => Text::WritePublishedDone,
        "propose" => Text::WriteProposedDone,
        "valide" => Text::WriteValidatedDone,
        "refuse" => Text::WriteRefusedDone,
        "depublie" => Text::WriteUnpublished,
        _ => return SafeHtml::empty(),
    };
    let mut h = SafeHtml::trusted("<p class=\"notice\" role=\"status\">");
    h.push_text(site.t(text));
    if let Some(url) = url.filter(|_| matches!(done, "publie" | "valide") && !later) {
        h.push_markup(" <a href=\"");
        h.push_text(url);
        h.push_markup("\">");
        h.push_text(url);
        h.push_markup("</a>");
    }
    h.push_markup("</p>");
    h
}

/// The notice of a post whose last save is kept here: waiting for the repository, or (a
/// conflict) not sent, with the kept text to copy.
pub(super) fn kept_notice(site: &SiteData, k: &crate::store::posts::Pending) -> SafeHtml {
    let mut h = SafeHtml::trusted("<div class=\"notice\" role=\"status\"><p>");
    if !k.conflict {
        h.push_text(site.t(Text::WriteQueued));
        h.push_markup("</p></div>");
        return h;
    }
    h.push_text(site.t(Text::WriteQueuedConflict));
    h.push_markup("</p><label for=\"texte-garde\">");
    h.push_text(site.t(Text::WriteQueuedLabel));
    h.push_markup("</label><textarea id=\"texte-garde\" readonly rows=\"8\">");
    h.push_text(&k.text);
    h.push_markup("</textarea></div>");
    h
}

/// A page showing the text as typed, for a deployment without the generator (the
/// Worker): the title, then each paragraph with its line breaks, all as text.
pub(super) fn plain_preview(site: &SiteData, f: &Fields, text: &str) -> Vec<u8> {
    let mut body = SafeHtml::trusted("<p class=\"notice\">");
    body.push_text(site.t(Text::WritePlainPreview));
    body.push_markup("</p><article class=\"plain-preview\"><h2>");
    body.push_text(&f.title);
    body.push_markup("</h2>");
    for para in text.split("\n\n").filter(|p| !p.trim().is_empty()) {
        body.push_markup("<p>");
        for (i, line) in para.lines().enumerate() {
            if i > 0 {
                body.push_markup("<br>");
            }
            body.push_text(line);
        }
        body.push_markup("</p>");
    }
    body.push_markup("</article>");
    let page = crate::respond::page(
        site,
        http::StatusCode::OK,
        preau_contract::shell::ShellName::Writing,
        &f.title,
        &[(preau_contract::shell::Slot::Results, &body)],
    );
    page.into_body()
}
