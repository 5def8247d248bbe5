//! The invitation letters of `preau roster letters`: who gets one (by default the accounts
//! that never had a letter and cannot sign in yet; `--all`, `--class`, `--login` reprint),
//! in which pile (by class, each pupil followed by their guardians, so that the teacher
//! hands one envelope per child), and what each page says. `pdf` draws them, `qr` makes
//! the QR codes. Native only: the Worker never prints.

pub mod pdf;
pub mod qr;

use preau_edge::accounts::{Role, Scope};
use preau_edge::store::activation::Recipient;
use std::collections::{BTreeMap, HashMap};

/// Which accounts to print for.
#[derive(Debug, Default, Clone)]
pub struct Selection {
    pub all: bool,
    pub logins: Vec<String>,
    pub classes: Vec<Scope>,
}

impl Selection {
    /// Reprinting: the chosen accounts get a new letter whatever they had before.
    pub fn reprint(&self) -> bool {
        self.all || !self.logins.is_empty() || !self.classes.is_empty()
    }

    fn wants(&self, r: &Recipient) -> bool {
        if !self.reprint() {
            return !r.lettered && !r.activated;
        }
        (self.all && (r.kind.is_some() || !r.activated))
            || self.logins.iter().any(|l| l.eq_ignore_ascii_case(&r.login))
            || self.classes.iter().any(|c| r.scopes.contains(c))
    }
}

/// The site's schools and classes by id (`school`, `school/class`), with their titles.
#[derive(Debug, Default, Clone)]
pub struct Places {
    pub schools: BTreeMap<String, String>,
    pub classes: BTreeMap<String, String>,
}

impl Places {
    fn school(&self, id: &str) -> String {
        self.schools
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    fn class(&self, school: &str, class: &str) -> String {
        self.classes
            .get(&format!("{school}/{class}"))
            .cloned()
            .unwrap_or_else(|| class.to_string())
    }
}

/// One letter to print, before its code is drawn.
#[derive(Debug, Clone)]
pub struct Planned {
    pub login: String,
    pub name: String,
    /// The pile it goes in: `École Jean Moulin · CE1 A · Léa MARTIN`.
    pub pile: String,
    /// `school/class` of the pile (`school` or empty for staff of a school or the town).
    pub pile_key: String,
    /// What the account is: "Votre compte de parent : Léa MARTIN (CE1 A)."
    pub account_line: String,
    sort: (String, String, String, u8, String),
}

/// Why a selection cannot be printed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SelectionError {
    #[error("aucun compte actif « {0} » ; vérifiez l'identifiant (preau accounts list)")]
    UnknownLogin(String),
    #[error("aucun compte actif dans la classe « {0} » ; écrivez ecole/classe (noms des dossiers de content/ecoles/)")]
    EmptyClass(String),
}

fn first_place(scopes: &[Scope]) -> (String, String) {
    let mut places: Vec<(String, String)> = scopes
        .iter()
        .map(|s| {
            (
                s.school.clone().unwrap_or_default(),
                s.class.clone().unwrap_or_default(),
            )
        })
        .collect();
    // A class before a whole school, then alphabetical.
    places.sort_by(|a, b| (a.1.is_empty(), a).cmp(&(b.1.is_empty(), b)));
    places.into_iter().next().unwrap_or_default()
}

fn name_key(r: &Recipient) -> String {
    if r.last_name.is_empty() {
        r.display_name.to_lowercase()
    } else {
        format!("{} {}", r.last_name, r.first_name).to_lowercase()
    }
}

