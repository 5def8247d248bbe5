//! Built pages made readable without a server, for the year-end class archive
//! (`preau archive`): every link and image points at a file of the archive by a relative
//! path (`../autre/index.html`, never `/…`, so that they work as `file://` from a USB
//! key), links to pages left out of the archive become plain text, and what needs the
//! server goes: scripts, forms, the menu (sign-in, Mon espace), feeds. Uploaded photos
//! point at their phone-size version, which the archive carries.

use lol_html::html_content::{ContentType, Element};
use lol_html::{element, rewrite_str, HandlerResult, Settings};
use preau_contract::media::MediaRef;
use std::cell::RefCell;
use std::collections::BTreeSet;

/// Width of the version of an uploaded photo the archive keeps: large enough for a
/// phone's screen, a quarter of the stored image's bytes.
pub const PHONE_WIDTH: u32 = 960;

/// The version of an uploaded image that the archive carries: its phone-size version
/// when it has one, else the image itself (already that small). A PDF stays itself.
pub fn phone_size(m: &MediaRef) -> MediaRef {
    let original = m.original();
    match original.size {
        Some((w, _)) if w > PHONE_WIDTH => original
            .variants()
            .into_iter()
            .rev()
            .find(|v| v.variant.is_some_and(|v| v <= PHONE_WIDTH))
            .unwrap_or(original),
        _ => original,
    }
}

/// Path of a media file inside the archive (no leading slash).
pub fn media_path(m: &MediaRef) -> String {
    m.url().trim_start_matches('/').to_string()
}

/// `/a/b/` -> `a/b/index.html`; `/a/b.css` -> `a/b.css`.
pub fn url_to_file(path: &str) -> String {
    preau_generator::model::url_to_file(path)
}

/// The relative link from the file `from` to the file `to` (both archive paths).
pub fn relative(from: &str, to: &str) -> String {
    let from_dirs: Vec<&str> = match from.rsplit_once('/') {
        Some((dir, _)) => dir.split('/').collect(),
        None => Vec::new(),
    };
    let to_parts: Vec<&str> = to.split('/').collect();
    let (to_dirs, to_name) = to_parts.split_at(to_parts.len() - 1);
    let common = from_dirs
        .iter()
        .zip(to_dirs.iter())
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = String::new();
    for _ in common..from_dirs.len() {
        out.push_str("../");
    }
    for d in &to_dirs[common..] {
        out.push_str(d);
        out.push('/');
    }
    out.push_str(to_name[0]);
    out
}

/// An absolute URL path (`/…`) for a link written in the page at `page_url`: absolute
/// ones as they are, relative ones resolved against the page's folder. `None` for links
/// that leave the site (`https:`, `mailto:`…) or only move inside the page (`#…`).
fn site_path(page_url: &str, link: &str) -> Option<(String, String)> {
    if link.is_empty() || link.starts_with('#') || link.starts_with("//") {
        return None;
    }
    if let Some(colon) = link.find(':') {
        let before = &link[..colon];
        if !before.contains('/') && !before.contains('?') && !before.contains('#') {
            return None; // a scheme
        }
    }
    let (path, fragment) = match link.find(['#', '?']) {
        Some(i) if link[i..].starts_with('#') => (&link[..i], link[i..].to_string()),
        // A query means nothing to a file; a fragment after it is kept.
        Some(i) => (
            &link[..i],
            link[i..]
                .find('#')
                .map(|j| link[i + j..].to_string())
                .unwrap_or_default(),
        ),
        None => (link, String::new()),
    };
    let absolute = if path.starts_with('/') {
        path.to_string()
    } else {
        let base = match page_url.rsplit_once('/') {
            Some((dir, _)) => format!("{dir}/"),
            None => "/".into(),
        };
        preau_generator::content::resolve_url(&base, path)
    };
    Some((absolute, fragment))
}

