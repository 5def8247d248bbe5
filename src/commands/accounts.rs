//! `preau accounts …`: the town's IT team manages accounts from the command line.

use anyhow::{bail, Context};
use preau_edge::accounts::{Role, Scope};
use preau_edge::admin::{self, NewAccount};
use preau_edge::native::Native;
use preau_edge::store::Clock;
use std::io::Read;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct AccountsArgs {
    /// Dossier des données (le même que preau serve --data)
    #[arg(long, default_value = "data", global = true)]
    pub data: PathBuf,
    #[command(subcommand)]
    pub command: AccountsCommand,
}

#[derive(clap::Subcommand)]
pub enum AccountsCommand {
    /// Créer un compte (mot de passe lu sur l'entrée standard)
    Add {
        login: String,
        /// pupil, parent, teacher, director, municipal, partner, communication, admin
        #[arg(long)]
        role: String,
        /// École ou école/classe ; répétable ; absent = toute la ville
        #[arg(long)]
        scope: Vec<String>,
        /// Nom affiché
        #[arg(long)]
        name: Option<String>,
        /// Lire le mot de passe sur l'entrée standard
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Écrire le SQL pour Cloudflare D1 (wrangler d1 execute) au lieu de créer le compte ici
        #[arg(long)]
        sql: bool,
    },
    /// Lister les comptes
    List,
    /// Désactiver un compte et fermer ses sessions
    Disable {
        login: String,
        /// Écrire le SQL pour Cloudflare D1 au lieu d'agir ici
        #[arg(long)]
        sql: bool,
    },
    /// Donner un nouveau code d'activation à un compte (affiché ; le code précédent ne
    /// fonctionne plus) : pour un courrier écrit à la main, ou pour Cloudflare D1 avec --sql
    ActivationCode {
        login: String,
        /// Durée de validité, en jours
        #[arg(long, default_value_t = preau_edge::activation::DEFAULT_DAYS)]
        days: i64,
        /// Écrire le SQL pour Cloudflare D1 (le code en commentaire) au lieu d'agir ici
        #[arg(long)]
        sql: bool,
    },
    /// Changer le mot de passe (lu sur l'entrée standard) et fermer les sessions
    ResetPassword {
        login: String,
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Écrire le SQL pour Cloudflare D1 au lieu d'agir ici
        #[arg(long)]
        sql: bool,
    },
}

fn read_password() -> anyhow::Result<String> {
    let mut s = String::new();
    std::io::stdin()
        .take(4096)
        .read_to_string(&mut s)
        .context("lecture du mot de passe")?;
    let p = s.trim_end_matches(['\n', '\r']).to_string();
    if p.is_empty() {
        bail!("aucun mot de passe reçu sur l'entrée standard");
    }
    Ok(p)
}

fn actor() -> String {
    std::env::var("USER")
        .map(|u| format!("cli:{u}"))
        .unwrap_or_else(|_| "cli".into())
}

