//! Markdown to safe HTML: CommonMark with tables, footnotes, strikethrough and task lists,
//! heading anchors, link and image checks, and ammonia on anything containing raw HTML.

use crate::error::ContentError;
use crate::model::slugify;
use preau_contract::media::MediaRef;
use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// The result of rendering one body.
#[derive(Debug, Default)]
pub struct Rendered {
    pub html: String,
    /// Plain text of the first paragraph, for summaries.
    pub first_paragraph: String,
    /// Local links and images: (target as written, 1-based line in the file).
    pub links: Vec<(String, usize)>,
}

/// Per-site settings that affect rendering.
pub struct MarkdownOptions<'a> {
    pub iframe_allowlist: &'a [String],
}

const SAFE_SCHEMES: &[&str] = &["http:", "https:", "mailto:", "tel:"];

/// Is `url` something that points inside the site (relative or absolute path)?
pub fn is_local(url: &str) -> bool {
    !url.contains(':') && !url.starts_with("//") && !url.starts_with('#')
}

fn scheme_ok(url: &str, image: bool) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    if is_local(&lower) || lower.starts_with('#') {
        return !lower.starts_with("//");
    }
    if image {
        // Images come from the site itself or are inlined; a remote image would tell a
        // third party who reads a class page.
        return lower.starts_with("data:image/") && !lower.starts_with("data:image/svg");
    }
    SAFE_SCHEMES.iter().any(|s| lower.starts_with(s))
}

/// Render `body` (which starts at line `body_line` of `file`). Problems go to `errors`.
pub fn render(
    file: &Path,
    body: &str,
    body_line: usize,
    opts: &MarkdownOptions,
    errors: &mut Vec<ContentError>,
) -> Rendered {
    render_as(file, body, body_line, opts, errors, true)
}

/// `render` without the HTML (left empty): the checks, links and first paragraph only, for
/// a body whose HTML is made later (`model::Body::Source`). A body that may hold raw HTML
/// (any `<`) is rendered whole, since the alt-text check of raw images reads the
/// sanitised HTML.
pub fn scan(
    file: &Path,
    body: &str,
    body_line: usize,
    opts: &MarkdownOptions,
    errors: &mut Vec<ContentError>,
) -> Rendered {
    let mut out = render_as(file, body, body_line, opts, errors, body.contains('<'));
    out.html = String::new();
    out
}

