//! `preau export`: the whole instance in open formats, in one folder — one CSV per table
//! (`preau_edge::native::export`), the uploaded files under `medias/`, a French
//! `LISEZMOI.txt` and a `manifest.json` with the schema, the row counts and each file's size
//! and SHA-256. Read from a consistent copy of the database (SQLite's online backup, so the
//! server may keep running), or from a `wrangler d1 export` of Cloudflare D1 and a folder of
//! the R2 objects. Written into a staging folder beside the target and renamed when
//! complete. `preau import-archive` (import.rs) reads it back.

use super::integrity::{file_entry, is_empty_dir, now, set_private, FileEntry};
use anyhow::{bail, Context};
use preau_edge::native::export as x;
use preau_edge::native::{backup as db, SqliteDb};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const FORMAT: &str = "preau-export";
pub const FORMAT_VERSION: u32 = 1;
pub const MANIFEST: &str = "manifest.json";
pub const README: &str = "LISEZMOI.txt";
pub const ROSTER_KEY: &str = "roster.key";
pub const MAPPING: &str = "classes-onde.toml";

#[derive(clap::Args)]
pub struct ExportArgs {
    /// Dossier à créer (absent ou vide) pour l'export
    #[arg(long, value_name = "DOSSIER")]
    pub output: PathBuf,
    /// Dossier des données de preau serve (le serveur peut tourner)
    #[arg(long, default_value = "data")]
    pub data: PathBuf,
    /// Inclure les empreintes des mots de passe et des codes d'activation et la clé de
    /// l'annuaire (pour un changement d'hébergement : chacun garde son mot de passe)
    #[arg(long, alias = "with-password-hashes")]
    pub with_secrets: bool,
    /// Cloudflare : lire la base depuis un export de D1 (wrangler d1 export --output FICHIER)
    /// au lieu de celle de --data
    #[arg(long, value_name = "FICHIER")]
    pub d1_export: Option<PathBuf>,
    /// Cloudflare, avec --d1-export : dossier des objets R2, un fichier par clé
    #[arg(long, value_name = "DOSSIER", requires = "d1_export")]
    pub r2_dir: Option<PathBuf>,
    /// Cloudflare, avec --d1-export : télécharger les objets R2 par la route d'archive du
    /// Worker à cette adresse (https://…) au lieu d'un dossier --r2-dir
    #[arg(long, value_name = "URL", requires_all = ["d1_export", "token_file"], conflicts_with = "r2_dir")]
    pub from_worker: Option<String>,
    /// Fichier contenant le jeton de la route d'archive (le secret ARCHIVE_TOKEN du Worker)
    #[arg(long, value_name = "FICHIER")]
    pub token_file: Option<PathBuf>,
    /// Connexions simultanées vers le Worker
    #[arg(long, value_name = "N", default_value_t = super::export_worker::DEFAULT_CONNECTIONS)]
    pub connections: usize,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
pub struct TableEntry {
    pub table: String,
    pub file: String,
    pub rows: u64,
    pub columns: Vec<String>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
pub struct Excluded {
    pub table: String,
    pub reason: String,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    /// The only field that differs between two exports of the same data.
    pub created: String,
    pub preau_version: String,
    /// The last migration of the binary that made it.
    pub schema: String,
    /// The migrations recorded in the exported database.
    pub migrations: Vec<String>,
    pub with_secrets: bool,
    pub tables: Vec<TableEntry>,
    pub excluded: Vec<Excluded>,
    /// Uploaded files (and smaller versions) in `medias/`.
    pub media_files: u64,
    /// Files the uploads index names that were not found (deleted while exporting).
    pub absent_files: Vec<String>,
    /// Every file of the folder but this manifest, sorted.
    pub files: Vec<FileEntry>,
}

/// Every regular file under `dir`, relative, sorted (symbolic links are not followed).
pub fn walk(dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).with_context(|| format!("{}", d.display()))? {
            let entry = entry?;
            let kind = entry.file_type()?;
            let path = entry.path();
            if kind.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            if !kind.is_file() {
                bail!("{rel} n'est pas un fichier ordinaire (lien ou fichier spécial)");
            }
            out.push(rel);
        }
    }
    out.sort();
    Ok(out)
}

