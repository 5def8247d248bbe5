//! Demo accounts for `preau serve --demo`: one per role around one class of the demo town,
//! with fresh random passphrases printed at start.

use preau_edge::accounts::{Role, Scope};
use preau_edge::admin::{self, NewAccount};
use preau_edge::native::Native;
use preau_edge::store::Random;
use std::collections::BTreeMap;

pub const DEMO_SCHOOL: &str = "ecole-jean-moulin";
pub const DEMO_CLASS: &str = "ce1-a";

const WORDS: &[&str] = &[
    "girafe", "velo", "orange", "piscine", "cartable", "nuage", "tortue", "crayon", "jardin",
    "lune", "pomme", "tambour", "hibou", "colline", "bateau", "citron", "renard", "etoile",
    "fusee", "sapin", "violon", "castor", "prairie", "soleil", "moulin", "cerise", "dauphin",
    "lanterne", "plume", "rocher",
];

pub fn passphrase(r: &impl Random) -> String {
    // Four different words: a repeated word reads as a pattern to the password policy.
    let mut words: Vec<&str> = Vec::with_capacity(4);
    let mut b = [0u8; 1];
    while words.len() < 4 {
        r.fill(&mut b);
        let w = WORDS[usize::from(b[0]) % WORDS.len()];
        if !words.contains(&w) {
            words.push(w);
        }
    }
    r.fill(&mut b);
    format!("{}-{}", words.join("-"), u16::from(b[0]) % 90 + 10)
}

/// Which class the demo accounts are around: the demo town's CE1 A, or in another site
/// (a town's own repository from `preau init`) its first class, with plain logins.
struct DemoPlace {
    school: String,
    class: String,
    other_class: Option<String>,
    demo_town: bool,
}

fn place(classes: &BTreeMap<String, Vec<String>>) -> DemoPlace {
    let demo_town = classes
        .get(DEMO_SCHOOL)
        .is_some_and(|c| c.iter().any(|c| c == DEMO_CLASS));
    if demo_town {
        return DemoPlace {
            school: DEMO_SCHOOL.into(),
            class: DEMO_CLASS.into(),
            other_class: Some("cp-a".into()),
            demo_town,
        };
    }
    let (school, list) = classes
        .iter()
        .find(|(_, c)| !c.is_empty())
        .map(|(s, c)| (s.clone(), c.clone()))
        .unwrap_or_else(|| ("ecole-exemple".into(), vec!["cp-a".into()]));
    DemoPlace {
        school,
        class: list[0].clone(),
        other_class: list.get(1).cloned(),
        demo_town,
    }
}

/// Create the demo accounts; returns one printable line per account.
pub async fn seed(
    p: &Native,
    classes: &BTreeMap<String, Vec<String>>,
) -> anyhow::Result<Vec<String>> {
    let at = place(classes);
    let class = Scope {
        school: Some(at.school.clone()),
        class: Some(at.class.clone()),
    };
    let school = Scope {
        school: Some(at.school.clone()),
        class: None,
    };
    let login = |demo: &'static str, plain: &'static str| if at.demo_town { demo } else { plain };
    let mut people: Vec<(&str, &str, Role, Scope)> = vec![
        (
            login("parent.ce1a", "parent"),
            "Mme Camille Petit",
            Role::Parent,
            class.clone(),
        ),
        (
            login("eleve.ce1a", "eleve"),
            "Léo Petit",
            Role::Pupil,
            class.clone(),
        ),
        (
            login("enseignant.ce1a", "enseignant"),
            "Mme Garnier",
            Role::Teacher,
            class.clone(),
        ),
    ];
    if let Some(other) = &at.other_class {
        people.push((
            login("parent.cpa", "parent.autre-classe"),
            "M. Karim Benali",
            Role::Parent,
            Scope {
                school: Some(at.school.clone()),
                class: Some(other.clone()),
            },
        ));
    }
    people.extend([
        (
            login("directeur.jm", "directeur"),
            "M. Rousseau",
            Role::Director,
            school.clone(),
        ),
        (
            login("periscolaire.jm", "periscolaire"),
            "Mme Lopez",
            Role::Municipal,
            school.clone(),
        ),
        (
            login("partenaire.jm", "partenaire"),
            if at.demo_town {
                "Club de judo d'Alpha"
            } else {
                "Club de judo"
            },
            Role::Partner,
            school,
        ),
        (
            "communication",
            "Service communication",
            Role::Communication,
            Scope::town(),
        ),
        ("admin", "Service informatique", Role::Admin, Scope::town()),
    ]);
    let mut lines = Vec::new();
    for (login, name, role, scope) in people {
        let password = passphrase(p);
        admin::add(
            p,
            &NewAccount {
                login,
                display_name: name,
                role,
                scopes: vec![scope.clone()],
                password: &password,
            },
            "demo",
        )
        .await?;
        lines.push(format!(
            "{login:<18}  {password:<36}  {} ({}, {})",
            name,
            role.as_str(),
            scope.label()
        ));
    }
    Ok(lines)
}
