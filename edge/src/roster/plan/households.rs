//! Guardian rows grouped into people. The guardians file repeats a guardian once per class
//! of their children: rows with the same name are one person when they share an address
//! or a child, so two homonym parents with different children and addresses stay two.

use super::pupils::Pupil;
use super::Plan;
use crate::roster::onde::{name_key, normalise, ChildRef, GuardianRow};
use std::collections::{BTreeSet, HashMap};

/// One guardian of this import, from one or more rows.
pub(super) struct GuardianPerson {
    pub(super) last: String,
    pub(super) usage: String,
    pub(super) first: String,
    pub(super) email: String,
    household: String,
    pub(super) places: Vec<String>,
    /// Keys of their children in this import.
    pub(super) children: BTreeSet<String>,
}

/// (family name, first name, class label), normalised: how a guardian's line names a child.
type ChildName = (String, String, String);

/// The import's pupils by every name a guardian's line may use for them (birth name and
/// usage name).
fn child_index<'p, 'r>(pupils: &'p [Pupil<'r>]) -> HashMap<ChildName, Vec<&'p Pupil<'r>>> {
    let mut by_child: HashMap<ChildName, Vec<&Pupil>> = HashMap::new();
    for p in pupils {
        let r = p.row;
        by_child
            .entry((
                name_key(&r.last_name),
                name_key(&r.first_name),
                normalise(&r.class_label),
            ))
            .or_default()
            .push(p);
        if !r.usage_name.is_empty() {
            by_child
                .entry((
                    name_key(&r.usage_name),
                    name_key(&r.first_name),
                    normalise(&r.class_label),
                ))
                .or_default()
                .push(p);
        }
    }
    by_child
}

/// The pupils a child reference may be, by family name or usage name, each once.
fn candidates<'p, 'r>(
    c: &ChildRef,
    by_child: &HashMap<ChildName, Vec<&'p Pupil<'r>>>,
) -> Vec<&'p Pupil<'r>> {
    let mut found: Vec<&Pupil> = Vec::new();
    for family in [&c.last_name, &c.usage_name] {
        if family.is_empty() {
            continue;
        }
        for p in by_child
            .get(&(
                name_key(family),
                name_key(&c.first_name),
                normalise(&c.class_label),
            ))
            .into_iter()
            .flatten()
        {
            if !found.iter().any(|f| f.key == p.key) {
                found.push(p);
            }
        }
    }
    found
}

/// The keys of the children a row names; a child missing or found twice is reported (and
/// the homonyms a reference may be are added to `unclear`).
fn children_of_row(
    r: &GuardianRow,
    by_child: &HashMap<ChildName, Vec<&Pupil>>,
    plan: &mut Plan,
    unclear: &mut BTreeSet<String>,
) -> BTreeSet<String> {
    let mut children = BTreeSet::new();
    for c in &r.children {
        let found = candidates(c, by_child);
        match found.len() {
            1 => {
                children.insert(found[0].key.clone());
            }
            0 => plan.warnings.push(format!(
                "{} : enfant {} {} ({}) absent du fichier des élèves ; lien non créé",
                r.place, c.first_name, c.last_name, c.class_label
            )),
            _ => {
                unclear.extend(found.iter().map(|p| p.key.clone()));
                plan.ambiguous.push(format!(
                    "{} : {} {} ({}) désigne plusieurs élèves homonymes de la même classe ; lien non créé, ajoutez-le à la main",
                    r.place, c.first_name, c.last_name, c.class_label
                ))
            }
        }
    }
    children
}

/// The guardians file read as people.
pub(super) struct Households {
    pub(super) people: Vec<GuardianPerson>,
    /// Pupils a reference of the file may be but cannot tell (homonyms in one class): their
    /// stored links are left alone.
    pub(super) unclear: BTreeSet<String>,
}

/// Group guardian rows into people: same name, and the same address or a child in common.
pub(super) fn guardian_people(
    rows: &[GuardianRow],
    pupils: &[Pupil],
    plan: &mut Plan,
) -> Households {
    let by_child = child_index(pupils);
    let mut unclear = BTreeSet::new();
    let mut people: Vec<GuardianPerson> = Vec::new();
    // People by their name (last, first, usage), to find the rows of one person quickly.
    let mut by_name: HashMap<(String, String, String), Vec<usize>> = HashMap::new();
    for r in rows {
        let children = children_of_row(r, &by_child, plan, &mut unclear);
        if children.is_empty() {
            continue;
        }
        let name = (
            name_key(&r.last_name),
            name_key(&r.first_name),
            name_key(&r.usage_name),
        );
        let homonyms = by_name.entry(name).or_default();
        let same = homonyms.iter().copied().find(|i| {
            let g = &people[*i];
            (!r.household.is_empty() && g.household == r.household)
                || !g.children.is_disjoint(&children)
        });
        match same.and_then(|i| people.get_mut(i)) {
            Some(g) => {
                g.children.extend(children);
                g.places.push(r.place.to_string());
                if g.email.is_empty() {
                    g.email = r.email.clone();
                }
            }
            None => {
                homonyms.push(people.len());
                people.push(GuardianPerson {
                    last: r.last_name.clone(),
                    usage: r.usage_name.clone(),
                    first: r.first_name.clone(),
                    email: r.email.clone(),
                    household: r.household.clone(),
                    places: vec![r.place.to_string()],
                    children,
                })
            }
        }
    }
    Households { people, unclear }
}
