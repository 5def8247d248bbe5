//! Reading ONDE exports: the encoding (UTF-8 with or without BOM, else Windows-1252), the
//! kind of file from its header (pupils, guardians, teachers; current and older
//! `CSVExtraction-*` headers), columns found by their normalised names (never by position)
//! and one record per line, every bad line reported with its file and line number.
//!
//! Addresses, phone numbers and the INE are read only as far as needed to know the columns:
//! their values are dropped here, except the INE, kept in memory to tell homonym pupils
//! apart within one import (never stored).

use std::collections::BTreeMap;
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

/// Text of a file: UTF-8 (BOM dropped) when it is valid UTF-8, else Windows-1252.
pub fn decode(bytes: &[u8]) -> (String, &'static str) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), "UTF-8"),
        Err(_) => {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            (text.into_owned(), "Windows-1252")
        }
    }
}

/// Lower case, no accents, `œ` → `oe`, typographic apostrophes → `'`, spaces collapsed and
/// trimmed: how header names (and people's names, for matching) are compared.
pub fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => out.push('a'),
            'ç' => out.push('c'),
            'è' | 'é' | 'ê' | 'ë' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' => out.push('i'),
            'ñ' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' => out.push('o'),
            'ù' | 'ú' | 'û' | 'ü' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            '’' | '‘' | '`' | '´' => out.push('\''),
            c if c.is_whitespace() => out.push(' '),
            c => out.push(c),
        }
    }
    out.split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A person's name key: normalised, and hyphens count as spaces (`Jean-Marc` = `Jean Marc`).
pub fn name_key(s: &str) -> String {
    normalise(&s.replace('-', " "))
}

