//! Pupils in a plan: one per key (homonyms the files cannot tell apart left out), matched
//! with the stored pupils by key, then added, moved, back, or with a new photo permission;
//! the pupils of the covered schools who are not in the files any more leave.

use super::people::{create, display, family, person_update, sorted, NewPerson};
use super::{pupil_key, PlanError, Planner};
use crate::accounts::{Role, Scope};
use crate::roster::onde::PupilRow;
use crate::store::roster::{self as sql, StoredPerson};
use std::collections::{BTreeSet, HashMap};

/// One pupil of this import.
pub(super) struct Pupil<'r> {
    pub(super) row: &'r PupilRow,
    pub(super) key: String,
    pub(super) scope: Scope,
}

impl<'r, 'a> Planner<'r, 'a, '_> {
    /// One pupil per key; homonyms with different INE are left out and listed.
    pub(super) fn group_pupils(&mut self, rows: &'r [PupilRow]) {
        // In the files' order, not the keys': keys depend on the instance's roster key, and
        // homonyms must get `lea.martin` / `lea.martin2` the same way on every instance.
        let mut pupils: Vec<(String, Vec<&'r PupilRow>)> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for r in rows {
            let key = pupil_key(self.cx.key, &r.last_name, &r.first_name, &r.birth_date);
            let i = *index.entry(key.clone()).or_insert_with(|| {
                pupils.push((key, Vec::new()));
                pupils.len() - 1
            });
            pupils[i].1.push(r);
        }
        for (key, rows) in &pupils {
            let ines: BTreeSet<&str> = rows
                .iter()
                .map(|r| r.ine.as_str())
                .filter(|i| !i.is_empty())
                .collect();
            let places = rows
                .iter()
                .map(|r| r.place.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            let r = rows[rows.len() - 1];
            if ines.len() > 1 {
                self.plan.ambiguous.push(format!(
                    "{} : {} élèves homonymes nés le même jour, aux INE différents ({places}) ; les fichiers ne les distinguent pas d'une année sur l'autre : non importés, créez leurs comptes avec preau accounts add",
                    display(&r.first_name, &r.usage_name, &r.last_name),
                    rows.len()
                ));
                self.unclear_keys.insert(key.clone());
                continue;
            }
            if rows.len() > 1 {
                self.plan.warnings.push(format!(
                    "{} apparaît {} fois ({places}) : une seule fiche gardée, la dernière",
                    display(&r.first_name, &r.usage_name, &r.last_name),
                    rows.len()
                ));
            }
            if let Some(scope) = self.class_of(&r.class_label) {
                self.pupils.push(Pupil {
                    row: r,
                    key: key.clone(),
                    scope,
                });
            }
        }
    }

    /// The schools whose pupils the files list (`None`: no pupils file). A header-only
    /// file covers every school with stored pupils.
    pub(super) fn covered_schools(&self, rows: Option<&[PupilRow]>) -> Option<BTreeSet<String>> {
        rows.map(|rows| {
            if rows.is_empty() {
                self.stored_pupils
                    .iter()
                    .flat_map(|p| p.scopes.iter().filter_map(|s| s.school.clone()))
                    .collect()
            } else {
                self.pupils
                    .iter()
                    .filter_map(|p| p.scope.school.clone())
                    .collect()
            }
        })
    }

    /// Pupils: match, add, move, photo.
    pub(super) fn match_pupils(&mut self) {
        let stored_by_key: HashMap<&'a str, &'a StoredPerson> = self
            .stored_pupils
            .iter()
            .copied()
            .filter_map(|p| Some((p.person_key.as_deref()?, p)))
            .collect();
        let pupils = std::mem::take(&mut self.pupils);
        for p in &pupils {
            match stored_by_key.get(p.key.as_str()) {
                None => self.add_pupil(p),
                Some(s) => self.update_pupil(p, s),
            }
            self.active_class.insert(p.key.clone(), p.scope.clone());
        }
        self.pupils = pupils;
    }

    fn add_pupil(&mut self, p: &Pupil) {
        let r = p.row;
        let name = display(&r.first_name, &r.usage_name, &r.last_name);
        let class = p.scope.label();
        let login = self
            .logins
            .new_login(&r.first_name, family(&r.usage_name, &r.last_name));
        self.plan
            .added
            .push(format!("élève {name} ({login}), {class}"));
        create(
            &mut self.plan,
            self.cx,
            NewPerson {
                login: &login,
                display: &name,
                role: Role::Pupil,
                kind: "pupil",
                key: Some(&p.key),
                names: (&r.last_name, &r.usage_name, &r.first_name),
                email: None,
                photo: Some(r.photo_allowed),
                onde_class: Some(&r.class_label),
                scopes: std::slice::from_ref(&p.scope),
            },
        );
        self.pupil_login.insert(p.key.clone(), login);
    }

    fn update_pupil(&mut self, p: &Pupil, s: &StoredPerson) {
        let r = p.row;
        let name = display(&r.first_name, &r.usage_name, &r.last_name);
        let class = p.scope.label();
        let plan = &mut self.plan;
        self.staying_ids.insert(s.id);
        self.pupil_login.insert(p.key.clone(), s.login.clone());
        if s.disabled {
            if s.left_at.is_some() {
                plan.added
                    .push(format!("élève {name} ({}) de retour, {class}", s.login));
                plan.statements.extend(sql::come_back(s.id));
            } else {
                plan.warnings.push(format!(
                    "élève {name} ({}) : compte désactivé à la main, laissé désactivé",
                    s.login
                ));
            }
        }
        let want = vec![p.scope.clone()];
        if sorted(s.scopes.clone()) != want {
            let from = s
                .scopes
                .iter()
                .map(Scope::label)
                .collect::<Vec<_>>()
                .join(",");
            plan.moved
                .push(format!("élève {name} ({}) : {from} → {class}", s.login));
            plan.statements.extend(sql::set_scopes(s.id, &want));
        }
        if s.photo_allowed != Some(r.photo_allowed) {
            let allowed = if r.photo_allowed {
                "autorisées"
            } else {
                "refusées"
            };
            plan.photo
                .push(format!("élève {name} ({}) : photos {allowed}", s.login));
        }
        person_update(
            plan,
            s,
            (&r.last_name, &r.usage_name, &r.first_name),
            None,
            Some(r.photo_allowed),
            Some(&r.class_label),
            &name,
        );
    }

    /// Leavers: pupils of the covered schools who are not in the files any more. Refused
    /// when every pupil would leave, unless confirmed.
    pub(super) fn pupil_leavers(
        &mut self,
        covered: Option<&BTreeSet<String>>,
    ) -> Result<(), PlanError> {
        if let Some(covered) = covered {
            let in_covered = |s: &StoredPerson| {
                s.scopes
                    .iter()
                    .any(|sc| sc.school.as_ref().is_some_and(|x| covered.contains(x)))
            };
            for s in &self.stored_pupils {
                let unclear = s
                    .person_key
                    .as_ref()
                    .is_some_and(|k| self.unclear_keys.contains(k));
                if !s.disabled && in_covered(s) && !self.staying_ids.contains(&s.id) && !unclear {
                    self.leaving.insert(s.id);
                }
            }
            let active_in_scope = self
                .stored_pupils
                .iter()
                .filter(|s| !s.disabled && in_covered(s))
                .count();
            if active_in_scope > 0
                && self.leaving.len() == active_in_scope
                && !self.cx.confirm_all_leave
            {
                return Err(PlanError::AllLeave(active_in_scope));
            }
        }
        for id in &self.leaving {
            if let Some(s) = self.by_id.get(id) {
                self.leaver_names.push((
                    *id,
                    format!(
                        "élève {} ({})",
                        display(&s.first_name, &s.usage_name, &s.last_name),
                        s.login
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Classes of every pupil after the import, by account id (for guardians).
    pub(super) fn classes_after(&mut self) {
        let key_to_id: HashMap<&str, i64> = self
            .stored_pupils
            .iter()
            .filter_map(|p| Some((p.person_key.as_deref()?, p.id)))
            .collect();
        for s in &self.stored_pupils {
            if !self.leaving.contains(&s.id) && !s.disabled {
                if let Some(sc) = s.scopes.first() {
                    self.class_by_id.insert(s.id, sc.clone());
                }
            }
        }
        for (k, sc) in &self.active_class {
            if let Some(id) = key_to_id.get(k.as_str()) {
                self.class_by_id.insert(*id, sc.clone());
            }
        }
    }
}
