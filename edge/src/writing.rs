//! The rules of the online editor: who writes where (and who only proposes), which
//! readers each blog allows, where a post's file goes, and how its front matter is written.
//! The feature itself is `features::editor`; the files go through `store::repo`.
//!
//! Paths are chosen here, never taken from the browser: a blog's folder plus a file name
//! made of the date and the one slug rule of `preau_contract::slug`. A path the browser
//! sends back (to edit a post) is accepted only if `Place::of_path` recognises it segment
//! by segment, so `..`, absolute paths, NUL bytes, backslashes and look-alike characters
//! never reach the repository.

use crate::accounts::{Account, Role};
use preau_contract::access::{Access, Manifest, Visibility};
use preau_contract::date::Date;
use preau_contract::media::MediaScope;
use preau_contract::slug::{is_slug, slugify};

/// Longest slug the editor makes from a title (the date and `.md` come on top).
pub const SLUG_MAX: usize = 50;
/// Longest title, in characters.
pub const TITLE_MAX: usize = 200;
/// Longest text, in characters (the form's body limit is 64 KiB).
pub const TEXT_MAX: usize = 50_000;

/// A blog the editor writes into.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Place {
    /// A class blog: `ecoles/<school>/classes/<class>/`.
    Class(String, String),
    /// A school's news: `ecoles/<school>/actualites/`.
    SchoolNews(String),
    /// A school's périscolaire news: `ecoles/<school>/periscolaire/`.
    Periscolaire(String),
    /// The guides for families: `guides/`.
    Guides,
    /// The town's news: `actualites/`.
    TownNews,
}

/// How a person writes in a blog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Publishes directly, and validates the proposals of others.
    Publish,
    /// Writes drafts that a validator publishes (partners; pupils where the class allows).
    Propose,
}

impl Place {
    /// The key stored with a post and sent by the form (`portee`).
    pub fn key(&self) -> String {
        match self {
            Place::Class(s, c) => format!("classe:{s}/{c}"),
            Place::SchoolNews(s) => format!("ecole:{s}"),
            Place::Periscolaire(s) => format!("periscolaire:{s}"),
            Place::Guides => "guides".into(),
            Place::TownNews => "ville".into(),
        }
    }

    pub fn parse_key(key: &str) -> Option<Place> {
        let place = match key.split_once(':') {
            Some(("classe", rest)) => {
                let (s, c) = rest.split_once('/')?;
                Place::Class(s.into(), c.into())
            }
            Some(("ecole", s)) => Place::SchoolNews(s.into()),
            Some(("periscolaire", s)) => Place::Periscolaire(s.into()),
            None if key == "guides" => Place::Guides,
            None if key == "ville" => Place::TownNews,
            _ => return None,
        };
        place.ids_ok().then_some(place)
    }

    fn ids_ok(&self) -> bool {
        let ok = |id: &str| is_slug(id) && id != preau_contract::media::TOWN;
        match self {
            Place::Class(s, c) => ok(s) && ok(c),
            Place::SchoolNews(s) | Place::Periscolaire(s) => ok(s),
            Place::Guides | Place::TownNews => true,
        }
    }

    /// The folder of the content repository that holds this blog's posts.
    pub fn folder(&self) -> String {
        match self {
            Place::Class(s, c) => format!("ecoles/{s}/classes/{c}"),
            Place::SchoolNews(s) => format!("ecoles/{s}/actualites"),
            Place::Periscolaire(s) => format!("ecoles/{s}/periscolaire"),
            Place::Guides => "guides".into(),
            Place::TownNews => "actualites".into(),
        }
    }