/// What becomes of one page.
pub struct Rewritten {
    pub html: String,
    /// Uploaded files the page shows or links to (their archived version).
    pub media: BTreeSet<String>,
    /// Links that led out of the archive and became text (absolute paths).
    pub dropped: BTreeSet<String>,
    /// Files of the archive the page links to or shows.
    pub used: BTreeSet<String>,
    /// Whether the page had a comments section (filled with `comments`, or removed).
    pub had_comments: bool,
}

/// The page `path` (archive path, e.g. `ecoles/a/classes/ce1/sortie/index.html`), made
/// offline. `files` holds every path of the archive; media paths need not be in it (the
/// page names them, the caller adds them). `comments`: the static comments section to
/// put in place of the served one, or `None` to remove it. `note` is shown at the top of
/// the page's main content.
pub fn page(
    html: &str,
    path: &str,
    files: &BTreeSet<String>,
    comments: Option<&str>,
    note: &str,
) -> Result<Rewritten, lol_html::errors::RewritingError> {
    let page_url = format!("/{}", path.trim_end_matches("index.html"));
    let media = RefCell::new(BTreeSet::new());
    let dropped = RefCell::new(BTreeSet::new());
    let used = RefCell::new(BTreeSet::new());
    let had_comments = std::cell::Cell::new(false);
    // The archive's file for a link, with the fragment to keep; `None`: not in the archive.
    let target = |link: &str| -> Option<Option<String>> {
        let (abs, fragment) = site_path(&page_url, link)?;
        if let Some(m) = MediaRef::parse(&abs) {
            let kept = media_path(&phone_size(&m));
            media.borrow_mut().insert(kept.clone());
            return Some(Some(relative(path, &kept)));
        }
        let file = url_to_file(&abs);
        if files.contains(&file) {
            let link = format!("{}{fragment}", relative(path, &file));
            used.borrow_mut().insert(file);
            Some(Some(link))
        } else {
            dropped.borrow_mut().insert(abs);
            Some(None)
        }
    };
    let link = |el: &mut Element, attr: &str| -> HandlerResult {
        let Some(value) = el.get_attribute(attr) else {
            return Ok(());
        };
        match target(&value) {
            None => {}
            Some(Some(rel)) => el.set_attribute(attr, &rel)?,
            Some(None) if el.tag_name() == "a" => el.remove_and_keep_content(),
            Some(None) => el.remove(),
        }
        Ok(())
    };
    let settings = Settings::new()
        // What needs the server or a connection: scripts, forms, the menu (sign-in, Mon
        // espace, the town's pages), feeds.
        .append_element_content_handler(element!(
            "script, form, noscript, header.top nav, footer.foot ul, link[rel=alternate], a.feed",
            |el| {
                el.remove();
                Ok(())
            }
        ))
        .append_element_content_handler(element!("section[data-preau-comments]", |el| {
            had_comments.set(true);
            match comments {
                Some(inner) => {
                    el.remove_attribute("data-preau-comments");
                    el.set_inner_content(inner, ContentType::Html);
                }
                None => el.remove(),
            }
            Ok(())
        }))
        .append_element_content_handler(element!("main", |el| {
            el.prepend(
                &format!(
                    "<p class=\"archive-note\">{}</p>",
                    preau_contract::html::escape(note)
                ),
                ContentType::Html,
            );
            Ok(())
        }))
        .append_element_content_handler(element!("img[srcset], source[srcset]", |el| {
            // The archive has one version of each photo; width and height keep the layout.
            el.remove_attribute("srcset");
            el.remove_attribute("sizes");
            Ok(())
        }))
        .append_element_content_handler(element!("a[href], link[href], area[href]", |el| {
            link(el, "href")
        }))
        .append_element_content_handler(element!("iframe", |el| {
            // An embedded video needs its site; offline it would only be a hole.
            el.remove();
            Ok(())
        }))
        .append_element_content_handler(element!(
            "img[src], source[src], video[src], audio[src]",
            |el| link(el, "src")
        ))
        .append_element_content_handler(element!("video[poster]", |el| link(el, "poster")));
    let html = rewrite_str(html, settings)?;
    Ok(Rewritten {
        html,
        media: media.into_inner(),
        dropped: dropped.into_inner(),
        used: used.into_inner(),
        had_comments: had_comments.get(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert_eq!(relative("index.html", "a/b/index.html"), "a/b/index.html");
        assert_eq!(
            relative("a/b/c/index.html", "a/b/index.html"),
            "../index.html"
        );
        assert_eq!(
            relative("a/b/c/index.html", "theme/style.1.css"),
            "../../../theme/style.1.css"
        );
        assert_eq!(relative("a/b/index.html", "a/b/x.svg"), "x.svg");
        assert_eq!(relative("a/b/index.html", "index.html"), "../../index.html");
    }

    fn files(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn links_become_relative_or_text_and_server_parts_go() {
        let html = r##"<html><head><link rel="stylesheet" href="/theme/style.1.css"><link rel="alternate" href="/atom.xml"><script src="/theme/x.js"></script></head><body><header class="top"><a class="brand" href="/">Ville</a><nav><a href="/connexion/">Se connecter</a></nav></header><main><a href="/ecoles/a/classes/ce1/sortie/#photos">sortie</a> <a href="/guides/">guides</a> <a href="https://exemple.fr/">dehors</a> <a href="#haut">haut</a><img src="vache.svg" alt="v"><form method="post" action="/commentaires/"><button>Envoyer</button></form><section data-preau-comments="/x/"><p>bientôt</p></section></main></body></html>"##;
        let out = page(
            html,
            "ecoles/a/classes/ce1/fete/index.html",
            &files(&[
                "index.html",
                "theme/style.1.css",
                "ecoles/a/classes/ce1/sortie/index.html",
                "ecoles/a/classes/ce1/fete/vache.svg",
            ]),
            None,
            "Archive",
        )
        .unwrap();
        let h = &out.html;
        assert!(
            h.contains(r#"href="../../../../../theme/style.1.css""#),
            "{h}"
        );
        assert!(h.contains(r#"href="../../../../../index.html""#), "{h}");
        assert!(h.contains(r#"href="../sortie/index.html#photos""#), "{h}");
        assert!(h.contains(" guides ") && !h.contains("/guides/"), "{h}");
        assert!(h.contains(r#"href="https://exemple.fr/""#), "{h}");
        assert!(h.contains(r##"href="#haut""##), "{h}");
        assert!(h.contains(r#"src="vache.svg""#), "{h}");
        for gone in [
            "<script",
            "<form",
            "connexion",
            "atom.xml",
            "bientôt",
            "<nav",
        ] {
            assert!(!h.contains(gone), "{gone} left in {h}");
        }
        assert!(h.contains("<p class=\"archive-note\">Archive</p>"), "{h}");
        assert!(out.dropped.contains("/guides/"));
    }

    #[test]
    fn photos_point_at_their_phone_size_version() {
        let m = MediaRef {
            scope: preau_contract::media::MediaScope::Class("a".into(), "ce1".into()),
            hash: "0123456789abcdef".into(),
            kind: preau_contract::media::MediaKind::Jpeg,
            size: Some((2048, 1536)),
            variant: None,
        };
        let phone = phone_size(&m);
        assert_eq!(phone.variant, Some(960));
        let html = format!(
            r#"<main><img src="{}" srcset="{}" sizes="100vw" alt="x"></main>"#,
            m.url(),
            m.srcset().unwrap()
        );
        let out = page(
            &html,
            "ecoles/a/classes/ce1/p/index.html",
            &files(&[]),
            None,
            "",
        )
        .unwrap();
        let kept = media_path(&phone);
        assert!(out.media.contains(&kept));
        assert!(
            out.html.contains(&format!("src=\"../../../../../{kept}\"")),
            "{}",
            out.html
        );
        assert!(!out.html.contains("srcset"), "{}", out.html);
        // A small image has no smaller version: itself.
        let small = MediaRef {
            size: Some((800, 600)),
            ..m
        };
        assert_eq!(phone_size(&small).variant, None);
    }
}
