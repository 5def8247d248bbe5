//! Atom feeds, the sitemap and robots.txt. Each feed has the audience of its section; the
//! sitemap lists public pages only.

use crate::model::*;
use crate::render::{section_access, visible_items};
use preau_contract::html::escape as esc;

/// Feeds of the site: (output path, access, XML).
pub fn feeds(site: &Site) -> Vec<(String, Access, String)> {
    feeds_of(site, None)
}

/// The feeds that show items of the sections `only` (all with `None`): theirs, and the
/// town-wide one when one of them is town or school news. An incremental rebuild makes
/// only these.
pub fn feeds_of(
    site: &Site,
    only: Option<&std::collections::BTreeSet<SectionKey>>,
) -> Vec<(String, Access, String)> {
    let mut out = Vec::new();
    for (key, &idx) in &site.section_index {
        if key.by_weight() || only.is_some_and(|o| !o.contains(key)) {
            continue;
        }
        let items = visible_items(site, key);
        let access = section_access(site, key);
        let url = format!("{}atom.xml", key.url());
        out.push((
            url_to_file(&url),
            access,
            atom(site, &site.pages[idx].title, &url, &items),
        ));
    }
    let town = |k: &SectionKey| matches!(k, SectionKey::TownNews | SectionKey::SchoolNews(_));
    if only.is_some_and(|o| !o.iter().any(town)) {
        return out;
    }
    // The town-wide public feed: town news and every school's public news.
    let mut public: Vec<usize> = site
        .sections
        .iter()
        .filter(|(k, _)| matches!(k, SectionKey::TownNews | SectionKey::SchoolNews(_)))
        .flat_map(|(_, items)| items.iter().copied())
        .filter(|&i| site.pages[i].access.is_public())
        .collect();
    public.sort_by(|&a, &b| site.pages[b].date.cmp(&site.pages[a].date));
    public.truncate(50);
    out.push((
        "atom.xml".into(),
        Access::public(),
        atom(site, &site.config.title, "/atom.xml", &public),
    ));
    out
}

fn atom(site: &Site, title: &str, self_url: &str, items: &[usize]) -> String {
    let base = site.config.base_url.trim_end_matches('/');
    let updated = items
        .iter()
        .filter_map(|&i| site.pages[i].date)
        .max()
        .map(|d| d.rfc3339())
        .unwrap_or_else(|| "2026-01-01T00:00:00Z".into());
    let mut xml = String::with_capacity(1024 + items.len().min(20) * 600);
    xml.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"fr\">\n");
    xml.push_str(&format!(
        "<title>{}</title>\n<id>{base}{self_url}</id>\n<link rel=\"self\" href=\"{base}{self_url}\"/>\n<updated>{updated}</updated>\n",
        esc(title)
    ));
    for &i in items.iter().take(20) {
        let p = &site.pages[i];
        let date = p
            .date
            .map(|d| d.rfc3339())
            .unwrap_or_else(|| updated.clone());
        xml.push_str(&format!(
            "<entry><title>{}</title><id>{base}{url}</id><link href=\"{base}{url}\"/><updated>{date}</updated>",
            esc(&p.title),
            url = p.url
        ));
        if let Some(a) = &p.meta.author {
            xml.push_str(&format!("<author><name>{}</name></author>", esc(a)));
        }
        xml.push_str(&format!("<summary>{}</summary></entry>\n", esc(&p.summary)));
    }
    xml.push_str("</feed>\n");
    xml
}

/// `sitemap.xml`: public HTML pages only.
pub fn sitemap(site: &Site, public_pages: &[String]) -> String {
    let base = site.config.base_url.trim_end_matches('/');
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for url in public_pages {
        xml.push_str(&format!("<url><loc>{base}{}</loc></url>\n", esc(url)));
    }
    xml.push_str("</urlset>\n");
    xml
}

pub fn robots(site: &Site) -> String {
    let mut out = String::from("User-agent: *\n");
    for path in preau_contract::routes::robots_disallow() {
        out.push_str(&format!("Disallow: {path}\n"));
    }
    out.push_str(&format!(
        "Sitemap: {}/sitemap.xml\n",
        site.config.base_url.trim_end_matches('/')
    ));
    out
}
