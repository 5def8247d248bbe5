//! The server's secret key (anti-forgery tokens), created once in the data folder.

use anyhow::Context;
use preau_edge::app::MIN_SECRET_LEN;
use std::io::Write;
use std::path::Path;

pub fn load_or_create(data: &Path) -> anyhow::Result<Vec<u8>> {
    let path = data.join("secret.key");
    if let Ok(bytes) = std::fs::read(&path) {
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
        .open(&path)
        .with_context(|| format!("création de {}", path.display()))?;
    f.write_all(&key)?;
    Ok(key)
}
