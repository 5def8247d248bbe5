//! The built site as the edge sees it: the access manifest, the page shells rendered by the
//! theme and the interface strings. Loaded from the site's files through `Files`.

use crate::access::{Access, Audience, Manifest, MANIFEST_PATH, PRIVATE_DIR};
use crate::store::{Files, StoreError};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Default)]
pub struct SiteData {
    pub manifest: Manifest,
    pub shells: HashMap<String, String>,
    pub strings: BTreeMap<String, String>,
}

/// How a canonical path resolves against the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// A file of the site, with its access rule.
    File { file: String, access: Access },
    /// A folder asked without its trailing slash, or `…/index.html`: go to the canonical URL.
    Redirect { to: String, access: Access },
    /// Nothing there. The access is that of the nearest folder above, so that probing for
    /// private pages that do not exist answers exactly like probing for ones that do.
    Missing { access: Access },
}

const SHELLS: &[&str] = &["signin", "forbidden", "espace", "message"];

impl SiteData {
    pub async fn load<F: Files>(files: &F) -> Result<SiteData, StoreError> {
        let manifest_bytes = files.read(MANIFEST_PATH).await?.ok_or_else(|| {
            StoreError::Files(format!("{MANIFEST_PATH} introuvable : lancez preau build"))
        })?;
        let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
            .map_err(|e| StoreError::Files(format!("{MANIFEST_PATH} : {e}")))?;
        let mut shells = HashMap::new();
        let mut names: Vec<String> = SHELLS.iter().map(|s| s.to_string()).collect();
        names.extend(Audience::ALL.iter().map(|a| format!("gate-{}", a.as_str())));
        for name in names {
            let path = format!("{PRIVATE_DIR}/shells/{name}.html");
            let bytes = files
                .read(&path)
                .await?
                .ok_or_else(|| StoreError::Files(format!("{path} introuvable")))?;
            shells.insert(name, String::from_utf8_lossy(&bytes).into_owned());
        }
        let strings = match files.read(&format!("{PRIVATE_DIR}/strings.json")).await? {
            Some(b) => serde_json::from_slice(&b).unwrap_or_default(),
            None => BTreeMap::new(),
        };
        Ok(SiteData {
            manifest,
            shells,
            strings,
        })
    }

    /// Interface text for `key` (from the theme's strings file, `[edge]` table).
    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        self.strings.get(key).map(String::as_str).unwrap_or(key)
    }

    /// Resolve a canonical path (from `paths::normalise`).
    pub fn resolve(&self, path: &str) -> Resolved {
        let files = &self.manifest.files;
        let rel = path.trim_start_matches('/');
        if rel == PRIVATE_DIR || rel.starts_with(&format!("{PRIVATE_DIR}/")) {
            return Resolved::Missing {
                access: Access::internal(),
            };
        }
        if rel.is_empty() || rel.ends_with('/') {
            let file = format!("{rel}index.html");
            if let Some(access) = files.get(&file) {
                return Resolved::File {
                    file,
                    access: access.clone(),
                };
            }
        } else if let Some(dir) = rel
            .strip_suffix("index.html")
            .filter(|d| d.is_empty() || d.ends_with('/'))
        {
            if let Some(access) = files.get(rel) {
                return Resolved::Redirect {
                    to: format!("/{dir}"),
                    access: access.clone(),
                };
            }
        } else if let Some(access) = files.get(rel) {
            return Resolved::File {
                file: rel.to_string(),
                access: access.clone(),
            };
        } else if let Some(access) = files.get(&format!("{rel}/index.html")) {
            return Resolved::Redirect {
                to: format!("/{rel}/"),
                access: access.clone(),
            };
        }
        Resolved::Missing {
            access: self.nearest_folder_access(rel),
        }
    }

    fn nearest_folder_access(&self, rel: &str) -> Access {
        let mut dir = rel.trim_end_matches('/');
        loop {
            dir = match dir.rfind('/') {
                Some(i) => &dir[..i],
                None => "",
            };
            let index = if dir.is_empty() {
                "index.html".to_string()
            } else {
                format!("{dir}/index.html")
            };
            if let Some(a) = self.manifest.files.get(&index) {
                return a.clone();
            }
            if dir.is_empty() {
                return Access::public();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Visibility;

    fn site() -> SiteData {
        let class = Access {
            visibility: Visibility::Class,
            school: Some("s".into()),
            class: Some("c".into()),
        };
        let mut m = Manifest::default();
        m.files.insert("index.html".into(), Access::public());
        m.files
            .insert("ecoles/s/classes/c/index.html".into(), class.clone());
        m.files
            .insert("ecoles/s/classes/c/post/index.html".into(), class.clone());
        m.files
            .insert("ecoles/s/classes/c/post/vache.svg".into(), class);
        m.files
            .insert("_preau/manifest.json".into(), Access::internal());
        SiteData {
            manifest: m,
            ..Default::default()
        }
    }

    #[test]
    fn resolves_files_redirects_and_missing() {
        let s = site();
        assert!(matches!(
            s.resolve("/ecoles/s/classes/c/post/"),
            Resolved::File { .. }
        ));
        assert!(matches!(
            s.resolve("/ecoles/s/classes/c/post/vache.svg"),
            Resolved::File { .. }
        ));
        assert_eq!(
            s.resolve("/ecoles/s/classes/c/post"),
            Resolved::Redirect {
                to: "/ecoles/s/classes/c/post/".into(),
                access: s.manifest.files["ecoles/s/classes/c/post/index.html"].clone()
            }
        );
        assert!(matches!(
            s.resolve("/ecoles/s/classes/c/post/index.html"),
            Resolved::Redirect { .. }
        ));
        match s.resolve("/ecoles/s/classes/c/secret-guess/") {
            Resolved::Missing { access } => assert_eq!(access.visibility, Visibility::Class),
            other => panic!("{other:?}"),
        }
        match s.resolve("/_preau/manifest.json") {
            Resolved::Missing { access } => assert_eq!(access.visibility, Visibility::Internal),
            other => panic!("{other:?}"),
        }
        match s.resolve("/ECOLES/s/classes/c/post/") {
            Resolved::Missing { access } => assert!(access.is_public()),
            other => panic!("{other:?}"),
        }
    }
}
