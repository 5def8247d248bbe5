//! The guardians file: one line per guardian and class of their children, each line naming
//! the children in repeated groups of columns. The address is read only to tell homonym
//! guardians apart (kept in memory as `household`, never stored).

use super::header::{each, need, warn_unknown, Header, Line, Lines};
use super::text::normalise;
use super::{ChildRef, FileKind, GuardianRow, OndeError};

/// Normalised header names of a guardians file, required or not (addresses and phones are
/// known so they raise no warning).
const KNOWN: &[&str] = &[
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
    "nom responsable",
    "prenom responsable",
    "adresse",
    "cp",
    "nom d'usage enfant",
    "nom de famille enfant",
    "nom enfant",
    "prenom enfant",
    "classes enfants",
    "classe enfant",
];

/// Positions of one child's (usage name, family name, first name, class).
type ChildGroup = [Option<usize>; 4];

/// Child groups of a guardians header: a field seen again starts the next group.
fn child_groups(h: &Header) -> Vec<ChildGroup> {
    let mut groups: Vec<ChildGroup> = Vec::new();
    let mut current: ChildGroup = [None; 4];
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

/// The first child group must have a family name and a first name.
fn check_first_group(groups: &[ChildGroup], file: &str) -> Result<(), Vec<OndeError>> {
    let missing = |column| {
        vec![OndeError::MissingColumn {
            file: file.into(),
            kind: FileKind::Guardians.label(),
            column,
        }]
    };
    let Some(first_group) = groups.first() else {
        return Err(missing("Prénom enfant"));
    };
    for (slot, shown) in [(1, "Nom de famille enfant"), (2, "Prénom enfant")] {
        if first_group[slot].is_none() {
            return Err(missing(shown));
        }
    }
    Ok(())
}

/// The children a line names (empty groups skipped); at least one.
fn children(l: &Line, groups: &[ChildGroup]) -> Result<Vec<ChildRef>, OndeError> {
    let mut children = Vec::new();
    for g in groups {
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
    Ok(children)
}

pub(super) fn guardians(
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
    check_first_group(&groups, file)?;
    warn_unknown(h, file, KNOWN, warnings);
    each(file, lines, |l| {
        let children = children(l, &groups)?;
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
