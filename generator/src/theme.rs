//! A theme in memory: its templates (`templates/`), strings (`strings/fr.toml`) and static
//! files (`static/`), read from a folder or given by the program that embeds the default
//! theme (the `preau` binary, so that a town's own repository needs no `themes/` folder).
//! A folder laid over a built-in theme replaces the files it has and keeps the others: a
//! town changes its colours or its logo with one file, and still gets the new templates of
//! the next version of Préau.

use crate::error::BuildError;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Files of a built-in theme: (path inside the theme with `/`, bytes).
pub type BuiltinFiles = &'static [(&'static str, &'static [u8])];

#[derive(Clone)]
pub struct Theme {
    builtin: Option<BuiltinFiles>,
    folder: Option<PathBuf>,
    files: BTreeMap<String, Cow<'static, [u8]>>,
}

impl std::fmt::Debug for Theme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Theme")
            .field("builtin", &self.builtin.is_some())
            .field("folder", &self.folder)
            .field("files", &self.files.len())
            .finish()
    }
}

impl Theme {
    /// A complete theme from a folder.
    pub fn folder(path: &Path) -> Result<Theme, BuildError> {
        let mut t = Theme {
            builtin: None,
            folder: Some(path.to_path_buf()),
            files: BTreeMap::new(),
        };
        t.read_folder()?;
        Ok(t)
    }

    /// A built-in theme, with `overlay`'s files in place of its own when that folder exists.
    pub fn builtin(files: BuiltinFiles, overlay: Option<&Path>) -> Result<Theme, BuildError> {
        let mut t = Theme {
            builtin: Some(files),
            folder: overlay.filter(|p| p.is_dir()).map(Path::to_path_buf),
            files: files
                .iter()
                .map(|(p, b)| (p.to_string(), Cow::Borrowed(*b)))
                .collect(),
        };
        t.read_folder()?;
        Ok(t)
    }

    /// The same theme read again (after an edit of its folder).
    pub fn reload(&self) -> Result<Theme, BuildError> {
        match self.builtin {
            Some(files) => Theme::builtin(files, self.folder.as_deref()),
            None => match &self.folder {
                Some(f) => Theme::folder(f),
                None => Ok(self.clone()),
            },
        }
    }

    /// The folder to watch for edits, if any.
    pub fn folder_path(&self) -> Option<&Path> {
        self.folder.as_deref()
    }

    pub fn is_builtin(&self) -> bool {
        self.builtin.is_some()
    }

    pub fn file(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(|b| b.as_ref())
    }

    /// Files under `prefix/`, as (path after the prefix, bytes), in a stable order.
    pub fn under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a [u8])> {
        self.files.iter().filter_map(move |(p, b)| {
            p.strip_prefix(prefix)
                .and_then(|r| r.strip_prefix('/'))
                .map(|r| (r, b.as_ref()))
        })
    }

    /// Where a message should say the theme comes from.
    pub fn describe(&self) -> String {
        match (&self.builtin, &self.folder) {
            (Some(_), Some(f)) => format!("thème intégré, avec {}", f.display()),
            (Some(_), None) => "thème intégré".into(),
            (None, Some(f)) => f.display().to_string(),
            (None, None) => "thème".into(),
        }
    }

    fn read_folder(&mut self) -> Result<(), BuildError> {
        let Some(root) = self.folder.clone() else {
            return Ok(());
        };
        if !root.is_dir() {
            return Err(BuildError::Theme(format!(
                "{} : dossier du thème introuvable",
                root.display()
            )));
        }
        for entry in walkdir::WalkDir::new(&root).follow_links(false) {
            let entry =
                entry.map_err(|e| BuildError::Theme(format!("{} : {e}", root.display())))?;
            if !entry.file_type().is_file() {
                continue;
            }
            let rel = entry.path().strip_prefix(&root).unwrap_or(entry.path());
            let rel = rel.to_string_lossy().replace('\\', "/");
            // Editors' backups and hidden files are no part of a theme.
            if rel.split('/').any(|c| c.starts_with('.')) || rel.ends_with('~') {
                continue;
            }
            let bytes = std::fs::read(entry.path()).map_err(|e| BuildError::io(entry.path(), e))?;
            self.files.insert(rel, Cow::Owned(bytes));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static FILES: BuiltinFiles = &[
        ("static/style.css", b"body{}"),
        ("templates/base.html", b"<html>"),
    ];

    #[test]
    fn an_overlay_replaces_its_files_and_keeps_the_others() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("static")).unwrap();
        std::fs::write(dir.path().join("static/style.css"), "body{color:red}").unwrap();
        std::fs::write(dir.path().join("static/.style.css.swp"), "x").unwrap();
        let t = Theme::builtin(FILES, Some(dir.path())).unwrap();
        assert_eq!(t.file("static/style.css"), Some(&b"body{color:red}"[..]));
        assert_eq!(t.file("templates/base.html"), Some(&b"<html>"[..]));
        assert!(t.file("static/.style.css.swp").is_none());
        let statics: Vec<_> = t.under("static").map(|(p, _)| p).collect();
        assert_eq!(statics, ["style.css"]);
        // No overlay folder: the built-in files alone.
        let t = Theme::builtin(FILES, Some(&dir.path().join("absent"))).unwrap();
        assert_eq!(t.file("static/style.css"), Some(&b"body{}"[..]));
        assert!(t.folder_path().is_none());
        assert!(Theme::folder(&dir.path().join("absent")).is_err());
    }
}
