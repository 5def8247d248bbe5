//! `preau roster import …`: accounts from the school roster (ONDE exports), with a dry run
//! for the town's IT team and `--apply` to make the changes in one transaction.
//! `preau roster letters` (the invitation letters) lives in `letters.rs`.

use crate::report::Refused;
use anyhow::Context;
use preau_contract::access::{Manifest, MANIFEST_PATH};
use preau_edge::accounts::Scope;
use preau_edge::native::Native;
use preau_edge::roster::{self, mapping, onde, ImportError, Input, Mapping, Plan, PlanError};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct RosterArgs {
    /// Dossier des données (le même que preau serve --data)
    #[arg(long, default_value = "data", global = true)]
    pub data: PathBuf,
    #[command(subcommand)]
    pub command: RosterCommand,
}

#[derive(clap::Subcommand)]
pub enum RosterCommand {
    /// Lire les exports ONDE (élèves, responsables, enseignants) et montrer les changements ;
    /// rien n'est modifié sans --apply
    Import {
        /// Les fichiers CSV exportés d'ONDE, dans n'importe quel ordre
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Appliquer les changements (en une seule transaction)
        #[arg(long)]
        apply: bool,
        /// Fichier de correspondance des classes (par défaut <données>/classes-onde.toml)
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// Accepter un fichier des élèves qui ferait partir tous les élèves
        #[arg(long)]
        confirm_all_leave: bool,
        /// Dossier du site construit (pour proposer les classes)
        #[arg(long, default_value = "public")]
        site: PathBuf,
        /// Cloudflare : l'état actuel de D1 (`wrangler d1 export DB --remote --output FICHIER`),
        /// comparé à la place de la base locale
        #[arg(long, value_name = "FICHIER")]
        d1_export: Option<PathBuf>,
        /// Cloudflare : écrire les changements en SQL dans ce fichier, à appliquer avec
        /// `wrangler d1 execute DB --remote --file FICHIER` (avec --d1-export)
        #[arg(
            long,
            value_name = "FICHIER",
            requires = "d1_export",
            conflicts_with = "apply"
        )]
        sql: Option<PathBuf>,
    },
    /// Imprimer les courriers d'invitation (PDF, un par compte, avec code d'activation et
    /// QR code) ; par défaut pour les comptes qui n'en ont jamais reçu
    Letters(super::letters::LettersArgs),
}

fn actor() -> String {
    std::env::var("USER")
        .map(|u| format!("cli:{u}"))
        .unwrap_or_else(|_| "cli".into())
}

/// The site's classes (`school/class`) from the built site's manifest, if there is one.
fn site_classes(site: &Path) -> Vec<String> {
    std::fs::read(site.join(MANIFEST_PATH))
        .ok()
        .and_then(|b| serde_json::from_slice::<Manifest>(&b).ok())
        .map(|m| m.classes.into_keys().collect())
        .unwrap_or_default()
}

/// Read the mapping file: `[classes]` with `"Libellé ONDE" = "école/classe"` (or `""`).
fn read_mapping(path: &Path) -> anyhow::Result<Option<Mapping>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("lecture de {}", path.display())),
    };
    #[derive(serde::Deserialize)]
    struct File {
        #[serde(default)]
        classes: BTreeMap<String, String>,
    }
    let file: File = toml::from_str(&text).map_err(|e| {
        Refused(format!(
            "{} : fichier de correspondance illisible : {}",
            path.display(),
            e.message()
        ))
    })?;
    let mut out = Mapping::new();
    for (label, value) in file.classes {
        let value = value.trim();
        let scope = if value.is_empty() {
            None
        } else {
            match Scope::parse(value) {
                Some(s) if s.class.is_some() => Some(s),
                _ => {
                    return Err(Refused(format!(
                        "{} : classe « {label} » : « {value} » n'est pas une classe du site ; écrivez ecole/classe (noms des dossiers de content/ecoles/)",
                        path.display()
                    ))
                    .into())
                }
            }
        };
        out.insert(label, scope);
    }
    Ok(Some(out))
}

