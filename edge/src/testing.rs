//! An in-process platform for the core's tests: SQLite on a temporary file (the same
//! migrations as production), the site's files in memory, a clock the test moves, a seeded
//! random source and a log it can read. No server, no port: `Edge::handle` is called
//! directly, so a rule of the core gets a test of a few lines.

use crate::client::Client;
use crate::native::{FolderBlobs, GitRepo, OnFolder, OnGit, OnSqlite, SqliteDb};
use crate::store::{Clock, Files, Log, Random, StoreError};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;

pub struct TestPlatform {
    pub db: SqliteDb,
    pub blobs: FolderBlobs,
    /// While set, every blob write fails (a store outage half-way through an upload).
    pub fail_blob_writes: AtomicBool,
    pub files: Mutex<HashMap<String, Vec<u8>>>,
    pub clock: AtomicI64,
    seed: AtomicU64,
    pub log: Mutex<Vec<String>>,
    /// The content repository of the editor's tests (none: the editor is off).
    pub git: Option<GitRepo>,
    /// Read the site's files from this folder instead of memory (the editor's tests, whose
    /// rebuilds write there).
    pub disk: Option<std::path::PathBuf>,
    /// The manifest of an in-process generator, as `preau serve` hands it over (none:
    /// read the manifest file).
    pub manifests: Option<std::sync::Arc<crate::site::ManifestSlot>>,
    _dir: tempfile::TempDir,
}

impl TestPlatform {
    /// An empty database and the files of a built site (`site_dir`), read into memory.
    pub fn new(site_dir: &Path, now: i64) -> Result<TestPlatform, StoreError> {
        let dir = tempfile::tempdir().map_err(|e| StoreError::Db(e.to_string()))?;
        let db = SqliteDb::open(&dir.path().join("test.sqlite3"), 2)?;
        let mut files = HashMap::new();
        read_tree(site_dir, site_dir, &mut files)?;
        Ok(TestPlatform {
            blobs: FolderBlobs::new(&dir.path().join("medias")),
            fail_blob_writes: AtomicBool::new(false),
            db,
            files: Mutex::new(files),
            clock: AtomicI64::new(now),
            seed: AtomicU64::new(0x5eed_5eed),
            log: Mutex::new(Vec::new()),
            git: None,
            disk: None,
            manifests: None,
            _dir: dir,
        })
    }

    /// Move the clock forward.
    pub fn advance(&self, seconds: i64) {
        self.clock.fetch_add(seconds, Ordering::SeqCst);
    }

    /// Replace or add a site file (as a deploy would).
    pub fn put_file(&self, path: &str, body: &[u8]) {
        if let Ok(mut f) = self.files.lock() {
            f.insert(path.to_string(), body.to_vec());
        }
    }

    pub fn logged(&self) -> Vec<String> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

fn read_tree(
    root: &Path,
    dir: &Path,
    out: &mut HashMap<String, Vec<u8>>,
) -> Result<(), StoreError> {
    let err = |e: std::io::Error| StoreError::Files(format!("{} : {e}", dir.display()));
    for entry in std::fs::read_dir(dir).map_err(err)? {
        let path = entry.map_err(err)?.path();
        if path.is_dir() {
            read_tree(root, &path, out)?;
        } else if let Ok(rel) = path.strip_prefix(root) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            out.insert(rel, std::fs::read(&path).map_err(err)?);
        }
    }
    Ok(())
}

impl OnSqlite for TestPlatform {
    fn sqlite(&self) -> &SqliteDb {
        &self.db
    }
}

impl OnGit for TestPlatform {
    fn git(&self) -> Option<&GitRepo> {
        self.git.as_ref()
    }
}

impl Files for TestPlatform {
    async fn read(&self, path: &str) -> Result<Option<Vec<u8>>, StoreError> {
        if let Some(dir) = &self.disk {
            return match std::fs::read(dir.join(path)) {
                Ok(b) => Ok(Some(b)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(StoreError::Files(e.to_string())),
            };
        }
        Ok(self
            .files
            .lock()
            .map_err(|e| StoreError::Files(e.to_string()))?
            .get(path)
            .cloned())
    }

    fn latest_manifest(&self) -> Option<(u64, std::sync::Arc<preau_contract::access::Manifest>)> {
        self.manifests.as_ref().and_then(|s| s.latest())
    }
}

impl OnFolder for TestPlatform {
    fn folder(&self) -> &FolderBlobs {
        &self.blobs
    }
    fn refuse_writes(&self) -> bool {
        self.fail_blob_writes.load(Ordering::SeqCst)
    }
}

impl Clock for TestPlatform {
    fn now(&self) -> i64 {
        self.clock.load(Ordering::SeqCst)
    }
}

impl Random for TestPlatform {
    /// splitmix64: reproducible, and different at every call.
    fn fill(&self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let mut z = self
                .seed
                .fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::SeqCst)
                .wrapping_add(0x9e37_79b9_7f4a_7c15);
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
    }
}

/// Verifications run inline, unbounded (one test, one request at a time).
impl crate::store::Hashing for TestPlatform {}

impl Log for TestPlatform {
    fn error(&self, message: &str) {
        if let Ok(mut l) = self.log.lock() {
            l.push(message.to_string());
        }
    }
}

/// A client on loopback over plain HTTP, as in local tests.
pub fn local_client() -> Client {
    Client {
        ip: "127.0.0.1".parse().ok(),
        https: false,
    }
}

/// Run a future to completion on a fresh single-threaded runtime.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    match tokio::runtime::Builder::new_current_thread().build() {
        Ok(rt) => rt.block_on(f),
        Err(e) => panic!("tokio runtime: {e}"),
    }
}