    /// The blog of a post's path, if the path is one the editor writes: the blog's folder,
    /// then `<slug>.md`, `<date>-<slug>.md` or `<slug>/index.md`, every part checked.
    pub fn of_path(path: &str) -> Option<Place> {
        let parts: Vec<&str> = path.split('/').collect();
        let (place, file): (Place, &[&str]) = match parts.as_slice() {
            ["ecoles", s, "classes", c, rest @ ..] => {
                (Place::Class(s.to_string(), c.to_string()), rest)
            }
            ["ecoles", s, "actualites", rest @ ..] => (Place::SchoolNews(s.to_string()), rest),
            ["ecoles", s, "periscolaire", rest @ ..] => (Place::Periscolaire(s.to_string()), rest),
            ["guides", rest @ ..] => (Place::Guides, rest),
            ["actualites", rest @ ..] => (Place::TownNews, rest),
            _ => return None,
        };
        if !place.ids_ok() {
            return None;
        }
        let stem = match file {
            [name] => name.strip_suffix(".md")?,
            [dir, "index.md"] => dir,
            _ => return None,
        };
        let slug = Date::split_prefix(stem).map(|(_, s)| s).unwrap_or(stem);
        (is_slug(stem) && is_slug(slug) && stem != "_index").then_some(place)
    }

    /// The post's address on the site (dates are dropped from URLs).
    pub fn url_of(&self, path: &str) -> Option<String> {
        let rest = path.strip_prefix(&self.folder())?.strip_prefix('/')?;
        let stem = rest
            .strip_suffix("/index.md")
            .or_else(|| rest.strip_suffix(".md"))?;
        let slug = Date::split_prefix(stem).map(|(_, s)| s).unwrap_or(stem);
        Some(format!("/{}/{slug}/", self.folder()))
    }

    /// Posts of this blog carry a date (guides are ordered by weight instead).
    pub fn dated(&self) -> bool {
        !matches!(self, Place::Guides)
    }

    /// Class posts take comments (the class's families, moderated by its teachers).
    pub fn has_comments(&self) -> bool {
        matches!(self, Place::Class(..))
    }

    /// The readers a post of this blog may have, the default first (the section's default
    /// of the content model).
    pub fn visibilities(&self) -> &'static [Visibility] {
        use Visibility::*;
        match self {
            Place::Class(..) => &[Class, School, Public],
            Place::SchoolNews(_) => &[Public, School, Staff],
            Place::Periscolaire(_) => &[School, Public],
            Place::Guides | Place::TownNews => &[Public, Staff],
        }
    }

    /// The uploads whose snippets a post of this blog may show to all its readers.
    pub fn media_scope(&self) -> MediaScope {
        match self {
            Place::Class(s, c) => MediaScope::Class(s.clone(), c.clone()),
            Place::SchoolNews(s) | Place::Periscolaire(s) => MediaScope::School(s.clone()),
            Place::Guides | Place::TownNews => MediaScope::Town,
        }
    }

    /// Who can read the blog's drafts and list: staff of the place (for the gallery).
    pub fn access(&self) -> Access {
        match self {
            Place::Class(s, c) => Access {
                visibility: Visibility::Class,
                school: Some(s.clone()),
                class: Some(c.clone()),
            },
            Place::SchoolNews(s) | Place::Periscolaire(s) => Access {
                visibility: Visibility::School,
                school: Some(s.clone()),
                class: None,
            },
            Place::Guides | Place::TownNews => Access::public(),
        }
    }
}

fn in_school(a: &Account, school: &str) -> bool {
    a.scopes
        .iter()
        .any(|s| s.school.as_deref() == Some(school) && s.class.is_none())
}

fn town_wide(a: &Account) -> bool {
    a.scopes.iter().any(|s| s.school.is_none())
}

fn in_class(a: &Account, school: &str, class: &str) -> bool {
    a.scopes
        .iter()
        .any(|s| s.school.as_deref() == Some(school) && s.class.as_deref() == Some(class))
}

