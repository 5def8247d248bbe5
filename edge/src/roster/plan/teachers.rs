//! Teachers in a plan: one person per name (usage name, birth name, first name) with the
//! classes of all their lines; the director gets the school. Matched with the stored
//! teachers by name; the teachers of the file's schools who are not in it any more leave.

use super::people::{create, display, family, person_update, sorted, NewPerson};
use super::Planner;
use crate::accounts::{Role, Scope};
use crate::roster::onde::{name_key, TeacherRow};
use crate::store::roster::{self as sql, Stored, StoredPerson};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// One teacher of this import, from all their lines.
struct Teacher<'r> {
    row: &'r TeacherRow,
    director: bool,
    classes: Vec<Scope>,
}

/// The role and scopes a teacher gets.
struct Post {
    role: Role,
    scopes: Vec<Scope>,
    /// The scopes, for messages.
    labels: String,
}

impl<'r, 'a> Planner<'r, 'a, '_> {
    pub(super) fn teachers(&mut self, rows: &'r [TeacherRow]) {
        let people = self.group_teachers(rows);
        let schools: BTreeSet<String> = people
            .values()
            .flat_map(|t| t.classes.iter().filter_map(|c| c.school.clone()))
            .collect();
        let stored: &'a Stored = self.cx.stored;
        let stored: Vec<&'a StoredPerson> = stored
            .people
            .iter()
            .filter(|p| p.kind == "teacher")
            .collect();
        let mut seen: HashSet<i64> = HashSet::new();
        for t in people.values() {
            let r = t.row;
            let Some(post) = self.post(t, &schools) else {
                continue;
            };
            let found: Vec<&'a StoredPerson> = stored
                .iter()
                .copied()
                .filter(|s| {
                    name_key(&s.last_name) == name_key(&r.last_name)
                        && name_key(&s.first_name) == name_key(&r.first_name)
                        && name_key(&s.usage_name) == name_key(&r.usage_name)
                })
                .collect();
            match found.as_slice() {
                [] => self.add_teacher(t, &post),
                [s] => {
                    seen.insert(s.id);
                    self.update_teacher(t, s, &post);
                }
                _ => self.plan.ambiguous.push(format!(
                    "{} : plusieurs comptes d'enseignant nommés {} ; laissé tel quel",
                    r.place,
                    display(&r.first_name, &r.usage_name, &r.last_name)
                )),
            }
        }
        self.teacher_leavers(&stored, &schools, &seen);
    }

    /// One teacher per name, with the classes of all their lines.
    fn group_teachers(
        &self,
        rows: &'r [TeacherRow],
    ) -> BTreeMap<(String, String, String), Teacher<'r>> {
        let mut people: BTreeMap<(String, String, String), Teacher<'r>> = BTreeMap::new();
        for r in rows {
            let key = (
                name_key(&r.last_name),
                name_key(&r.usage_name),
                name_key(&r.first_name),
            );
            let t = people.entry(key).or_insert(Teacher {
                row: r,
                director: false,
                classes: Vec::new(),
            });
            t.director |= r.director;
            if let Some(sc) = (!r.class_label.is_empty())
                .then(|| self.class_of(&r.class_label))
                .flatten()
            {
                t.classes.push(sc);
            }
        }
        people
    }

    /// A teacher's classes, or a director's school (the file's one school when their lines
    /// have no class); `None` for a director whose school is unknown (listed).
    fn post(&mut self, t: &Teacher, schools: &BTreeSet<String>) -> Option<Post> {
        let r = t.row;
        let (role, scopes) = if t.director {
            let mut s: Vec<Scope> = t
                .classes
                .iter()
                .filter_map(|c| c.school.clone())
                .map(|school| Scope {
                    school: Some(school),
                    class: None,
                })
                .collect();
            if s.is_empty() && schools.len() == 1 {
                s.extend(schools.iter().map(|school| Scope {
                    school: Some(school.clone()),
                    class: None,
                }));
            }
            if s.is_empty() {
                let name = display(&r.first_name, &r.usage_name, &r.last_name);
                self.plan.ambiguous.push(format!("{} : directeur {name} sans classe, école inconnue ; créez son compte avec preau accounts add --role director", r.place));
                return None;
            }
            (Role::Director, sorted(s))
        } else {
            (Role::Teacher, sorted(t.classes.clone()))
        };
        let labels = scopes
            .iter()
            .map(Scope::label)
            .collect::<Vec<_>>()
            .join(", ");
        Some(Post {
            role,
            scopes,
            labels,
        })
    }

    fn add_teacher(&mut self, t: &Teacher, post: &Post) {
        let r = t.row;
        let name = display(&r.first_name, &r.usage_name, &r.last_name);
        let login = self
            .logins
            .new_login(&r.first_name, family(&r.usage_name, &r.last_name));
        let what = if t.director {
            "direction"
        } else {
            "enseignant(e)"
        };
        self.plan
            .added
            .push(format!("{what} {name} ({login}), {}", post.labels));
        create(
            &mut self.plan,
            self.cx,
            NewPerson {
                login: &login,
                display: &name,
                role: post.role,
                kind: "teacher",
                key: None,
                names: (&r.last_name, &r.usage_name, &r.first_name),
                email: (!r.email.is_empty()).then_some(r.email.as_str()),
                photo: None,
                onde_class: (!r.class_label.is_empty()).then_some(r.class_label.as_str()),
                scopes: &post.scopes,
            },
        );
    }

    fn update_teacher(&mut self, t: &Teacher, s: &StoredPerson, post: &Post) {
        let r = t.row;
        let name = display(&r.first_name, &r.usage_name, &r.last_name);
        let plan = &mut self.plan;
        if s.disabled && s.left_at.is_some() {
            plan.added
                .push(format!("enseignant(e) {name} ({}) de retour", s.login));
            plan.statements.extend(sql::come_back(s.id));
        }
        if s.role != post.role {
            plan.statements.push(sql::set_role(s.id, post.role));
        }
        if sorted(s.scopes.clone()) != post.scopes || s.role != post.role {
            plan.moved
                .push(format!("{name} ({}) : {}", s.login, post.labels));
            plan.statements.extend(sql::set_scopes(s.id, &post.scopes));
        }
        person_update(
            plan,
            s,
            (&r.last_name, &r.usage_name, &r.first_name),
            (!r.email.is_empty()).then_some(r.email.as_str()),
            None,
            (!r.class_label.is_empty()).then_some(r.class_label.as_str()),
            &name,
        );
    }

    /// Teachers of the schools of this file who are not in it any more.
    fn teacher_leavers(
        &mut self,
        stored: &[&StoredPerson],
        schools: &BTreeSet<String>,
        seen: &HashSet<i64>,
    ) {
        for s in stored {
            let in_scope = s
                .scopes
                .iter()
                .any(|sc| sc.school.as_ref().is_some_and(|x| schools.contains(x)));
            if !s.disabled && in_scope && !seen.contains(&s.id) && self.leaving.insert(s.id) {
                self.leaver_names.push((
                    s.id,
                    format!(
                        "enseignant(e) {} ({})",
                        display(&s.first_name, &s.usage_name, &s.last_name),
                        s.login
                    ),
                ));
            }
        }
    }
}
