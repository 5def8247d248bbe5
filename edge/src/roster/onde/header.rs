//! A file's header (columns by normalised name, the kind of file they tell) and the
//! helpers that read cells of its lines, so that every bad line names its place.

use super::text::normalise;
use super::{FileKind, OndeError, Place};
use std::collections::BTreeMap;

/// Column positions by normalised name (first occurrence wins).
pub(super) struct Header {
    raw: Vec<String>,
    pub(super) names: Vec<String>,
    index: BTreeMap<String, usize>,
}

impl Header {
    pub(super) fn new(record: &csv::StringRecord) -> Header {
        let names: Vec<String> = record.iter().map(normalise).collect();
        let mut index = BTreeMap::new();
        for (i, n) in names.iter().enumerate() {
            index.entry(n.clone()).or_insert(i);
        }
        let raw = record.iter().map(|s| s.trim().to_string()).collect();
        Header { raw, names, index }
    }

    fn has(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    /// The first of `names` present.
    pub(super) fn find(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|n| self.index.get(*n).copied())
    }

    pub(super) fn kind(&self) -> Option<FileKind> {
        if self.has("prenom eleve") || self.has("nom eleve") {
            Some(FileKind::Pupils)
        } else if self.has("prenom responsable") || self.has("nom responsable") {
            Some(FileKind::Guardians)
        } else if self.has("directeur") && self.has("prenom") {
            Some(FileKind::Teachers)
        } else {
            None
        }
    }
}

/// One data line and the helpers to read its cells.
pub(super) struct Line<'a> {
    record: &'a csv::StringRecord,
    pub(super) place: Place,
}

impl Line<'_> {
    pub(super) fn cell(&self, i: Option<usize>) -> String {
        i.and_then(|i| self.record.get(i))
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    }

    pub(super) fn required(&self, i: usize, column: &str) -> Result<String, OndeError> {
        match self.record.get(i).map(str::trim) {
            Some(v) if !v.is_empty() => Ok(v.to_string()),
            Some(_) => Err(self.bad(format!("« {column} » est vide"))),
            None => Err(self.bad(format!(
                "ligne incomplète : {} champ(s), il manque « {column} »",
                self.record.len()
            ))),
        }
    }

    pub(super) fn bad(&self, problem: String) -> OndeError {
        OndeError::BadLine {
            place: self.place.clone(),
            problem,
        }
    }
}

/// The position of a required column, or the error naming it.
pub(super) fn need(
    header: &Header,
    file: &str,
    kind: FileKind,
    names: &[&str],
    shown: &'static str,
) -> Result<usize, Vec<OndeError>> {
    header.find(names).ok_or_else(|| {
        vec![OndeError::MissingColumn {
            file: file.into(),
            kind: kind.label(),
            column: shown,
        }]
    })
}

fn h_raw(h: &Header, i: usize) -> &str {
    h.raw.get(i).map(String::as_str).unwrap_or("")
}

/// A warning for every column no file kind knows (`known`: normalised names).
pub(super) fn warn_unknown(
    header: &Header,
    file: &str,
    known: &[&str],
    warnings: &mut Vec<String>,
) {
    for (i, n) in header.names.iter().enumerate() {
        if !n.is_empty() && !known.contains(&n.as_str()) {
            warnings.push(format!(
                "{file}:1 : colonne inconnue « {} » (colonne {}) ignorée",
                h_raw(header, i),
                i + 1
            ));
        }
    }
}

/// The data lines of a file, each with its line number.
pub(super) type Lines = [(csv::StringRecord, u64)];

/// Read every line with `f`: all the rows, or every line's error.
pub(super) fn each<T>(
    file: &str,
    lines: &Lines,
    mut f: impl FnMut(&Line) -> Result<T, OndeError>,
) -> Result<Vec<T>, Vec<OndeError>> {
    let mut rows = Vec::with_capacity(lines.len());
    let mut errors = Vec::new();
    for (record, line) in lines {
        let l = Line {
            record,
            place: Place {
                file: file.into(),
                line: *line,
            },
        };
        match f(&l) {
            Ok(r) => rows.push(r),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}
