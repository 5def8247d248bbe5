//! Reading ONDE exports: the encoding (UTF-8 with or without BOM, else Windows-1252), the
//! kind of file from its header (pupils, guardians, teachers; current and older
//! `CSVExtraction-*` headers), columns found by their normalised names (never by position)
//! and one record per line, every bad line reported with its file and line number.
//!
//! Addresses, phone numbers and the INE are read only as far as needed to know the columns:
//! their values are dropped here, except the INE, kept in memory to tell homonym pupils
//! apart within one import (never stored).
//!
//! `text` decodes and normalises, `header` finds columns and reads cells, and one module
//! per kind of file (`pupils`, `guardians`, `teachers`) turns lines into rows.

mod guardians;
mod header;
mod pupils;
mod teachers;
#[cfg(test)]
mod tests;
mod text;

pub use text::{decode, name_key, normalise, parse_date};

use header::Header;
use std::fmt;

/// Which ONDE export a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKind {
    Pupils,
    Guardians,
    Teachers,
}

impl FileKind {
    pub fn label(self) -> &'static str {
        match self {
            FileKind::Pupils => "élèves",
            FileKind::Guardians => "responsables",
            FileKind::Teachers => "enseignants",
        }
    }
}

/// A place in an input file, for messages: `eleves.csv:12`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    pub file: String,
    pub line: u64,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// Why a file (or one of its lines) cannot be imported. The whole file is then left out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OndeError {
    #[error("{file} : fichier vide ; exportez-le de nouveau depuis ONDE")]
    Empty { file: String },
    #[error("{file}:1 : en-tête non reconnu (ni élèves, ni responsables, ni enseignants) ; vérifiez qu'il s'agit bien d'un export ONDE séparé par des points-virgules")]
    UnknownKind { file: String },
    #[error("{file}:1 : colonne obligatoire « {column} » absente du fichier des {kind} ; exportez de nouveau avec cette colonne")]
    MissingColumn {
        file: String,
        kind: &'static str,
        column: &'static str,
    },
    #[error("{place} : {problem} ; corrigez la ligne dans ONDE ou dans le fichier, puis relancez")]
    BadLine { place: Place, problem: String },
    #[error("{file} : lecture CSV impossible : {reason}")]
    Csv { file: String, reason: String },
}

/// A pupil line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PupilRow {
    pub place: Place,
    pub last_name: String,
    pub usage_name: String,
    pub first_name: String,
    /// `yyyy-mm-dd`
    pub birth_date: String,
    /// Kept in memory only, to tell homonyms apart within one import.
    pub ine: String,
    /// `Libellé classe` (current) or `Classe` (older variant).
    pub class_label: String,
    pub photo_allowed: bool,
}

/// A child named on a guardian's line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildRef {
    pub last_name: String,
    pub usage_name: String,
    pub first_name: String,
    pub class_label: String,
}

/// A guardian line (one per class of their children).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardianRow {
    pub place: Place,
    pub last_name: String,
    pub usage_name: String,
    pub first_name: String,
    pub email: String,
    /// Normalised address, in memory only: tells homonym guardians apart within one import.
    pub household: String,
    pub children: Vec<ChildRef>,
}

/// A teacher line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeacherRow {
    pub place: Place,
    pub last_name: String,
    pub usage_name: String,
    pub first_name: String,
    pub email: String,
    pub director: bool,
    pub class_label: String,
}

/// One file, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rows {
    Pupils(Vec<PupilRow>),
    Guardians(Vec<GuardianRow>),
    Teachers(Vec<TeacherRow>),
}

impl Rows {
    pub fn kind(&self) -> FileKind {
        match self {
            Rows::Pupils(_) => FileKind::Pupils,
            Rows::Guardians(_) => FileKind::Guardians,
            Rows::Teachers(_) => FileKind::Teachers,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Rows::Pupils(r) => r.len(),
            Rows::Guardians(r) => r.len(),
            Rows::Teachers(r) => r.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A file that was read: its records, or every error found in it, and warnings.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub file: String,
    pub encoding: &'static str,
    /// `None` when the file was refused (`errors` says why).
    pub rows: Option<Rows>,
    pub errors: Vec<OndeError>,
    pub warnings: Vec<String>,
}

/// Read one ONDE file. `file` is the name used in messages.
pub fn parse(file: &str, bytes: &[u8]) -> Parsed {
    let (text, encoding) = decode(bytes);
    let mut out = Parsed {
        file: file.to_string(),
        encoding,
        rows: None,
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        None => {
            out.errors.push(OndeError::Empty { file: file.into() });
            return out;
        }
        Some(Err(e)) => {
            out.errors.push(OndeError::Csv {
                file: file.into(),
                reason: e.to_string(),
            });
            return out;
        }
        Some(Ok(h)) => Header::new(&h),
    };
    let Some(kind) = header.kind() else {
        out.errors
            .push(OndeError::UnknownKind { file: file.into() });
        return out;
    };
    let lines = read_lines(file, text.as_bytes(), records, &mut out.errors);
    let result = match kind {
        FileKind::Pupils => {
            pupils::pupils(file, &header, &lines, &mut out.warnings).map(Rows::Pupils)
        }
        FileKind::Guardians => {
            guardians::guardians(file, &header, &lines, &mut out.warnings).map(Rows::Guardians)
        }
        FileKind::Teachers => {
            teachers::teachers(file, &header, &lines, &mut out.warnings).map(Rows::Teachers)
        }
    };
    match result {
        Ok(rows) if out.errors.is_empty() => out.rows = Some(rows),
        Ok(_) => {}
        Err(mut e) => out.errors.append(&mut e),
    }
    out
}

/// The non-blank data lines with their line numbers; unreadable lines go to `errors`.
fn read_lines(
    file: &str,
    text: &[u8],
    records: csv::StringRecordsIter<&[u8]>,
    errors: &mut Vec<OndeError>,
) -> Vec<(csv::StringRecord, u64)> {
    // The csv crate miscounts lines with CRLF and blank lines, and a record's byte offset
    // is where the previous one ended: count newlines up to it, then over the line breaks
    // that follow. Records come in order, so the count goes on from the previous one.
    let (mut counted_to, mut newlines) = (0usize, 0u64);
    let mut line_at = |byte: u64| -> u64 {
        let mut end = (byte as usize).clamp(counted_to, text.len());
        while end < text.len() && matches!(text[end], b'\r' | b'\n') {
            end += 1;
        }
        newlines += memchr::memchr_iter(b'\n', &text[counted_to..end]).count() as u64;
        counted_to = end;
        newlines + 1
    };
    let mut lines: Vec<(csv::StringRecord, u64)> = Vec::new();
    for r in records {
        match r {
            Ok(rec) => {
                if rec.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                let line = rec.position().map(|p| line_at(p.byte())).unwrap_or(0);
                lines.push((rec, line));
            }
            Err(e) => {
                let line = e.position().map(|p| line_at(p.byte())).unwrap_or(0);
                errors.push(OndeError::BadLine {
                    place: Place {
                        file: file.into(),
                        line,
                    },
                    problem: format!("ligne illisible ({e})"),
                });
            }
        }
    }
    lines
}