fn section(title: &str, mark: &str, lines: &[String]) {
    if lines.is_empty() {
        return;
    }
    println!("{title} ({}) :", lines.len());
    for l in lines {
        println!("  {mark} {l}");
    }
}

fn print_plan(plan: &Plan) {
    section("Ajouts", "+", &plan.added);
    section("Changements de classe", "→", &plan.moved);
    section(
        "Départs (comptes désactivés, supprimés dans trois mois)",
        "-",
        &plan.left,
    );
    section("Autorisation photo modifiée", "*", &plan.photo);
    section("Autres changements", "~", &plan.changed);
    section(
        "À régler à la main (les fichiers ne permettent pas de trancher)",
        "!",
        &plan.ambiguous,
    );
}

pub fn run(args: RosterArgs, quiet: bool) -> anyhow::Result<()> {
    let (files, apply, mapping_path, confirm_all_leave, site, d1_export, sql) = match args.command {
        RosterCommand::Letters(letters) => {
            return super::letters::run(&args.data, letters, &actor(), quiet)
        }
        RosterCommand::Import {
            files,
            apply,
            mapping,
            confirm_all_leave,
            site,
            d1_export,
            sql,
        } => (
            files,
            apply,
            mapping,
            confirm_all_leave,
            site,
            d1_export,
            sql,
        ),
    };
    let input = read_files(&files, quiet)?;
    let mapping_path = mapping_path.unwrap_or_else(|| args.data.join("classes-onde.toml"));
    let map = class_mapping(&input, &mapping_path, &site)?;

    // Step 3: the plan, and the changes in one transaction with --apply.
    let rt = tokio::runtime::Builder::new_current_thread().build()?;
    rt.block_on(async move {
        // On Cloudflare the plan is made against a copy of D1 in a temporary folder.
        let copy = match &d1_export {
            Some(export) => Some(d1_copy(export)?),
            None => None,
        };
        let db_dir = copy.as_ref().map_or(args.data.as_path(), |d| d.path());
        let p = Native::open(db_dir, &site)?;
        let key = super::secret::roster_key(&args.data)?;
        let opts = roster::ImportOptions {
            mapping: &map,
            actor: &actor(),
            key: &key,
            confirm_all_leave,
            apply,
        };
        let plan = match roster::import(&p, &input, &opts).await {
            Ok(plan) => plan,
            Err(ImportError::Plan(e @ PlanError::AllLeave(_)))
            | Err(ImportError::Plan(e @ PlanError::Unmapped(_))) => {
                return Err(Refused(format!("{e} ; rien n'a été importé")).into())
            }
            Err(ImportError::Store(e)) => return Err(e.into()),
        };
        print_outcome(&plan, apply);
        if let Some(out) = sql {
            write_sql(&out, &plan)?;
        }
        Ok(())
    })
}

/// A temporary data folder whose database is the D1 export `export`.
pub(super) fn d1_copy(export: &Path) -> anyhow::Result<tempfile::TempDir> {
    let script = std::fs::read_to_string(export).map_err(|e| {
        Refused(format!(
            "{} : lecture impossible ({e}) ; exportez D1 avec scripts/wrangler.sh d1 export DB --remote --output {}",
            export.display(),
            export.display()
        ))
    })?;
    let dir = tempfile::tempdir()?;
    preau_edge::native::SqliteDb::create_from_script(&dir.path().join("preau.sqlite3"), &script)
        .map_err(|e| {
            Refused(format!(
                "{} n'est pas un export SQL de la base D1 de Préau ({e})",
                export.display()
            ))
        })?;
    Ok(dir)
}

/// The plan's statements as one SQL file for `wrangler d1 execute --file`.
fn write_sql(out: &Path, plan: &Plan) -> anyhow::Result<()> {
    let script = preau_edge::admin::to_sql_script(&plan.statements);
    std::fs::write(out, &script).with_context(|| format!("écriture de {}", out.display()))?;
    eprintln!(
        "{} instruction(s) SQL écrite(s) dans {} : appliquez-les avec scripts/wrangler.sh d1 execute DB --remote --file {}",
        plan.statements.len(),
        out.display(),
        out.display()
    );
    Ok(())
}

