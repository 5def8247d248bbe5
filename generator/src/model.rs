//! The site model: every page with its place in the site, its URL and its access rule.
//! Built from content files by `content`, read by `render`, `feeds` and `manifest`.

use crate::frontmatter::FrontMatter;
pub use preau_contract::access::{Access, Audience, Visibility};
use preau_contract::date::{Date, Months};
pub use preau_contract::slug::is_slug;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A list of dated items: the sections that have an index page and a feed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SectionKey {
    TownNews,
    Guides,
    Charters,
    SchoolNews(String),
    Periscolaire(String),
    Class(String, String),
}

impl SectionKey {
    /// URL of the section's index, with a trailing slash.
    pub fn url(&self) -> String {
        match self {
            SectionKey::TownNews => "/actualites/".into(),
            SectionKey::Guides => "/guides/".into(),
            SectionKey::Charters => "/charte/".into(),
            SectionKey::SchoolNews(s) => format!("/ecoles/{s}/actualites/"),
            SectionKey::Periscolaire(s) => format!("/ecoles/{s}/periscolaire/"),
            SectionKey::Class(s, c) => format!("/ecoles/{s}/classes/{c}/"),
        }
    }

    /// Visibility of pages of this section when the author sets none.
    pub fn default_visibility(&self) -> Visibility {
        match self {
            SectionKey::Periscolaire(_) => Visibility::School,
            SectionKey::Class(..) => Visibility::Class,
            _ => Visibility::Public,
        }
    }

    pub fn school(&self) -> Option<&str> {
        match self {
            SectionKey::SchoolNews(s) | SectionKey::Periscolaire(s) | SectionKey::Class(s, _) => {
                Some(s)
            }
            _ => None,
        }
    }

    pub fn class(&self) -> Option<&str> {
        match self {
            SectionKey::Class(_, c) => Some(c),
            _ => None,
        }
    }

    /// Strings-file key of the default title of this section's index.
    pub fn default_title_key(&self) -> &'static str {
        match self {
            SectionKey::TownNews => "section_town_news",
            SectionKey::Guides => "section_guides",
            SectionKey::Charters => "section_charters",
            SectionKey::SchoolNews(_) => "section_school_news",
            SectionKey::Periscolaire(_) => "section_periscolaire",
            SectionKey::Class(..) => "section_class",
        }
    }

    /// Sections whose items are sorted by weight rather than date.
    pub fn by_weight(&self) -> bool {
        matches!(self, SectionKey::Guides | SectionKey::Charters)
    }
}

/// Where a page sits in the site.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Place {
    Home,
    School(String),
    Index(SectionKey),
    Item(SectionKey),
}

/// One content page after loading and Markdown rendering.
#[derive(Debug, Clone)]
pub struct Page {
    /// Source file relative to the content folder; `None` for indexes the generator made up.
    pub source: Option<PathBuf>,
    pub place: Place,
    pub slug: String,
    pub url: String,
    pub access: Access,
    pub meta: FrontMatter,
    pub title: String,
    pub date: Option<Date>,
    /// Rendered and sanitised HTML of the body (empty while `body` is `Source`).
    pub html: String,
    /// Where the body's HTML is: in `html`, or still in the source file.
    pub body: Body,
    /// Plain-text summary (front matter or first paragraph).
    pub summary: String,
    /// Files next to the page, copied with it: (source path, output path relative to root).
    pub assets: Vec<(PathBuf, String)>,
    /// Internal links and images to check once every page is known: (target URL, line).
    pub links: Vec<(String, usize)>,
    /// Output path of the cover image, if any.
    pub cover_url: Option<String>,
}

/// Where a page's body HTML is. A full build keeps only what lists, feeds and the
/// manifest need of its dated items and renders each item's Markdown again when it writes
/// its page: the bodies of 10,000 posts held from reading to writing were about half of
/// the build's peak memory, for one use each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// In `Page::html` (indexes, charters, pages loaded one by one).
    Kept,
    /// In the source file, read again from `body_offset` when the page is rendered. The
    /// file's length and time as read first: a file changed in between is an error (its
    /// new text was not checked), not a page built from text nobody checked.
    Source {
        body_offset: usize,
        body_line: usize,
        len: u64,
        modified: Option<std::time::SystemTime>,
    },
}

impl Page {
    pub fn output_path(&self) -> String {
        url_to_file(&self.url)
    }

    pub fn is_item(&self) -> bool {
        matches!(self.place, Place::Item(_))
    }

    pub fn section(&self) -> Option<&SectionKey> {
        match &self.place {
            Place::Item(k) | Place::Index(k) => Some(k),
            _ => None,
        }
    }
}

