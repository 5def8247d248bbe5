//! What `preau backup`/`restore` and `preau export`/`import-archive` share to check an
//! archive before anything is replaced: SHA-256 and sizes of files, paths that stay inside
//! the target, the newer-schema refusal, and the small file-system helpers around them.

use preau_edge::native::MIGRATIONS;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Component, Path};

/// One file of an archive, as its manifest lists it.
#[derive(Serialize, Deserialize, Debug, PartialEq, Eq, Clone)]
pub struct FileEntry {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A reader that hashes and counts what passes through it.
pub struct Hashing<R> {
    pub inner: R,
    pub hash: Sha256,
    pub bytes: u64,
}

impl<R> Hashing<R> {
    pub fn new(inner: R) -> Hashing<R> {
        Hashing {
            inner,
            hash: Sha256::new(),
            bytes: 0,
        }
    }

    /// The entry for `path` of what was read.
    pub fn entry(self, path: &str) -> FileEntry {
        FileEntry {
            path: path.to_string(),
            bytes: self.bytes,
            sha256: hex(&self.hash.finalize()),
        }
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// Size and SHA-256 of a file on disk, named `name` in its manifest.
pub fn file_entry(path: &Path, name: &str) -> std::io::Result<FileEntry> {
    let mut h = Hashing::new(std::fs::File::open(path)?);
    std::io::copy(&mut h, &mut std::io::sink())?;
    Ok(h.entry(name))
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A path inside an archive that stays inside the target: relative, plain names only.
pub fn safe_path(name: &Path) -> Option<String> {
    let mut parts = Vec::new();
    for c in name.components() {
        match c {
            Component::Normal(p) => parts.push(p.to_str()?.to_string()),
            Component::CurDir => {}
            _ => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

pub fn is_empty_dir(p: &Path) -> bool {
    std::fs::read_dir(p)
        .map(|mut d| d.next().is_none())
        .unwrap_or(false)
}

#[cfg(unix)]
pub fn set_private(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = if path.is_dir() { 0o700 } else { 0o600 };
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
}
#[cfg(not(unix))]
pub fn set_private(_: &Path) {}

/// The migrations of an archive that this binary does not have (a newer Préau made it).
pub fn unknown_migrations(migrations: &[String]) -> Vec<&str> {
    migrations
        .iter()
        .filter(|n| !MIGRATIONS.iter().any(|(m, _)| m == n))
        .map(String::as_str)
        .collect()
}

/// The French refusal of an archive made by a newer Préau.
pub fn newer_archive_message(preau_version: &str, schema: &str, unknown: &[&str]) -> String {
    format!(
        "archive d'une version plus récente de Préau ({preau_version}, schéma {schema}) : migrations inconnues de celle-ci : {}. Installez Préau {preau_version} ou plus récent pour la restaurer",
        unknown.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_paths_stay_inside() {
        assert_eq!(
            safe_path(Path::new("medias/ab/abc")).as_deref(),
            Some("medias/ab/abc")
        );
        assert_eq!(
            safe_path(Path::new("./secret.key")).as_deref(),
            Some("secret.key")
        );
        for bad in ["../x", "/etc/passwd", "medias/../../x", ""] {
            assert!(safe_path(Path::new(bad)).is_none(), "{bad}");
        }
    }
}
