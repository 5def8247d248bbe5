//! Who may read what: visibilities decided at build time, the access manifest that carries
//! them from the generator to the edge, and the rules that compare them with a reader's roles.

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
}
