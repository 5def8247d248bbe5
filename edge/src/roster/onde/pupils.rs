//! The pupils file: one pupil per line, with their class label and photo permission.

use super::header::{each, need, warn_unknown, Header, Lines};
use super::text::{parse_date, parse_yes_no};
use super::{FileKind, OndeError, PupilRow};

/// Normalised header names of a pupils file, required or not. Columns only used to
/// recognise the file (addresses…) are known so they raise no warning.
const KNOWN: &[&str] = &[
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
    "nom eleve",
    "prenom eleve",
    "date naissance",
    "date de naissance",
    "libelle classe",
    "classe",
    "autorisation photo",
    "autorisations photos",
    "autorisation photos",
];

pub(super) fn pupils(
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
    warn_unknown(h, file, KNOWN, warnings);
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
