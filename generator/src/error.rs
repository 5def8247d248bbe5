//! Error types of the generator: every content problem names its file, its line and a hint.

use std::fmt;
use std::path::PathBuf;

/// One problem found in the content, reported with enough context to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentError {
    /// Path of the faulty file, relative to the content folder when possible.
    pub file: PathBuf,
    /// 1-based line number, when known.
    pub line: Option<usize>,
    /// What is wrong (French, shown to the town's staff).
    pub message: String,
    /// What to do about it (French), if we have an idea.
    pub hint: Option<String>,
}

impl ContentError {
    pub fn new(file: impl Into<PathBuf>, line: Option<usize>, message: impl Into<String>) -> Self {
        ContentError {
            file: file.into(),
            line,
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for ContentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  aide : {hint}")?;
        }
        Ok(())
    }
}

/// Why a build failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The content has one or more problems; all of them are listed.
    #[error("{} erreur(s) dans le contenu", .0.len())]
    Content(Vec<ContentError>),
    /// A template of the theme failed to load or render.
    #[error("thème : {0}")]
    Theme(String),
    /// Reading or writing a file failed.
    #[error("{path} : {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl BuildError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        BuildError::Io {
            path: path.into(),
            source,
        }
    }
}

/// Convert a byte offset in `text` to a 1-based line number.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}
