//! `preau backup` and `preau restore`: the data folder of `preau serve` in one tar archive,
//! taken while the server runs. The database is copied first with SQLite's online backup
//! (one read transaction), then the other files (uploads, the session key, the ONDE class
//! mapping): an upload's files are written before its row, so every upload the copied
//! database knows has its files in the archive. `manifest.json` comes last, with the schema
//! version and each file's size and SHA-256; a restore checks all of it in a staging folder
//! before it replaces anything, so a truncated, corrupted or newer archive changes nothing.

use super::integrity::{
    is_empty_dir, newer_archive_message, now, safe_path, set_private, unknown_migrations,
    FileEntry, Hashing,
};
use anyhow::{bail, Context};
use preau_edge::native::backup as db;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

pub const FORMAT: &str = "preau-sauvegarde";
pub const FORMAT_VERSION: u32 = 1;
const DB_FILE: &str = "preau.sqlite3";
const MANIFEST: &str = "manifest.json";
/// A manifest is small; a larger one is no manifest of ours.
const MANIFEST_MAX: u64 = 256 << 20;

#[derive(clap::Args)]
pub struct BackupArgs {
    /// Fichier de sauvegarde à écrire (.tar)
    #[arg(long, value_name = "FICHIER")]
    pub output: PathBuf,
    /// Dossier des données de preau serve
    #[arg(long, default_value = "data")]
    pub data: PathBuf,
}

#[derive(clap::Args)]
pub struct RestoreArgs {
    /// Fichier de sauvegarde (.tar) fait par preau backup
    pub file: PathBuf,
    /// Dossier des données à créer (vide ou absent ; le serveur doit être arrêté)
    #[arg(long, default_value = "data")]
    pub data: PathBuf,
    /// Remplacer un dossier de données non vide (l'ancien est gardé à côté, renommé)
    #[arg(long)]
    pub force: bool,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    pub created: String,
    pub preau_version: String,
    /// The last migration of the binary that made it.
    pub schema: String,
    /// The migrations recorded in the copied database.
    pub migrations: Vec<String>,
    pub files: Vec<FileEntry>,
}

/// Files of the data folder that go into the archive besides the database copy: regular
/// files only, without the live database and its journals or half-written uploads.
fn data_files(data: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    let mut stack = vec![data.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).with_context(|| format!("{}", dir.display()))? {
            let entry = entry?;
            let path = entry.path();
            let kind = entry.file_type()?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if kind.is_dir() {
                stack.push(path);
                continue;
            }
            if !kind.is_file() || name.starts_with('.') || name.ends_with(".tmp") {
                continue;
            }
            let rel = path.strip_prefix(data).unwrap_or(&path);
            let rel = rel.to_string_lossy().replace('\\', "/");
            if rel.starts_with(DB_FILE) {
                continue;
            }
            out.push((rel, path));
        }
    }
    out.sort();
    Ok(out)
}

fn append<W: Write>(
    tar: &mut tar::Builder<W>,
    name: &str,
    file: std::fs::File,
) -> anyhow::Result<FileEntry> {
    let size = file.metadata()?.len();
    let mut header = tar::Header::new_gnu();
    header.set_size(size);
    header.set_mode(0o600);
    header.set_mtime(0);
    header.set_entry_type(tar::EntryType::Regular);
    let mut reader = Hashing::new(file.take(size));
    tar.append_data(&mut header, name, &mut reader)
        .with_context(|| format!("écriture de {name} dans l'archive"))?;
    Ok(reader.entry(name))
}

