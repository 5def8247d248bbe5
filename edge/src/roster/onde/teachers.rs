//! The teachers file: one line per teacher and class; `Directeur` marks the director.

use super::header::{each, need, warn_unknown, Header, Lines};
use super::text::parse_yes_no;
use super::{FileKind, OndeError, TeacherRow};

/// Normalised header names of a teachers file, required or not (addresses and phones are
/// known so they raise no warning).
const KNOWN: &[&str] = &[
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
    "nom",
    "prenom",
    "directeur",
    "classe",
];

pub(super) fn teachers(
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
    warn_unknown(h, file, KNOWN, warnings);
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
