//! The content repository of `preau serve`: the content folder as a Git working tree,
//! written with the `git` program. Each save writes one file, checks first that it is still
//! the version the editor read, and makes one commit with the account as author; then the
//! server's hooks rebuild the site (for what readers see) and the commit is pushed when the
//! repository has a remote (a failed push is reported, never fatal).
//!
//! Why the `git` program and not a library: `git2` builds libgit2 from C (plus its TLS and
//! SSH), and `gix` adds some hundred crates and several MB to the binary; the server runs
//! where the town's IT already has Git, the same program their pushes and the forge's
//! webhooks go through, with their credentials and hooks. A commit costs a few processes
//! (about 10–20 ms), well within a save.

use crate::store::repo::{Change, Preview, RepoError, RepoFile, Repository, Written};
use crate::writing::Place;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// Renders a text as a content file would be (`path`, `text`): the generator's preview.
pub type PreviewFn = Box<dyn Fn(&str, &str) -> Preview + Send + Sync>;
/// Makes the built site show the file `path` again (an incremental rebuild).
pub type RebuildFn = Box<dyn Fn(&str) -> Result<(), String> + Send + Sync>;

pub struct GitRepo {
    root: PathBuf,
    /// Domain of the authors' addresses (`marie.durand@<domain>`).
    pub mail_domain: String,
    preview: PreviewFn,
    rebuild: RebuildFn,
    /// One save at a time: the version check and the commit must not interleave.
    lock: Mutex<()>,
}

/// The version of a text, as the editor carries it: the first 16 bytes of its SHA-256.
pub fn version_of(text: &str) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(text.as_bytes());
    d[..16].iter().map(|b| format!("{b:02x}")).collect()
}

