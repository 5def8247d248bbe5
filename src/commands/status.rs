//! `preau status`: what the town's IT team checks on a running instance — the database's
//! schema against this binary's, the content repository (branch, what is not pushed yet or
//! not fetched yet, files changed by hand) and the texts the online editor kept aside after
//! a conflict, with how to merge them. Reads only; exits with 1 when something waits for a
//! person (a conflict, an unknown schema), so that a monitoring script can alert.

use preau_edge::native::{self, git};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct StatusArgs {
    /// Dossier du contenu (le dépôt Git de l'éditeur en ligne)
    #[arg(long, default_value = "content")]
    pub content: PathBuf,
    /// Dossier des données de preau serve
    #[arg(long, default_value = "data")]
    pub data: PathBuf,
}

/// Returns whether something needs a person.
pub fn run(args: &StatusArgs) -> anyhow::Result<bool> {
    let mut attention = false;
    println!("Données : {}", args.data.display());
    let db = args.data.join("preau.sqlite3");
    if db.is_file() {
        match native::backup::migrations_of(&db) {
            Ok(names) => {
                let known: Vec<&str> = native::MIGRATIONS.iter().map(|(n, _)| *n).collect();
                let unknown: Vec<String> = names
                    .iter()
                    .filter(|n| !known.contains(&n.as_str()))
                    .cloned()
                    .collect();
                let missing = known
                    .iter()
                    .filter(|k| !names.iter().any(|n| n == *k))
                    .count();
                if !unknown.is_empty() {
                    attention = true;
                    println!(
                        "  ATTENTION : {}",
                        native::newer_schema_message(&db, &unknown)
                    );
                } else if missing > 0 {
                    println!(
                        "  schéma : {missing} migration(s) seront appliquées au prochain démarrage"
                    );
                } else {
                    println!("  schéma : à jour ({})", native::schema_version());
                }
            }
            Err(e) => {
                attention = true;
                println!("  ATTENTION : base illisible : {e}");
            }
        }
    } else {
        println!("  pas encore de base (elle sera créée au premier démarrage)");
    }

    println!("Dépôt du contenu : {}", args.content.display());
    let state = match git::state(&args.content) {
        Ok(s) => s,
        Err(e) => {
            println!("  pas un dépôt Git utilisable ({e}) : l'éditeur en ligne est désactivé");
            return Ok(attention);
        }
    };
    let short: String = state.head.chars().take(10).collect();
    println!("  branche {} au commit {short}", state.branch);
    match &state.remote {
        Some(r) => {
            println!("  dépôt distant : {r}");
            if state.ahead > 0 {
                println!("  {} commit(s) du serveur pas encore envoyés (nouvel essai à chaque enregistrement et à chaque récupération)", state.ahead);
            }
            if state.behind > 0 {
                println!("  {} commit(s) du dépôt distant pas encore pris (au prochain webhook ou à la prochaine récupération)", state.behind);
            }
        }
        None => println!(
            "  pas de dépôt distant : les commits restent sur ce serveur (pensez aux sauvegardes)"
        ),
    }
    if !state.uncommitted.is_empty() {
        attention = true;
        println!(
            "  ATTENTION : fichiers modifiés à la main sur le serveur, non enregistrés dans Git : {}",
            state.uncommitted.join(", ")
        );
    }
    if !state.set_aside.is_empty() {
        attention = true;
        println!(
            "  ATTENTION : modifications faites à la main mises de côté (la version de la forge les contredisait) : {}",
            state.set_aside.join(", ")
        );
        println!("  Pour les voir : git -C {} stash show -p <entrée> ; pour les reprendre : git stash pop <entrée>, corrigez, puis commit et push ; pour les abandonner : git stash drop <entrée>.", args.content.display());
    }
    if state.conflicts.is_empty() {
        println!("  aucun texte en attente après un conflit");
    } else {
        attention = true;
        println!(
            "  ATTENTION : {} texte(s) gardé(s) à part après un conflit avec le dépôt distant :",
            state.conflicts.len()
        );
        for c in &state.conflicts {
            println!(
                "    {} — {} <{}>, {} — {}",
                c.branch,
                c.author_name,
                c.author_mail,
                c.date,
                c.files.join(", ")
            );
        }
        println!("  Pour les réunir : git -C {} merge <branche>, corrigez les fichiers en conflit, git commit, git push, puis git branch -d <branche>.", args.content.display());
    }
    Ok(attention)
}
