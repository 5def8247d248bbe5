//! `preau`: the command line of Préau. Parses arguments and hands each command to its
//! module; the work itself lives in the `preau-generator` and `preau-edge` libraries.

mod commands;
mod embedded;
mod letters;
mod offline;
mod report;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// A served request allocates and frees a few dozen small buffers, a build a few per page:
/// glibc's allocator was about a tenth of both's CPU (perf). With mimalloc a gated page
/// costs 10.7 instead of 12.8 µs of CPU (`benches/serve.sh`, 2,000 families); a full
/// build takes the same time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_arena_eager_commit` in the `mimalloc.h` of libmimalloc-sys 0.1.49 (mimalloc
/// 3.3; the crate names only some options, and Cargo.toml pins the version). Off, a full
/// build's peak memory stays where glibc's was (70 MB instead of 108 MB at 10,000 posts,
/// same time).
#[cfg(target_os = "linux")]
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;

/// Run by the loader before anything allocates (Rust's runtime allocates before `main`,
/// and mimalloc reads this option when it first reserves memory).
#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array"]
static ALLOCATOR_OPTIONS: extern "C" fn() = allocator_options;

#[cfg(target_os = "linux")]
extern "C" fn allocator_options() {
    // SAFETY: sets a number in mimalloc's option table; no pointer is involved.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0) };
}

#[derive(Parser)]
#[command(
    name = "preau",
    version,
    about = "Préau : l'espace numérique des écoles, en site statique"
)]
struct Cli {
    /// N'afficher que les erreurs
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

/// Where the content, theme and output live.
#[derive(clap::Args, Clone)]
pub struct SiteArgs {
    /// Dossier du contenu
    #[arg(long, default_value = "content")]
    pub content: PathBuf,
    /// Dossier d'un thème complet ; sans cette option, le thème intégré, dont les fichiers
    /// présents dans themes/default/ remplacent les siens
    #[arg(long)]
    pub theme: Option<PathBuf>,
    /// Dossier de sortie
    #[arg(long, default_value = "public")]
    pub output: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Créer le dépôt de contenu d'une commune (réglages, une école, les chartes, les guides)
    Init(commands::init::InitArgs),
    /// Construire le site dans le dossier de sortie
    Build(SiteArgs),
    /// Vérifier le contenu sans rien écrire
    Check(SiteArgs),
    /// Créer un nouvel article
    New {
        #[command(subcommand)]
        what: commands::new::NewWhat,
        #[arg(long, default_value = "content", global = true)]
        content: PathBuf,
    },
    /// Construire, servir (avec la connexion et la charte) et reconstruire à chaque modification
    Serve(commands::serve::ServeArgs),
    /// Gérer les comptes (service informatique)
    Accounts(commands::accounts::AccountsArgs),
    /// Comptes depuis la base élèves ONDE (service informatique)
    Roster(commands::roster::RosterArgs),
    /// Journal d'audit
    Audit(commands::audit::AuditArgs),
    /// Sauvegarder les données de preau serve (même pendant qu'il tourne) dans une archive
    Backup(commands::backup::BackupArgs),
    /// Restaurer une sauvegarde dans un dossier de données vide (serveur arrêté)
    Restore(commands::backup::RestoreArgs),
    /// État de l'instance : schéma de la base, dépôt du contenu, textes en attente après un conflit
    Status(commands::status::StatusArgs),
    /// Exporter toute l'instance en formats ouverts (CSV, fichiers, LISEZMOI) dans un dossier
    Export(commands::export::ExportArgs),
    /// Importer un export de preau export dans une instance vide (après l'avoir vérifié)
    ImportArchive(commands::import::ImportArgs),
    /// Archive hors ligne du blog d'une classe pour l'année scolaire (un fichier zip)
    Archive(commands::archive::ArchiveArgs),
    /// Estimer le coût annuel sur Cloudflare pour un nombre d'élèves
    Cost(commands::cost::CostArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Init(args) => commands::init::run(args, cli.quiet),
        Command::Build(args) => commands::build::run(&args, cli.quiet),
        Command::Check(args) => commands::build::check(&args, cli.quiet),
        Command::New { what, content } => commands::new::run(what, &content, cli.quiet),
        Command::Serve(args) => commands::serve::run(args, cli.quiet),
        Command::Accounts(args) => commands::accounts::run(args, cli.quiet),
        Command::Roster(args) => commands::roster::run(args, cli.quiet),
        Command::Audit(args) => commands::audit::run(args, cli.quiet),
        Command::Backup(args) => commands::backup::backup(args, cli.quiet),
        Command::Restore(args) => commands::backup::restore(args, cli.quiet),
        Command::Export(args) => commands::export::run(args, cli.quiet),
        Command::ImportArchive(args) => commands::import::run(args, cli.quiet),
        Command::Archive(args) => commands::archive::run(args, cli.quiet),
        Command::Cost(args) => commands::cost::run(args),
        Command::Status(args) => match commands::status::run(&args) {
            Ok(false) => Ok(()),
            Ok(true) => return ExitCode::from(1),
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report::error(&e),
    }
}
