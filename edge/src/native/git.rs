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

use crate::store::repo::{Change, Preview, RepoError, RepoFile, Repository, SyncOutcome, Written};
use crate::writing::Place;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// Renders a text as a content file would be (`path`, `text`): the generator's preview.
pub type PreviewFn = Box<dyn Fn(&str, &str) -> Preview + Send + Sync>;
/// Makes the built site show the files `paths` as they now are (an incremental rebuild).
pub type RebuildFn = Box<dyn Fn(&[String]) -> Result<(), String> + Send + Sync>;

/// What a sync with the remote did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Synced {
    /// Files that changed in the working tree (paths in the content folder).
    pub changed: Vec<String>,
    /// `None`: nothing of the server's own to push.
    pub pushed: Option<Result<(), String>>,
    /// The branch that now keeps the server's commits a conflict set aside.
    pub conflict: Option<String>,
    pub rebuild_error: Option<String>,
}

#[derive(Debug, Default)]
struct Taken {
    changed: Vec<String>,
    pushed: Option<Result<(), String>>,
    conflict: Option<String>,
}

pub use crate::store::repo::ConflictBranch;

/// `preau/conflit/<date>-<commit>`: sorted by date, unique per set-aside commit.
fn conflict_branch_name(commit: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let date: String = crate::time::rfc3339(now)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let short: String = commit.chars().take(8).collect();
    format!("preau/conflit/{date}-{short}")
}

fn head(root: &Path) -> Result<String, String> {
    git(root, &["rev-parse", "HEAD"]).map(|s| s.trim().to_string())
}