pub fn backup(args: BackupArgs, quiet: bool) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let source = args.data.join(DB_FILE);
    if !source.is_file() {
        bail!(
            "{} introuvable : --data doit être le dossier des données de preau serve",
            source.display()
        );
    }
    let out_dir = match args.output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&out_dir).with_context(|| format!("{}", out_dir.display()))?;
    // Written under a temporary name, renamed when complete: no half archive under the name.
    let tmp = tempfile::Builder::new()
        .prefix(".preau-sauvegarde-")
        .tempfile_in(&out_dir)
        .with_context(|| format!("{}", out_dir.display()))?;
    let snapshot = tempfile::Builder::new()
        .prefix(".preau-base-")
        .tempfile_in(&out_dir)?;
    db::snapshot(&source, snapshot.path())?;
    let migrations = db::migrations_of(snapshot.path())?;
    let mut tar = tar::Builder::new(std::io::BufWriter::new(tmp.as_file()));
    let mut files = vec![append(
        &mut tar,
        DB_FILE,
        std::fs::File::open(snapshot.path())?,
    )?];
    for (rel, path) in data_files(&args.data)? {
        // An upload deleted since the copy of the database: the copy no longer needs it.
        let Ok(f) = std::fs::File::open(&path) else {
            continue;
        };
        files.push(append(&mut tar, &rel, f)?);
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        created: preau_edge::time::rfc3339(now()),
        preau_version: env!("CARGO_PKG_VERSION").into(),
        schema: preau_edge::native::schema_version().into(),
        migrations,
        files,
    };
    let json = serde_json::to_vec_pretty(&manifest)?;
    let mut header = tar::Header::new_gnu();
    header.set_size(json.len() as u64);
    header.set_mode(0o600);
    header.set_mtime(0);
    tar.append_data(&mut header, MANIFEST, json.as_slice())?;
    let mut w = tar.into_inner()?;
    w.flush()?;
    drop(w);
    tmp.as_file().sync_all()?;
    set_private(tmp.path());
    tmp.persist(&args.output)
        .with_context(|| format!("{}", args.output.display()))?;
    if !quiet {
        let bytes: u64 = manifest.files.iter().map(|f| f.bytes).sum();
        eprintln!(
            "Sauvegarde écrite dans {} : {} fichiers, {} Ko, en {} ms (schéma {}).",
            args.output.display(),
            manifest.files.len(),
            bytes / 1024,
            started.elapsed().as_millis(),
            manifest.schema
        );
    }
    Ok(())
}

