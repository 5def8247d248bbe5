//! `preau import-archive`: an export (export.rs) back into an empty instance. Everything is
//! checked before anything is written where the instance will live: the manifest (format,
//! version, schema not newer), that the folder holds exactly the files it lists (none
//! missing, none extra, safe names only), each file's size and SHA-256, then each CSV as it
//! is read into a freshly migrated database in a staging folder (columns, types, row
//! counts, links between tables). Only a complete staging folder is renamed into place.
//!
//! With `--d1-sql`, the target is Cloudflare instead: the same checks, then the SQL for
//! `wrangler d1 execute --file` and the R2 objects, one file per key, in `--r2-dir`.

use super::export::{Manifest, FORMAT, FORMAT_VERSION, MANIFEST, MAPPING, README, ROSTER_KEY};
use super::integrity::{
    file_entry, is_empty_dir, newer_archive_message, safe_path, set_private, unknown_migrations,
};
use anyhow::{bail, Context};
use preau_edge::native::export as x;
use preau_edge::native::{backup as db, SqliteDb};
use std::path::{Path, PathBuf};

const MANIFEST_MAX: u64 = 256 << 20;

#[derive(clap::Args)]
pub struct ImportArgs {
    /// Dossier d'un export fait par preau export
    pub dir: PathBuf,
    /// Dossier des données à créer (absent ou vide ; le serveur doit être arrêté)
    #[arg(long, default_value = "data")]
    pub data: PathBuf,
    /// Cloudflare : écrire le SQL pour « wrangler d1 execute --file » dans ce fichier
    /// (la base D1 doit être vide et migrée) au lieu d'un dossier de données
    #[arg(long, value_name = "FICHIER")]
    pub d1_sql: Option<PathBuf>,
    /// Cloudflare, avec --d1-sql : dossier (absent ou vide) où écrire les objets R2, un
    /// fichier par clé, à envoyer avec wrangler r2 object put
    #[arg(long, value_name = "DOSSIER", requires = "d1_sql")]
    pub r2_dir: Option<PathBuf>,
    /// Cloudflare : envoyer les objets R2 par la route d'archive du Worker à cette adresse
    /// (https://…), une fois le SQL de --d1-sql exécuté dans D1
    #[arg(
        long,
        value_name = "URL",
        requires = "token_file",
        conflicts_with = "r2_dir"
    )]
    pub to_worker: Option<String>,
    /// Fichier contenant le jeton de la route d'archive (le secret ARCHIVE_TOKEN du Worker)
    #[arg(long, value_name = "FICHIER")]
    pub token_file: Option<PathBuf>,
    /// Connexions simultanées vers le Worker
    #[arg(long, value_name = "N", default_value_t = super::export_worker::DEFAULT_CONNECTIONS)]
    pub connections: usize,
}