pub struct GitRepo {
    root: PathBuf,
    /// Domain of the authors' addresses (`marie.durand@<domain>`).
    pub mail_domain: String,
    preview: PreviewFn,
    rebuild: RebuildFn,
    /// One save at a time: the version check and the commit must not interleave.
    lock: Mutex<()>,
    /// The repository's configuration file (`.git/config`).
    config: PathBuf,
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
        let out = git(&root, &["rev-parse", "--show-toplevel", "--git-common-dir"])?;
        let mut lines = out.lines();
        let top = lines.next().unwrap_or("");
        let top = std::fs::canonicalize(top.trim()).map_err(|e| e.to_string())?;
        let common = root.join(lines.next().unwrap_or(".git").trim());
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
            config: common.join("config"),
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
                conflict: None,
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
            (self.rebuild)(std::slice::from_ref(&c.path)).err()
        } else {
            None
        };
        let (pushed, conflict) = match self.push() {
            // Someone pushed in between (the communication team from a laptop): take their
            // commits, put this one on top and push again; if both touched the same lines,
            // the teacher's text is kept on a branch, never lost.
            Some(Err(_)) => match self.take_remote() {
                Ok(taken) => {
                    self.rebuild_taken(&taken);
                    (taken.pushed, taken.conflict)
                }
                Err(e) => (Some(Err(e)), None),
            },
            other => (other, None),
        };
        Ok(Written {
            version: version_of(&c.text),
            commit,
            pushed,
            rebuild_error,
            conflict,
        })
    }

    /// Bring in what was pushed elsewhere (the forge's webhook, the periodic fetch): fetch,
    /// replay the server's own unpushed commits on top, push them, and rebuild what changed.
    /// Nothing to do without a remote.
    pub fn sync(&self) -> Result<Synced, RepoError> {
        let _guard = self
            .lock
            .lock()
            .map_err(|e| RepoError::Failed(e.to_string()))?;
        let taken = self.take_remote().map_err(RepoError::Failed)?;
        let rebuild_error = self.rebuild_taken(&taken);
        Ok(Synced {
            changed: taken.changed,
            pushed: taken.pushed,
            conflict: taken.conflict,
            rebuild_error,
        })
    }

    fn rebuild_taken(&self, taken: &Taken) -> Option<String> {
        if taken.changed.is_empty() {
            return None;
        }
        (self.rebuild)(&taken.changed).err()
    }

    /// The remote and the branch it tracks for the current one (`origin`, `main`).
    fn upstream(&self) -> Option<(String, String)> {
        let remotes = git(&self.root, &["remote"]).ok()?;
        let remote = remotes.lines().next()?.trim().to_string();
        if remote.is_empty() {
            return None;
        }
        let branch = git(&self.root, &["symbolic-ref", "--short", "HEAD"]).ok()?;
        Some((remote, branch.trim().to_string()))
    }

    /// Fetch and replay; on a conflict, keep the local commits on a `preau/conflit/…`
    /// branch (pushed too, so the IT team sees it on the forge) and follow the remote.
    /// Changes made by hand in the checkout are set aside meanwhile (see `set_aside`).
    /// Called with the lock held.
    fn take_remote(&self) -> Result<Taken, String> {
        let Some((remote, branch)) = self.upstream() else {
            return Ok(Taken::default());
        };
        let aside = self.set_aside()?;
        let taken = self.replay_on(&remote, &branch);
        self.put_back(aside);
        taken
    }

    /// Stash what someone changed by hand in the checkout (staged or not): the replay
    /// refuses to run over it, and following the remote after a conflict would wipe it.
    /// False when there was nothing to set aside.
    fn set_aside(&self) -> Result<bool, String> {
        let dirty = git(
            &self.root,
            &["status", "--porcelain", "--untracked-files=no"],
        )?;
        if dirty.trim().is_empty() {
            return Ok(false);
        }
        let identity = self.identity();
        let mut args: Vec<&str> = identity.iter().map(String::as_str).collect();
        args.extend(["stash", "push", "--quiet", "-m", HAND_STASH]);
        git(&self.root, &args)?;
        Ok(true)
    }

    /// Bring back what `set_aside` stashed, staged as it was. When it no longer applies
    /// (the incoming commits changed the same lines), the checkout is left clean and the
    /// changes stay in `git stash list`: the server never builds a half-applied file, and
    /// nothing is lost.
    fn put_back(&self, aside: bool) {
        if !aside {
            return;
        }
        // Staged as it was if the index can be rebuilt, else at least in the files.
        for args in [
            &["stash", "apply", "--index", "--quiet"][..],
            &["stash", "apply", "--quiet"],
        ] {
            if git(&self.root, args).is_ok() {
                let _ = git(&self.root, &["stash", "drop", "--quiet"]);
                return;
            }
            let _ = git(&self.root, &["reset", "--quiet", "--hard", "HEAD"]);
        }
        eprintln!(
            "{} : des modifications faites à la main ne s'appliquent plus sur la version de la forge ; elles sont gardées dans « git stash list » ({HAND_STASH}).",
            self.root.display()
        );
    }

    fn replay_on(&self, remote: &str, branch: &str) -> Result<Taken, String> {
        let before = head(&self.root)?;
        git(&self.root, &["fetch", "--quiet", remote, branch])?;
        let theirs = git(&self.root, &["rev-parse", "FETCH_HEAD"])?
            .trim()
            .to_string();
        let mut conflict = None;
        let is_ancestor =
            |a: &str, b: &str| git(&self.root, &["merge-base", "--is-ancestor", a, b]).is_ok();
        if !is_ancestor(&theirs, "HEAD") {
            let identity = self.identity();
            let mut args: Vec<&str> = identity.iter().map(String::as_str).collect();
            args.extend(["rebase", "--quiet", theirs.as_str()]);
            if git(&self.root, &args).is_err() {
                let _ = git(&self.root, &["rebase", "--abort"]);
                let name = conflict_branch_name(&before);
                git(&self.root, &["branch", "--force", &name, &before])?;
                git(&self.root, &["reset", "--quiet", "--hard", &theirs])?;
                // The forge keeps the branch too; failing to push it is not fatal: it is
                // on the server, and `preau status` lists it.
                let _ = git(&self.root, &["push", "--quiet", remote, &name]);
                conflict = Some(name);
            }
        }
        let after = head(&self.root)?;
        let changed = if after == before {
            Vec::new()
        } else {
            git(&self.root, &["diff", "--name-only", "-z", &before, &after])?
                .split('\0')
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect()
        };
        let pushed = if is_ancestor("HEAD", &theirs) {
            None
        } else {
            Some(git(&self.root, &["push", "--quiet", remote, "HEAD"]).map(|_| ()))
        };
        Ok(Taken {
            changed,
            pushed,
            conflict,
        })
    }

    /// `-c` options that let the server's own Git operations (the replay of commits)
    /// work without a global Git identity.
    fn identity(&self) -> [String; 6] {
        [
            "-c".into(),
            "user.name=Préau".into(),
            "-c".into(),
            format!("user.email=preau@{}", self.mail_domain),
            "-c".into(),
            "commit.gpgsign=false".into(),
        ]
    }

    /// Could the repository have a remote? Read from its configuration file, to spare a
    /// `git remote` process on each save of a server without one; a file that names a
    /// remote or includes another file is asked to Git.
    fn may_have_remote(&self) -> bool {
        match std::fs::read_to_string(&self.config) {
            Ok(text) => text.lines().map(str::trim_start).any(|l| {
                l.starts_with("[remote") || l.starts_with("[include") || l.starts_with("[includeIf")
            }),
            Err(_) => true,
        }
    }

    /// The branches that keep texts a conflict set aside: what the editor shows.
    pub fn conflicts(&self) -> Result<Vec<ConflictBranch>, RepoError> {
        conflicts(&self.root).map_err(RepoError::Failed)
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
        // Git's plumbing, four processes that each touch only this path and the trees
        // above it: `git add` + `git commit -- path` + `git rev-parse` read, refresh and
        // rewrite the whole index (10,000 files), about 300 ms of a save at 10,000 posts
        // against about 30 ms (`cargo bench --bench editor`). The same commit: the file
        // staged, a tree of the index, a commit with the account as author and the server
        // as committer, and the branch moved only if it is still at that commit's parent
        // (a commit made meanwhile by hand is never overwritten).
        git(&self.root, &["update-index", "--add", "--", &c.path]).map_err(RepoError::Failed)?;
        let tree = self.tree_of(&c.path).map_err(RepoError::Failed)?;
        let message = c.message.trim();
        let message = if message.is_empty() {
            "Préau"
        } else {
            message
        };
        let env = [
            ("GIT_AUTHOR_NAME", name.as_str()),
            ("GIT_AUTHOR_EMAIL", address.as_str()),
            ("GIT_COMMITTER_NAME", "Préau"),
            (
                "GIT_COMMITTER_EMAIL",
                &format!("preau@{}", self.mail_domain),
            ),
        ];
        let commit_tree = |parent: &[&str]| {
            let mut args = vec!["-c", "commit.gpgsign=false", "commit-tree", tree.trim()];
            args.extend(parent);
            args.extend(["-m", message]);
            git_env(&self.root, &env, &args).map(|s| s.trim().to_string())
        };
        let (commit, parent) = match commit_tree(&["-p", "HEAD"]) {
            Ok(commit) => {
                let parent = format!("{commit}^");
                (commit, parent)
            }
            // No commit yet (a repository just made with `git init`): the first one, and
            // the branch must still not exist when it is set (empty old value).
            Err(_) if git(&self.root, &["rev-parse", "--verify", "--quiet", "HEAD"]).is_err() => {
                (commit_tree(&[]).map_err(RepoError::Failed)?, String::new())
            }
            Err(e) => return Err(RepoError::Failed(e)),
        };
        let reflog = format!("commit: {}", message.lines().next().unwrap_or(""));
        git(
            &self.root,
            &["update-ref", "-m", &reflog, "HEAD", &commit, &parent],
        )
        .map_err(RepoError::Failed)?;
        Ok(commit)
    }

    /// The tree of HEAD with `path` as staged, and nothing else: what someone staged by hand
    /// in the server's checkout must not go out under a teacher's name. `write-tree` of the
    /// index when nothing else is staged (one `diff-index` to know, a few ms); otherwise a
    /// private index read from HEAD (about 50 ms at 10,000 files), where the hand-staged
    /// changes stay staged in the checkout's own index.
    fn tree_of(&self, path: &str) -> Result<String, String> {
        let has_head = git(&self.root, &["rev-parse", "--verify", "--quiet", "HEAD"]).is_ok();
        if has_head {
            let staged = git(
                &self.root,
                &["diff-index", "--cached", "--name-only", "-z", "HEAD", "--"],
            )?;
            if staged.split('\0').all(|p| p.is_empty() || p == path) {
                return git(&self.root, &["write-tree"]);
            }
        }
        // Beside the repository's configuration, in its Git folder; one save at a time holds
        // `lock`, and the process id keeps two servers on one checkout apart.
        let index = self
            .config
            .with_file_name(format!("preau-index-{}", std::process::id()));
        let index_str = index.to_string_lossy().into_owned();
        let env = [("GIT_INDEX_FILE", index_str.as_str())];
        let result = (|| {
            if has_head {
                git_env(&self.root, &env, &["read-tree", "HEAD"])?;
            }
            git_env(&self.root, &env, &["update-index", "--add", "--", path])?;
            git_env(&self.root, &env, &["write-tree"])
        })();
        let _ = std::fs::remove_file(&index);
        result
    }

    /// Push the current branch when the repository has a remote.
    fn push(&self) -> Option<Result<(), String>> {
        if !self.may_have_remote() {
            return None;
        }
        let remotes = git(&self.root, &["remote"]).ok()?;
        let remote = remotes.lines().next()?.trim().to_string();
        if remote.is_empty() {
            return None;
        }
        Some(git(&self.root, &["push", "--quiet", &remote, "HEAD"]).map(|_| ()))
    }
}

