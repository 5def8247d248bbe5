//! The built site as the edge sees it: the access manifest, the page shells rendered by the
//! theme (parsed once) and the interface strings. Loaded from the site's files.

use crate::paths;
use crate::store::{Files, StoreError};
use preau_contract::access::{Access, Manifest, MANIFEST_PATH, PRIVATE_DIR};
use preau_contract::date::{Date, Months};
use preau_contract::shell::{Shell, ShellName, STRINGS_PATH};
use preau_contract::text::Text;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

#[derive(Debug)]
pub struct SiteData {
    /// Shared with the in-process generator that made it (`ManifestSlot`): handing over
    /// a 13,000-file manifest costs a pointer, not a copy.
    pub manifest: Arc<Manifest>,
    pub shells: HashMap<ShellName, Shell>,
    pub strings: BTreeMap<String, String>,
    pub months: Months,
    /// The generator's build number of `manifest` (0: read from the file).
    pub generation: u64,
}

impl Default for SiteData {
    fn default() -> Self {
        SiteData {
            manifest: Arc::default(),
            shells: HashMap::new(),
            strings: BTreeMap::new(),
            months: Months::numeric(),
            generation: 0,
        }
    }
}

/// The manifest of the latest build or rebuild of a generator running in the same process
/// as the edge (`preau serve`), with its build number. Every rebuild puts its manifest
/// here before the edge reloads, so the edge never parses the file (4.5 MB at 10,000
/// posts: more than the rebuild of a post) and the generator may write the file after
/// the handover. Keeps the newest: rebuilds that finish out of order never put an older
/// manifest back.
#[derive(Debug, Default)]
pub struct ManifestSlot {
    latest: Mutex<Option<(u64, Arc<Manifest>)>>,
}

impl ManifestSlot {
    pub fn put(&self, generation: u64, manifest: Arc<Manifest>) {
        let mut latest = match self.latest.lock() {
            Ok(l) => l,
            Err(p) => p.into_inner(),
        };
        if latest.as_ref().is_none_or(|(g, _)| *g <= generation) {
            *latest = Some((generation, manifest));
        }
    }

    pub fn latest(&self) -> Option<(u64, Arc<Manifest>)> {
        match self.latest.lock() {
            Ok(l) => l.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }
}

const INDEX: &str = "index.html";

/// How a canonical path resolves against the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved<'a> {
    /// A file of the site, with its access rule (the manifest's, not a copy: asked on
    /// every request).
    File {
        file: String,
        access: Cow<'a, Access>,
    },
    /// A folder asked without its trailing slash, or `…/index.html`: go to the canonical URL.
    Redirect { to: String, access: Cow<'a, Access> },
    /// Nothing there. The access is that of the nearest folder above, so that probing for
    /// private pages that do not exist answers exactly like probing for ones that do.
    Missing { access: Cow<'a, Access> },
}

impl SiteData {
    pub async fn load<F: Files>(files: &F) -> Result<SiteData, StoreError> {
        let read = |path: String| async move {
            if !paths::is_safe_file(&path) {
                return Err(StoreError::Files(format!("{path} : chemin refusé")));
            }
            files
                .read(&path)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("{path} (lancez preau build)")))
        };
        if let Some((generation, manifest)) = files.latest_manifest() {
            let mut site = SiteData::load_with(files, manifest).await?;
            site.generation = generation;
            return Ok(site);
        }
        let manifest: Manifest = serde_json::from_slice(&read(MANIFEST_PATH.into()).await?)
            .map_err(|e| StoreError::Files(format!("{MANIFEST_PATH} : {e}")))?;
        SiteData::load_with(files, Arc::new(manifest)).await
    }