/// How `a` may write in `place`, if at all. Teachers write in their classes, directors in
/// their school's news (and its classes), municipal staff in the périscolaire news of their
/// schools, the communication team in the guides and the town's news, administrators
/// everywhere; partners propose in the classes of their scope, pupils in their class when
/// its `_index.md` says `pupil_posts = true`. Parents never write.
pub fn mode(a: &Account, place: &Place, m: &Manifest) -> Option<Mode> {
    if a.disabled {
        return None;
    }
    let exists = match place {
        Place::Class(s, c) => m.classes.contains_key(&format!("{s}/{c}")),
        Place::SchoolNews(s) | Place::Periscolaire(s) => m.schools.contains_key(s),
        Place::Guides | Place::TownNews => true,
    };
    if !exists {
        return None;
    }
    if a.role == Role::Admin && town_wide(a) {
        return Some(Mode::Publish);
    }
    match (place, a.role) {
        (Place::Class(s, c), Role::Teacher) if in_class(a, s, c) => Some(Mode::Publish),
        (Place::Class(s, _) | Place::SchoolNews(s), Role::Director) if in_school(a, s) => {
            Some(Mode::Publish)
        }
        (Place::Periscolaire(s), Role::Municipal) if town_wide(a) || in_school(a, s) => {
            Some(Mode::Publish)
        }
        (Place::Guides | Place::TownNews, Role::Communication) if town_wide(a) => {
            Some(Mode::Publish)
        }
        (Place::Class(s, c), Role::Partner) if in_class(a, s, c) || in_school(a, s) => {
            Some(Mode::Propose)
        }
        (Place::Class(s, c), Role::Pupil)
            if in_class(a, s, c) && m.pupil_posts.contains(&format!("{s}/{c}")) =>
        {
            Some(Mode::Propose)
        }
        _ => None,
    }
}

/// The blogs `a` writes in, in the manifest's order.
pub fn places_for(a: &Account, m: &Manifest) -> Vec<(Place, Mode)> {
    let mut candidates = vec![Place::TownNews, Place::Guides];
    for school in m.schools.keys() {
        candidates.push(Place::SchoolNews(school.clone()));
        candidates.push(Place::Periscolaire(school.clone()));
    }
    for key in m.classes.keys() {
        if let Some((s, c)) = key.split_once('/') {
            candidates.push(Place::Class(s.into(), c.into()));
        }
    }
    candidates
        .into_iter()
        .filter_map(|p| mode(a, &p, m).map(|md| (p, md)))
        .collect()
}

/// The file of a new post: `<folder>/<date>-<slug>.md` (`<slug>.md` for guides), the slug
/// made from the title by the one slug rule (cut at `SLUG_MAX`, "article" when nothing is
/// left), with `-2`, `-3`… when `taken` says the name is used.
pub fn new_path(place: &Place, date: Date, title: &str, taken: impl Fn(&str) -> bool) -> String {
    let mut slug = slugify(title);
    if slug.len() > SLUG_MAX {
        slug.truncate(SLUG_MAX);
        while slug.ends_with('-') {
            slug.pop();
        }
    }
    if slug.is_empty() {
        slug = "article".into();
    }
    let stem = |n: usize| {
        let s = if n == 1 {
            slug.clone()
        } else {
            format!("{slug}-{n}")
        };
        if place.dated() {
            format!("{date}-{s}")
        } else {
            s
        }
    };
    let mut n = 1;
    loop {
        let path = format!("{}/{}.md", place.folder(), stem(n));
        let dir = format!("{}/{}/index.md", place.folder(), stem(n));
        if n > 1000 || (!taken(&path) && !taken(&dir)) {
            return path;
        }
        n += 1;
    }
}

/// What the editor's form says about a post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fields {
    pub title: String,
    pub date: Option<Date>,
    pub visibility: Visibility,
    pub comments: bool,
    pub draft: bool,
    pub author: String,
}