/// The branches that keep texts a conflict set aside, with their last commit's author,
/// date and the files they change: for the editor and `preau status`.
pub fn conflicts(root: &Path) -> Result<Vec<ConflictBranch>, String> {
    let out = git(
        root,
        &[
            "for-each-ref",
            "--format=%(refname:short)%09%(authoremail)%09%(authorname)%09%(committerdate:iso-strict)",
            "refs/heads/preau/conflit/",
        ],
    )?;
    let mut list = Vec::new();
    for line in out.lines() {
        let mut f = line.split('\t');
        let (Some(branch), Some(mail), Some(name), Some(date)) =
            (f.next(), f.next(), f.next(), f.next())
        else {
            continue;
        };
        let base = git(root, &["merge-base", "HEAD", branch]).unwrap_or_default();
        let files = git(root, &["diff", "--name-only", base.trim(), branch])
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect();
        list.push(ConflictBranch {
            branch: branch.to_string(),
            author_mail: mail.trim_matches(['<', '>']).to_string(),
            author_name: name.to_string(),
            date: date.to_string(),
            files,
        });
    }
    Ok(list)
}

/// The state of the content repository, for `preau status`.
#[derive(Debug, Clone, Default)]
pub struct RepoState {
    pub branch: String,
    pub head: String,
    pub remote: Option<String>,
    /// Commits of the server not on the remote, and of the remote not here (as of the last
    /// fetch).
    pub ahead: usize,
    pub behind: usize,
    /// Files changed in the working tree and not committed (nobody should edit the
    /// server's copy by hand).
    pub uncommitted: Vec<String>,
    pub conflicts: Vec<ConflictBranch>,
    /// Changes made by hand that no longer applied after the server followed the forge,
    /// kept in the stash (`stash@{N}` and its date), newest first.
    pub set_aside: Vec<String>,
}

