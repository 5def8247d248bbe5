//! From ONDE rows to people, and from people to the changes an import makes: who is
//! added, moved, leaves, whose photo permission changed, and what the files cannot tell
//! (left for the IT team). The plan holds the SQL of all changes, applied in one batch.
//!
//! How a person is recognised (also in the README, "Roster import"):
//! - a pupil by birth name + first name + birth date (stored only as a hash, `person_key`);
//!   two rows with the same three but different INE are homonyms the files cannot tell
//!   apart on the next import: both are left out and listed;
//! - a guardian by name + their children: rows with the same name are one person when they
//!   share an address or a child; on a re-import, an existing guardian with the same name
//!   and at least one of the same children is the same person;
//! - a teacher by name (usage name, birth name, first name).
//!
//! E-mail is never a key: two guardians may share one mailbox.
//!
//! One import is worked out in phases by a `Planner`: `pupils`, then guardians
//! (`households` groups their rows into people, `guardians` matches and writes them), then
//! `teachers`; `people` names and writes one person.

mod guardians;
mod households;
mod people;
mod pupils;
mod teachers;

use super::onde::{name_key, normalise, GuardianRow, PupilRow, Rows, TeacherRow};
use crate::accounts::Scope;
use crate::audit::Action;
use crate::store::roster::{self as sql, Stored, StoredPerson};
use crate::store::Statement;
use hmac::{Hmac, Mac};
use people::{audit, Logins};
use pupils::Pupil;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Leavers' accounts are deleted this long after they left (three months).
pub const DELETE_AFTER_SECS: i64 = 92 * 86_400;

/// ONDE class label → the site's class (`None`: not filled in yet).
pub type Mapping = BTreeMap<String, Option<Scope>>;

/// Why no plan could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("classes ONDE sans correspondance sur le site : {}", .0.join(", "))]
    Unmapped(Vec<String>),
    #[error("ce fichier des élèves ferait partir tous les élèves ({0}) : s'il est vraiment vide, relancez avec --confirm-all-leave")]
    AllLeave(usize),
}

/// What an import would change, in words for the IT team, and the SQL doing it.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub added: Vec<String>,
    pub moved: Vec<String>,
    pub left: Vec<String>,
    pub photo: Vec<String>,
    pub changed: Vec<String>,
    /// Cases the files cannot decide: nothing is done for these people.
    pub ambiguous: Vec<String>,
    pub warnings: Vec<String>,
    pub statements: Vec<Statement>,
    pub accounts_created: usize,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }
}

/// The rows of every file of one import, by kind (`None`: no such file given).
#[derive(Debug, Default)]
pub struct Input {
    pub pupils: Option<Vec<PupilRow>>,
    pub guardians: Option<Vec<GuardianRow>>,
    pub teachers: Option<Vec<TeacherRow>>,
}

impl Input {
    pub fn add(&mut self, rows: Rows) {
        match rows {
            Rows::Pupils(r) => self.pupils.get_or_insert_with(Vec::new).extend(r),
            Rows::Guardians(r) => self.guardians.get_or_insert_with(Vec::new).extend(r),
            Rows::Teachers(r) => self.teachers.get_or_insert_with(Vec::new).extend(r),
        }
    }

    /// Every class label the files name (pupils' and teachers' classes).
    pub fn class_labels(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for p in self.pupils.iter().flatten() {
            out.insert(p.class_label.trim().to_string());
        }
        for t in self.teachers.iter().flatten() {
            if !t.class_label.is_empty() {
                out.insert(t.class_label.trim().to_string());
            }
        }
        out
    }
}

/// Marks keys made with the instance's roster key (older keys were a plain SHA-256).
pub const KEY_PREFIX: &str = "k1-";

/// The key of a pupil: a keyed hash (HMAC-SHA-256 with the instance's roster key) of what
/// tells pupils apart, so the birth date is not stored and a copy of the database alone
/// does not let anyone test guesses of names and birth dates.
pub fn pupil_key(secret: &[u8], last: &str, first: &str, birth: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(key_text(last, first, birth).as_bytes());
    let h = mac.finalize().into_bytes();
    let hex: String = h.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("{KEY_PREFIX}{hex}")
}

/// The unkeyed key of the first imports, recognised once to upgrade stored pupils.
pub fn legacy_pupil_key(last: &str, first: &str, birth: &str) -> String {
    let h = Sha256::digest(key_text(last, first, birth));
    h.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

fn key_text(last: &str, first: &str, birth: &str) -> String {
    format!("pupil\n{}\n{}\n{birth}", name_key(last), name_key(first))
}

/// Everything an import needs besides the rows.
pub struct Context<'a> {
    pub mapping: &'a Mapping,
    /// The instance's roster key (HMAC key of pupils' keys).
    pub key: &'a [u8],
    pub stored: &'a Stored,
    pub now: i64,
    pub actor: &'a str,
    /// A random unusable password hash per new account (`!` + random: no sign-in).
    pub unusable_hash: &'a mut dyn FnMut() -> String,
    pub confirm_all_leave: bool,
}

fn lookup(mapping: &Mapping) -> HashMap<String, Option<Scope>> {
    mapping
        .iter()
        .map(|(k, v)| (normalise(k), v.clone()))
        .collect()
}

