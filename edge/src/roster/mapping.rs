//! The mapping from ONDE classes (their labels) to the site's classes (`school/class`):
//! proposed by the first import, edited by the IT team, read back by every import.

use super::onde::normalise;
use super::plan::Mapping;
use crate::accounts::Scope;
use std::collections::BTreeSet;

/// The slug of a label as the site's folders are named: `CE1 A` → `ce1-a`.
pub fn slug(label: &str) -> String {
    let mut out = String::new();
    for c in normalise(label).chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// Add the labels missing from `mapping`, each guessed from the site's classes
/// (`school/class`, from the built site's manifest): a label whose slug is the name of
/// exactly one class of the site maps to it; the others are left to fill in.
pub fn propose(mapping: &mut Mapping, labels: &BTreeSet<String>, site_classes: &[String]) {
    let known: BTreeSet<String> = mapping.keys().map(|k| normalise(k)).collect();
    for label in labels {
        if known.contains(&normalise(label)) {
            continue;
        }
        let s = slug(label);
        let hits: Vec<&String> = site_classes
            .iter()
            .filter(|c| c.rsplit('/').next() == Some(s.as_str()))
            .collect();
        let guess = match hits.as_slice() {
            [one] => Scope::parse(one),
            _ => None,
        };
        mapping.insert(label.clone(), guess);
    }
}

fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The mapping as the TOML file the IT team edits.
pub fn render(mapping: &Mapping, site_classes: &[String]) -> String {
    let mut out = String::from(
        "# Correspondance des classes ONDE (libellé de classe) avec les classes du site\n\
         # (école/classe, les noms des dossiers de content/ecoles/). Complétez les valeurs\n\
         # vides \"\", puis relancez preau roster import.\n",
    );
    if !site_classes.is_empty() {
        out.push_str("#\n# Classes du site : ");
        out.push_str(&site_classes.join(", "));
        out.push('\n');
    }
    out.push_str("\n[classes]\n");
    for (label, scope) in mapping {
        let value = scope.as_ref().map(Scope::label).unwrap_or_default();
        out.push_str(&format!("{} = {}", quoted(label), quoted(&value)));
        if value.is_empty() {
            out.push_str("  # à compléter");
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_guessed_from_the_site() {
        let mut m = Mapping::new();
        let labels: BTreeSet<String> = ["CE1 A", "CM2", "Petite section"].map(String::from).into();
        let site = ["ecole-jean-moulin/ce1-a", "ecole-a/cm2", "ecole-b/cm2"].map(String::from);
        propose(&mut m, &labels, &site);
        assert_eq!(m["CE1 A"], Scope::parse("ecole-jean-moulin/ce1-a"));
        assert_eq!(m["CM2"], None);
        let text = render(&m, &site);
        assert!(text.contains("\"CE1 A\" = \"ecole-jean-moulin/ce1-a\"\n"));
        assert!(text.contains("\"CM2\" = \"\"  # à compléter\n"));
    }
}