/// `dd/mm/yyyy` → `yyyy-mm-dd`, checking the day exists.
pub fn parse_date(s: &str) -> Option<String> {
    let mut it = s.trim().split('/');
    let (d, m, y) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || d.len() > 2 || m.len() > 2 || y.len() != 4 {
        return None;
    }
    let (d, m, y): (u32, u32, u32) = (d.parse().ok()?, m.parse().ok()?, y.parse().ok()?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if d == 0 || d > days || !(1900..=2100).contains(&y) {
        return None;
    }
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

fn parse_yes_no(s: &str) -> Option<bool> {
    match normalise(s).as_str() {
        "oui" | "o" | "yes" | "1" | "vrai" => Some(true),
        // An empty cell means the permission was not given.
        "non" | "n" | "no" | "0" | "faux" | "" => Some(false),
        _ => None,
    }
}

/// Normalised header names each file kind knows, required or not. Columns only used to
/// recognise the file (addresses, phones…) are known so they raise no warning.
const PUPIL_KNOWN: &[&str] = &[
    "nom d'usage eleve",
    "sexe",
    "ine",
    "adresse1",
    "cp1",
    "commune1",
    "pays1",
    "adresse2",
    "cp2",
    "commune2",
    "pays2",
    "cycle",
    "niveau",
    "identifiant classe",
    "attestation fournie",
    "autorisation associations",
    "decision de passage",
    "adresse",
    "cp",
    "commune",
    "pays",
];
const GUARDIAN_KNOWN: &[&str] = &[
    "civilite responsable",
    "civilite",
    "nom usage responsable",
    "adresse responsable",
    "cp responsable",
    "commune responsable",
    "pays",
    "courriel",
    "telephone domicile",
    "telephone travail",
    "telephone portable",
];
const TEACHER_KNOWN: &[&str] = &[
    "civilite",
    "nom usage",
    "adresse",
    "cp",
    "commune",
    "pays",
    "courriel",
    "telephone domicile",
    "telephone portable",
    "telephone travail",
];
const CHILD_FIELDS: &[&str] = &[
    "nom d'usage enfant",
    "nom de famille enfant",
    "nom enfant",
    "prenom enfant",
    "classes enfants",
    "classe enfant",
];

/// Column positions by normalised name (first occurrence wins).
struct Header {
    raw: Vec<String>,
    names: Vec<String>,
    index: BTreeMap<String, usize>,
}

impl Header {
    fn new(record: &csv::StringRecord) -> Header {
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
    fn find(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|n| self.index.get(*n).copied())
    }

    fn kind(&self) -> Option<FileKind> {
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
struct Line<'a> {
    record: &'a csv::StringRecord,
    place: Place,
}

impl Line<'_> {
    fn cell(&self, i: Option<usize>) -> String {
        i.and_then(|i| self.record.get(i))
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    }

    fn required(&self, i: usize, column: &str) -> Result<String, OndeError> {
        match self.record.get(i).map(str::trim) {
            Some(v) if !v.is_empty() => Ok(v.to_string()),
            Some(_) => Err(self.bad(format!("« {column} » est vide"))),
            None => Err(self.bad(format!(
                "ligne incomplète : {} champ(s), il manque « {column} »",
                self.record.len()
            ))),
        }
    }

    fn bad(&self, problem: String) -> OndeError {
        OndeError::BadLine {
            place: self.place.clone(),
            problem,
        }
    }
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
    // The csv crate miscounts lines with CRLF and blank lines, and a record's byte offset
    // is where the previous one ended: count newlines up to it, then over the line breaks
    // that follow. Records come in order, so the count goes on from the previous one.
    let bytes_of = text.as_bytes();
    let (mut counted_to, mut newlines) = (0usize, 0u64);
    let mut line_at = |byte: u64| -> u64 {
        let mut end = (byte as usize).clamp(counted_to, bytes_of.len());
        while end < bytes_of.len() && matches!(bytes_of[end], b'\r' | b'\n') {
            end += 1;
        }
        newlines += memchr::memchr_iter(b'\n', &bytes_of[counted_to..end]).count() as u64;
        counted_to = end;
        newlines + 1
    };
    let mut lines = Vec::new();
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
                out.errors.push(OndeError::BadLine {
                    place: Place {
                        file: file.into(),
                        line,
                    },
                    problem: format!("ligne illisible ({e})"),
                });
            }
        }
    }
    let result = match kind {
        FileKind::Pupils => pupils(file, &header, &lines, &mut out.warnings).map(Rows::Pupils),
        FileKind::Guardians => {
            guardians(file, &header, &lines, &mut out.warnings).map(Rows::Guardians)
        }
        FileKind::Teachers => {
            teachers(file, &header, &lines, &mut out.warnings).map(Rows::Teachers)
        }
    };
    match result {
        Ok(rows) if out.errors.is_empty() => out.rows = Some(rows),
        Ok(_) => {}
        Err(mut e) => out.errors.append(&mut e),
    }
    out
}