/// Work out every change of an import.
pub fn plan(input: &Input, cx: &mut Context) -> Result<Plan, PlanError> {
    let classes = lookup(cx.mapping);
    let unmapped: Vec<String> = input
        .class_labels()
        .into_iter()
        .filter(|l| !matches!(classes.get(&normalise(l)), Some(Some(s)) if s.class.is_some()))
        .collect();
    if !unmapped.is_empty() {
        return Err(PlanError::Unmapped(unmapped));
    }
    let mut p = Planner::new(cx, classes);
    p.group_pupils(input.pupils.as_deref().unwrap_or(&[]));
    // Which schools this import covers: only their pupils can leave.
    let covered = p.covered_schools(input.pupils.as_deref());
    p.match_pupils();
    p.pupil_leavers(covered.as_ref())?;
    p.classes_after();
    if let Some(rows) = &input.guardians {
        p.match_guardians(rows);
    }
    p.guardian_scopes();
    p.new_guardians_links();
    if let Some(rows) = &input.teachers {
        p.teachers(rows);
    }
    Ok(p.finish())
}

/// One import being planned: what each phase finds that the next ones need. `'r` is the
/// rows', `'a` the stored people's.
struct Planner<'r, 'a, 'c> {
    cx: &'c mut Context<'a>,
    /// Normalised ONDE class label → the site's class.
    classes: HashMap<String, Option<Scope>>,
    plan: Plan,
    logins: Logins,
    by_id: HashMap<i64, &'a StoredPerson>,
    stored_pupils: Vec<&'a StoredPerson>,
    /// The pupils of this import (homonyms the files cannot tell apart left out).
    pupils: Vec<Pupil<'r>>,
    /// Keys of those homonyms: they neither stay nor leave.
    unclear_keys: HashSet<String>,
    /// Pupil key → login, and the class it will have, for guardians.
    pupil_login: HashMap<String, String>,
    active_class: HashMap<String, Scope>,
    staying_ids: HashSet<i64>,
    leaving: HashSet<i64>,
    leaver_names: Vec<(i64, String)>,
    /// Classes of every pupil after the import, by account id (for guardians).
    class_by_id: HashMap<i64, Scope>,
    /// (guardian login, pupil login) links to create.
    links: Vec<(String, String)>,
    /// (guardian id, pupil id) stored links this import removes.
    unlinked: HashSet<(i64, i64)>,
    /// Stored guardian id → the keys of their children in this import.
    guardian_children: HashMap<i64, BTreeSet<String>>,
    /// New guardians' logins and the keys of their children.
    new_guardians: Vec<(String, BTreeSet<String>)>,
}

impl<'r, 'a, 'c> Planner<'r, 'a, 'c> {
    fn new(cx: &'c mut Context<'a>, classes: HashMap<String, Option<Scope>>) -> Self {
        let stored: &'a Stored = cx.stored;
        Planner {
            classes,
            plan: Plan::default(),
            logins: Logins(stored.logins.iter().map(|l| l.to_lowercase()).collect()),
            by_id: stored.people.iter().map(|p| (p.id, p)).collect(),
            stored_pupils: stored.people.iter().filter(|p| p.kind == "pupil").collect(),
            cx,
            pupils: Vec::new(),
            unclear_keys: HashSet::new(),
            pupil_login: HashMap::new(),
            active_class: HashMap::new(),
            staying_ids: HashSet::new(),
            leaving: HashSet::new(),
            leaver_names: Vec::new(),
            class_by_id: HashMap::new(),
            links: Vec::new(),
            unlinked: HashSet::new(),
            guardian_children: HashMap::new(),
            new_guardians: Vec::new(),
        }
    }

    /// The site's class of an ONDE label (`None`: not mapped).
    fn class_of(&self, label: &str) -> Option<Scope> {
        self.classes.get(&normalise(label)).cloned().flatten()
    }

    /// The leavers' statements, the summary in the audit log, the lists in order.
    fn finish(mut self) -> Plan {
        let cx = &*self.cx;
        let plan = &mut self.plan;
        self.leaver_names.sort_by(|a, b| a.1.cmp(&b.1));
        self.leaver_names.dedup();
        for (id, name) in self.leaver_names {
            plan.left.push(name);
            plan.statements
                .extend(sql::leave(id, cx.now, cx.now + DELETE_AFTER_SECS));
            if let Some(s) = self.by_id.get(&id) {
                plan.statements.push(audit(
                    cx,
                    Action::AccountDisable,
                    &format!("{} (départ ONDE)", s.login),
                ));
            }
        }
        if !plan.statements.is_empty() {
            let summary = format!(
                "import ONDE : {} ajout(s), {} changement(s) de classe, {} départ(s), {} autorisation(s) photo",
                plan.added.len(),
                plan.moved.len(),
                plan.left.len(),
                plan.photo.len()
            );
            plan.statements
                .push(audit(cx, Action::RosterImport, &summary));
        }
        for list in [
            &mut plan.added,
            &mut plan.moved,
            &mut plan.photo,
            &mut plan.changed,
        ] {
            list.sort();
        }
        self.plan
    }
}