/// Read the archive into `staging`, checking everything; returns its manifest.
fn unpack_checked(file: &Path, staging: &Path) -> Result<Manifest, String> {
    let f = std::fs::File::open(file).map_err(|e| format!("{} : {e}", file.display()))?;
    let mut archive = tar::Archive::new(std::io::BufReader::new(f));
    let mut seen: Vec<FileEntry> = Vec::new();
    let mut manifest: Option<Manifest> = None;
    let entries = archive
        .entries()
        .map_err(|e| format!("archive illisible : {e}"))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("archive illisible ou tronquée : {e}"))?;
        if manifest.is_some() {
            return Err(
                "un fichier suit le manifeste : ce n'est pas une archive de preau backup".into(),
            );
        }
        let name = entry
            .path()
            .map_err(|e| format!("nom illisible dans l'archive : {e}"))?
            .into_owned();
        let Some(rel) = safe_path(&name) else {
            return Err(format!("chemin refusé dans l'archive : {}", name.display()));
        };
        if entry.header().entry_type() != tar::EntryType::Regular {
            return Err(format!(
                "{rel} : seuls des fichiers ordinaires sont attendus"
            ));
        }
        if rel == MANIFEST {
            if entry.size() > MANIFEST_MAX {
                return Err("manifeste trop grand".into());
            }
            let mut text = Vec::new();
            entry
                .read_to_end(&mut text)
                .map_err(|e| format!("manifeste illisible ou tronqué : {e}"))?;
            manifest = Some(
                serde_json::from_slice(&text).map_err(|e| format!("manifeste illisible : {e}"))?,
            );
            continue;
        }
        if seen.iter().any(|s| s.path == rel) {
            return Err(format!("{rel} figure deux fois dans l'archive"));
        }
        let to = staging.join(&rel);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{} : {e}", parent.display()))?;
        }
        let mut out = std::fs::File::create(&to).map_err(|e| format!("{} : {e}", to.display()))?;
        let mut reader = Hashing::new(&mut entry);
        std::io::copy(&mut reader, &mut out)
            .map_err(|e| format!("{rel} : archive tronquée ou illisible ({e})"))?;
        seen.push(reader.entry(&rel));
    }
    let Some(manifest) = manifest else {
        return Err(
            "pas de manifeste : l'archive est tronquée ou n'a pas été faite par preau backup"
                .into(),
        );
    };
    if manifest.format != FORMAT {
        return Err(format!(
            "format « {} » inconnu (attendu {FORMAT})",
            manifest.format
        ));
    }
    if manifest.format_version > FORMAT_VERSION {
        return Err(format!(
            "archive au format {} d'une version plus récente de Préau (celle-ci lit jusqu'au format {FORMAT_VERSION}) : restaurez avec la version {} ou plus récente",
            manifest.format_version, manifest.preau_version
        ));
    }
    let unknown = unknown_migrations(&manifest.migrations);
    if !unknown.is_empty() {
        return Err(newer_archive_message(
            &manifest.preau_version,
            &manifest.schema,
            &unknown,
        ));
    }
    for want in &manifest.files {
        match seen.iter().find(|s| s.path == want.path) {
            None => return Err(format!("{} manque dans l'archive (archive incomplète)", want.path)),
            Some(got) if got != want => {
                return Err(format!(
                    "{} : somme de contrôle ou taille différente de celle du manifeste (archive endommagée)",
                    want.path
                ))
            }
            Some(_) => {}
        }
    }
    if let Some(extra) = seen
        .iter()
        .find(|s| !manifest.files.iter().any(|f| f.path == s.path))
    {
        return Err(format!(
            "{} est dans l'archive mais pas dans le manifeste",
            extra.path
        ));
    }
    if !manifest.files.iter().any(|f| f.path == DB_FILE) {
        return Err(format!("{DB_FILE} manque dans l'archive"));
    }
    db::check_restored(&staging.join(DB_FILE))?;
    Ok(manifest)
}

pub fn restore(args: RestoreArgs, quiet: bool) -> anyhow::Result<()> {
    let target = &args.data;
    if target.exists() && !is_empty_dir(target) && !args.force {
        bail!(
            "{} n'est pas vide : restaurez dans un dossier vide ou absent, ou ajoutez --force (l'ancien dossier est alors gardé à côté, renommé). Arrêtez d'abord preau serve.",
            target.display()
        );
    }
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).with_context(|| format!("{}", parent.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(".preau-restauration-")
        .tempdir_in(&parent)
        .with_context(|| format!("{}", parent.display()))?;
    let manifest = match unpack_checked(&args.file, staging.path()) {
        Ok(m) => m,
        Err(e) => bail!(
            "{} refusée, rien n'a été modifié : {e}",
            args.file.display()
        ),
    };
    let mut kept = None;
    if target.exists() {
        if is_empty_dir(target) {
            std::fs::remove_dir(target).with_context(|| format!("{}", target.display()))?;
        } else {
            let name = target
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "data".into());
            let aside = parent.join(format!("{name}.avant-restauration-{}", now()));
            std::fs::rename(target, &aside).with_context(|| format!("{}", aside.display()))?;
            kept = Some(aside);
        }
    }
    let staged = staging.keep();
    std::fs::rename(&staged, target).with_context(|| format!("{}", target.display()))?;
    if !quiet {
        eprintln!(
            "Sauvegarde du {} restaurée dans {} : {} fichiers (schéma {}).",
            manifest.created,
            target.display(),
            manifest.files.len(),
            manifest.schema
        );
        if let Some(k) = kept {
            eprintln!(
                "L'ancien dossier de données est gardé dans {}.",
                k.display()
            );
        }
        eprintln!(
            "Au démarrage, preau serve appliquera les migrations plus récentes que la sauvegarde."
        );
    }
    Ok(())
}