pub fn run(args: AccountsArgs, quiet: bool) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread().build()?;
    rt.block_on(async move {
        match args.command {
            AccountsCommand::Add {
                login,
                role,
                scope,
                name,
                sql,
                ..
            } => {
                let role = Role::parse(&role).with_context(|| {
                    format!(
                        "rôle inconnu « {role} » ; rôles possibles : {}",
                        Role::ALL.map(|r| r.as_str()).join(", ")
                    )
                })?;
                let mut scopes = Vec::new();
                for s in &scope {
                    scopes.push(Scope::parse(s).with_context(|| {
                        format!(
                            "portée invalide « {s} » : écrivez ecole ou ecole/classe en minuscules"
                        )
                    })?);
                }
                if scopes.is_empty() {
                    if !matches!(role, Role::Admin | Role::Communication | Role::Municipal) {
                        bail!(
                            "le rôle {} demande --scope ecole ou --scope ecole/classe",
                            role.as_str()
                        );
                    }
                    scopes.push(Scope::town());
                }
                let password = read_password()?;
                let display = name.unwrap_or_else(|| login.clone());
                let new = NewAccount {
                    login: &login,
                    display_name: &display,
                    role,
                    scopes,
                    password: &password,
                };
                if sql {
                    let p = SqlOnly;
                    print!("{}", admin::add_sql(&p, &new, &actor())?);
                    return Ok(());
                }
                let p = Native::open(&args.data, std::path::Path::new("public"))?;
                admin::add(&p, &new, &actor()).await?;
                if !quiet {
                    eprintln!("Compte « {login} » créé.");
                }
            }
            AccountsCommand::List => {
                let p = Native::open(&args.data, std::path::Path::new("public"))?;
                println!(
                    "{:<24} {:<14} {:<8} {:<30} nom",
                    "identifiant", "rôle", "état", "portées"
                );
                for a in admin::list(&p.db).await? {
                    let scopes = a
                        .scopes
                        .iter()
                        .map(Scope::label)
                        .collect::<Vec<_>>()
                        .join(",");
                    let state = if a.disabled { "désactivé" } else { "actif" };
                    println!(
                        "{:<24} {:<14} {:<8} {:<30} {}",
                        a.login,
                        a.role.as_str(),
                        state,
                        scopes,
                        a.display_name
                    );
                }
            }
            AccountsCommand::Disable { login, sql: true } => {
                print!(
                    "{}",
                    admin::to_sql_script(&admin::disable_statements(
                        &login,
                        SqlOnly.now(),
                        &actor()
                    ))
                );
            }
            AccountsCommand::ResetPassword {
                login, sql: true, ..
            } => {
                let password = read_password()?;
                let hash = admin::new_hash(&SqlOnly, &login, &password)?;
                print!(
                    "{}",
                    admin::to_sql_script(&admin::reset_statements(
                        &login,
                        &hash,
                        SqlOnly.now(),
                        &actor()
                    ))
                );
            }
            AccountsCommand::ActivationCode {
                login,
                days,
                sql: true,
            } => {
                let codes = admin::new_codes(&SqlOnly, std::slice::from_ref(&login));
                let st = admin::code_statements(&codes, SqlOnly.now(), days, &actor(), &login)?;
                let code = preau_edge::activation::grouped(&codes[0].1);
                println!("-- Code d'activation de {login} : {code} (valable {days} jours)");
                print!("{}", admin::to_sql_script(&st));
            }
            AccountsCommand::ActivationCode { login, days, .. } => {
                let p = Native::open(&args.data, std::path::Path::new("public"))?;
                let code = admin::issue_code(&p, &login, days, &actor()).await?;
                println!("{}", preau_edge::activation::grouped(&code));
                if !quiet {
                    eprintln!("Code d'activation de « {login} », valable {days} jours, à utiliser sur /activer/ ; le code précédent de ce compte ne fonctionne plus.");
                }
            }
            AccountsCommand::Disable { login, .. } => {
                let p = Native::open(&args.data, std::path::Path::new("public"))?;
                admin::disable(&p, &login, &actor()).await?;
                if !quiet {
                    eprintln!("Compte « {login} » désactivé ; ses sessions sont fermées.");
                }
            }
            AccountsCommand::ResetPassword { login, .. } => {
                let password = read_password()?;
                let p = Native::open(&args.data, std::path::Path::new("public"))?;
                admin::reset_password(&p, &login, &password, &actor()).await?;
                if !quiet {
                    eprintln!("Mot de passe de « {login} » changé ; ses sessions sont fermées.");
                }
            }
        }
        Ok(())
    })
}

/// Clock and randomness without a database, for `--sql`.
struct SqlOnly;

impl preau_edge::store::Clock for SqlOnly {
    fn now(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }
}

impl preau_edge::store::Random for SqlOnly {
    fn fill(&self, buf: &mut [u8]) {
        preau_edge::native::system_random(buf);
    }
}
