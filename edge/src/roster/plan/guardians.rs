//! Guardians in a plan: each person of the guardians file matched with a stored guardian
//! (same name and at least one of the same children), created or updated, linked to their
//! children; a stored link the file contradicts (the file names the child's guardians and
//! this one is not among them) is removed; then every guardian's classes follow their
//! children's, and a guardian whose last child left leaves too (and comes back with a child).

use super::households::{guardian_people, GuardianPerson};
use super::people::{create, display, family, person_update, sorted, NewPerson};
use super::Planner;
use crate::accounts::{Role, Scope};
use crate::roster::onde::{name_key, GuardianRow};
use crate::store::roster::{self as sql, Stored, StoredPerson};
use std::collections::{BTreeSet, HashMap, HashSet};

impl<'a> Planner<'_, 'a, '_> {
    /// Match the guardians of the file with the stored ones; add or update them.
    pub(super) fn match_guardians(&mut self, rows: &[GuardianRow]) {
        let households = guardian_people(rows, &self.pupils, &mut self.plan);
        let people = households.people;
        let stored: &'a Stored = self.cx.stored;
        // Stored guardians by name, so that matching stays linear with 10,000 of them.
        let mut stored_guardians: HashMap<(String, String), Vec<&'a StoredPerson>> = HashMap::new();
        for s in stored.people.iter().filter(|p| p.kind == "guardian") {
            stored_guardians
                .entry((name_key(&s.last_name), name_key(&s.first_name)))
                .or_default()
                .push(s);
        }
        let first_names: HashMap<String, String> = self
            .pupils
            .iter()
            .map(|p| (p.key.clone(), p.row.first_name.clone()))
            .collect();
        let pupil_id_key: HashMap<i64, &'a str> = self
            .stored_pupils
            .iter()
            .copied()
            .filter_map(|p| Some((p.id, p.person_key.as_deref()?)))
            .collect();
        let mut children_of: HashMap<i64, BTreeSet<&'a str>> = HashMap::new();
        for (g, p) in &stored.links {
            if let Some(k) = pupil_id_key.get(p) {
                children_of.entry(*g).or_default().insert(k);
            }
        }
        let mentioned: BTreeSet<String> = people
            .iter()
            .flat_map(|g| g.children.iter().cloned())
            .collect();
        let mut taken: HashSet<i64> = HashSet::new();
        let mut undecided: HashSet<i64> = HashSet::new();
        for g in people {
            let name = display(&g.first, &g.usage, &g.last);
            let candidates: Vec<&'a StoredPerson> = stored_guardians
                .get(&(name_key(&g.last), name_key(&g.first)))
                .into_iter()
                .flatten()
                .copied()
                .filter(|s| {
                    children_of
                        .get(&s.id)
                        .is_some_and(|c| g.children.iter().any(|k| c.contains(k.as_str())))
                })
                .collect();
            if candidates.len() > 1 || candidates.first().is_some_and(|c| taken.contains(&c.id)) {
                undecided.extend(candidates.iter().map(|c| c.id));
                self.plan.ambiguous.push(format!(
                    "responsable {name} ({}) : plusieurs comptes existants lui correspondent ; laissé tel quel, voyez preau accounts list",
                    g.places.join(", ")
                ));
                continue;
            }
            match candidates.first() {
                None => self.add_guardian(&g, &name, &first_names),
                Some(s) => {
                    taken.insert(s.id);
                    self.update_guardian(&g, s, &name, children_of.get(&s.id));
                }
            }
        }
        let decided = |k: &str| mentioned.contains(k) && !households.unclear.contains(k);
        for (g, p) in &stored.links {
            let Some(k) = pupil_id_key.get(p).copied() else {
                continue;
            };
            let kept = self.guardian_children.get(g).is_some_and(|c| c.contains(k));
            if decided(k) && !kept && !undecided.contains(g) {
                self.unlink(*g, *p);
            }
        }
    }

    /// The file names this child's guardians and `guardian` is not one of them any more.
    fn unlink(&mut self, guardian: i64, pupil: i64) {
        let (Some(g), Some(p)) = (self.by_id.get(&guardian), self.by_id.get(&pupil)) else {
            return;
        };
        self.plan.changed.push(format!(
            "responsable {} ({}) : n'est plus indiqué(e) pour {} ({}) ; lien retiré",
            display(&g.first_name, &g.usage_name, &g.last_name),
            g.login,
            display(&p.first_name, &p.usage_name, &p.last_name),
            p.login
        ));
        self.plan.statements.push(sql::unlink(guardian, pupil));
        self.unlinked.insert((guardian, pupil));
    }