pub fn state(root: &Path) -> Result<RepoState, String> {
    let branch = git(root, &["symbolic-ref", "--short", "HEAD"])?
        .trim()
        .to_string();
    let head = head(root)?;
    let remote = git(root, &["remote"])?
        .lines()
        .next()
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    let (mut ahead, mut behind) = (0, 0);
    if let Some(r) = &remote {
        let range = format!("{r}/{branch}...HEAD");
        if let Ok(out) = git(root, &["rev-list", "--left-right", "--count", &range]) {
            let mut n = out.split_whitespace().map(|x| x.parse().unwrap_or(0));
            behind = n.next().unwrap_or(0);
            ahead = n.next().unwrap_or(0);
        }
    }
    let uncommitted = git(root, &["status", "--porcelain", "--untracked-files=no"])?
        .lines()
        .filter_map(|l| l.get(3..))
        .map(str::to_string)
        .collect();
    Ok(RepoState {
        branch,
        head,
        remote,
        ahead,
        behind,
        uncommitted,
        conflicts: conflicts(root)?,
        set_aside: git(root, &["stash", "list", "--format=%gd%x09%ci%x09%gs"])?
            .lines()
            .filter(|l| l.ends_with(HAND_STASH))
            .filter_map(|l| {
                let mut f = l.split('\t');
                Some(format!("{} ({})", f.next()?, f.next()?))
            })
            .collect(),
    })
}

/// Run `git` in `dir`; its output, or its error message.
fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    git_env(dir, &[], args)
}

/// The message of the stash that holds changes made by hand in the checkout while the
/// server replays its commits (`git stash list` shows it when they could not go back).
const HAND_STASH: &str = "preau : modifications faites à la main sur le serveur";

/// `git` with environment variables set.
fn git_env(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .envs(env.iter().copied())
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
    async fn repo_sync(&self) -> Result<SyncOutcome, RepoError> {
        let s = self.git().ok_or(RepoError::Unavailable)?.sync()?;
        if let Some(e) = &s.rebuild_error {
            return Err(RepoError::Failed(format!("reconstruction : {e}")));
        }
        Ok(SyncOutcome {
            changed: s.changed.len(),
            conflict: s.conflict,
        })
    }
    async fn repo_conflicts(&self, login: &str) -> Result<Vec<ConflictBranch>, RepoError> {
        let repo = self.git().ok_or(RepoError::Unavailable)?;
        let mail = crate::writing::author_address(login, &repo.mail_domain);
        let all = repo.conflicts()?;
        Ok(all.into_iter().filter(|c| c.author_mail == mail).collect())
    }
    async fn repo_preview(&self, path: &str, text: &str) -> Result<Preview, RepoError> {
        let repo = self.git().ok_or(RepoError::Unavailable)?;
        if Place::of_path(path).is_none() {
            return Err(RepoError::BadPath(path.to_string()));
        }
        Ok((repo.preview)(path, text))
    }
}