/// Everything that can be checked on the folder itself; returns its manifest.
pub fn check(dir: &Path) -> Result<Manifest, String> {
    let mpath = dir.join(MANIFEST);
    let meta = std::fs::symlink_metadata(&mpath).map_err(|_| {
        format!("{MANIFEST} manque : ce dossier n'est pas un export complet de preau export")
    })?;
    if !meta.is_file() || meta.len() > MANIFEST_MAX {
        return Err(format!("{MANIFEST} n'est pas un manifeste d'export"));
    }
    let text = std::fs::read(&mpath).map_err(|e| format!("{MANIFEST} illisible : {e}"))?;
    let value: serde_json::Value =
        serde_json::from_slice(&text).map_err(|e| format!("{MANIFEST} illisible : {e}"))?;
    if value.get("format").and_then(|v| v.as_str()) != Some(FORMAT) {
        return Err(format!(
            "{MANIFEST} : ce n'est pas un export de Préau (format attendu {FORMAT})"
        ));
    }
    let version = value
        .get("format_version")
        .and_then(|v| v.as_u64())
        .unwrap_or(u64::MAX);
    if version > u64::from(FORMAT_VERSION) {
        return Err(format!(
            "export au format {version}, d'une version plus récente de Préau (celle-ci lit jusqu'au format {FORMAT_VERSION}) : installez une version plus récente pour l'importer"
        ));
    }
    let m: Manifest =
        serde_json::from_value(value).map_err(|e| format!("{MANIFEST} illisible : {e}"))?;
    let unknown = unknown_migrations(&m.migrations);
    if !unknown.is_empty() {
        return Err(newer_archive_message(&m.preau_version, &m.schema, &unknown));
    }
    for t in &m.tables {
        let Some(spec) = x::spec(&t.table) else {
            return Err(format!(
                "table {} inconnue de cette version de Préau (archive plus récente ?)",
                t.table
            ));
        };
        if t.file != spec.file() {
            return Err(format!(
                "{} : nom de fichier inattendu pour {}",
                t.file, t.table
            ));
        }
    }
    // Every name the manifest lists is one an export writes.
    for f in &m.files {
        let ok = safe_path(Path::new(&f.path)).as_deref() == Some(f.path.as_str())
            && (m.tables.iter().any(|t| t.file == f.path)
                || x::media_key(&f.path).is_some()
                || [README, MAPPING].contains(&f.path.as_str())
                || (m.with_secrets && f.path == ROSTER_KEY));
        if !ok {
            return Err(format!(
                "nom de fichier refusé dans le manifeste : {}",
                f.path
            ));
        }
    }
    for t in &m.tables {
        if !m.files.iter().any(|f| f.path == t.file) {
            return Err(format!(
                "{} n'est pas dans la liste des fichiers du manifeste",
                t.file
            ));
        }
    }
    let present = super::export::walk(dir).map_err(|e| e.to_string())?;
    for f in &m.files {
        if present.binary_search(&f.path).is_err() {
            return Err(format!("{} manque (export incomplet)", f.path));
        }
    }
    if let Some(extra) = present
        .iter()
        .find(|p| p.as_str() != MANIFEST && !m.files.iter().any(|f| &f.path == *p))
    {
        return Err(format!(
            "{extra} est dans le dossier mais pas dans le manifeste"
        ));
    }
    for f in &m.files {
        let got = file_entry(&dir.join(&f.path), &f.path)
            .map_err(|e| format!("{} illisible : {e}", f.path))?;
        if got.bytes != f.bytes {
            return Err(format!(
                "{} : {} octets au lieu des {} du manifeste (fichier tronqué ou modifié)",
                f.path, got.bytes, f.bytes
            ));
        }
        if got.sha256 != f.sha256 {
            return Err(format!(
                "{} : somme de contrôle différente de celle du manifeste (fichier endommagé ou modifié)",
                f.path
            ));
        }
    }
    Ok(m)
}

