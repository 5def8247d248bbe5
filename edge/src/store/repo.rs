//! The content repository, as the online editor sees it: read a Markdown file with its
//! version, list a folder, write one file as one commit (after checking that nobody changed
//! it since the editor read it), and preview a text with the generator and theme of the
//! published site. `preau serve` implements it on a Git working tree (`native::git`); an
//! adapter without it (the Worker, until it commits through the forge's API) keeps the
//! defaults, and the editor says it is not available.

use thiserror::Error;

/// A file of the repository and its version (an opaque token: a content hash natively).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoFile {
    pub text: String,
    pub version: String,
}

/// One save: the whole new text of `path`, written only if the file's version is still
/// `base` (`None`: the file must not exist yet).
#[derive(Debug, Clone)]
pub struct Change {
    pub path: String,
    pub text: String,
    pub base: Option<String>,
    /// The account's display name and an address at the town's domain (never a personal
    /// address): the commit's author.
    pub author_name: String,
    pub author_login: String,
    /// French commit message.
    pub message: String,
    /// The built site must show the change (a publication, an edit or an unpublication);
    /// a draft saved again changes nothing that is built.
    pub rebuild: bool,
}

/// What a save did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub version: String,
    pub commit: String,
    /// `Some(Err(..))`: the push to the configured remote failed (the commit is kept).
    pub pushed: Option<Result<(), String>>,
    /// A rebuild was wanted and failed: the message for the logs.
    pub rebuild_error: Option<String>,
    /// The push found newer commits that touch the same lines: this save is kept on that
    /// branch (not lost), the site shows the other version, and the IT team merges it.
    pub conflict: Option<String>,
}

/// A branch that keeps a text a conflict set aside (`preau/conflit/…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictBranch {
    pub branch: String,
    pub author_mail: String,
    pub author_name: String,
    /// ISO 8601, as Git gives it.
    pub date: String,
    /// The files its commits change.
    pub files: Vec<String>,
}

/// What the forge's webhook made the server do.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncOutcome {
    pub changed: usize,
    pub conflict: Option<String>,
}

/// A problem `preau check` finds in a text, with its line in the whole file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: Option<usize>,
    pub message: String,
    pub hint: Option<String>,
}

/// The page a text would become, or why it cannot be published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Preview {
    Page(Vec<u8>),
    Problems(Vec<Problem>),
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum RepoError {
    /// This deployment has no content repository the editor can write.
    #[error("dépôt du contenu non disponible")]
    Unavailable,
    /// The file changed since the editor read it (or exists, for a new post).
    #[error("le fichier a changé depuis sa lecture")]
    Conflict,
    /// The path is not one the repository writes (a bug of the caller: the core chooses
    /// paths; the implementation checks again).
    #[error("chemin refusé : {0}")]
    BadPath(String),
    #[error("dépôt du contenu : {0}")]
    Failed(String),
    /// The repository cannot be reached now (a forge down, a network failure, a refused
    /// token): the editor keeps the text and sends it again later.
    #[error("dépôt du contenu injoignable : {0}")]
    Unreachable(String),
    /// This repository cannot render previews (the Worker has no generator): the editor
    /// shows the text itself, and the build of the deploy workflow runs the checks.
    #[error("aperçu non disponible ici")]
    NoPreview,
}

/// The content repository of a platform. Every method has a default that says
/// "unavailable", so an adapter without a repository needs one empty `impl`.
#[allow(async_fn_in_trait)]
pub trait Repository {
    fn repo_available(&self) -> bool {
        false
    }

    /// A written change reaches readers later, through a deploy workflow (the Worker
    /// commits to a forge, whose push rebuilds the site), not at once.
    fn repo_deploys_later(&self) -> bool {
        false
    }

    /// The file at `path` (inside the content folder), if it exists.
    async fn repo_read(&self, _path: &str) -> Result<Option<RepoFile>, RepoError> {
        Err(RepoError::Unavailable)
    }

    /// The Markdown files of `folder`: `name.md` and `name/index.md`, as paths.
    async fn repo_list(&self, _folder: &str) -> Result<Vec<String>, RepoError> {
        Err(RepoError::Unavailable)
    }

    async fn repo_write(&self, _change: Change) -> Result<Written, RepoError> {
        Err(RepoError::Unavailable)
    }

    /// Bring in what was pushed to the remote elsewhere and rebuild what changed.
    async fn repo_sync(&self) -> Result<SyncOutcome, RepoError> {
        Err(RepoError::Unavailable)
    }

    /// The set-aside texts of the account `login` (the editor tells its author).
    async fn repo_conflicts(&self, _login: &str) -> Result<Vec<ConflictBranch>, RepoError> {
        Ok(Vec::new())
    }

    /// Render `text` as the file `path` would be, with the site's generator and theme.
    async fn repo_preview(&self, _path: &str, _text: &str) -> Result<Preview, RepoError> {
        Err(RepoError::Unavailable)
    }
}
