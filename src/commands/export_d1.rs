//! Cloudflare's side of `preau import-archive`: the checked export turned into the SQL for
//! `wrangler d1 execute --file` (into an empty, migrated D1) and a folder of the R2
//! objects, one file per key. The archive goes through the same checks and the same
//! staging database as a native import, and the SQL is written from that database, so
//! both deployments receive exactly the same rows.

use super::export::{walk, MAPPING, ROSTER_KEY};
use super::integrity::is_empty_dir;
use anyhow::{bail, Context};
use preau_edge::native::export as x;
use std::io::Write;
use std::path::Path;

/// `r2`: the folder for the objects, or `None` when they go through the Worker's archive
/// route instead (`import-archive --to-worker`).
pub fn import(dir: &Path, sql: &Path, r2: Option<&Path>, quiet: bool) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    if let Some(r2) = r2.filter(|r2| r2.exists() && !is_empty_dir(r2)) {
        bail!(
            "{} n'est pas vide : choisissez un dossier absent ou vide",
            r2.display()
        );
    }
    if sql.exists() {
        bail!("{} existe déjà : il n'est jamais remplacé", sql.display());
    }
    let m = match super::import::check(dir) {
        Ok(m) => m,
        Err(e) => bail!("{} refusé, rien n'a été écrit : {e}", dir.display()),
    };
    let work = tempfile::tempdir().context("dossier temporaire")?;
    let staged = work.path().join("instance");
    std::fs::create_dir_all(&staged)?;
    if let Err(e) = super::import::stage_into(dir, &m, &staged) {
        bail!("{} refusé, rien n'a été écrit : {e}", dir.display());
    }
    let tmp_sql = work.path().join("d1.sql");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&tmp_sql)?);
    // D1 checks foreign keys at each statement unless told to wait for the end.
    writeln!(w, "PRAGMA defer_foreign_keys = true;")?;
    let rows = x::insert_script(&staged.join("preau.sqlite3"), &mut w)?;
    w.flush()?;
    drop(w);
    let mut objects = 0;
    let medias = staged.join("medias");
    if let Some(r2) = r2 {
        std::fs::create_dir_all(r2).with_context(|| format!("{}", r2.display()))?;
        if medias.is_dir() {
            for rel in walk(&medias)? {
                let key = rel.rsplit('/').next().unwrap_or(&rel);
                std::fs::copy(medias.join(&rel), r2.join(key))?;
                objects += 1;
            }
        }
    }
    std::fs::copy(&tmp_sql, sql).with_context(|| format!("{}", sql.display()))?;
    if !quiet {
        let objects = match r2 {
            Some(r2) => format!(
                "{objects} objets dans {} (wrangler r2 object put SEAU/<clé> --file …, ou mieux import-archive --to-worker)",
                r2.display()
            ),
            None => format!("{} objets à envoyer par --to-worker", m.media_files),
        };
        eprintln!(
            "Export du {} prêt pour Cloudflare en {} ms : {rows} lignes dans {} (wrangler d1 execute BASE --remote --file {}), {objects}.",
            m.created,
            started.elapsed().as_millis(),
            sql.display(),
            sql.display(),
        );
        for extra in [MAPPING, ROSTER_KEY] {
            if m.files.iter().any(|f| f.path == extra) {
                eprintln!(
                    "{extra} est dans l'export : copiez-le dans le dossier de données de la ligne de commande (--data) qui prépare les imports ONDE."
                );
            }
        }
        if !m.with_secrets {
            eprintln!("L'export ne contenait pas les mots de passe : imprimez de nouvelles lettres d'invitation (preau roster letters --all --d1-export …).");
        }
    }
    Ok(())
}
