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

use super::onde::{name_key, normalise, GuardianRow, PupilRow, Rows, TeacherRow};
use crate::accounts::{valid_login, Role, Scope};
use crate::audit::{Action, Entry, Outcome, CLI_CLIENT};
use crate::store::roster::{self as sql, Stored, StoredPerson};
use crate::store::{self, Statement};
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

/// The key of a pupil: a hash of what tells pupils apart, so the birth date is not stored.
pub fn pupil_key(last: &str, first: &str, birth: &str) -> String {
    let h = Sha256::digest(format!(
        "pupil\n{}\n{}\n{birth}",
        name_key(last),
        name_key(first)
    ));
    h.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

fn display(first: &str, usage: &str, last: &str) -> String {
    let family = if usage.trim().is_empty() { last } else { usage };
    format!("{} {}", first.trim(), family.trim())
}

fn login_part(s: &str) -> String {
    let n = name_key(s);
    let mut out = String::new();
    for c in n.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if c == '\'' {
            // N'Diaye → ndiaye
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').chars().take(28).collect()
}

/// Logins in use (lower case), and a new one for a person: `prenom.nom`, then `prenom.nom2`…
struct Logins(HashSet<String>);

impl Logins {
    fn new_login(&mut self, first: &str, family: &str) -> String {
        let mut base = format!("{}.{}", login_part(first), login_part(family));
        if !valid_login(&base) {
            base = format!("compte.{}", login_part(family));
        }
        let mut candidate = base.clone();
        let mut n = 2;
        while self.0.contains(&candidate) || !valid_login(&candidate) {
            candidate = format!("{base}{n}");
            n += 1;
        }
        self.0.insert(candidate.clone());
        candidate
    }
}

fn scope_label(s: &Scope) -> String {
    s.label()
}

fn sorted(mut v: Vec<Scope>) -> Vec<Scope> {
    v.sort_by_key(scope_label);
    v.dedup();
    v
}

/// One pupil of this import.
struct Pupil<'a> {
    row: &'a PupilRow,
    key: String,
    scope: Scope,
}

/// Everything an import needs besides the rows.
pub struct Context<'a> {
    pub mapping: &'a Mapping,
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
    let class_of =
        |label: &str| -> Option<Scope> { classes.get(&normalise(label)).cloned().flatten() };

    let mut plan = Plan::default();
    let mut logins = Logins(cx.stored.logins.iter().map(|l| l.to_lowercase()).collect());
    let by_id: HashMap<i64, &StoredPerson> = cx.stored.people.iter().map(|p| (p.id, p)).collect();

    // Pupils: one per key; homonyms with different INE are left out.
    let mut pupils: BTreeMap<String, Vec<&PupilRow>> = BTreeMap::new();
    for r in input.pupils.iter().flatten() {
        pupils
            .entry(pupil_key(&r.last_name, &r.first_name, &r.birth_date))
            .or_default()
            .push(r);
    }
    let mut import_pupils: Vec<Pupil> = Vec::new();
    let mut unclear_keys: HashSet<String> = HashSet::new();
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
            plan.ambiguous.push(format!(
                "{} : {} élèves homonymes nés le même jour, aux INE différents ({places}) ; les fichiers ne les distinguent pas d'une année sur l'autre : non importés, créez leurs comptes avec preau accounts add",
                display(&r.first_name, &r.usage_name, &r.last_name),
                rows.len()
            ));
            unclear_keys.insert(key.clone());
            continue;
        }
        if rows.len() > 1 {
            plan.warnings.push(format!(
                "{} apparaît {} fois ({places}) : une seule fiche gardée, la dernière",
                display(&r.first_name, &r.usage_name, &r.last_name),
                rows.len()
            ));
        }
        if let Some(scope) = class_of(&r.class_label) {
            import_pupils.push(Pupil {
                row: r,
                key: key.clone(),
                scope,
            });
        }
    }

    // Which schools this import covers: only their pupils can leave.
    let stored_pupils: Vec<&StoredPerson> = cx
        .stored
        .people
        .iter()
        .filter(|p| p.kind == "pupil")
        .collect();
    let covered: Option<BTreeSet<String>> = input.pupils.as_ref().map(|rows| {
        if rows.is_empty() {
            stored_pupils
                .iter()
                .flat_map(|p| p.scopes.iter().filter_map(|s| s.school.clone()))
                .collect()
        } else {
            import_pupils
                .iter()
                .filter_map(|p| p.scope.school.clone())
                .collect()
        }
    });

    // Pupils: match, add, move, photo.
    let stored_by_key: HashMap<&str, &StoredPerson> = stored_pupils
        .iter()
        .filter_map(|p| Some((p.person_key.as_deref()?, *p)))
        .collect();
    // Pupil key → login, and the class it will have, for guardians.
    let mut pupil_login: HashMap<String, String> = HashMap::new();
    let mut active_class: HashMap<String, Scope> = HashMap::new();
    let mut staying_ids: HashSet<i64> = HashSet::new();
    for p in &import_pupils {
        let r = p.row;
        let name = display(&r.first_name, &r.usage_name, &r.last_name);
        let class = p.scope.label();
        match stored_by_key.get(p.key.as_str()) {
            None => {
                let login = logins.new_login(
                    &r.first_name,
                    if r.usage_name.is_empty() {
                        &r.last_name
                    } else {
                        &r.usage_name
                    },
                );
                plan.added.push(format!("élève {name} ({login}), {class}"));
                create(
                    &mut plan,
                    cx,
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
                pupil_login.insert(p.key.clone(), login);
            }
            Some(s) => {
                staying_ids.insert(s.id);
                pupil_login.insert(p.key.clone(), s.login.clone());
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
                    plan.photo.push(format!(
                        "élève {name} ({}) : photos {}",
                        s.login,
                        if r.photo_allowed {
                            "autorisées"
                        } else {
                            "refusées"
                        }
                    ));
                }
                person_update(
                    &mut plan,
                    s,
                    (&r.last_name, &r.usage_name, &r.first_name),
                    None,
                    Some(r.photo_allowed),
                    Some(&r.class_label),
                    &name,
                );
            }
        }
        active_class.insert(p.key.clone(), p.scope.clone());
    }

    // Leavers: pupils of the covered schools who are not in the files any more.
    let mut leaving: HashSet<i64> = HashSet::new();
    if let Some(covered) = &covered {
        for s in &stored_pupils {
            let in_scope = s
                .scopes
                .iter()
                .any(|sc| sc.school.as_ref().is_some_and(|x| covered.contains(x)));
            let unclear = s
                .person_key
                .as_ref()
                .is_some_and(|k| unclear_keys.contains(k));
            if !s.disabled && in_scope && !staying_ids.contains(&s.id) && !unclear {
                leaving.insert(s.id);
            }
        }
        let active_in_scope = stored_pupils
            .iter()
            .filter(|s| {
                !s.disabled
                    && s.scopes
                        .iter()
                        .any(|sc| sc.school.as_ref().is_some_and(|x| covered.contains(x)))
            })
            .count();
        if active_in_scope > 0 && leaving.len() == active_in_scope && !cx.confirm_all_leave {
            return Err(PlanError::AllLeave(active_in_scope));
        }
    }
    let mut leaver_names: Vec<(i64, String)> = Vec::new();
    for id in &leaving {
        if let Some(s) = by_id.get(id) {
            leaver_names.push((
                *id,
                format!(
                    "élève {} ({})",
                    display(&s.first_name, &s.usage_name, &s.last_name),
                    s.login
                ),
            ));
        }
    }

    // Classes of every pupil after the import, by account id (for guardians).
    let key_to_id: HashMap<&str, i64> = stored_pupils
        .iter()
        .filter_map(|p| Some((p.person_key.as_deref()?, p.id)))
        .collect();
    let mut class_by_id: HashMap<i64, Scope> = HashMap::new();
    for s in &stored_pupils {
        if !leaving.contains(&s.id) && !s.disabled {
            if let Some(sc) = s.scopes.first() {
                class_by_id.insert(s.id, sc.clone());
            }
        }
    }
    for (k, sc) in &active_class {
        if let Some(id) = key_to_id.get(k.as_str()) {
            class_by_id.insert(*id, sc.clone());
        }
    }

    // Guardians.
    let mut links: Vec<(String, String)> = Vec::new();
    let mut guardian_children: HashMap<i64, BTreeSet<String>> = HashMap::new(); // stored guardian id → child keys
    let mut new_guardians: Vec<(String, BTreeSet<String>)> = Vec::new();
    if let Some(rows) = &input.guardians {
        let people = guardian_people(rows, &import_pupils, &mut plan);
        // Stored guardians by name, so that matching stays linear with 10,000 of them.
        let mut stored_guardians: HashMap<(String, String), Vec<&StoredPerson>> = HashMap::new();
        for s in cx.stored.people.iter().filter(|p| p.kind == "guardian") {
            stored_guardians
                .entry((name_key(&s.last_name), name_key(&s.first_name)))
                .or_default()
                .push(s);
        }
        let first_names: HashMap<&str, &str> = import_pupils
            .iter()
            .map(|p| (p.key.as_str(), p.row.first_name.as_str()))
            .collect();
        let pupil_id_key: HashMap<i64, &str> = stored_pupils
            .iter()
            .filter_map(|p| Some((p.id, p.person_key.as_deref()?)))
            .collect();
        let mut children_of: HashMap<i64, BTreeSet<&str>> = HashMap::new();
        for (g, p) in &cx.stored.links {
            if let Some(k) = pupil_id_key.get(p) {
                children_of.entry(*g).or_default().insert(k);
            }
        }
        let mut taken: HashSet<i64> = HashSet::new();
        for g in people {
            let name = display(&g.first, &g.usage, &g.last);
            let candidates: Vec<&&StoredPerson> = stored_guardians
                .get(&(name_key(&g.last), name_key(&g.first)))
                .into_iter()
                .flatten()
                .filter(|s| {
                    children_of
                        .get(&s.id)
                        .is_some_and(|c| g.children.iter().any(|k| c.contains(k.as_str())))
                })
                .collect();
            if candidates.len() > 1 || candidates.first().is_some_and(|c| taken.contains(&c.id)) {
                plan.ambiguous.push(format!(
                    "responsable {name} ({}) : plusieurs comptes existants lui correspondent ; laissé tel quel, voyez preau accounts list",
                    g.places.join(", ")
                ));
                continue;
            }
            let email = (!g.email.is_empty()).then_some(g.email.as_str());
            match candidates.first() {
                None => {
                    let login = logins.new_login(
                        &g.first,
                        if g.usage.is_empty() {
                            &g.last
                        } else {
                            &g.usage
                        },
                    );
                    let kids = g
                        .children
                        .iter()
                        .filter_map(|k| first_names.get(k.as_str()).copied())
                        .collect::<Vec<_>>()
                        .join(", ");
                    plan.added
                        .push(format!("responsable {name} ({login}), enfant(s) : {kids}"));
                    new_guardians.push((login.clone(), g.children.clone()));
                    create(
                        &mut plan,
                        cx,
                        NewPerson {
                            login: &login,
                            display: &name,
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
                        if let Some(pl) = pupil_login.get(k) {
                            links.push((login.clone(), pl.clone()));
                        }
                    }
                }
                Some(s) => {
                    taken.insert(s.id);
                    person_update(
                        &mut plan,
                        s,
                        (&g.last, &g.usage, &g.first),
                        email,
                        None,
                        None,
                        &name,
                    );
                    let have = children_of.get(&s.id).cloned().unwrap_or_default();
                    for k in &g.children {
                        if !have.contains(k.as_str()) {
                            if let Some(pl) = pupil_login.get(k) {
                                links.push((s.login.clone(), pl.clone()));
                            }
                        }
                    }
                    guardian_children.insert(s.id, g.children.clone());
                }
            }
        }
    }

    // Every guardian's classes follow their children; no child left → they leave too.
    let mut stored_links: HashMap<i64, Vec<i64>> = HashMap::new();
    for (g, p) in &cx.stored.links {
        stored_links.entry(*g).or_default().push(*p);
    }
    for s in cx.stored.people.iter().filter(|p| p.kind == "guardian") {
        let mut want: Vec<Scope> = stored_links
            .get(&s.id)
            .into_iter()
            .flatten()
            .filter_map(|p| class_by_id.get(p).cloned())
            .collect();
        for k in guardian_children.get(&s.id).into_iter().flatten() {
            if let Some(sc) = active_class.get(k) {
                want.push(sc.clone());
            }
        }
        let want = sorted(want);
        if s.disabled {
            // Left with their last child, back with a child: enabled again. (Accounts
            // disabled by hand stay disabled.)
            if s.left_at.is_some() && !want.is_empty() {
                plan.added.push(format!(
                    "responsable {} ({}) de retour",
                    display(&s.first_name, &s.usage_name, &s.last_name),
                    s.login
                ));
                plan.statements.extend(sql::come_back(s.id));
                if sorted(s.scopes.clone()) != want {
                    plan.statements.extend(sql::set_scopes(s.id, &want));
                }
            }
            continue;
        }
        if want.is_empty() {
            // Only because their last child left: a guardian without linked children
            // (added by hand) is left alone.
            if stored_links.get(&s.id).is_some_and(|v| !v.is_empty()) {
                leaving.insert(s.id);
                leaver_names.push((
                    s.id,
                    format!(
                        "responsable {} ({})",
                        display(&s.first_name, &s.usage_name, &s.last_name),
                        s.login
                    ),
                ));
            }
            continue;
        }
        if sorted(s.scopes.clone()) != want {
            plan.statements.extend(sql::set_scopes(s.id, &want));
        }
    }
    for (login, children) in &new_guardians {
        let want = sorted(
            children
                .iter()
                .filter_map(|k| active_class.get(k).cloned())
                .collect(),
        );
        for sc in &want {
            plan.statements.push((
                "INSERT INTO memberships (account_id, school, class) SELECT id, ?2, ?3 FROM accounts WHERE login = ?1",
                vec![login.as_str().into(), sc.school.clone().into(), sc.class.clone().into()],
            ));
        }
    }
    for (g, p) in links {
        plan.statements.push(sql::link(&g, &p));
    }

    // Teachers.
    if let Some(rows) = &input.teachers {
        teachers(
            rows,
            &class_of,
            &mut logins,
            &mut leaving,
            &mut leaver_names,
            &mut plan,
            cx,
        );
    }

    leaver_names.sort_by(|a, b| a.1.cmp(&b.1));
    leaver_names.dedup();
    for (id, name) in leaver_names {
        plan.left.push(name);
        plan.statements
            .extend(sql::leave(id, cx.now, cx.now + DELETE_AFTER_SECS));
        if let Some(s) = by_id.get(&id) {
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
    Ok(plan)
}

fn audit(cx: &Context, action: Action, target: &str) -> Statement {
    store::audit::insert(
        cx.now,
        &Entry {
            actor: cx.actor,
            action,
            target,
            outcome: Outcome::Success,
            client: CLI_CLIENT,
        },
    )
}

struct NewPerson<'a> {
    login: &'a str,
    display: &'a str,
    role: Role,
    kind: &'a str,
    key: Option<&'a str>,
    names: (&'a str, &'a str, &'a str),
    email: Option<&'a str>,
    photo: Option<bool>,
    onde_class: Option<&'a str>,
    scopes: &'a [Scope],
}

fn create(plan: &mut Plan, cx: &mut Context, p: NewPerson) {
    let hash = (cx.unusable_hash)();
    plan.statements.extend(store::accounts::insert(
        p.login, p.display, p.role, p.scopes, &hash, cx.now,
    ));
    plan.statements.push(sql::insert(
        p.login,
        p.kind,
        p.key,
        p.names.0,
        p.names.1,
        p.names.2,
        p.email,
        p.photo,
        p.onde_class,
    ));
    plan.statements.push(audit(
        cx,
        Action::AccountCreate,
        &format!("{} ({} import ONDE)", p.login, p.role.as_str()),
    ));
    plan.accounts_created += 1;
}

#[allow(clippy::too_many_arguments)]
fn person_update(
    plan: &mut Plan,
    s: &StoredPerson,
    names: (&str, &str, &str),
    email: Option<&str>,
    photo: Option<bool>,
    onde_class: Option<&str>,
    display_name: &str,
) {
    let same = s.last_name == names.0
        && s.usage_name == names.1
        && s.first_name == names.2
        && s.email.as_deref() == email
        && s.photo_allowed == photo
        && s.onde_class.as_deref() == onde_class;
    if same {
        return;
    }
    if (
        s.last_name.as_str(),
        s.usage_name.as_str(),
        s.first_name.as_str(),
    ) != names
    {
        plan.changed.push(format!(
            "{} devient {display_name}",
            display(&s.first_name, &s.usage_name, &s.last_name)
        ));
        plan.statements
            .push(sql::set_display_name(s.id, display_name));
    } else if s.email.as_deref() != email {
        plan.changed
            .push(format!("{display_name} ({}) : courriel modifié", s.login));
    }
    plan.statements
        .push(sql::update(s.id, names, email, photo, onde_class));
}

/// One guardian of this import, from one or more rows.
struct GuardianPerson {
    last: String,
    usage: String,
    first: String,
    email: String,
    household: String,
    places: Vec<String>,
    children: BTreeSet<String>,
}

/// Group guardian rows into people: same name, and the same address or a child in common.
fn guardian_people(rows: &[GuardianRow], pupils: &[Pupil], plan: &mut Plan) -> Vec<GuardianPerson> {
    let mut by_child: HashMap<(String, String, String), Vec<&Pupil>> = HashMap::new();
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
    let mut people: Vec<GuardianPerson> = Vec::new();
    // People by their name (last, first, usage), to find the rows of one person quickly.
    let mut by_name: HashMap<(String, String, String), Vec<usize>> = HashMap::new();
    for r in rows {
        let mut children = BTreeSet::new();
        for c in &r.children {
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
            match found.len() {
                1 => {
                    children.insert(found[0].key.clone());
                }
                0 => plan.warnings.push(format!(
                    "{} : enfant {} {} ({}) absent du fichier des élèves ; lien non créé",
                    r.place, c.first_name, c.last_name, c.class_label
                )),
                _ => plan.ambiguous.push(format!(
                    "{} : {} {} ({}) désigne plusieurs élèves homonymes de la même classe ; lien non créé, ajoutez-le à la main",
                    r.place, c.first_name, c.last_name, c.class_label
                )),
            }
        }
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
    people
}

#[allow(clippy::too_many_arguments)]
fn teachers(
    rows: &[TeacherRow],
    class_of: &dyn Fn(&str) -> Option<Scope>,
    logins: &mut Logins,
    leaving: &mut HashSet<i64>,
    leaver_names: &mut Vec<(i64, String)>,
    plan: &mut Plan,
    cx: &mut Context,
) {
    struct T<'a> {
        row: &'a TeacherRow,
        director: bool,
        classes: Vec<Scope>,
    }
    let mut people: BTreeMap<(String, String, String), T> = BTreeMap::new();
    for r in rows {
        let key = (
            name_key(&r.last_name),
            name_key(&r.usage_name),
            name_key(&r.first_name),
        );
        let t = people.entry(key).or_insert(T {
            row: r,
            director: false,
            classes: Vec::new(),
        });
        t.director |= r.director;
        if let Some(sc) = (!r.class_label.is_empty())
            .then(|| class_of(&r.class_label))
            .flatten()
        {
            t.classes.push(sc);
        }
    }
    let schools: BTreeSet<String> = people
        .values()
        .flat_map(|t| t.classes.iter().filter_map(|c| c.school.clone()))
        .collect();
    let stored: Vec<&StoredPerson> = cx
        .stored
        .people
        .iter()
        .filter(|p| p.kind == "teacher")
        .collect();
    let mut seen: HashSet<i64> = HashSet::new();
    for t in people.values() {
        let r = t.row;
        let name = display(&r.first_name, &r.usage_name, &r.last_name);
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
                plan.ambiguous.push(format!("{} : directeur {name} sans classe, école inconnue ; créez son compte avec preau accounts add --role director", r.place));
                continue;
            }
            (Role::Director, sorted(s))
        } else {
            (Role::Teacher, sorted(t.classes.clone()))
        };
        let found: Vec<&&StoredPerson> = stored
            .iter()
            .filter(|s| {
                name_key(&s.last_name) == name_key(&r.last_name)
                    && name_key(&s.first_name) == name_key(&r.first_name)
                    && name_key(&s.usage_name) == name_key(&r.usage_name)
            })
            .collect();
        let email = (!r.email.is_empty()).then_some(r.email.as_str());
        let labels = scopes
            .iter()
            .map(Scope::label)
            .collect::<Vec<_>>()
            .join(", ");
        match found.as_slice() {
            [] => {
                let login = logins.new_login(
                    &r.first_name,
                    if r.usage_name.is_empty() {
                        &r.last_name
                    } else {
                        &r.usage_name
                    },
                );
                let what = if t.director {
                    "direction"
                } else {
                    "enseignant(e)"
                };
                plan.added
                    .push(format!("{what} {name} ({login}), {labels}"));
                create(
                    plan,
                    cx,
                    NewPerson {
                        login: &login,
                        display: &name,
                        role,
                        kind: "teacher",
                        key: None,
                        names: (&r.last_name, &r.usage_name, &r.first_name),
                        email,
                        photo: None,
                        onde_class: (!r.class_label.is_empty()).then_some(r.class_label.as_str()),
                        scopes: &scopes,
                    },
                );
            }
            [s] => {
                seen.insert(s.id);
                if s.disabled && s.left_at.is_some() {
                    plan.added
                        .push(format!("enseignant(e) {name} ({}) de retour", s.login));
                    plan.statements.extend(sql::come_back(s.id));
                }
                if s.role != role {
                    plan.statements.push(sql::set_role(s.id, role));
                }
                if sorted(s.scopes.clone()) != scopes || s.role != role {
                    plan.moved.push(format!("{name} ({}) : {labels}", s.login));
                    plan.statements.extend(sql::set_scopes(s.id, &scopes));
                }
                person_update(
                    plan,
                    s,
                    (&r.last_name, &r.usage_name, &r.first_name),
                    email,
                    None,
                    (!r.class_label.is_empty()).then_some(r.class_label.as_str()),
                    &name,
                );
            }
            _ => plan.ambiguous.push(format!(
                "{} : plusieurs comptes d'enseignant nommés {name} ; laissé tel quel",
                r.place
            )),
        }
    }
    // Teachers of the schools of this file who are not in it any more.
    for s in stored {
        let in_scope = s
            .scopes
            .iter()
            .any(|sc| sc.school.as_ref().is_some_and(|x| schools.contains(x)));
        if !s.disabled && in_scope && !seen.contains(&s.id) && leaving.insert(s.id) {
            leaver_names.push((
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
