//! Naming and writing people in a plan: display names, new logins, and the statements
//! that create or update one person (their account, roster row and audit entry).

use super::{Context, Plan};
use crate::accounts::{valid_login, Role, Scope};
use crate::audit::{Action, Entry, Outcome, CLI_CLIENT};
use crate::roster::onde::name_key;
use crate::store::roster::{self as sql, StoredPerson};
use crate::store::{self, Statement};
use std::collections::HashSet;

pub(super) fn display(first: &str, usage: &str, last: &str) -> String {
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
pub(super) struct Logins(pub(super) HashSet<String>);

impl Logins {
    pub(super) fn new_login(&mut self, first: &str, family: &str) -> String {
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

pub(super) fn sorted(mut v: Vec<Scope>) -> Vec<Scope> {
    v.sort_by_key(scope_label);
    v.dedup();
    v
}

pub(super) fn audit(cx: &Context, action: Action, target: &str) -> Statement {
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

pub(super) struct NewPerson<'a> {
    pub(super) login: &'a str,
    pub(super) display: &'a str,
    pub(super) role: Role,
    pub(super) kind: &'a str,
    pub(super) key: Option<&'a str>,
    pub(super) names: (&'a str, &'a str, &'a str),
    pub(super) email: Option<&'a str>,
    pub(super) photo: Option<bool>,
    pub(super) onde_class: Option<&'a str>,
    pub(super) scopes: &'a [Scope],
}

pub(super) fn create(plan: &mut Plan, cx: &mut Context, p: NewPerson) {
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
pub(super) fn person_update(
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

/// The family name a person goes by: their usage name if they have one.
pub(super) fn family<'x>(usage: &'x str, last: &'x str) -> &'x str {
    if usage.is_empty() {
        last
    } else {
        usage
    }
}
