//! The HTML of the upload page's parts: the scope choices, what became of each file sent,
//! with the Markdown snippet to paste into a post, and the gallery of earlier uploads.

use super::upload_store::Filed;
use crate::accounts::Account;
use crate::site::SiteData;
use crate::store::uploads::Upload;
use crate::uploads::may_delete;
use preau_contract::html::SafeHtml;
use preau_contract::media::{MediaKind, MediaRef, MediaScope};
use preau_contract::routes::{MEDIA_DELETE, MEDIA_UPLOAD};
use preau_contract::text::Text;

/// The labelled choice of the place to upload into (the form field `portee`).
pub(super) fn scope_options(
    site: &SiteData,
    scopes: &[(MediaScope, String)],
    selected: Option<&MediaScope>,
) -> SafeHtml {
    let mut h = SafeHtml::trusted("<label for=\"portee\">");
    h.push_text(site.t(Text::MediaScopeLabel));
    h.push_markup("</label><select id=\"portee\" name=\"portee\" required>");
    for (scope, label) in scopes {
        h.push_markup("<option value=\"");
        h.push_text(&scope.as_path());
        h.push_markup(if Some(scope) == selected {
            "\" selected>"
        } else {
            "\">"
        });
        h.push_text(label);
        h.push_markup("</option>");
    }
    h.push_markup("</select>");
    h
}

/// The Markdown that shows this upload in a post.
pub(super) fn snippet(site: &SiteData, media: &MediaRef, name: &str) -> String {
    if media.kind.is_image() {
        format!("![{}]({})", site.t(Text::MediaAltPlaceholder), media.url())
    } else {
        let label: String = name.chars().filter(|c| !matches!(c, '[' | ']')).collect();
        format!("[{label}]({})", media.url())
    }
}

/// The smallest stored version of an image, for lists.
fn thumbnail(media: &MediaRef) -> MediaRef {
    media
        .variants()
        .into_iter()
        .next()
        .unwrap_or_else(|| media.original())
}

pub(super) fn image(h: &mut SafeHtml, media: &MediaRef) {
    let thumb = thumbnail(media);
    let (w, hh) = thumb.dimensions().unwrap_or((1, 1));
    h.push_markup("<img src=\"");
    h.push_text(&thumb.url());
    h.push_markup("\" alt=\"\" loading=\"lazy\" width=\"");
    h.push_text(&w.to_string());
    h.push_markup("\" height=\"");
    h.push_text(&hh.to_string());
    h.push_markup("\">");
}

pub(super) fn snippet_box(h: &mut SafeHtml, id: &str, text: &str) {
    h.push_markup("<label for=\"");
    h.push_text(id);
    h.push_markup("\">Markdown</label><textarea readonly rows=\"2\" id=\"");
    h.push_text(id);
    h.push_markup("\">");
    h.push_text(text);
    h.push_markup("</textarea>");
}

pub(super) fn results(site: &SiteData, filed: &[Filed]) -> SafeHtml {
    let mut h = SafeHtml::trusted("<section class=\"upload-results\" aria-live=\"polite\">");
    let (ok, refused): (Vec<&Filed>, Vec<&Filed>) = filed.iter().partition(|f| f.media.is_some());
    if !ok.is_empty() {
        h.push_markup("<h2>");
        h.push_text(site.t(Text::MediaAcceptedHeading));
        h.push_markup("</h2><p>");
        h.push_text(site.t(Text::MediaSnippetHelp));
        h.push_markup("</p><ul class=\"uploaded\">");
        for f in &ok {
            let Some(media) = &f.media else { continue };
            h.push_markup("<li>");
            if media.kind.is_image() {
                image(&mut h, media);
            }
            h.push_markup("<p><strong>");
            h.push_text(&f.name);
            h.push_markup("</strong> — ");
            h.push_text(site.t(Text::MediaAccepted));
            h.push_markup("</p>");
            snippet_box(
                &mut h,
                &format!("extrait-{}", media.hash),
                &snippet(site, media, &f.name),
            );
            h.push_markup("</li>");
        }
        h.push_markup("</ul>");
    }
    if !refused.is_empty() {
        h.push_markup("<h2>");
        h.push_text(site.t(Text::MediaRefusedHeading));
        h.push_markup("</h2><ul class=\"error\" role=\"alert\">");
        for f in refused {
            h.push_markup("<li><strong>");
            h.push_text(&f.name);
            h.push_markup("</strong> : ");
            h.push_text(&f.reason);
            h.push_markup("</li>");
        }
        h.push_markup("</ul>");
    }
    h.push_markup("</section>");
    h
}