fn render_as(
    file: &Path,
    body: &str,
    body_line: usize,
    opts: &MarkdownOptions,
    errors: &mut Vec<ContentError>,
    want_html: bool,
) -> Rendered {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS;
    let line_at = |offset: usize| body_line + crate::error::line_of(body, offset) - 1;

    let mut events: Vec<Event> = Vec::new();
    let mut out = Rendered::default();
    let mut has_raw_html = false;
    let mut heading_starts: Vec<usize> = Vec::new();
    // Image alt text is collected between Start(Image) and End(Image).
    let mut image_stack: Vec<(usize, String, String)> = Vec::new();
    let mut in_first_paragraph = 0u8; // 0 = not seen yet, 1 = inside, 2 = done
    let mut dropping_link = false;

    for (event, range) in Parser::new_ext(body, options).into_offset_iter() {
        match &event {
            Event::Html(_) | Event::InlineHtml(_) => has_raw_html = true,
            Event::Start(Tag::Heading { .. }) if want_html => heading_starts.push(events.len()),
            Event::Start(Tag::Paragraph) if in_first_paragraph == 0 => in_first_paragraph = 1,
            Event::End(TagEnd::Paragraph) if in_first_paragraph == 1 => in_first_paragraph = 2,
            Event::Text(t) | Event::Code(t) => {
                if in_first_paragraph == 1 && image_stack.is_empty() {
                    out.first_paragraph.push_str(t);
                }
                if let Some((_, _, alt)) = image_stack.last_mut() {
                    alt.push_str(t);
                }
            }
            Event::SoftBreak | Event::HardBreak if in_first_paragraph == 1 => {
                out.first_paragraph.push(' ');
            }
            _ => {}
        }
        match event {
            // Without HTML, only the checks below matter (links, images).
            Event::Start(Tag::Link { ref dest_url, .. }) if !want_html => {
                let line = line_at(range.start);
                if !scheme_ok(dest_url, false) {
                    dropping_link = true;
                    errors.push(refused_link(file, line, dest_url));
                } else if is_local(dest_url) {
                    out.links.push((dest_url.to_string(), line));
                }
            }
            Event::End(TagEnd::Link) if !want_html => dropping_link = false,
            Event::End(TagEnd::Image) if !want_html => {
                if let Some((line, src, alt)) = image_stack.pop() {
                    check_image(file, line, &src, &alt, &mut out.links, errors);
                }
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                let line = line_at(range.start);
                image_stack.push((line, dest_url.to_string(), String::new()));
            }
            _ if !want_html => {}
            // A checkbox nobody can tick would be a form control without a label (axe's
            // `label` rule): a task is shown as the character of its state instead.
            Event::TaskListMarker(done) => events.push(Event::InlineHtml(CowStr::from(if done {
                "<span class=\"tache\">\u{2611}</span> "
            } else {
                "<span class=\"tache\">\u{2610}</span> "
            }))),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let line = line_at(range.start);
                if !scheme_ok(&dest_url, false) {
                    dropping_link = true;
                    errors.push(refused_link(file, line, &dest_url));
                    continue;
                }
                if is_local(&dest_url) {
                    out.links.push((dest_url.to_string(), line));
                }
                events.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            // Links cannot nest in Markdown, so one flag pairs the refused start with its end.
            Event::End(TagEnd::Link) if dropping_link => dropping_link = false,
            Event::End(TagEnd::Image) => {
                let Some((line, src, alt)) = image_stack.pop() else {
                    continue;
                };
                if check_image(file, line, &src, &alt, &mut out.links, errors) {
                    events.push(Event::InlineHtml(CowStr::from(img_tag(&src, alt.trim()))));
                }
            }
            _ if !image_stack.is_empty() => {} // alt text events are consumed above
            other => events.push(other),
        }
    }

    if !want_html {
        out.first_paragraph = out.first_paragraph.trim().to_string();
        return out;
    }
    assign_heading_ids(&mut events, &heading_starts);
    let mut html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    if has_raw_html {
        html = sanitize(&html, opts);
        // Raw <img> tags get the same alt-text rule as Markdown images (RGAA 1.1).
        for tag in html.split("<img").skip(1) {
            let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
            if !tag.contains(" alt=\"") || tag.contains(" alt=\"\"") {
                errors.push(
                    ContentError::new(file, Some(body_line), "image HTML sans texte alternatif")
                        .with_hint("ajoutez alt=\"description de l'image\", ou utilisez une image Markdown ![description](image.svg)"),
                );
            }
        }
    }
    out.html = html;
    out.first_paragraph = out.first_paragraph.trim().to_string();
    out
}

fn refused_link(file: &Path, line: usize, dest: &str) -> ContentError {
    ContentError::new(
        file,
        Some(line),
        format!("lien refusé « {} »", truncate(dest, 60)),
    )
    .with_hint("seuls les liens http, https, mailto, tel et les liens vers le site sont permis")
}

/// The checks of a Markdown image: its alt text and its address. `false`: refused (no
/// `<img>` is written for it).
fn check_image(
    file: &Path,
    line: usize,
    src: &str,
    alt: &str,
    links: &mut Vec<(String, usize)>,
    errors: &mut Vec<ContentError>,
) -> bool {
    if alt.trim().is_empty() {
        errors.push(
            ContentError::new(file, Some(line), format!("image sans texte alternatif « {src} »"))
                .with_hint("décrivez l'image entre les crochets : ![Les élèves plantent des radis](potager.svg) (RGAA 1.1)"),
        );
    }
    if !scheme_ok(src, true) {
        errors.push(
            ContentError::new(
                file,
                Some(line),
                format!("image externe refusée « {} »", truncate(src, 60)),
            )
            .with_hint("placez l'image dans le dossier de l'article et écrivez seulement son nom"),
        );
        return false;
    }
    if is_local(src) {
        links.push((src.to_string(), line));
    }
    true
}

/// Sizes of an uploaded photo in a post: the column is about 42 rem wide at most.
const MEDIA_SIZES: &str = "(max-width: 44rem) 100vw, 42rem";