/// A title as stored: control characters (newlines among them) become spaces, runs of
/// spaces one, trimmed. The serializer escapes whatever remains; this keeps titles on one
/// line in lists and feeds.
pub fn clean_title(raw: &str) -> String {
    let spaced: String = raw
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A text as stored: line ends as `\n`, other control characters (NUL…) removed.
pub fn clean_text(raw: &str) -> String {
    raw.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect()
}

/// Why a stored file cannot be opened in the editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocError {
    /// YAML front matter: the editor writes TOML only.
    Yaml,
    /// No front matter block, or one that does not parse.
    Unreadable,
}

/// A stored post: its front matter table and its Markdown body.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub meta: toml::Table,
    pub body: String,
}

impl Document {
    /// Split and parse a file written in the content model's TOML form.
    pub fn parse(text: &str) -> Result<Document, DocError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if text.starts_with("---") {
            return Err(DocError::Yaml);
        }
        let rest = text.strip_prefix("+++").ok_or(DocError::Unreadable)?;
        let rest = rest
            .strip_prefix("\r\n")
            .or_else(|| rest.strip_prefix('\n'))
            .ok_or(DocError::Unreadable)?;
        let mut offset = 0;
        for line in rest.split_inclusive('\n') {
            if line.trim_end() == "+++" {
                let meta: toml::Table = rest[..offset].parse().map_err(|_| DocError::Unreadable)?;
                let body = &rest[offset + line.len()..];
                let body = body
                    .strip_prefix("\r\n")
                    .or_else(|| body.strip_prefix('\n'))
                    .unwrap_or(body);
                return Ok(Document {
                    meta,
                    body: body.to_string(),
                });
            }
            offset += line.len();
        }
        Err(DocError::Unreadable)
    }

    pub fn title(&self) -> String {
        self.str("title").unwrap_or_default()
    }

    fn str(&self, key: &str) -> Option<String> {
        self.meta.get(key).and_then(|v| match v {
            toml::Value::String(s) => Some(s.clone()),
            toml::Value::Datetime(d) => Some(d.to_string()),
            _ => None,
        })
    }

    /// The fields of the editor's form, with the blog's defaults where the file says nothing.
    pub fn fields(&self, place: &Place, path: &str) -> Fields {
        let file_date = path
            .rsplit('/')
            .find(|p| *p != "index.md")
            .and_then(|n| Date::split_prefix(n.trim_end_matches(".md")).map(|(d, _)| d));
        let visibility = self
            .str("visibility")
            .and_then(|v| {
                place
                    .visibilities()
                    .iter()
                    .copied()
                    .find(|x| x.as_str() == v)
            })
            .unwrap_or(place.visibilities()[0]);
        Fields {
            title: self.title(),
            date: self.str("date").and_then(|d| Date::parse(&d)).or(file_date),
            visibility,
            comments: self.meta.get("comments").and_then(toml::Value::as_bool) != Some(false),
            draft: self.meta.get("draft").and_then(toml::Value::as_bool) == Some(true),
            author: self.str("author").unwrap_or_default(),
        }
    }

    /// Set the keys the editor manages from `f`, keeping every other key of the file
    /// (tags, cover, summary, weight, extra…).
    pub fn set(&mut self, place: &Place, f: &Fields) {
        let m = &mut self.meta;
        m.insert("title".into(), toml::Value::String(f.title.clone()));
        match f.date {
            Some(d) if place.dated() => {
                m.insert("date".into(), toml::Value::String(d.to_string()));
            }
            _ => {
                m.remove("date");
            }
        }
        if f.visibility == place.visibilities()[0] {
            m.remove("visibility");
        } else {
            m.insert(
                "visibility".into(),
                toml::Value::String(f.visibility.as_str().into()),
            );
        }
        if place.has_comments() && !f.comments {
            m.insert("comments".into(), toml::Value::Boolean(false));
        } else {
            m.remove("comments");
        }
        if f.draft {
            m.insert("draft".into(), toml::Value::Boolean(true));
        } else {
            m.remove("draft");
        }
        if f.author.is_empty() {
            m.remove("author");
        } else {
            m.insert("author".into(), toml::Value::String(f.author.clone()));
        }
    }

    /// `kept` (a whole file the editor wrote, maybe from the form alone while the forge was
    /// unreachable) written over `current` (the file as it is in the repository): the
    /// body and the keys the editor manages come from `kept`, every other key of
    /// `current` (tags, cover… added with Git) stays. `None` if either does not parse.
    pub fn merge_onto(current: &str, kept: &str, place: &Place, path: &str) -> Option<String> {
        let mut doc = Document::parse(current).ok()?;
        let kept = Document::parse(kept).ok()?;
        let fields = kept.fields(place, path);
        doc.body = kept.body;
        doc.set(place, &fields);
        Some(doc.render())
    }

    /// The whole file: the front matter written by the TOML serializer (never pieced
    /// together from strings, so a title or text cannot add a key), then the body.
    pub fn render(&self) -> String {
        let meta = toml::to_string(&self.meta).unwrap_or_default();
        format!("+++\n{meta}+++\n\n{}", self.body)
    }

    /// The line of the whole file where the body starts (for problems found in the body).
    pub fn body_line(&self) -> usize {
        let meta = toml::to_string(&self.meta).unwrap_or_default();
        meta.lines().count() + 4
    }
}

