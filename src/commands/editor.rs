//! The online editor's side of `preau serve`: the content folder as a Git repository
//! (`preau_edge::native::GitRepo`), with the generator this server built the site with for
//! the previews and checks on save, and for the incremental rebuild after a publication.
//! The edge core never links the generator: it gets these two functions through its
//! platform's content repository.

use preau_edge::native::GitRepo;
use preau_edge::store::repo::{Preview, Problem};
use preau_generator::{BuildError, Generator};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// Files the editor just rebuilt, with their modification time: the watcher skips them
/// (the same change would otherwise be built twice).
pub type Built = Arc<Mutex<HashMap<PathBuf, SystemTime>>>;

/// The domain of commit authors' addresses: the host of the site's `base_url`.
pub fn mail_domain(base_url: &str) -> String {
    let rest = base_url
        .split_once("://")
        .map(|(_, r)| r)
        .unwrap_or(base_url);
    let host = rest.split(['/', ':']).next().unwrap_or("");
    if host.is_empty() {
        "ent.invalid".into()
    } else {
        host.to_ascii_lowercase()
    }
}

/// The problems of a failed preview, for the editor.
fn problems(e: BuildError) -> Vec<Problem> {
    match e {
        BuildError::Content(list) => list
            .into_iter()
            .map(|c| Problem {
                line: c.line,
                message: c.message,
                hint: c.hint,
            })
            .collect(),
        other => vec![Problem {
            line: None,
            message: other.to_string(),
            hint: None,
        }],
    }
}

/// The content repository, or why the editor is off.
pub fn open(
    content: &Path,
    domain: &str,
    generator: Arc<Mutex<Generator>>,
    built: Built,
) -> Result<GitRepo, String> {
    let for_preview = generator.clone();
    let root = std::fs::canonicalize(content).unwrap_or_else(|_| content.to_path_buf());
    let preview = Box::new(move |path: &str, text: &str| {
        let mut g = match for_preview.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        match g.preview(Path::new(path), text) {
            Ok(html) => Preview::Page(html),
            Err(e) => Preview::Problems(problems(e)),
        }
    });
    let rebuild = Box::new(move |path: &str| {
        let mut g = match generator.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let rel = PathBuf::from(path);
        let result = g.rebuild(std::slice::from_ref(&rel), &|_, _| {});
        if let (Ok(meta), Ok(mut b)) = (std::fs::metadata(root.join(&rel)), built.lock()) {
            if let Ok(t) = meta.modified() {
                b.insert(rel, t);
            }
        }
        result.map(|_| ()).map_err(|e| match e {
            BuildError::Content(list) => list
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" ; "),
            other => other.to_string(),
        })
    });
    GitRepo::open(content, domain, preview, rebuild)
}