fn need(
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

fn warn_unknown(header: &Header, file: &str, known: &[&str], warnings: &mut Vec<String>) {
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

type Lines = [(csv::StringRecord, u64)];

fn each<T>(
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

fn pupils(
    file: &str,
    h: &Header,
    lines: &Lines,
    warnings: &mut Vec<String>,
) -> Result<Vec<PupilRow>, Vec<OndeError>> {
    let k = FileKind::Pupils;
    let last = need(h, file, k, &["nom eleve"], "Nom élève")?;
    let first = need(h, file, k, &["prenom eleve"], "Prénom élève")?;
    let birth = need(
        h,
        file,
        k,
        &["date naissance", "date de naissance"],
        "Date naissance",
    )?;
    let class = need(h, file, k, &["libelle classe", "classe"], "Libellé classe")?;
    let photo = need(
        h,
        file,
        k,
        &[
            "autorisation photo",
            "autorisations photos",
            "autorisation photos",
        ],
        "Autorisation photo",
    )?;
    let usage = h.find(&["nom d'usage eleve"]);
    let ine = h.find(&["ine"]);
    let mut known: Vec<&str> = PUPIL_KNOWN.to_vec();
    known.extend([
        "nom eleve",
        "prenom eleve",
        "date naissance",
        "date de naissance",
        "libelle classe",
        "classe",
        "autorisation photo",
        "autorisations photos",
        "autorisation photos",
    ]);
    warn_unknown(h, file, &known, warnings);
    each(file, lines, |l| {
        let birth_raw = l.required(birth, "Date naissance")?;
        let birth_date = parse_date(&birth_raw).ok_or_else(|| {
            l.bad(format!(
                "date de naissance « {birth_raw} » invalide (attendu jj/mm/aaaa)"
            ))
        })?;
        let photo_raw = l.cell(Some(photo));
        let photo_allowed = parse_yes_no(&photo_raw).ok_or_else(|| {
            l.bad(format!(
                "autorisation photo « {photo_raw} » : attendu Oui ou Non"
            ))
        })?;
        Ok(PupilRow {
            last_name: l.required(last, "Nom élève")?,
            first_name: l.required(first, "Prénom élève")?,
            usage_name: l.cell(usage),
            birth_date,
            ine: l.cell(ine),
            class_label: l.required(class, "Libellé classe")?,
            photo_allowed,
            place: l.place.clone(),
        })
    })
}

/// Child groups of a guardians header: each group is the positions of (usage name,
/// family name, first name, class); a field seen again starts the next group.
fn child_groups(h: &Header) -> Vec<[Option<usize>; 4]> {
    let mut groups: Vec<[Option<usize>; 4]> = Vec::new();
    let mut current: [Option<usize>; 4] = [None; 4];
    for (i, n) in h.names.iter().enumerate() {
        let slot = match n.as_str() {
            "nom d'usage enfant" => 0,
            "nom de famille enfant" | "nom enfant" => 1,
            "prenom enfant" => 2,
            "classes enfants" | "classe enfant" => 3,
            _ => continue,
        };
        if current[slot].is_some() {
            groups.push(current);
            current = [None; 4];
        }
        current[slot] = Some(i);
    }
    if current.iter().any(Option::is_some) {
        groups.push(current);
    }
    groups
}

fn guardians(
    file: &str,
    h: &Header,
    lines: &Lines,
    warnings: &mut Vec<String>,
) -> Result<Vec<GuardianRow>, Vec<OndeError>> {
    let k = FileKind::Guardians;
    let last = need(h, file, k, &["nom responsable"], "Nom responsable")?;
    let first = need(h, file, k, &["prenom responsable"], "Prénom responsable")?;
    let usage = h.find(&["nom usage responsable"]);
    let email = h.find(&["courriel"]);
    let address = [
        h.find(&["adresse responsable", "adresse"]),
        h.find(&["cp responsable", "cp"]),
    ];
    let groups = child_groups(h);
    let Some(first_group) = groups.first() else {
        return Err(vec![OndeError::MissingColumn {
            file: file.into(),
            kind: k.label(),
            column: "Prénom enfant",
        }]);
    };
    for (slot, shown) in [(1, "Nom de famille enfant"), (2, "Prénom enfant")] {
        if first_group[slot].is_none() {
            return Err(vec![OndeError::MissingColumn {
                file: file.into(),
                kind: k.label(),
                column: shown,
            }]);
        }
    }
    let mut known: Vec<&str> = GUARDIAN_KNOWN.to_vec();
    known.extend(["nom responsable", "prenom responsable", "adresse", "cp"]);
    known.extend(CHILD_FIELDS);
    warn_unknown(h, file, &known, warnings);
    each(file, lines, |l| {
        let mut children = Vec::new();
        for g in &groups {
            let child = ChildRef {
                usage_name: l.cell(g[0]),
                last_name: l.cell(g[1]),
                first_name: l.cell(g[2]),
                class_label: l.cell(g[3]),
            };
            if child.first_name.is_empty() && child.last_name.is_empty() {
                continue;
            }
            if child.first_name.is_empty() || child.last_name.is_empty() {
                return Err(l.bad("un enfant a un nom sans prénom (ou l'inverse)".into()));
            }
            children.push(child);
        }
        if children.is_empty() {
            return Err(l.bad("aucun enfant sur la ligne du responsable".into()));
        }
        let household = normalise(&format!("{} {}", l.cell(address[0]), l.cell(address[1])));
        Ok(GuardianRow {
            last_name: l.required(last, "Nom responsable")?,
            first_name: l.required(first, "Prénom responsable")?,
            usage_name: l.cell(usage),
            email: l.cell(email),
            household,
            children,
            place: l.place.clone(),
        })
    })
}

fn teachers(
    file: &str,
    h: &Header,
    lines: &Lines,
    warnings: &mut Vec<String>,
) -> Result<Vec<TeacherRow>, Vec<OndeError>> {
    let k = FileKind::Teachers;
    let last = need(h, file, k, &["nom"], "Nom")?;
    let first = need(h, file, k, &["prenom"], "Prénom")?;
    let director = need(h, file, k, &["directeur"], "Directeur")?;
    let class = need(h, file, k, &["classe"], "Classe")?;
    let usage = h.find(&["nom usage"]);
    let email = h.find(&["courriel"]);
    let mut known: Vec<&str> = TEACHER_KNOWN.to_vec();
    known.extend(["nom", "prenom", "directeur", "classe"]);
    warn_unknown(h, file, &known, warnings);
    each(file, lines, |l| {
        let raw = l.cell(Some(director));
        let is_director = parse_yes_no(&raw)
            .ok_or_else(|| l.bad(format!("directeur « {raw} » : attendu Oui ou Non")))?;
        let class_label = l.cell(Some(class));
        if class_label.is_empty() && !is_director {
            return Err(l.bad("« Classe » est vide pour un enseignant".into()));
        }
        Ok(TeacherRow {
            last_name: l.required(last, "Nom")?,
            first_name: l.required(first, "Prénom")?,
            usage_name: l.cell(usage),
            email: l.cell(email),
            director: is_director,
            class_label,
            place: l.place.clone(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PUPILS: &str = "Nom élève;Nom d'usage élève;Prénom élève;Date naissance;Sexe;INE;Adresse1;Cp1;Commune1;Pays1;Adresse2;Cp2;Commune2;Pays2; Cycle;Niveau;Libellé classe;Identifiant classe;Attestation fournie;Autorisation associations;Autorisation photo;Décision de passage;\n\
MARTIN;;Léa;03/05/2018;F;123456789AB;1 rue des Lilas;45000;Alpha;France;;;;;2;CE1;CE1 A;1001;Oui;Oui;Non;;\n";

    fn pupils_of(p: &Parsed) -> &[PupilRow] {
        match &p.rows {
            Some(Rows::Pupils(r)) => r,
            other => panic!("not pupils: {other:?} {:?}", p.errors),
        }
    }

    #[test]
    fn headers_are_normalised() {
        assert_eq!(normalise("  Nom  Elève "), "nom eleve");
        assert_eq!(normalise("NOM D’USAGE ÉLÈVE"), "nom d'usage eleve");
        assert_eq!(normalise(" Cycle"), "cycle");
        assert_eq!(name_key("Jean-Marc  Œuvrard"), "jean marc oeuvrard");
    }

    #[test]
    fn dates_are_checked() {
        assert_eq!(parse_date("03/05/2018").as_deref(), Some("2018-05-03"));
        assert_eq!(parse_date("29/02/2016").as_deref(), Some("2016-02-29"));
        assert_eq!(parse_date("29/02/2017"), None);
        assert_eq!(parse_date("2018-05-03"), None);
        assert_eq!(parse_date("31/04/2018"), None);
    }

    #[test]
    fn current_pupils_file_reads_with_bom_and_crlf() {
        let text = format!("\u{feff}{}", PUPILS.replace('\n', "\r\n"));
        let p = parse("eleves.csv", text.as_bytes());
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let r = &pupils_of(&p)[0];
        assert_eq!(r.first_name, "Léa");
        assert_eq!(r.birth_date, "2018-05-03");
        assert_eq!(r.class_label, "CE1 A");
        assert!(!r.photo_allowed);
        assert_eq!(r.place.line, 2);
    }

    #[test]
    fn windows_1252_is_detected() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(
            "Nom Elève;Prénom Elève;Date naissance;Classe;Autorisations photos\nŒUVRARD;Zoé;01/02/2019;CP;Oui\n",
        );
        let p = parse("CSVExtraction-eleves.csv", &bytes);
        assert_eq!(p.encoding, "Windows-1252");
        let r = &pupils_of(&p)[0];
        assert_eq!(r.last_name, "ŒUVRARD");
        assert_eq!(r.first_name, "Zoé");
        assert!(r.photo_allowed);
    }

    #[test]
    fn missing_column_refuses_the_file() {
        let p = parse(
            "eleves.csv",
            "Nom élève;Prénom élève;Libellé classe;Autorisation photo\nA;B;CP;Oui\n".as_bytes(),
        );
        assert!(p.rows.is_none());
        let msg = p.errors[0].to_string();
        assert!(msg.contains("Date naissance"), "{msg}");
    }

    #[test]
    fn bad_lines_are_all_reported_and_nothing_is_kept() {
        let text = format!(
            "{PUPILS}DURAND;;Tom;31/02/2018;M;;;;;;;;;;2;CE1;CE1 A;1001;;;Oui;;\nPETIT;;Ana\n"
        );
        let p = parse("eleves.csv", text.as_bytes());
        assert!(p.rows.is_none());
        assert_eq!(p.errors.len(), 2, "{:?}", p.errors);
        assert!(p.errors[0].to_string().starts_with("eleves.csv:3 :"));
        assert!(p.errors[1].to_string().starts_with("eleves.csv:4 :"));
    }

    #[test]
    fn unknown_column_is_a_warning() {
        let p = parse(
            "e.csv",
            "Nom élève;Prénom élève;Date naissance;Classe;Autorisation photo;Couleur préférée\nA;B;01/01/2019;CP;Non;bleu\n"
                .as_bytes(),
        );
        assert!(p.rows.is_some());
        assert_eq!(p.warnings.len(), 1);
        assert!(p.warnings[0].contains("« Couleur préférée » (colonne 6)"));
    }

    #[test]
    fn guardians_have_repeated_child_groups() {
        let text = "Civilité Responsable;Nom usage responsable;Nom responsable;Prénom responsable;Adresse responsable;CP responsable;Commune responsable;Pays;Courriel;Téléphone domicile;Téléphone travail;Téléphone portable;Nom d'usage enfant;Nom de famille enfant;Prénom enfant;Classes enfants;Nom d'usage enfant;Nom de famille enfant;Prénom enfant;Classes enfants\n\
MME;;MARTIN;Claire;1 rue des Lilas;45000;Alpha;France;c@example.org;0102030405;;0605040302;;MARTIN;Léa;CE1 A;;MARTIN;Hugo;CE1 A\n";
        let p = parse("responsables.csv", text.as_bytes());
        let Some(Rows::Guardians(g)) = &p.rows else {
            panic!("{:?}", p.errors)
        };
        assert_eq!(g[0].children.len(), 2);
        assert_eq!(g[0].children[1].first_name, "Hugo");
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    }

    #[test]
    fn teachers_file_is_recognised() {
        let text = "Civilité;Nom usage;Nom;Prénom;Adresse;CP;Commune;Pays;Courriel;Téléphone domicile;Téléphone portable;Directeur;Classe\nM.;;BERNARD;Paul;;;;;p@example.org;;;Oui;CM2 B\n";
        let p = parse("enseignants.csv", text.as_bytes());
        let Some(Rows::Teachers(t)) = &p.rows else {
            panic!("{:?}", p.errors)
        };
        assert!(t[0].director);
    }

    #[test]
    fn line_numbers_count_crlf_and_blank_lines() {
        let text = format!(
            "{}\r\n\r\nPETIT;;Ana\r\n",
            PUPILS.replace('\n', "\r\n").trim_end()
        );
        let p = parse("eleves.csv", text.as_bytes());
        assert!(
            p.errors[0].to_string().starts_with("eleves.csv:4 :"),
            "{:?}",
            p.errors
        );
    }

    #[test]
    fn header_only_file_has_no_rows() {
        let p = parse("eleves.csv", PUPILS.lines().next().unwrap_or("").as_bytes());
        assert!(p.rows.as_ref().is_some_and(Rows::is_empty));
    }
}
