//! Who may read what: visibilities decided at build time, the access manifest that carries
//! them from the generator to the edge, roles and scopes, and the rule that compares them.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How widely a built file may be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Anyone, signed in or not.
    Public,
    /// Members of one school: its families, teachers, director and municipal staff.
    School,
    /// One class: its families, its teachers and the school's director.
    Class,
    /// Staff of one school, or of the whole town outside a school.
    Staff,
    /// Read by the edge only (the manifest, page shells); never served to anyone.
    Internal,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::School => "school",
            Visibility::Class => "class",
            Visibility::Staff => "staff",
            Visibility::Internal => "internal",
        }
    }
}

/// Which usage charter a person must accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    Parents,
    Eleves,
    Personnel,
}

impl Audience {
    pub const ALL: [Audience; 3] = [Audience::Parents, Audience::Eleves, Audience::Personnel];

    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Parents => "parents",
            Audience::Eleves => "eleves",
            Audience::Personnel => "personnel",
        }
    }
}

/// The access rule of one built file: a visibility and where it applies.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Access {
    #[serde(rename = "v")]
    pub visibility: Visibility,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub school: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
}

impl Access {
    pub fn public() -> Self {
        Access {
            visibility: Visibility::Public,
            school: None,
            class: None,
        }
    }

    pub fn internal() -> Self {
        Access {
            visibility: Visibility::Internal,
            school: None,
            class: None,
        }
    }

    pub fn is_public(&self) -> bool {
        self.visibility == Visibility::Public
    }

    /// True when everyone allowed to read `other` may also read `self`: an item may be
    /// listed on a page only if the item covers the page, so a list never shows a title
    /// to someone who could not open it.
    pub fn covers(&self, other: &Access) -> bool {
        if self == other || self.is_public() {
            return true;
        }
        match (self.visibility, other.visibility) {
            (Visibility::School, Visibility::Class | Visibility::Staff) => {
                self.school.is_some() && self.school == other.school
            }
            _ => false,
        }
    }
}

/// What a person does in the town's schools; decides their charter and what they read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Pupil,
    Parent,
    Teacher,
    Director,
    Municipal,
    Partner,
    Communication,
    Admin,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Pupil,
        Role::Parent,
        Role::Teacher,
        Role::Director,
        Role::Municipal,
        Role::Partner,
        Role::Communication,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Pupil => "pupil",
            Role::Parent => "parent",
            Role::Teacher => "teacher",
            Role::Director => "director",
            Role::Municipal => "municipal",
            Role::Partner => "partner",
            Role::Communication => "communication",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The charter this role must accept.
    pub fn audience(self) -> Audience {
        match self {
            Role::Pupil => Audience::Eleves,
            Role::Parent => Audience::Parents,
            _ => Audience::Personnel,
        }
    }

    /// Staff see `staff` pages of their scope and get shorter sessions.
    pub fn is_staff(self) -> bool {
        matches!(
            self,
            Role::Teacher | Role::Director | Role::Municipal | Role::Communication | Role::Admin
        )
    }

    /// Roles that read every class of the schools in their scope.
    fn reads_all_classes(self) -> bool {
        matches!(self, Role::Director | Role::Admin | Role::Teacher)
    }
}

/// A scope: the whole town, a school, or a class of a school.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Scope {
    pub school: Option<String>,
    pub class: Option<String>,
}

impl Scope {
    pub fn town() -> Scope {
        Scope {
            school: None,
            class: None,
        }
    }

    /// Parse `school` or `school/class`; ids follow the one slug rule of content folders.
    pub fn parse(s: &str) -> Option<Scope> {
        let valid = crate::slug::is_slug;
        match s.split_once('/') {
            Some((school, class)) if valid(school) && valid(class) => Some(Scope {
                school: Some(school.into()),
                class: Some(class.into()),
            }),
            None if valid(s) => Some(Scope {
                school: Some(s.into()),
                class: None,
            }),
            _ => None,
        }
    }

    pub fn label(&self) -> String {
        match (&self.school, &self.class) {
            (None, _) => "ville".into(),
            (Some(s), None) => s.clone(),
            (Some(s), Some(c)) => format!("{s}/{c}"),
        }
    }

    pub fn includes_school(&self, school: &str) -> bool {
        match &self.school {
            None => true,
            Some(s) => s == school,
        }
    }
}