/// Step 1: every file, all errors at once; nothing is imported if any file has one.
fn read_files(files: &[PathBuf], quiet: bool) -> anyhow::Result<Input> {
    let mut input = Input::default();
    let mut errors = Vec::new();
    for path in files {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| {
            Refused(format!(
                "{shown} : lecture impossible ({e}) ; vérifiez le chemin"
            ))
        })?;
        let parsed = onde::parse(&shown, &bytes);
        for w in &parsed.warnings {
            eprintln!("attention : {w}");
        }
        match parsed.rows {
            Some(rows) if parsed.errors.is_empty() => {
                if !quiet {
                    eprintln!(
                        "{shown} : fichier des {}, {} ligne(s) ({})",
                        rows.kind().label(),
                        rows.len(),
                        parsed.encoding
                    );
                }
                input.add(rows);
            }
            _ => errors.extend(parsed.errors),
        }
    }
    if !errors.is_empty() {
        for e in &errors {
            eprintln!("erreur : {e}");
        }
        return Err(Refused(format!(
            "{} erreur(s) : rien n'a été importé ; corrigez les fichiers et relancez",
            errors.len()
        ))
        .into());
    }
    Ok(input)
}

/// Step 2: the class mapping, proposed on first run (and for new labels), written for the IT
/// team to complete; the import stops until every label has a class.
fn class_mapping(input: &Input, mapping_path: &Path, site: &Path) -> anyhow::Result<Mapping> {
    let existing = read_mapping(mapping_path)?;
    let first_run = existing.is_none();
    let mut map = existing.unwrap_or_default();
    let before = map.len();
    let classes = site_classes(site);
    mapping::propose(&mut map, &input.class_labels(), &classes);
    let missing: Vec<&String> = map
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(k, _)| k)
        .filter(|k| {
            input
                .class_labels()
                .iter()
                .any(|l| onde::normalise(l) == onde::normalise(k))
        })
        .collect();
    if !first_run && map.len() == before && missing.is_empty() {
        return Ok(map);
    }
    if first_run || map.len() != before {
        if let Some(dir) = mapping_path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("création de {}", dir.display()))?;
        }
        std::fs::write(mapping_path, mapping::render(&map, &classes))
            .with_context(|| format!("écriture de {}", mapping_path.display()))?;
    }
    let todo = if missing.is_empty() {
        "toutes ont une proposition à vérifier".to_string()
    } else {
        format!(
            "{} sans correspondance : {}",
            missing.len(),
            missing
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Err(Refused(format!(
        "correspondance des classes ONDE à vérifier dans {} ({todo}) ; éditez ce fichier (école/classe pour chaque libellé) puis relancez la même commande. Rien n'a été importé.",
        mapping_path.display()
    ))
    .into())
}

/// The plan in words, then what was (or would be) done.
fn print_outcome(plan: &Plan, apply: bool) {
    for w in &plan.warnings {
        eprintln!("attention : {w}");
    }
    print_plan(plan);
    let nothing = plan.added.is_empty()
        && plan.moved.is_empty()
        && plan.left.is_empty()
        && plan.photo.is_empty()
        && plan.changed.is_empty();
    if nothing && plan.is_empty() {
        println!("Aucun changement : les comptes sont déjà à jour.");
    } else if apply {
        println!(
            "Appliqué en une seule transaction : {} compte(s) créé(s), {} changement(s) de classe, {} départ(s). Les nouveaux comptes se connecteront après activation : imprimez leurs courriers avec preau roster letters.",
            plan.accounts_created,
            plan.moved.len(),
            plan.left.len()
        );
    } else {
        println!("Simulation : rien n'a été modifié. Relancez avec --apply pour appliquer ces changements.");
    }
}
