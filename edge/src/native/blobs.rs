//! Uploads on disk: one file per key under `<data>/medias/`, two-character fan-out folders,
//! written to a temporary name and renamed so that a crash never leaves half a file.

use crate::store::{Blob, BlobInfo, BlobPage, StoreError};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static WRITES: AtomicU64 = AtomicU64::new(0);

pub struct FolderBlobs {
    root: PathBuf,
}

fn err(path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Files(format!("{} : {e}", path.display()))
}

impl FolderBlobs {
    pub fn new(root: &Path) -> FolderBlobs {
        FolderBlobs {
            root: root.to_path_buf(),
        }
    }

    /// Keys are made by the core (hex digits, `-`, digits); anything else is refused
    /// rather than turned into a path.
    fn path(&self, key: &str) -> Result<PathBuf, StoreError> {
        let ok = key.len() >= 3 && key.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
        if !ok {
            return Err(StoreError::Files(format!(
                "clé de fichier refusée : {key:?}"
            )));
        }
        Ok(self.root.join(&key[..2]).join(key))
    }

    pub fn put(&self, key: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let path = self.path(key)?;
        let dir = path.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(dir).map_err(|e| err(dir, e))?;
        // Two requests may write the same content at once: each its own temporary file.
        let n = WRITES.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{key}.{}.{n}.tmp", std::process::id()));
        std::fs::write(&tmp, bytes).map_err(|e| err(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| err(&path, e))
    }

    pub fn get(
        &self,
        key: &str,
        range: Option<(u64, Option<u64>)>,
    ) -> Result<Option<Blob>, StoreError> {
        let path = self.path(key)?;
        let mut f = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(err(&path, e)),
        };
        let total = f.metadata().map_err(|e| err(&path, e))?.len();
        let (start, end) = match range {
            None => (0, total.saturating_sub(1)),
            Some((s, e)) => (
                s.min(total),
                e.unwrap_or(u64::MAX).min(total.saturating_sub(1)),
            ),
        };
        let len = if total == 0 || start > end {
            0
        } else {
            end - start + 1
        };
        f.seek(SeekFrom::Start(start)).map_err(|e| err(&path, e))?;
        let mut bytes = Vec::with_capacity(len as usize);
        f.take(len)
            .read_to_end(&mut bytes)
            .map_err(|e| err(&path, e))?;
        Ok(Some(Blob {
            bytes,
            start,
            total,
        }))
    }

    /// Up to `limit` keys after `after` (the previous page's last key), in key order. Reads
    /// the folder's names each time: a listing is an archive's, not a request's, work.
    pub fn list(&self, after: Option<&str>, limit: usize) -> Result<BlobPage, StoreError> {
        let mut keys = Vec::new();
        let top = match std::fs::read_dir(&self.root) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BlobPage::default()),
            Err(e) => return Err(err(&self.root, e)),
        };
        for dir in top {
            let dir = dir.map_err(|e| err(&self.root, e))?;
            if !dir.file_type().map_err(|e| err(&dir.path(), e))?.is_dir() {
                continue;
            }
            for f in std::fs::read_dir(dir.path()).map_err(|e| err(&dir.path(), e))? {
                let f = f.map_err(|e| err(&dir.path(), e))?;
                let name = f.file_name().to_string_lossy().into_owned();
                // Temporary files of a write in progress start with a dot.
                if name.starts_with('.') || self.path(&name).ok() != Some(f.path()) {
                    continue;
                }
                if after.is_some_and(|a| name.as_str() <= a) {
                    continue;
                }
                let meta = f.metadata().map_err(|e| err(&f.path(), e))?;
                if meta.is_file() {
                    keys.push((name, meta.len()));
                }
            }
        }
        keys.sort();
        let more = keys.len() > limit;
        keys.truncate(limit);
        let cursor = if more {
            keys.last().map(|(k, _)| k.clone())
        } else {
            None
        };
        Ok(BlobPage {
            objects: keys
                .into_iter()
                .map(|(key, bytes)| BlobInfo {
                    key,
                    bytes,
                    etag: None,
                })
                .collect(),
            cursor,
        })
    }

    pub fn delete(&self, key: &str) -> Result<(), StoreError> {
        let path = self.path(key)?;
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(err(&path, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_reads_ranges_and_refuses_odd_keys() {
        let dir = tempfile::tempdir().unwrap();
        let b = FolderBlobs::new(dir.path());
        b.put("0123456789abcdef", b"hello world").unwrap();
        assert_eq!(
            b.get("0123456789abcdef", None).unwrap().unwrap().bytes,
            b"hello world"
        );
        let part = b.get("0123456789abcdef", Some((6, None))).unwrap().unwrap();
        assert_eq!(
            (part.bytes.as_slice(), part.start, part.total),
            (&b"world"[..], 6, 11)
        );
        let part = b
            .get("0123456789abcdef", Some((0, Some(4))))
            .unwrap()
            .unwrap();
        assert_eq!(part.bytes, b"hello");
        assert!(b.get("fedcba9876543210", None).unwrap().is_none());
        for bad in ["../x", "ab/../../etc", "", "zz", "0123/4"] {
            assert!(b.put(bad, b"x").is_err(), "{bad}");
        }
        b.delete("0123456789abcdef").unwrap();
        assert!(b.get("0123456789abcdef", None).unwrap().is_none());
    }
}