    fn add_guardian(
        &mut self,
        g: &GuardianPerson,
        name: &str,
        first_names: &HashMap<String, String>,
    ) {
        let email = (!g.email.is_empty()).then_some(g.email.as_str());
        let login = self.logins.new_login(&g.first, family(&g.usage, &g.last));
        let kids = g
            .children
            .iter()
            .filter_map(|k| first_names.get(k.as_str()).map(String::as_str))
            .collect::<Vec<_>>()
            .join(", ");
        self.plan
            .added
            .push(format!("responsable {name} ({login}), enfant(s) : {kids}"));
        self.new_guardians.push((login.clone(), g.children.clone()));
        create(
            &mut self.plan,
            self.cx,
            NewPerson {
                login: &login,
                display: name,
                role: Role::Parent,
                kind: "guardian",
                key: None,
                names: (&g.last, &g.usage, &g.first),
                email,
                photo: None,
                onde_class: None,
                scopes: &[],
            },
        );
        for k in &g.children {
            if let Some(pl) = self.pupil_login.get(k) {
                self.links.push((login.clone(), pl.clone()));
            }
        }
    }

    /// `have`: the keys of the children already linked to them.
    fn update_guardian(
        &mut self,
        g: &GuardianPerson,
        s: &StoredPerson,
        name: &str,
        have: Option<&BTreeSet<&str>>,
    ) {
        let email = (!g.email.is_empty()).then_some(g.email.as_str());
        person_update(
            &mut self.plan,
            s,
            (&g.last, &g.usage, &g.first),
            email,
            None,
            None,
            name,
        );
        for k in &g.children {
            if !have.is_some_and(|h| h.contains(k.as_str())) {
                if let Some(pl) = self.pupil_login.get(k) {
                    self.links.push((s.login.clone(), pl.clone()));
                }
            }
        }
        self.guardian_children.insert(s.id, g.children.clone());
    }

    /// Every stored guardian's classes follow their children; no child left → they leave
    /// too.
    pub(super) fn guardian_scopes(&mut self) {
        let stored: &'a Stored = self.cx.stored;
        // Links after this import (removed ones left out), and who had any before.
        let mut stored_links: HashMap<i64, Vec<i64>> = HashMap::new();
        let mut had_links: HashSet<i64> = HashSet::new();
        for (g, p) in &stored.links {
            had_links.insert(*g);
            if !self.unlinked.contains(&(*g, *p)) {
                stored_links.entry(*g).or_default().push(*p);
            }
        }
        for s in stored.people.iter().filter(|p| p.kind == "guardian") {
            let mut want: Vec<Scope> = stored_links
                .get(&s.id)
                .into_iter()
                .flatten()
                .filter_map(|p| self.class_by_id.get(p).cloned())
                .collect();
            for k in self.guardian_children.get(&s.id).into_iter().flatten() {
                if let Some(sc) = self.active_class.get(k) {
                    want.push(sc.clone());
                }
            }
            let want = sorted(want);
            if s.disabled {
                self.guardian_back(s, &want);
            } else if want.is_empty() {
                // Only because their last child left: a guardian without linked children
                // (added by hand) is left alone.
                if had_links.contains(&s.id) {
                    self.leaving.insert(s.id);
                    self.leaver_names.push((
                        s.id,
                        format!(
                            "responsable {} ({})",
                            display(&s.first_name, &s.usage_name, &s.last_name),
                            s.login
                        ),
                    ));
                }
            } else if sorted(s.scopes.clone()) != want {
                self.plan.statements.extend(sql::set_scopes(s.id, &want));
            }
        }
    }

    /// Left with their last child, back with a child: enabled again. (Accounts disabled
    /// by hand stay disabled.)
    fn guardian_back(&mut self, s: &StoredPerson, want: &[Scope]) {
        if s.left_at.is_some() && !want.is_empty() {
            self.plan.added.push(format!(
                "responsable {} ({}) de retour",
                display(&s.first_name, &s.usage_name, &s.last_name),
                s.login
            ));
            self.plan.statements.extend(sql::come_back(s.id));
            if sorted(s.scopes.clone()) != want {
                self.plan.statements.extend(sql::set_scopes(s.id, want));
            }
        }
    }

    /// New guardians' memberships (their children's classes), then every new link.
    pub(super) fn new_guardians_links(&mut self) {
        for (login, children) in &self.new_guardians {
            let want = sorted(
                children
                    .iter()
                    .filter_map(|k| self.active_class.get(k).cloned())
                    .collect(),
            );
            for sc in &want {
                self.plan.statements.push((
                    "INSERT INTO memberships (account_id, school, class) SELECT id, ?2, ?3 FROM accounts WHERE login = ?1",
                    vec![login.as_str().into(), sc.school.clone().into(), sc.class.clone().into()],
                ));
            }
        }
        for (g, p) in std::mem::take(&mut self.links) {
            self.plan.statements.push(sql::link(&g, &p));
        }
    }
}