/// May a person with `role` and `scopes` read a file with this access rule? (Charter
/// acceptance is checked separately.)
pub fn may_read(role: Role, scopes: &[Scope], access: &Access) -> bool {
    let school = access.school.as_deref();
    match access.visibility {
        Visibility::Public => true,
        Visibility::Internal => false,
        Visibility::School => {
            let Some(school) = school else { return false };
            scopes.iter().any(|s| s.includes_school(school))
        }
        Visibility::Class => {
            let (Some(school), Some(class)) = (school, access.class.as_deref()) else {
                return false;
            };
            scopes.iter().any(|s| match (&s.school, &s.class) {
                (Some(ss), Some(sc)) => ss == school && sc == class,
                (Some(ss), None) => ss == school && role.reads_all_classes(),
                (None, _) => role == Role::Admin,
            })
        }
        Visibility::Staff => {
            role.is_staff()
                && match school {
                    Some(school) => scopes.iter().any(|s| s.includes_school(school)),
                    None => scopes.iter().any(|s| s.school.is_none()),
                }
        }
    }
}

/// One charter: its current version and the page that shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CharterInfo {
    pub version: String,
    pub path: String,
    pub title: String,
}

/// A post as listed in "Mon espace".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentItem {
    pub title: String,
    pub path: String,
    pub date: String,
    pub access: Access,
}

/// A school or class a reader may belong to, with its readable name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaceInfo {
    pub title: String,
    pub path: String,
}

/// How a class's comments are moderated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Moderation {
    /// Nothing shows until a moderator approves it (the default).
    #[default]
    Before,
    /// Shows at once; a moderator can remove it.
    After,
    /// A family's comments show at once once a moderator has approved one of theirs.
    Trusted,
}

impl Moderation {
    pub fn as_str(self) -> &'static str {
        match self {
            Moderation::Before => "before",
            Moderation::After => "after",
            Moderation::Trusted => "trusted",
        }
    }
}

/// Comments of one page: present only for non-public pages with comments open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentRule {
    #[serde(default)]
    pub moderation: Moderation,
    /// May the class's pupils comment? (off by default)
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pupils: bool,
}

/// Written by the generator next to the site (never served), read by the edge.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Every output file, by its path relative to the output folder (`a/b/index.html`).
    pub files: BTreeMap<String, Access>,
    pub charters: BTreeMap<Audience, CharterInfo>,
    /// Schools by id and classes by `school/class`.
    #[serde(default)]
    pub schools: BTreeMap<String, PlaceInfo>,
    #[serde(default)]
    pub classes: BTreeMap<String, PlaceInfo>,
    /// Latest posts per school (`school`) and per class (`school/class`), newest first.
    #[serde(default)]
    pub recent: BTreeMap<String, Vec<RecentItem>>,
    /// Pages open to comments, by their path (`/ecoles/a/classes/ce1/sortie/`). A public
    /// page is never here.
    #[serde(default)]
    pub comments: BTreeMap<String, CommentRule>,
    /// Classes (`school/class`) whose pupils may propose posts in the online editor
    /// (`pupil_posts = true` in the class's `_index.md`).
    #[serde(default, skip_serializing_if = "std::collections::BTreeSet::is_empty")]
    pub pupil_posts: std::collections::BTreeSet<String>,
    /// What the build knows of each served file's bytes (same keys as `files`): its
    /// content hash (the strong `ETag`), when that hash last changed (`Last-Modified`),
    /// whether a `.br` version lies next to it, whether its name is fingerprinted.
    #[serde(default)]
    pub meta: BTreeMap<String, FileMeta>,
    /// The theme's files by their plain name (`theme/style.css`) and the content-hashed
    /// name pages use (`theme/style.3f9a2b1c0d4e.css`).
    #[serde(default)]
    pub fingerprinted: BTreeMap<String, String>,
}

