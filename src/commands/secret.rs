//! The instance's keys, each created once in the data folder: the server's secret
//! (`secret.key`: anti-forgery tokens, sessions) and the roster key (`roster.key`: pupils'
//! keys, see `preau_edge::roster::plan::pupil_key`). They are separate so that rotating the
//! server's secret never makes the next ONDE import see every pupil as new.

use anyhow::Context;
use preau_edge::app::MIN_SECRET_LEN;
use std::io::Write;
use std::path::Path;

pub fn load_or_create(data: &Path) -> anyhow::Result<Vec<u8>> {
    load_or_create_file(&data.join("secret.key"))
}

/// The roster key, kept with the data (and in its backups): without it the next import
/// cannot recognise the pupils already imported.
pub fn roster_key(data: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::create_dir_all(data).with_context(|| format!("création de {}", data.display()))?;
    load_or_create_file(&data.join("roster.key"))
}

fn load_or_create_file(path: &Path) -> anyhow::Result<Vec<u8>> {
    if let Ok(bytes) = std::fs::read(path) {
        if bytes.len() >= MIN_SECRET_LEN {
            return Ok(bytes);
        }
    }
    let mut key = vec![0u8; MIN_SECRET_LEN];
    preau_edge::native::system_random(&mut key);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("création de {}", path.display()))?;
    f.write_all(&key)?;
    Ok(key)
}