/// An `<img>` for a Markdown image. An uploaded photo (`/medias/…`) gets its width, height
/// and smaller versions from its name, so phones download the small one.
fn img_tag(src: &str, alt: &str) -> String {
    use preau_contract::html::escape;
    let media = MediaRef::parse(src).filter(|m| m.kind.is_image());
    match media.as_ref().and_then(|m| Some((m, m.dimensions()?, m.srcset()?))) {
        Some((m, (w, h), srcset)) if !m.variants().is_empty() => format!(
            "<img src=\"{}\" alt=\"{}\" width=\"{w}\" height=\"{h}\" srcset=\"{}\" sizes=\"{MEDIA_SIZES}\" loading=\"lazy\" decoding=\"async\">",
            escape(src),
            escape(alt),
            escape(&srcset)
        ),
        Some((_, (w, h), _)) => format!(
            "<img src=\"{}\" alt=\"{}\" width=\"{w}\" height=\"{h}\" loading=\"lazy\" decoding=\"async\">",
            escape(src),
            escape(alt)
        ),
        None => format!(
            "<img src=\"{}\" alt=\"{}\" loading=\"lazy\" decoding=\"async\">",
            escape(src),
            escape(alt)
        ),
    }
}

/// Give every heading a unique `id` from its text and demote `#` to `<h2>` (the page title
/// is the only `<h1>`).
fn assign_heading_ids(events: &mut [Event], starts: &[usize]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for &i in starts {
        let mut text = String::new();
        for ev in &events[i + 1..] {
            match ev {
                Event::End(TagEnd::Heading(_)) => break,
                Event::Text(t) | Event::Code(t) => text.push_str(t),
                _ => {}
            }
        }
        let mut id = slugify(&text);
        if id.is_empty() {
            id = "section".into();
        }
        let n = seen.entry(id.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            id = format!("{id}-{n}");
        }
        if let Event::Start(Tag::Heading {
            level,
            classes,
            attrs,
            ..
        }) = &events[i]
        {
            let level = if *level == HeadingLevel::H1 {
                HeadingLevel::H2
            } else {
                *level
            };
            let classes = classes.clone();
            let attrs = attrs.clone();
            events[i] = Event::Start(Tag::Heading {
                level,
                id: Some(CowStr::from(id)),
                classes,
                attrs,
            });
        }
    }
    for ev in events.iter_mut() {
        if let Event::End(TagEnd::Heading(HeadingLevel::H1)) = ev {
            *ev = Event::End(TagEnd::Heading(HeadingLevel::H2));
        }
    }
}

/// Sanitise HTML that contains author-written raw HTML.
pub fn sanitize(html: &str, opts: &MarkdownOptions) -> String {
    let allow_iframes = !opts.iframe_allowlist.is_empty();
    let allowlist: HashSet<String> = opts
        .iframe_allowlist
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let mut b = ammonia::Builder::default();
    b.add_generic_attributes(["id", "class"])
        .add_tag_attributes("img", ["loading", "decoding"])
        .add_tag_attributes("td", ["style"])
        .add_tag_attributes("th", ["style"])
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(Some("noopener noreferrer"));
    if allow_iframes {
        b.add_tags(["iframe"]).add_tag_attributes(
            "iframe",
            ["src", "title", "width", "height", "allowfullscreen"],
        );
    }
    b.attribute_filter(
        move |element, attribute, value| match (element, attribute) {
            ("td" | "th", "style") => {
                // pulldown-cmark writes alignment as a style; keep nothing else.
                let v = value.trim();
                [
                    "text-align: left",
                    "text-align: center",
                    "text-align: right",
                ]
                .contains(&v)
                .then(|| v.to_string().into())
            }
            ("iframe", "src") => {
                let host = value
                    .strip_prefix("https://")
                    .and_then(|r| r.split(['/', '?', '#', ':']).next())
                    .map(|h| h.to_ascii_lowercase());
                match host {
                    Some(h) if allowlist.contains(&h) => Some(value.into()),
                    _ => None,
                }
            }
            ("img", "src") => scheme_ok(value, true).then(|| value.into()),
            _ => Some(value.into()),
        },
    );
    b.clean(html).to_string()
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n).collect::<String>() + "…"
    }
}