/// The bytes of one built file, as the build wrote them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileMeta {
    /// SHA-256 of the file, first 16 bytes in hex: the strong entity tag.
    #[serde(rename = "h")]
    pub hash: String,
    /// Unix seconds when a build first wrote these bytes at this path.
    #[serde(rename = "t")]
    pub modified: i64,
    /// `<file>.br` was written next to it (`preau serve` makes gzip at request time).
    #[serde(rename = "z", default, skip_serializing_if = "std::ops::Not::not")]
    pub compressed: bool,
    /// A content-hashed name: cached for a year, never revalidated.
    #[serde(rename = "i", default, skip_serializing_if = "std::ops::Not::not")]
    pub immutable: bool,
    /// For a content-hashed name that a newer theme replaced: Unix seconds of the first
    /// build without it. Builds keep it for a day after, for pages still cached or open.
    #[serde(rename = "r", default, skip_serializing_if = "is_zero")]
    pub retired: i64,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

impl FileMeta {
    /// The quoted strong `ETag` of the identity bytes.
    pub fn etag(&self) -> String {
        format!("\"{}\"", self.hash)
    }
}

/// Files worth compressing, by extension (images other than SVG already are).
pub fn compressible(path: &str) -> bool {
    matches!(
        path.rsplit_once('.').map(|(_, e)| e),
        Some("html" | "css" | "js" | "svg" | "xml" | "json" | "txt")
    )
}

/// Folder of the output that holds what only the edge reads; never served.
pub const PRIVATE_DIR: &str = "_preau";
/// Path of the manifest inside the output folder.
pub const MANIFEST_PATH: &str = "_preau/manifest.json";

#[cfg(test)]
mod tests {
    use super::*;

    fn a(v: Visibility, s: Option<&str>, c: Option<&str>) -> Access {
        Access {
            visibility: v,
            school: s.map(str::to_string),
            class: c.map(str::to_string),
        }
    }

    #[test]
    fn coverage_never_widens_an_audience() {
        let class = a(Visibility::Class, Some("s"), Some("c"));
        let other_class = a(Visibility::Class, Some("s"), Some("d"));
        let school = a(Visibility::School, Some("s"), None);
        let staff = a(Visibility::Staff, Some("s"), None);
        assert!(Access::public().covers(&class));
        assert!(school.covers(&class));
        assert!(school.covers(&staff));
        assert!(!class.covers(&school));
        assert!(!class.covers(&other_class));
        assert!(!staff.covers(&class));
        assert!(!class.covers(&Access::public()));
        assert!(!school.covers(&Access::public()));
    }

    fn may(role: Role, scopes: &[&str], access: &Access) -> bool {
        let scopes: Vec<Scope> = scopes
            .iter()
            .map(|s| {
                if *s == "*" {
                    Scope::town()
                } else {
                    Scope::parse(s).unwrap()
                }
            })
            .collect();
        may_read(role, &scopes, access)
    }

    #[test]
    fn class_pages_reach_only_their_class_and_its_staff() {
        let page = a(Visibility::Class, Some("jm"), Some("ce1"));
        assert!(may(Role::Parent, &["jm/ce1"], &page));
        assert!(!may(Role::Parent, &["jm/cp"], &page));
        assert!(!may(Role::Parent, &["jm"], &page));
        assert!(may(Role::Director, &["jm"], &page));
        assert!(!may(Role::Director, &["port"], &page));
        assert!(!may(Role::Municipal, &["jm"], &page));
        assert!(!may(Role::Communication, &["*"], &page));
        assert!(may(Role::Admin, &["*"], &page));
    }

    #[test]
    fn school_and_staff_pages() {
        let school = a(Visibility::School, Some("jm"), None);
        let staff = a(Visibility::Staff, Some("jm"), None);
        assert!(may(Role::Parent, &["jm/ce1"], &school));
        assert!(!may(Role::Parent, &["port/cp"], &school));
        assert!(may(Role::Municipal, &["jm"], &school));
        assert!(!may(Role::Parent, &["jm/ce1"], &staff));
        assert!(may(Role::Teacher, &["jm/ce1"], &staff));
        assert!(!may(Role::Partner, &["jm"], &staff));
        assert!(!may(Role::Admin, &["*"], &Access::internal()));
    }

    #[test]
    fn scopes_parse_with_the_content_slug_rule() {
        assert!(Scope::parse("ecole-du-port/ce1-ce2").is_some());
        assert!(Scope::parse("Ecole").is_none());
        assert!(Scope::parse("a/b/c").is_none());
        // Folder names the generator refuses are refused as scopes too.
        assert!(Scope::parse("-ecole").is_none());
        assert!(Scope::parse("ecole/ce1-").is_none());
        assert!(Scope::parse("ecole/").is_none());
    }
}