    /// The shells and strings of the built site, with a manifest the caller already has
    /// (the one `preau serve`'s generator just made: parsing its file again costs more
    /// than the rebuild of a post).
    pub async fn load_with<F: Files>(
        files: &F,
        manifest: Arc<Manifest>,
    ) -> Result<SiteData, StoreError> {
        let read = |path: String| async move {
            if !paths::is_safe_file(&path) {
                return Err(StoreError::Files(format!("{path} : chemin refusé")));
            }
            files
                .read(&path)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("{path} (lancez preau build)")))
        };
        let mut shells = HashMap::new();
        for name in ShellName::all() {
            if let ShellName::Gate(aud) = name {
                // No charter for this audience: nothing to accept, no gate page.
                if !manifest.charters.contains_key(&aud) {
                    continue;
                }
            }
            let bytes = read(name.path()).await?;
            shells.insert(name, Shell::parse(&String::from_utf8_lossy(&bytes)));
        }
        let strings: BTreeMap<String, String> =
            serde_json::from_slice(&read(STRINGS_PATH.into()).await?)
                .map_err(|e| StoreError::Files(format!("{STRINGS_PATH} : {e}")))?;
        let months = Months::from_strings(|k| strings.get(k).map(String::as_str))
            .map_err(|k| StoreError::Files(format!("{STRINGS_PATH} : texte « {k} » manquant")))?;
        if let Some(missing) = Text::ALL.iter().find(|t| !strings.contains_key(t.key())) {
            return Err(StoreError::Files(format!(
                "{STRINGS_PATH} : texte « {} » manquant",
                missing.key()
            )));
        }
        Ok(SiteData {
            manifest,
            shells,
            strings,
            months,
            generation: 0,
        })
    }

    /// Interface text (from the theme's strings file, `[edge]` table; checked at load).
    pub fn t(&self, text: Text) -> &str {
        self.strings
            .get(text.key())
            .map(String::as_str)
            .unwrap_or(text.key())
    }

    /// `2026-10-03` -> "3 octobre 2026"; other text unchanged.
    pub fn long_date(&self, iso: &str) -> String {
        Date::parse(iso)
            .map(|d| d.long(&self.months))
            .unwrap_or_else(|| iso.to_string())
    }

    /// Resolve a canonical path (from `paths::normalise`).
    pub fn resolve(&self, path: &str) -> Resolved<'_> {
        let files = &self.manifest.files;
        let rel = path.trim_start_matches('/');
        if rel
            .strip_prefix(PRIVATE_DIR)
            .is_some_and(|r| r.is_empty() || r.starts_with('/'))
        {
            return Resolved::Missing {
                access: Cow::Owned(Access::internal()),
            };
        }
        if rel.is_empty() || rel.ends_with('/') {
            // Not `format!`: this is every page read's one allocation here.
            let mut file = String::with_capacity(rel.len() + INDEX.len());
            file.push_str(rel);
            file.push_str(INDEX);
            if let Some(access) = files.get(&file) {
                return Resolved::File {
                    file,
                    access: Cow::Borrowed(access),
                };
            }
        } else if let Some(dir) = rel
            .strip_suffix("index.html")
            .filter(|d| d.is_empty() || d.ends_with('/'))
        {
            if let Some(access) = files.get(rel) {
                return Resolved::Redirect {
                    to: format!("/{dir}"),
                    access: Cow::Borrowed(access),
                };
            }
        } else if let Some(access) = files.get(rel) {
            return Resolved::File {
                file: rel.to_string(),
                access: Cow::Borrowed(access),
            };
        } else if let Some(access) = files.get(&format!("{rel}/index.html")) {
            return Resolved::Redirect {
                to: format!("/{rel}/"),
                access: Cow::Borrowed(access),
            };
        }
        Resolved::Missing {
            access: self.nearest_folder_access(rel),
        }
    }

    fn nearest_folder_access(&self, rel: &str) -> Cow<'_, Access> {
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
                return Cow::Borrowed(a);
            }
            if dir.is_empty() {
                return Cow::Owned(Access::public());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use preau_contract::access::Visibility;

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
            manifest: Arc::new(m),
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
                access: Cow::Borrowed(&s.manifest.files["ecoles/s/classes/c/post/index.html"])
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
        for internal in ["/_preau/manifest.json", "/_preau", "/_preau/"] {
            match s.resolve(internal) {
                Resolved::Missing { access } => {
                    assert_eq!(access.visibility, Visibility::Internal, "{internal}")
                }
                other => panic!("{internal}: {other:?}"),
            }
        }
        match s.resolve("/_preauxyz/") {
            Resolved::Missing { access } => assert!(access.is_public()),
            other => panic!("{other:?}"),
        }
        match s.resolve("/ECOLES/s/classes/c/post/") {
            Resolved::Missing { access } => assert!(access.is_public()),
            other => panic!("{other:?}"),
        }
    }
}
