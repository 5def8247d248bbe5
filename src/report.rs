//! How the command line reports failures to the town's staff, and its exit codes:
//! 0 success, 1 content errors (fix the content), 3 anything else (files, theme, server).

use preau_generator::BuildError;
use std::process::ExitCode;

pub const EXIT_CONTENT: u8 = 1;
pub const EXIT_OTHER: u8 = 3;

/// The input was refused (a roster file, a mapping to fill in): the message says what to
/// do; exit 1 like content errors.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

pub fn error(e: &anyhow::Error) -> ExitCode {
    if let Some(r) = e.downcast_ref::<Refused>() {
        eprintln!("erreur : {r}");
        return ExitCode::from(EXIT_CONTENT);
    }
    if let Some(BuildError::Content(list)) = e.downcast_ref::<BuildError>() {
        content_errors(list);
        return ExitCode::from(EXIT_CONTENT);
    }
    eprintln!("erreur : {e:#}");
    ExitCode::from(EXIT_OTHER)
}

pub fn content_errors(list: &[preau_generator::ContentError]) {
    for err in list {
        eprintln!("erreur : {err}");
    }
    eprintln!(
        "{} erreur(s) : rien n'a été publié, le site précédent reste en ligne.",
        list.len()
    );
}