fn parent_of(p: &Path) -> PathBuf {
    match p.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `!` and random hex: no password hash or code hash of ours starts with `!`, so nobody
/// signs in with it (the accounts show as never activated).
fn unusable() -> String {
    let mut b = [0u8; 16];
    preau_edge::native::system_random(&mut b);
    format!("!{}", super::integrity::hex(&b))
}

/// Read the CSVs into a new database in `staging`, the files next to it.
pub fn stage_into(dir: &Path, m: &Manifest, staging: &Path) -> Result<Vec<(String, u64)>, String> {
    let dbfile = staging.join("preau.sqlite3");
    drop(SqliteDb::open(&dbfile, 1).map_err(|e| e.to_string())?);
    let tables: Vec<x::TableFile> = m
        .tables
        .iter()
        .map(|t| x::TableFile {
            table: t.table.clone(),
            file: t.file.clone(),
            rows: t.rows,
            columns: t.columns.clone(),
        })
        .collect();
    let mut filler = unusable;
    let counts = x::read_tables(dir, &tables, &dbfile, &mut filler).map_err(|e| e.to_string())?;
    db::check_restored(&dbfile)?;
    for f in &m.files {
        let to = if let Some(key) = x::media_key(&f.path) {
            staging.join("medias").join(&key[..2]).join(key)
        } else if f.path == MAPPING || f.path == ROSTER_KEY {
            staging.join(&f.path)
        } else {
            continue;
        };
        if let Some(p) = to.parent() {
            std::fs::create_dir_all(p).map_err(|e| format!("{} : {e}", p.display()))?;
        }
        std::fs::copy(dir.join(&f.path), &to).map_err(|e| format!("{} : {e}", to.display()))?;
    }
    Ok(counts)
}

pub fn run(args: ImportArgs, quiet: bool) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    if let Some(url) = &args.to_worker {
        return to_worker(&args, url, quiet);
    }
    if let Some(sql) = &args.d1_sql {
        let Some(r2) = &args.r2_dir else {
            bail!("--d1-sql demande --r2-dir DOSSIER (les objets R2 en fichiers) ou --to-worker URL (les objets envoyés au Worker)");
        };
        return super::export_d1::import(&args.dir, sql, Some(r2), quiet);
    }
    let target = &args.data;
    if target.exists() && !is_empty_dir(target) {
        bail!(
            "{} n'est pas vide : un export s'importe dans une instance vide (dossier absent ou vide). Rien n'a été modifié.",
            target.display()
        );
    }
    let m = match check(&args.dir) {
        Ok(m) => m,
        Err(e) => bail!("{} refusé, rien n'a été modifié : {e}", args.dir.display()),
    };
    let parent = parent_of(target);
    std::fs::create_dir_all(&parent).with_context(|| format!("{}", parent.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(".preau-import-")
        .tempdir_in(&parent)
        .with_context(|| format!("{}", parent.display()))?;
    let counts = match stage_into(&args.dir, &m, staging.path()) {
        Ok(c) => c,
        Err(e) => bail!("{} refusé, rien n'a été modifié : {e}", args.dir.display()),
    };
    if target.exists() {
        std::fs::remove_dir(target).with_context(|| format!("{}", target.display()))?;
    }
    let staged = staging.keep();
    set_private(&staged);
    std::fs::rename(&staged, target).with_context(|| format!("{}", target.display()))?;
    if !quiet {
        let rows: u64 = counts.iter().map(|(_, n)| n).sum();
        eprintln!(
            "Export du {} importé dans {} : {} lignes dans {} tables, {} fichiers dans medias/, en {} ms.",
            m.created,
            target.display(),
            rows,
            counts.len(),
            m.media_files,
            started.elapsed().as_millis()
        );
        if !m.with_secrets {
            eprintln!("L'export ne contenait pas les mots de passe : personne ne peut encore se connecter. Imprimez de nouvelles lettres d'invitation (preau roster letters --all --data {}) ; un compte créé à la main : preau accounts reset-password.", target.display());
        }
    }
    Ok(())
}

/// `--to-worker`: the objects through the Worker's archive route. The SQL goes into D1
/// first (the route writes no object without its upload row): without `--d1-sql` or when
/// its file exists already, the objects are sent; otherwise the SQL is written and the
/// command says to run it, then to run the same command again.
fn to_worker(args: &ImportArgs, url: &str, quiet: bool) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    if let Some(sql) = args.d1_sql.as_ref().filter(|p| !p.exists()) {
        super::export_d1::import(&args.dir, sql, None, quiet)?;
        eprintln!(
            "Étape suivante : exécutez ce SQL dans la base D1 vide et migrée (npx wrangler d1 execute BASE --remote --file {}), puis relancez la même commande : elle enverra les objets au Worker.",
            sql.display()
        );
        return Ok(());
    }
    let m = match check(&args.dir) {
        Ok(m) => m,
        Err(e) => bail!("{} refusé, rien n'a été envoyé : {e}", args.dir.display()),
    };
    let token = args.token_file.as_deref().unwrap_or(Path::new(""));
    let remote = super::export_worker::Remote::new(url, token, args.connections)?;
    let objects: Vec<super::export_worker::Outgoing> = m
        .files
        .iter()
        .filter_map(|f| {
            x::media_key(&f.path).map(|key| super::export_worker::Outgoing {
                key: key.to_string(),
                file: args.dir.join(&f.path),
                bytes: f.bytes,
                sha256: f.sha256.clone(),
            })
        })
        .collect();
    let (written, there) =
        super::export_worker::upload(&remote, &objects, args.connections, quiet)?;
    if !quiet {
        eprintln!(
            "Export du {} : {written} objet(s) envoyé(s) au Worker, {there} déjà présent(s), en {} ms.",
            m.created,
            started.elapsed().as_millis()
        );
    }
    Ok(())
}