fn parent_of(p: &Path) -> PathBuf {
    match p.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn actor() -> String {
    std::env::var("USER")
        .map(|u| format!("cli:{u}"))
        .unwrap_or_else(|_| "cli".into())
}

pub fn run(args: ExportArgs, quiet: bool) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let target = &args.output;
    if target.exists() && !is_empty_dir(target) {
        bail!(
            "{} existe et n'est pas vide : choisissez un dossier absent ou vide",
            target.display()
        );
    }
    let parent = parent_of(target);
    std::fs::create_dir_all(&parent).with_context(|| format!("{}", parent.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(".preau-export-")
        .tempdir_in(&parent)
        .with_context(|| format!("{}", parent.display()))?;
    let work = tempfile::Builder::new()
        .prefix(".preau-export-base-")
        .tempdir_in(&parent)?;
    let snapshot = work.path().join("copie.sqlite3");
    let live = args.data.join("preau.sqlite3");
    match &args.d1_export {
        Some(script) => {
            let text = std::fs::read_to_string(script)
                .with_context(|| format!("lecture de {}", script.display()))?;
            SqliteDb::create_from_script(&snapshot, &text).with_context(|| {
                format!("{} n'est pas un export de D1 lisible", script.display())
            })?;
        }
        None => {
            if !live.is_file() {
                bail!(
                    "{} introuvable : --data doit être le dossier des données de preau serve",
                    live.display()
                );
            }
            db::snapshot(&live, &snapshot)?;
        }
    }
    let migrations = db::migrations_of(&snapshot)
        .context("la base n'a pas de table d1_migrations : ce n'est pas une base de Préau")?;
    let out = staging.path();
    let tables = x::write_tables(&snapshot, out, args.with_secrets)?;
    let medias = x::media_files(&snapshot)?;
    // From the Worker: the objects go first into a folder beside the target that is kept
    // until the export is complete, so that a broken download resumes where it stopped.
    let downloads = args.from_worker.as_ref().map(|_| {
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "export".into());
        parent.join(format!(".{name}.objets-r2"))
    });
    if let (Some(url), Some(dir)) = (&args.from_worker, &downloads) {
        let token = args.token_file.as_deref().unwrap_or(Path::new(""));
        let remote = super::export_worker::Remote::new(url, token, args.connections)?;
        let keys: Vec<String> = medias.iter().map(|(k, _)| k.clone()).collect();
        super::export_worker::download(&remote, &keys, dir, args.connections, quiet)?;
    }
    let flat = args.r2_dir.is_some() || downloads.is_some();
    let blobs: PathBuf = match (&args.r2_dir, &downloads) {
        (Some(d), _) | (None, Some(d)) => d.clone(),
        (None, None) => args.data.join("medias"),
    };
    let mut absent = Vec::new();
    let mut media = 0u64;
    if !medias.is_empty() {
        std::fs::create_dir_all(out.join("medias"))?;
    }
    for (key, name) in &medias {
        let from = if flat {
            blobs.join(key)
        } else {
            blobs.join(&key[..2]).join(key)
        };
        match std::fs::copy(&from, out.join(name)) {
            Ok(_) => media += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => absent.push(name.clone()),
            Err(e) => return Err(e).with_context(|| format!("{}", from.display())),
        }
    }
    let has_mapping = args.data.join(MAPPING).is_file();
    if has_mapping {
        std::fs::copy(args.data.join(MAPPING), out.join(MAPPING))?;
    }
    let key = args.data.join(ROSTER_KEY);
    let has_key = args.with_secrets && key.is_file();
    if has_key {
        std::fs::copy(&key, out.join(ROSTER_KEY))?;
    }
    std::fs::write(
        out.join(README),
        x::readme(args.with_secrets, has_mapping, has_key),
    )?;
    let mut files = Vec::new();
    for rel in walk(out)? {
        files.push(file_entry(&out.join(&rel), &rel).with_context(|| rel.clone())?);
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        created: preau_edge::time::rfc3339(now()),
        preau_version: env!("CARGO_PKG_VERSION").into(),
        schema: preau_edge::native::schema_version().into(),
        migrations,
        with_secrets: args.with_secrets,
        tables: tables
            .iter()
            .map(|t| TableEntry {
                table: t.table.clone(),
                file: t.file.clone(),
                rows: t.rows,
                columns: t.columns.clone(),
            })
            .collect(),
        excluded: x::EXCLUDED
            .iter()
            .map(|(t, why)| Excluded {
                table: t.to_string(),
                reason: why.to_string(),
            })
            .collect(),
        media_files: media,
        absent_files: absent,
        files,
    };
    let mut json = serde_json::to_vec_pretty(&manifest)?;
    json.push(b'\n');
    std::fs::write(out.join(MANIFEST), json)?;
    drop(work);
    if target.exists() {
        std::fs::remove_dir(target).with_context(|| format!("{}", target.display()))?;
    }
    let kept = staging.keep();
    set_private(&kept);
    std::fs::rename(&kept, target).with_context(|| format!("{}", target.display()))?;
    if let Some(dir) = &downloads {
        if let Err(e) = std::fs::remove_dir_all(dir) {
            eprintln!(
                "Attention : {} n'a pas pu être supprimé ({e}) : effacez-le, l'export est complet.",
                dir.display()
            );
        }
    }
    // Written to the live log after the copy: the archive stays the state it copied.
    if args.d1_export.is_none() {
        let what = if args.with_secrets {
            "instance complète, avec les empreintes des mots de passe"
        } else {
            "instance complète, sans mot de passe"
        };
        let target_text = format!("{} : {what}", target.display());
        if let Err(e) = log_export(&live, &target_text) {
            eprintln!("Attention : l'export n'a pas pu être inscrit au journal d'audit : {e}");
        }
    }
    if !quiet {
        let bytes: u64 = manifest.files.iter().map(|f| f.bytes).sum();
        let count = |t: &str| {
            manifest
                .tables
                .iter()
                .find(|e| e.table == t)
                .map(|e| e.rows)
                .unwrap_or(0)
        };
        eprintln!(
            "Export écrit dans {} : {} comptes, {} commentaires, {} dépôts ({} fichiers dans medias/), {} entrées du journal ; {} fichiers, {} Ko, en {} ms (schéma {}).",
            target.display(),
            count("accounts"),
            count("comments"),
            count("uploads"),
            manifest.media_files,
            count("audit_log"),
            manifest.files.len(),
            bytes / 1024,
            started.elapsed().as_millis(),
            manifest.schema
        );
        if !manifest.absent_files.is_empty() {
            eprintln!(
                "Attention : {} fichier(s) de l'index introuvable(s) (supprimés pendant l'export ?), listés dans manifest.json (absent_files).",
                manifest.absent_files.len()
            );
        }
        if args.with_secrets {
            eprintln!("Cet export contient les empreintes des mots de passe et des codes d'activation : gardez-le comme un secret et détruisez-le après usage.");
        } else {
            eprintln!("Sans mot de passe ni code d'activation : une instance restaurée depuis cet export demandera de nouvelles lettres d'invitation pour tous (preau roster letters --all). Pour un changement d'hébergement où chacun garde son mot de passe, ajoutez --with-secrets.");
        }
    }
    Ok(())
}

fn log_export(live: &Path, target: &str) -> anyhow::Result<()> {
    use preau_edge::audit::{Action, Entry, Outcome, CLI_CLIENT};
    let conn = SqliteDb::open(live, 1)?;
    let actor = actor();
    let entry = Entry {
        actor: &actor,
        action: Action::Export,
        target,
        outcome: Outcome::Success,
        client: CLI_CLIENT,
    };
    let rt = tokio::runtime::Builder::new_current_thread().build()?;
    rt.block_on(preau_edge::store::audit::append(&conn, now(), &entry))?;
    Ok(())
}