/// Does an SVG file contain anything that could run code when opened on its own?
pub fn svg_is_dangerous(svg: &str) -> Option<&'static str> {
    let lower = svg.to_ascii_lowercase();
    if lower.contains("<script") {
        return Some("balise <script>");
    }
    if lower.contains("<foreignobject") {
        return Some("balise <foreignObject>");
    }
    if lower.contains("javascript:") {
        return Some("lien javascript:");
    }
    if lower.contains("<!entity") {
        return Some("entité XML");
    }
    let bytes = lower.as_bytes();
    for i in 1..bytes.len().saturating_sub(3) {
        if bytes[i - 1].is_ascii_whitespace() && bytes[i] == b'o' && bytes[i + 1] == b'n' {
            let rest = &lower[i + 2..];
            let name_len = rest.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
            if name_len > 0 && rest[name_len..].trim_start().starts_with('=') {
                return Some("attribut d'événement (on…=)");
            }
        }
    }
    // `href` to anything but a local fragment could load or link outside.
    for needle in ["href=\"http", "href='http", "@import", "url(http"] {
        if lower.contains(needle) {
            return Some("ressource externe");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(body: &str) -> (Rendered, Vec<ContentError>) {
        let mut errors = Vec::new();
        let r = render(
            Path::new("p.md"),
            body,
            5,
            &MarkdownOptions {
                iframe_allowlist: &[],
            },
            &mut errors,
        );
        (r, errors)
    }

    #[test]
    fn headings_get_unique_ids_and_h1_is_demoted() {
        let (r, _) = md("# Le potager\n\n## Le potager\n");
        assert!(r.html.contains("<h2 id=\"le-potager\">"), "{}", r.html);
        assert!(r.html.contains("<h2 id=\"le-potager-2\">"), "{}", r.html);
        assert!(!r.html.contains("<h1"));
    }

    #[test]
    fn image_without_alt_is_reported_with_line() {
        let (_, e) = md("Texte\n\n![](vache.svg)\n");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].line, Some(7));
    }

    #[test]
    fn javascript_links_are_dropped_and_reported() {
        let (r, e) = md("[clic](javascript:alert(1)) et [ok](https://education.gouv.fr)");
        assert!(!r.html.contains("javascript"), "{}", r.html);
        assert!(r.html.contains("clic"));
        assert!(r.html.contains("https://education.gouv.fr"));
        assert_eq!(e.len(), 1);
    }

    #[test]
    fn raw_html_is_sanitised() {
        let (r, _) = md("<script>alert(1)</script>\n\n<img src=x onerror=alert(1) alt=a>\n\n<iframe src=\"https://evil.example\"></iframe>\n");
        assert!(!r.html.contains("<script"));
        assert!(!r.html.contains("onerror"));
        assert!(!r.html.contains("<iframe"));
    }

    #[test]
    fn raw_html_images_need_alt_text() {
        let (_, e) = md("<img src=\"a.svg\">\n\n<img src=\"b.svg\" alt=\"Un radis\">\n");
        assert_eq!(e.len(), 1, "{e:?}");
    }

    #[test]
    fn extensions_render() {
        let (r, _) = md(
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] fait\n- [ ] à faire\n\n~~barré~~ note[^1]\n\n[^1]: pied\n",
        );
        assert!(r.html.contains("<table>"));
        assert!(r
            .html
            .contains("<span class=\"tache\">\u{2611}</span> fait"));
        assert!(r
            .html
            .contains("<span class=\"tache\">\u{2610}</span> à faire"));
        assert!(!r.html.contains("<input"), "{}", r.html);
        assert!(r.html.contains("<del>"));
        assert!(r.html.contains("footnote"));
    }

    #[test]
    fn local_links_are_collected() {
        let (r, _) = md("Voir [le guide](/guides/x/) et ![vache](vache.svg)");
        assert_eq!(r.links.len(), 2);
        assert_eq!(r.first_paragraph, "Voir le guide et");
    }

    #[test]
    fn dangerous_svg_is_detected() {
        assert!(svg_is_dangerous("<svg onload=\"x()\"></svg>").is_some());
        assert!(svg_is_dangerous("<svg><script>1</script></svg>").is_some());
        assert!(svg_is_dangerous(
            "<svg viewBox=\"0 0 1 1\" role=\"img\"><title>Vache</title></svg>"
        )
        .is_none());
    }
}
