//! The online editor's side of `preau serve`: the content folder as a Git repository
//! (`preau_edge::native::GitRepo`), with the generator this server built the site with for
//! the previews and checks on save, and for the incremental rebuild after a publication.
//! The edge core never links the generator: it gets these two functions through its
//! platform's content repository.

use anyhow::Context;
use preau_edge::native::{GitRepo, LiveReload, Native};
use preau_edge::site::ManifestSlot;
use preau_edge::store::repo::{Preview, Problem};
use preau_edge::Edge;
use preau_generator::{BuildError, Generator};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

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
    manifests: Arc<ManifestSlot>,
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
    let rebuild = Box::new(move |paths: &[String]| {
        let mut g = match generator.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let rels: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
        let result = g.rebuild(&rels, &|_, _| {});
        // Before the edge reloads (the editor's answer, the sync): it takes this one.
        if let Some((n, m)) = g.manifest() {
            manifests.put(n, m);
        }
        if let Ok(mut b) = built.lock() {
            for rel in rels {
                // A deleted file has no time: the watcher may rebuild it once more, harmless.
                if let Ok(t) = std::fs::metadata(root.join(&rel)).and_then(|m| m.modified()) {
                    b.insert(rel, t);
                }
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

/// The webhook's shared secret: the file's text without its line end. Short secrets are
/// refused (the forge's signature is only as strong as it).
pub fn webhook_secret(file: &Path) -> anyhow::Result<Vec<u8>> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("lecture du secret du webhook {}", file.display()))?;
    let secret = text.trim_end_matches(['\r', '\n']).as_bytes().to_vec();
    if secret.len() < 20 {
        anyhow::bail!(
            "{} : le secret du webhook fait {} caractères ; il en faut au moins 20 (par exemple : openssl rand -hex 32 > {})",
            file.display(),
            secret.len(),
            file.display()
        );
    }
    Ok(secret)
}

/// Fetch the remote every `every`, in case a webhook call was lost (or the forge has none):
/// the same sync as the webhook, then the site reloads.
pub fn spawn_fetch(edge: Arc<Edge<Native>>, live: Option<Arc<LiveReload>>, every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.tick().await;
        loop {
            tick.tick().await;
            let e = edge.clone();
            let synced =
                tokio::task::spawn_blocking(move || e.platform.git.as_ref().map(|g| g.sync()))
                    .await;
            match synced {
                Ok(Some(Ok(s))) => {
                    if let Some(branch) = &s.conflict {
                        eprintln!("Dépôt : conflit ; les modifications du serveur sont gardées sur la branche {branch} (voir preau status).");
                    }
                    if let Some(err) = &s.rebuild_error {
                        eprintln!("erreur : dépôt : reconstruction : {err}");
                    }
                    if !s.changed.is_empty() {
                        if let Err(err) = edge.reload().await {
                            eprintln!("erreur : rechargement du site : {err}");
                        }
                        if let Some(l) = &live {
                            l.generation.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                Ok(Some(Err(err))) => eprintln!("erreur : dépôt : récupération : {err}"),
                Ok(None) | Err(_) => {}
            }
        }
    });
}