impl GitRepo {
    /// The content folder `root`, if it is the top of a Git working tree.
    pub fn open(
        root: &Path,
        mail_domain: &str,
        preview: PreviewFn,
        rebuild: RebuildFn,
    ) -> Result<GitRepo, String> {
        let root = std::fs::canonicalize(root).map_err(|e| format!("{} : {e}", root.display()))?;
        let top = git(&root, &["rev-parse", "--show-toplevel"])?;
        let top = std::fs::canonicalize(top.trim()).map_err(|e| e.to_string())?;
        if top != root {
            return Err(format!(
                "{} n'est pas la racine d'un dépôt Git (la racine est {})",
                root.display(),
                top.display()
            ));
        }
        Ok(GitRepo {
            root,
            mail_domain: mail_domain.to_string(),
            preview,
            rebuild,
            lock: Mutex::new(()),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The path checked again here, whatever the core did: only files the editor writes.
    fn full(&self, path: &str) -> Result<PathBuf, RepoError> {
        if Place::of_path(path).is_none() {
            return Err(RepoError::BadPath(path.to_string()));
        }
        Ok(self.root.join(path))
    }

    pub fn read(&self, path: &str) -> Result<Option<RepoFile>, RepoError> {
        let full = self.full(path)?;
        match std::fs::symlink_metadata(&full) {
            Ok(m) if m.is_file() => {}
            Ok(_) => return Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(RepoError::Failed(e.to_string())),
        }
        let text = std::fs::read_to_string(&full).map_err(|e| RepoError::Failed(e.to_string()))?;
        Ok(Some(RepoFile {
            version: version_of(&text),
            text,
        }))
    }

    pub fn list(&self, folder: &str) -> Result<Vec<String>, RepoError> {
        let dir = self.root.join(folder);
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(RepoError::Failed(e.to_string())),
        };
        let mut out = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = match entry.file_type() {
                Ok(t) if t.is_dir() => format!("{folder}/{name}/index.md"),
                Ok(t) if t.is_file() => format!("{folder}/{name}"),
                _ => continue,
            };
            if Place::of_path(&path).is_some() && self.root.join(&path).is_file() {
                out.push(path);
            }
        }
        out.sort();
        Ok(out)
    }

    pub fn write(&self, c: &Change) -> Result<Written, RepoError> {
        let full = self.full(&c.path)?;
        let _guard = self
            .lock
            .lock()
            .map_err(|e| RepoError::Failed(e.to_string()))?;
        let current = self.read(&c.path)?.map(|f| f.version);
        if current != c.base {
            return Err(RepoError::Conflict);
        }
        if current.as_deref() == Some(version_of(&c.text).as_str()) {
            // Saved again without a change (a proposal sent back as it was): no empty
            // commit; the state still changes in the editor's table.
            let commit = git(&self.root, &["rev-parse", "HEAD"]).map_err(RepoError::Failed)?;
            return Ok(Written {
                version: version_of(&c.text),
                commit: commit.trim().to_string(),
                pushed: None,
                rebuild_error: None,
            });
        }
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).map_err(|e| RepoError::Failed(e.to_string()))?;
        }
        let tmp = full.with_extension("md.preau-tmp");
        std::fs::write(&tmp, &c.text).map_err(|e| RepoError::Failed(e.to_string()))?;
        std::fs::rename(&tmp, &full).map_err(|e| RepoError::Failed(e.to_string()))?;
        let commit = self.commit(c).inspect_err(|_| {
            // The commit failed: put the file back as it was, so that the working tree and
            // the history agree (a new file disappears; an edited one returns to HEAD).
            let _ = git(&self.root, &["checkout", "HEAD", "--", &c.path]);
            if c.base.is_none() {
                let _ = git(&self.root, &["rm", "--cached", "--quiet", "--", &c.path]);
                let _ = std::fs::remove_file(&full);
            }
        })?;
        let rebuild_error = if c.rebuild {
            (self.rebuild)(&c.path).err()
        } else {
            None
        };
        let pushed = self.push();
        Ok(Written {
            version: version_of(&c.text),
            commit,
            pushed,
            rebuild_error,
        })
    }

    fn commit(&self, c: &Change) -> Result<String, RepoError> {
        // Names go into `Name <address>`: no angle brackets or line breaks.
        let name: String = c
            .author_name
            .chars()
            .filter(|ch| !matches!(ch, '<' | '>') && !ch.is_control())
            .collect();
        let name = if name.trim().is_empty() {
            c.author_login.clone()
        } else {
            name.trim().to_string()
        };
        let address = crate::writing::author_address(&c.author_login, &self.mail_domain);
        let user_name = "user.name=Préau".to_string();
        let user_email = format!("user.email=preau@{}", self.mail_domain);
        let author = format!("{name} <{address}>");
        git(&self.root, &["add", "--", &c.path]).map_err(RepoError::Failed)?;
        git(
            &self.root,
            &[
                "-c",
                &user_name,
                "-c",
                &user_email,
                "-c",
                "commit.gpgsign=false",
                "commit",
                "--quiet",
                "--no-verify",
                "--author",
                &author,
                "-m",
                &c.message,
                "--",
                &c.path,
            ],
        )
        .map_err(RepoError::Failed)?;
        git(&self.root, &["rev-parse", "HEAD"])
            .map(|s| s.trim().to_string())
            .map_err(RepoError::Failed)
    }

    /// Push the current branch when the repository has a remote.
    fn push(&self) -> Option<Result<(), String>> {
        let remotes = git(&self.root, &["remote"]).ok()?;
        let remote = remotes.lines().next()?.trim().to_string();
        if remote.is_empty() {
            return None;
        }
        Some(git(&self.root, &["push", "--quiet", &remote, "HEAD"]).map(|_| ()))
    }
}

/// Run `git` in `dir`; its output, or its error message.
fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        // Never wait for a password on a terminal nobody watches.
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("LC_ALL", "C")
        .output()
        .map_err(|e| format!("git introuvable : {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "git {} : {}",
            args.iter()
                .find(|a| !a.starts_with('-') && !a.contains('='))
                .unwrap_or(&""),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// A platform whose content repository is a `GitRepo` (the server's, or the tests').
pub trait OnGit {
    fn git(&self) -> Option<&GitRepo>;
}

impl<T: OnGit> Repository for T {
    fn repo_available(&self) -> bool {
        self.git().is_some()
    }
    async fn repo_read(&self, path: &str) -> Result<Option<RepoFile>, RepoError> {
        self.git().ok_or(RepoError::Unavailable)?.read(path)
    }
    async fn repo_list(&self, folder: &str) -> Result<Vec<String>, RepoError> {
        self.git().ok_or(RepoError::Unavailable)?.list(folder)
    }
    async fn repo_write(&self, change: Change) -> Result<Written, RepoError> {
        self.git().ok_or(RepoError::Unavailable)?.write(&change)
    }
    async fn repo_preview(&self, path: &str, text: &str) -> Result<Preview, RepoError> {
        let repo = self.git().ok_or(RepoError::Unavailable)?;
        if Place::of_path(path).is_none() {
            return Err(RepoError::BadPath(path.to_string()));
        }
        Ok((repo.preview)(path, text))
    }
}
