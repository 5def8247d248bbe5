//! Demo accounts for `preau serve --demo`: one per role around one class of the demo town,
//! with fresh random passphrases printed at start.

use preau_edge::accounts::{Role, Scope};
use preau_edge::admin::{self, NewAccount};
use preau_edge::native::Native;
use preau_edge::store::Random;

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

/// Create the demo accounts; returns one printable line per account.
pub async fn seed(p: &Native) -> anyhow::Result<Vec<String>> {
    let class = Scope {
        school: Some(DEMO_SCHOOL.into()),
        class: Some(DEMO_CLASS.into()),
    };
    let other_class = Scope {
        school: Some(DEMO_SCHOOL.into()),
        class: Some("cp-a".into()),
    };
    let school = Scope {
        school: Some(DEMO_SCHOOL.into()),
        class: None,
    };
    let people: Vec<(&str, &str, Role, Scope)> = vec![
        (
            "parent.ce1a",
            "Mme Camille Petit",
            Role::Parent,
            class.clone(),
        ),
        ("eleve.ce1a", "Léo Petit", Role::Pupil, class.clone()),
        (
            "enseignant.ce1a",
            "Mme Garnier",
            Role::Teacher,
            class.clone(),
        ),
        ("parent.cpa", "M. Karim Benali", Role::Parent, other_class),
        (
            "directeur.jm",
            "M. Rousseau",
            Role::Director,
            school.clone(),
        ),
        (
            "periscolaire.jm",
            "Mme Lopez",
            Role::Municipal,
            school.clone(),
        ),
        (
            "partenaire.jm",
            "Club de judo d'Alpha",
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
    ];
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