/// The media of a gallery row, if the row is well formed.
pub(super) fn media_of(scope: &MediaScope, row: &Upload) -> Option<MediaRef> {
    let kind = MediaKind::from_ext(&row.kind)?;
    let size = match (row.width, row.height) {
        (Some(w), Some(h)) => Some((u32::try_from(w).ok()?, u32::try_from(h).ok()?)),
        _ => None,
    };
    Some(MediaRef {
        scope: scope.clone(),
        hash: row.hash.clone(),
        kind,
        size,
        variant: None,
    })
}

/// One page of a scope's uploads (`rows` holds one more than a page when there is a next).
pub(super) fn gallery(
    site: &SiteData,
    a: &Account,
    scope: &MediaScope,
    rows: &[Upload],
    page_n: i64,
    per_page: usize,
    csrf: &str,
) -> SafeHtml {
    if rows.is_empty() {
        let mut h = SafeHtml::trusted("<p>");
        h.push_text(site.t(Text::MediaGalleryEmpty));
        h.push_markup("</p>");
        return h;
    }
    let mut h = SafeHtml::trusted("<ul class=\"gallery\">");
    for row in rows.iter().take(per_page) {
        let Some(media) = media_of(scope, row) else {
            continue;
        };
        h.push_markup("<li>");
        if media.kind.is_image() {
            image(&mut h, &media);
        }
        h.push_markup("<p>");
        h.push_text(&row.original_name);
        h.push_markup("</p>");
        snippet_box(
            &mut h,
            &format!("media-{}", row.id),
            &snippet(site, &media, &row.original_name),
        );
        if may_delete(a, row, scope) {
            h.push_markup("<form method=\"post\" action=\"");
            h.push_text(MEDIA_DELETE);
            h.push_markup("\"><input type=\"hidden\" name=\"csrf\" value=\"");
            h.push_text(csrf);
            h.push_markup("\"><input type=\"hidden\" name=\"media\" value=\"");
            h.push_text(&media.url());
            h.push_markup("\"><button class=\"secondary\" type=\"submit\">");
            h.push_text(site.t(Text::MediaDelete));
            h.push_markup("</button></form>");
        }
        h.push_markup("</li>");
    }
    h.push_markup("</ul>");
    h.push(&pages(site, scope, page_n, rows.len() > per_page));
    h
}

/// Links to the newer and older pages of a gallery, when there are any.
fn pages(site: &SiteData, scope: &MediaScope, page_n: i64, more: bool) -> SafeHtml {
    let mut h = SafeHtml::empty();
    if page_n <= 1 && !more {
        return h;
    }
    let link = |h: &mut SafeHtml, n: i64, text: Text| {
        h.push_markup("<a href=\"");
        h.push_text(&format!(
            "{MEDIA_UPLOAD}?portee={}&page={n}",
            crate::paths::encode_for_query(&scope.as_path())
        ));
        h.push_markup("\">");
        h.push_text(site.t(text));
        h.push_markup("</a> ");
    };
    h.push_markup("<nav class=\"pagination\" aria-label=\"");
    h.push_text(site.t(Text::MediaPages));
    h.push_markup("\">");
    if page_n > 1 {
        link(&mut h, page_n - 1, Text::MediaPrevious);
    }
    if more {
        link(&mut h, page_n + 1, Text::MediaNext);
    }
    h.push_markup("</nav>");
    h
}