/// `/a/b/` -> `a/b/index.html`; `/a/b.xml` -> `a/b.xml`.
pub fn url_to_file(url: &str) -> String {
    let trimmed = url.trim_start_matches('/');
    if trimmed.is_empty() || trimmed.ends_with('/') {
        format!("{trimmed}index.html")
    } else {
        trimmed.to_string()
    }
}

/// A list card: what list pages, feeds and "Mon espace" show of an item.
#[derive(Debug, Clone, Serialize)]
pub struct Card {
    pub title: String,
    pub url: String,
    pub date: Option<String>,
    pub date_fr: Option<String>,
    pub summary: String,
    pub author: Option<String>,
    pub cover: Option<CoverCard>,
    pub tags: Vec<TagLink>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CoverCard {
    pub url: String,
    pub alt: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TagLink {
    pub name: String,
    /// Tag page URL; `None` where no tag page exists for the item's audience.
    pub url: Option<String>,
}

/// The scope a tag page lists: public items, or one class's items.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TagScope {
    Public,
    Class(String, String),
}

impl TagScope {
    pub fn base_url(&self) -> String {
        match self {
            TagScope::Public => "/etiquettes/".into(),
            TagScope::Class(s, c) => format!("/ecoles/{s}/classes/{c}/etiquettes/"),
        }
    }

    pub fn access(&self) -> Access {
        match self {
            TagScope::Public => Access::public(),
            TagScope::Class(s, c) => Access {
                visibility: Visibility::Class,
                school: Some(s.clone()),
                class: Some(c.clone()),
            },
        }
    }

    /// The tag scope an item's tags link to, if any.
    pub fn of(access: &Access) -> Option<TagScope> {
        match (access.visibility, &access.school, &access.class) {
            (Visibility::Public, _, _) => Some(TagScope::Public),
            (Visibility::Class, Some(s), Some(c)) => Some(TagScope::Class(s.clone(), c.clone())),
            _ => None,
        }
    }
}

/// Site-wide settings from `content/config.toml`.
#[derive(Debug, Clone, serde::Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub title: String,
    #[serde(default)]
    pub town: String,
    #[serde(default = "default_base_url")]
    pub base_url: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_paginate")]
    pub paginate_by: usize,
    /// Hosts whose `<iframe src>` survives sanitising (e.g. a national video service).
    #[serde(default)]
    pub iframe_allowlist: Vec<String>,
    /// Minify every HTML page with minify-html. Off by default: it saves about 8 % of the
    /// bytes (less once compressed) but takes two thirds of the rendering time.
    #[serde(default)]
    pub minify_html: bool,
}

fn default_base_url() -> String {
    "http://127.0.0.1:8000".into()
}

fn default_paginate() -> usize {
    10
}

/// The whole site, ready to render.
#[derive(Debug, Clone)]
pub struct Site {
    pub config: Config,
    pub pages: Vec<Page>,
    /// Items of each section, as indexes into `pages`, in display order.
    pub sections: BTreeMap<SectionKey, Vec<usize>>,
    /// Index page of each section (made up when the author wrote none).
    pub section_index: BTreeMap<SectionKey, usize>,
    /// School home pages by school id.
    pub schools: BTreeMap<String, usize>,
    /// Classes of each school, in id order.
    pub classes: BTreeMap<String, Vec<String>>,
    /// Tag pages: scope -> tag slug -> (display name, items newest first).
    pub tags: BTreeMap<TagScope, BTreeMap<String, (String, Vec<usize>)>>,
    /// Charter pages by audience.
    pub charters: BTreeMap<Audience, usize>,
    pub home: Option<usize>,
    /// Cards of every page, computed once (same index as `pages`).
    pub cards: Vec<Card>,
    /// Month names for long dates, from the strings file.
    pub months: Months,
    /// The content folder, where the bodies of `Body::Source` pages are read again.
    pub root: PathBuf,
}

/// The one slug rule (shared with the edge, which names posts written online).
pub use preau_contract::slug::slugify;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slugify("Vie de classe"), "vie-de-classe");
        assert_eq!(slugify("Éducation  physique !"), "education-physique");
        assert_eq!(slugify("Cœur"), "coeur");
    }

    #[test]
    fn urls_map_to_files() {
        assert_eq!(url_to_file("/"), "index.html");
        assert_eq!(url_to_file("/guides/x/"), "guides/x/index.html");
        assert_eq!(url_to_file("/actualites/atom.xml"), "actualites/atom.xml");
    }
}