/// The checks the editor can make without the generator (the Worker): images without
/// alternative text, links to a Markdown file, and links to a page of the site that the
/// deployed manifest does not have. They are a subset of `preau check`, which the deploy
/// workflow runs on everything; catching these here keeps one teacher's broken link from
/// stopping the deployment for all. Lines are those of the whole file.
pub fn quick_problems(doc: &Document, m: &Manifest) -> Vec<crate::store::repo::Problem> {
    use crate::store::repo::Problem;
    let first = doc.body_line();
    let mut out = Vec::new();
    let mut fenced = false;
    for (i, line) in doc.body.lines().enumerate() {
        if line.trim_start().starts_with("```") || line.trim_start().starts_with("~~~") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let problem = |message: String, hint: &str| Problem {
            line: Some(first + i),
            message,
            hint: Some(hint.to_string()),
        };
        for (image, label, target) in md_links(line) {
            let target = target.split_whitespace().next().unwrap_or("");
            if image && label.trim().is_empty() {
                out.push(problem(
                    format!("image sans texte alternatif « {target} »"),
                    "décrivez l'image entre les crochets : ![Les élèves plantent des radis](…)",
                ));
            }
            let path = target.split(['#', '?']).next().unwrap_or("");
            if path.ends_with(".md") {
                out.push(problem(
                    format!("lien vers un fichier Markdown « {target} »"),
                    "écrivez l'adresse de la page, par exemple /guides/activer-son-compte/",
                ));
            } else if let Some(rel) = path.strip_prefix('/') {
                if rel.starts_with('/') || path.starts_with(preau_contract::media::PREFIX) {
                    continue;
                }
                let known = rel.is_empty()
                    || m.files.contains_key(rel)
                    || m.files
                        .contains_key(&format!("{}/index.html", rel.trim_end_matches('/')));
                if !known {
                    out.push(problem(
                        format!("lien cassé « {target} » (aucune page ni image à cette adresse)"),
                        "vérifiez l'adresse",
                    ));
                }
            }
        }
    }
    out
}

/// The Markdown links and images of one line: (is an image, text, target).
fn md_links(line: &str) -> Vec<(bool, &str, &str)> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(open) = rest.find('[') {
        let image = open > 0 && rest.as_bytes()[open - 1] == b'!';
        let after = &rest[open + 1..];
        let Some(close) = after.find("](") else {
            break;
        };
        let label = &after[..close];
        let tail = &after[close + 2..];
        let Some(end) = tail.find(')') else {
            break;
        };
        // A `[` inside the text starts over from there (nested brackets are rare).
        if let Some(inner) = label.rfind('[') {
            rest = &after[inner..];
            continue;
        }
        out.push((image, label, tail[..end].trim()));
        rest = &tail[end + 1..];
    }
    out
}