/// The letters of `sel` among `all` (the enabled accounts), in print order.
pub fn plan(
    all: &[Recipient],
    sel: &Selection,
    places: &Places,
) -> Result<Vec<Planned>, SelectionError> {
    for l in &sel.logins {
        if !all.iter().any(|r| r.login.eq_ignore_ascii_case(l)) {
            return Err(SelectionError::UnknownLogin(l.clone()));
        }
    }
    for c in &sel.classes {
        if !all.iter().any(|r| r.scopes.contains(c)) {
            return Err(SelectionError::EmptyClass(c.label()));
        }
    }
    let by_id: HashMap<i64, &Recipient> = all.iter().map(|r| (r.id, r)).collect();
    let label = |school: &str, class: &str| match (school.is_empty(), class.is_empty()) {
        (true, _) => "Ville".to_string(),
        (false, true) => places.school(school),
        (false, false) => format!(
            "{} · {}",
            places.school(school),
            places.class(school, class)
        ),
    };
    let mut out: Vec<Planned> = all
        .iter()
        .filter(|r| sel.wants(r))
        .map(|r| {
            let (school, class) = first_place(&r.scopes);
            let own = (school.clone(), class.clone());
            let mut children: Vec<&Recipient> = r
                .children
                .iter()
                .filter_map(|id| by_id.get(id).copied())
                .collect();
            children.sort_by_key(|c| (first_place(&c.scopes), name_key(c)));
            let (place, anchor, rank) = match (r.role, children.first()) {
                (Role::Pupil, _) => (own, Some(r), 0),
                (_, Some(child)) => (first_place(&child.scopes), Some(*child), 1),
                _ => (own, None, 2),
            };
            let mut pile = label(&place.0, &place.1);
            if let Some(a) = anchor {
                pile = format!("{pile} · {}", a.display_name);
            }
            let of_class = |c: &Recipient| {
                let (s, k) = first_place(&c.scopes);
                format!("{} ({})", c.display_name, places.class(&s, &k))
            };
            let account_line = match r.role {
                Role::Pupil => format!(
                    "Votre compte d'élève, classe {} ({}).",
                    places.class(&school, &class),
                    places.school(&school)
                ),
                Role::Parent if !children.is_empty() => format!(
                    "Votre compte de parent de {}.",
                    children
                        .iter()
                        .map(|c| of_class(c))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Role::Parent => "Votre compte de parent.".to_string(),
                Role::Teacher => format!("Votre compte d'enseignant : {}.", pile_places(r, places)),
                Role::Director => {
                    format!("Votre compte de direction : {}.", pile_places(r, places))
                }
                Role::Municipal => "Votre compte du personnel municipal (périscolaire).".into(),
                Role::Partner => "Votre compte de partenaire.".into(),
                Role::Communication => "Votre compte de l'équipe de communication.".into(),
                Role::Admin => "Votre compte d'administration.".into(),
            };
            let sort_name = anchor.map(name_key).unwrap_or_else(|| "~".into());
            Planned {
                login: r.login.clone(),
                name: r.display_name.clone(),
                pile_key: match (place.0.is_empty(), place.1.is_empty()) {
                    (true, _) => String::new(),
                    (false, true) => place.0.clone(),
                    (false, false) => format!("{}/{}", place.0, place.1),
                },
                pile,
                account_line,
                sort: (place.0, place.1, sort_name, rank, name_key(r)),
            }
        })
        .collect();
    out.sort_by(|a, b| a.sort.cmp(&b.sort).then_with(|| a.login.cmp(&b.login)));
    Ok(out)
}

fn pile_places(r: &Recipient, places: &Places) -> String {
    let list: Vec<String> = r
        .scopes
        .iter()
        .map(|s| match (&s.school, &s.class) {
            (Some(school), Some(class)) => {
                format!(
                    "{} ({})",
                    places.class(school, class),
                    places.school(school)
                )
            }
            (Some(school), None) => places.school(school),
            _ => "toute la ville".into(),
        })
        .collect();
    list.join(", ")
}

/// Everything one page says.
#[derive(Debug, Clone)]
pub struct Letter {
    pub login: String,
    pub name: String,
    pub pile: String,
    pub site_title: String,
    /// The site's address as typed: `ent.alpha.example`.
    pub site: String,
    pub account_line: String,
    pub code_grouped: String,
    /// What the QR code holds: `https://ent.alpha.example/activer/?code=…`.
    pub link: String,
    /// `30/01/2027`.
    pub expires: String,
    pub steps: [String; 3],
    pub footer: String,
}

/// The site as the letters name it.
#[derive(Debug, Clone)]
pub struct Site {
    pub title: String,
    pub base_url: String,
}

impl Letter {
    pub fn new(p: &Planned, site: &Site, code: &str, expires: &str) -> Letter {
        let base = site.base_url.trim_end_matches('/');
        let bare = base
            .strip_prefix("https://")
            .or_else(|| base.strip_prefix("http://"))
            .unwrap_or(base)
            .to_string();
        Letter {
            login: p.login.clone(),
            name: p.name.clone(),
            pile: p.pile.clone(),
            site_title: site.title.clone(),
            account_line: p.account_line.clone(),
            code_grouped: preau_edge::activation::grouped(code),
            link: preau_edge::activation::link(base, code),
            expires: expires.to_string(),
            steps: [
                format!("Scannez le QR code avec l'appareil photo du téléphone, ou ouvrez {bare}/activer/ et tapez le code d'activation."),
                "Choisissez votre mot de passe : 12 caractères au moins, par exemple quatre mots sans rapport entre eux.".into(),
                format!("Lisez et acceptez la charte d'usage. Ensuite, connectez-vous sur {bare} avec votre identifiant et ce mot de passe."),
            ],
            footer: "Ce code ne sert qu'une fois et remplace celui de tout courrier précédent. Gardez ce courrier, qui rappelle votre identifiant, mais ne donnez le code à personne. Mot de passe oublié ou code perdu : demandez un nouveau courrier à l'école.".into(),
            site: bare,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(id: i64, login: &str, role: Role, class: &str, children: &[i64]) -> Recipient {
        Recipient {
            id,
            login: login.into(),
            display_name: login.replace('.', " "),
            role,
            kind: Some(
                if role == Role::Pupil {
                    "pupil"
                } else {
                    "guardian"
                }
                .into(),
            ),
            first_name: String::new(),
            last_name: String::new(),
            scopes: vec![Scope::parse(class).expect("scope")],
            activated: false,
            lettered: false,
            children: children.to_vec(),
        }
    }

    fn roster() -> Vec<Recipient> {
        vec![
            person(1, "claire.martin", Role::Parent, "a/ce1", &[2, 3]),
            person(2, "lea.martin", Role::Pupil, "a/ce1", &[]),
            person(3, "hugo.martin", Role::Pupil, "a/cp", &[]),
            person(4, "ana.bon", Role::Pupil, "a/ce1", &[]),
            person(5, "marc.bon", Role::Parent, "a/ce1", &[4]),
        ]
    }

    fn logins(p: &[Planned]) -> Vec<&str> {
        p.iter().map(|l| l.login.as_str()).collect()
    }

    #[test]
    fn piles_follow_classes_with_each_pupil_then_their_guardians() {
        let p = plan(&roster(), &Selection::default(), &Places::default()).expect("plan");
        // ce1 before cp; in ce1 Ana then her father, Léa then her mother (whose other
        // child is in cp: one letter, in the pile of her first child's class).
        assert_eq!(
            logins(&p),
            [
                "ana.bon",
                "marc.bon",
                "lea.martin",
                "claire.martin",
                "hugo.martin"
            ]
        );
        assert!(p[3].pile.ends_with("lea martin"), "{}", p[3].pile);
        assert!(p[3]
            .account_line
            .contains("lea martin (ce1), hugo martin (cp)"));
        assert_eq!(p[3].pile_key, "a/ce1");
    }

    #[test]
    fn by_default_only_new_accounts_and_reprints_on_demand() {
        let mut all = roster();
        all[0].lettered = true;
        all[1].activated = true;
        let p = plan(&all, &Selection::default(), &Places::default()).expect("plan");
        assert_eq!(logins(&p), ["ana.bon", "marc.bon", "hugo.martin"]);
        let sel = Selection {
            logins: vec!["Claire.Martin".into()],
            ..Selection::default()
        };
        assert_eq!(
            logins(&plan(&all, &sel, &Places::default()).expect("plan")),
            ["claire.martin"]
        );
        let sel = Selection {
            classes: vec![Scope::parse("a/cp").expect("scope")],
            ..Selection::default()
        };
        assert_eq!(
            logins(&plan(&all, &sel, &Places::default()).expect("plan")),
            ["hugo.martin"]
        );
        let sel = Selection {
            all: true,
            ..Selection::default()
        };
        assert_eq!(plan(&all, &sel, &Places::default()).expect("plan").len(), 5);
        let sel = Selection {
            logins: vec!["personne".into()],
            ..Selection::default()
        };
        assert!(matches!(
            plan(&all, &sel, &Places::default()),
            Err(SelectionError::UnknownLogin(_))
        ));
    }
}