/// A new post's document.
pub fn new_document(place: &Place, f: &Fields, body: &str) -> Document {
    let mut d = Document {
        meta: toml::Table::new(),
        body: body.to_string(),
    };
    d.set(place, f);
    d
}

/// The address of a commit's author: the login (reduced to `a-z0-9.-_`) at the town's
/// domain, never the person's own e-mail.
pub fn author_address(login: &str, domain: &str) -> String {
    let local: String = login
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect::<String>()
        .to_ascii_lowercase();
    let local = if local.is_empty() {
        "compte".into()
    } else {
        local
    };
    format!("{local}@{domain}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_save_keeps_the_keys_added_with_git() {
        let place = Place::Class("ecole-a".into(), "ce1".into());
        let path = "ecoles/ecole-a/classes/ce1/2026-10-21-le-marche.md";
        let current = "+++\ntitle = \"Le marché\"\ndate = \"2026-10-21\"\ntags = [\"sortie\"]\ncover = { image = \"/medias/ecole-a/ce1/ab.jpg\", alt = \"Un étal\" }\n+++\n\nAvant.";
        // What the editor kept from the form alone: its own keys, a new text, published.
        let kept = "+++\ntitle = \"Le marché du jeudi\"\ndate = \"2026-10-21\"\nauthor = \"Mme A\"\n+++\n\nAprès.";
        let merged = Document::merge_onto(current, kept, &place, path).unwrap();
        let doc = Document::parse(&merged).unwrap();
        assert_eq!(doc.body, "Après.");
        assert_eq!(doc.meta["title"].as_str(), Some("Le marché du jeudi"));
        assert!(
            doc.meta.contains_key("tags") && doc.meta.contains_key("cover"),
            "{merged}"
        );
        assert!(!doc.meta.contains_key("draft"), "{merged}");
        assert!(Document::merge_onto("pas de front matter", kept, &place, path).is_none());
    }
    use crate::accounts::Scope;

    fn acc(role: Role, scopes: &[&str]) -> Account {
        Account {
            id: 1,
            login: "x".into(),
            display_name: "X".into(),
            role,
            scopes: scopes
                .iter()
                .map(|s| {
                    if *s == "*" {
                        Scope::town()
                    } else {
                        Scope::parse(s).unwrap()
                    }
                })
                .collect(),
            disabled: false,
            password_changed_at: 0,
        }
    }

    fn manifest() -> Manifest {
        let mut m = Manifest::default();
        let info = || preau_contract::access::PlaceInfo {
            title: "t".into(),
            path: "/".into(),
        };
        m.schools.insert("jm".into(), info());
        m.classes.insert("jm/ce1".into(), info());
        m.classes.insert("jm/cp".into(), info());
        m
    }

    #[test]
    fn who_writes_where() {
        let m = manifest();
        let ce1 = Place::Class("jm".into(), "ce1".into());
        let cp = Place::Class("jm".into(), "cp".into());
        let news = Place::SchoolNews("jm".into());
        let peri = Place::Periscolaire("jm".into());
        let teacher = acc(Role::Teacher, &["jm/ce1"]);
        assert_eq!(mode(&teacher, &ce1, &m), Some(Mode::Publish));
        assert_eq!(mode(&teacher, &cp, &m), None);
        assert_eq!(mode(&teacher, &news, &m), None);
        let director = acc(Role::Director, &["jm"]);
        assert_eq!(mode(&director, &news, &m), Some(Mode::Publish));
        assert_eq!(mode(&director, &cp, &m), Some(Mode::Publish));
        assert_eq!(mode(&director, &peri, &m), None);
        assert_eq!(
            mode(&acc(Role::Municipal, &["jm"]), &peri, &m),
            Some(Mode::Publish)
        );
        assert_eq!(mode(&acc(Role::Municipal, &["jm"]), &ce1, &m), None);
        let com = acc(Role::Communication, &["*"]);
        assert_eq!(mode(&com, &Place::Guides, &m), Some(Mode::Publish));
        assert_eq!(mode(&com, &Place::TownNews, &m), Some(Mode::Publish));
        assert_eq!(mode(&com, &ce1, &m), None);
        assert_eq!(
            mode(&acc(Role::Partner, &["jm/ce1"]), &ce1, &m),
            Some(Mode::Propose)
        );
        assert_eq!(mode(&acc(Role::Partner, &["jm/ce1"]), &cp, &m), None);
        assert_eq!(mode(&acc(Role::Parent, &["jm/ce1"]), &ce1, &m), None);
        let pupil = acc(Role::Pupil, &["jm/ce1"]);
        assert_eq!(mode(&pupil, &ce1, &m), None);
        let mut allowed = manifest();
        allowed.pupil_posts.insert("jm/ce1".into());
        assert_eq!(mode(&pupil, &ce1, &allowed), Some(Mode::Propose));
        assert_eq!(mode(&pupil, &cp, &allowed), None);
        // A class that the site does not have.
        let ghost = Place::Class("jm".into(), "cm2".into());
        assert_eq!(mode(&acc(Role::Admin, &["*"]), &ghost, &m), None);
    }

    #[test]
    fn paths_stay_in_the_blog_folder() {
        let ce1 = Place::Class("jm".into(), "ce1".into());
        let d = Date::parse("2026-10-03").unwrap();
        let never = |_: &str| false;
        assert_eq!(
            new_path(&ce1, d, "Sortie à la ferme !", never),
            "ecoles/jm/classes/ce1/2026-10-03-sortie-a-la-ferme.md"
        );
        for hostile in [
            "../../../etc/passwd",
            "/etc/passwd",
            "a\u{0}b",
            "..\\..\\x",
            "ｅｔｃ／ｐａｓｓｗｄ",
            "․․∕․․∕x",
            "",
            &"très long ".repeat(500),
        ] {
            let p = new_path(&ce1, d, hostile, never);
            assert!(p.starts_with("ecoles/jm/classes/ce1/2026-10-03-"), "{p}");
            assert_eq!(Place::of_path(&p), Some(ce1.clone()), "{p}");
            assert!(!p.contains(".."), "{p}");
            assert!(p.len() < 100, "{p}");
        }
        assert_eq!(
            new_path(&ce1, d, "x", |p| p.ends_with("2026-10-03-x.md")),
            "ecoles/jm/classes/ce1/2026-10-03-x-2.md"
        );
        assert_eq!(
            new_path(&Place::Guides, d, "Activer son compte", never),
            "guides/activer-son-compte.md"
        );
    }

    #[test]
    fn paths_sent_back_are_recognised_strictly() {
        let ok = "ecoles/jm/classes/ce1/2026-10-03-sortie.md";
        assert_eq!(
            Place::of_path(ok),
            Some(Place::Class("jm".into(), "ce1".into()))
        );
        assert!(Place::of_path("ecoles/jm/classes/ce1/potager/index.md").is_some());
        assert!(Place::of_path("guides/activer.md").is_some());
        for bad in [
            "ecoles/jm/classes/ce1/../cp/x.md",
            "/ecoles/jm/classes/ce1/x.md",
            "ecoles/jm/classes/ce1/x.md\u{0}",
            "ecoles/jm/classes/ce1/_index.md",
            "ecoles/jm/classes/ce1/a/b/c.md",
            "ecoles/jm/classes/ce1/x.txt",
            "ecoles/JM/classes/ce1/x.md",
            "ecoles/jm/classes/сe1/x.md",
            "ecoles/ville/actualites/x.md",
            "charte/parents.md",
            "_index.md",
            "ecoles\\jm\\classes\\ce1\\x.md",
            "",
        ] {
            assert_eq!(Place::of_path(bad), None, "{bad:?}");
        }
        assert_eq!(
            Place::Class("jm".into(), "ce1".into())
                .url_of(ok)
                .as_deref(),
            Some("/ecoles/jm/classes/ce1/sortie/")
        );
    }

    #[test]
    fn front_matter_cannot_be_injected() {
        let ce1 = Place::Class("jm".into(), "ce1".into());
        let f = Fields {
            title: "Titre\nvisibility = \"public\"\n+++".into(),
            date: Date::parse("2026-10-03"),
            visibility: Visibility::Class,
            comments: true,
            draft: true,
            author: "Mme \"X\"\ndraft = false".into(),
        };
        let body = "+++\nvisibility = \"public\"\ndraft = false\n+++\n\nTexte";
        let doc = new_document(&ce1, &f, body);
        let text = doc.render();
        let back = Document::parse(&text).unwrap();
        assert_eq!(back.meta, doc.meta);
        assert_eq!(back.body, body);
        assert_eq!(back.meta.get("visibility"), None);
        assert_eq!(back.meta.get("draft"), Some(&toml::Value::Boolean(true)));
        assert_eq!(back.title(), f.title);
        assert_eq!(back.fields(&ce1, "x.md").visibility, Visibility::Class);
        assert_eq!(clean_title(" A\nB\u{0}  C "), "A B C");
    }

    #[test]
    fn quick_checks_find_missing_alt_text_and_broken_links() {
        let mut m = manifest();
        m.files
            .insert("guides/activer/index.html".into(), Access::public());
        let body = "Texte ![](/medias/a.jpg) et ![Radis](/medias/b.jpg).\n\n[ok](/guides/activer/) [ko](/guides/nulle-part/) [md](autre.md)\n```\n![](x.png)\n```\n[web](https://example.org/)";
        let doc = Document {
            meta: toml::Table::new(),
            body: body.into(),
        };
        let found = quick_problems(&doc, &m);
        let first = doc.body_line();
        let got: Vec<(Option<usize>, &str)> =
            found.iter().map(|p| (p.line, p.message.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (Some(first), "image sans texte alternatif « /medias/a.jpg »"),
                (
                    Some(first + 2),
                    "lien cassé « /guides/nulle-part/ » (aucune page ni image à cette adresse)"
                ),
                (
                    Some(first + 2),
                    "lien vers un fichier Markdown « autre.md »"
                ),
            ]
        );
    }

    #[test]
    fn editing_keeps_the_keys_the_editor_does_not_manage() {
        let ce1 = Place::Class("jm".into(), "ce1".into());
        let text = "+++\ntitle = \"Potager\"\ndate = \"2026-10-10\"\ntags = [\"sciences\"]\ncover = { image = \"a.jpg\", alt = \"Des radis\" }\n+++\n\nTexte.\n";
        let mut doc = Document::parse(text).unwrap();
        let mut f = doc.fields(&ce1, "ecoles/jm/classes/ce1/2026-10-10-potager/index.md");
        assert_eq!(f.title, "Potager");
        assert!(!f.draft);
        f.title = "Le potager".into();
        f.visibility = Visibility::School;
        doc.set(&ce1, &f);
        let back = Document::parse(&doc.render()).unwrap();
        assert!(back.meta.contains_key("tags") && back.meta.contains_key("cover"));
        assert_eq!(back.title(), "Le potager");
        assert_eq!(back.meta["visibility"].as_str(), Some("school"));
        assert_eq!(Document::parse("---\ntitle: x\n---\n"), Err(DocError::Yaml));
        assert_eq!(
            author_address("Marie.Durand<x>", "alpha.fr"),
            "marie.durandx@alpha.fr"
        );
    }
}
