//! The native adapter used by `preau serve`: SQLite for data (`sqlite`), the output folder
//! for the site's files, a folder of the data directory for uploads (`blobs`), the system
//! clock and random source, and a hyper HTTP/1.1 server (`server`). Thin on purpose: every
//! rule lives in the core (`app`, `routes`, `features`).

pub mod backup;
mod blobs;
pub mod export;
pub mod git;
mod server;
mod sqlite;

pub use blobs::FolderBlobs;
pub use git::{GitRepo, OnGit};
pub use server::{serve, LiveReload, HEADER_READ_TIMEOUT};
pub use sqlite::{
    newer_schema_message, schema_version, OnSqlite, SqliteDb, FOREIGN_COMMITS_SEEN_WITHIN,
    MIGRATIONS,
};

use crate::store::{Blob, Blobs, Clock, Files, Log, Random, StoreError};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The platform of `preau serve` and of the CLI's account commands.
pub struct Native {
    pub db: SqliteDb,
    pub site_dir: PathBuf,
    pub blobs: FolderBlobs,
    /// The content folder as a Git working tree, for the online editor (none: it is off).
    pub git: Option<GitRepo>,
    cache: FileCache,
    pub hashing: HashGate,
    /// The manifest of the generator of this process (`preau serve`), handed over in
    /// memory after each rebuild (none: read `_preau/manifest.json`).
    pub manifests: Option<Arc<crate::site::ManifestSlot>>,
}

/// Bounds password verifications: at most `running` at once, on tokio's blocking threads
/// (so the threads that serve pages are never busy hashing), and at most `queue` waiting;
/// past that a sign-in is told to come back (`Busy`) instead of waiting without end.
pub struct HashGate {
    permits: Arc<tokio::sync::Semaphore>,
    running: usize,
    queue: usize,
    waiting: Arc<AtomicUsize>,
    /// Recent verification time in microseconds (moving average), for `Retry-After`.
    average_us: Arc<std::sync::atomic::AtomicU64>,
}

/// One place in the queue, given back however the wait ends (also when the client goes
/// away and hyper drops the request's future mid-wait: a counter that only the happy path
/// decremented would fill up and refuse every sign-in for good).
struct InQueue(Arc<AtomicUsize>);

impl Drop for InQueue {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl HashGate {
    /// `running` verifications at once (at least 1), `queue` more waiting.
    pub fn new(running: usize, queue: usize) -> HashGate {
        let running = running.max(1);
        HashGate {
            permits: Arc::new(tokio::sync::Semaphore::new(running)),
            running,
            queue,
            waiting: Arc::new(AtomicUsize::new(0)),
            average_us: Arc::new(std::sync::atomic::AtomicU64::new(30_000)),
        }
    }

    /// One core fewer than the machine has (one is left to pages), and a queue of about
    /// two seconds of work. `PREAU_SIGNIN_QUEUE` overrides the queue (tests, small hosts).
    pub fn for_this_machine() -> HashGate {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        let running = cores.saturating_sub(1).max(1);
        let queue = std::env::var("PREAU_SIGNIN_QUEUE")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(64 * running);
        HashGate::new(running, queue)
    }

    fn retry_after(&self) -> u64 {
        let avg = self.average_us.load(Ordering::Relaxed).max(1_000);
        let ahead = (self.waiting.load(Ordering::Relaxed) + self.running) as u64;
        (ahead * avg / self.running as u64)
            .div_ceil(1_000_000)
            .clamp(1, 60)
    }
}

impl crate::store::Hashing for Native {
    async fn verify_password(
        &self,
        password: &str,
        stored: &str,
    ) -> Result<bool, crate::store::Busy> {
        let gate = &self.hashing;
        if tokio::runtime::Handle::try_current().is_err() {
            // A command of the CLI, outside the server: nothing to share the cores with.
            return Ok(crate::password::verify(password, stored));
        }
        if gate.waiting.fetch_add(1, Ordering::SeqCst) >= gate.queue {
            gate.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(crate::store::Busy {
                retry_after: gate.retry_after(),
            });
        }
        let place = InQueue(gate.waiting.clone());
        let Ok(permit) = gate.permits.clone().acquire_owned().await else {
            // The semaphore is never closed; verify here rather than refuse.
            return Ok(crate::password::verify(password, stored));
        };
        drop(place);
        let (password, stored) = (password.to_string(), stored.to_string());
        let average = gate.average_us.clone();
        // The permit goes with the work: if the request is dropped meanwhile, the hash
        // still holds its place until it ends, so never more than `running` run at once.
        let ok = tokio::task::spawn_blocking(move || {
            let started = std::time::Instant::now();
            let ok = crate::password::verify(&password, &stored);
            let took = started.elapsed().as_micros() as u64;
            let avg = average.load(Ordering::Relaxed);
            average.store((avg * 7 + took) / 8, Ordering::Relaxed);
            drop(permit);
            ok
        })
        .await
        .unwrap_or(false);
        Ok(ok)
    }
}

/// Small files of the site kept in memory between rebuilds (the hot path of every page).
#[derive(Default)]
struct FileCache {
    files: std::sync::RwLock<std::collections::HashMap<String, Arc<Vec<u8>>>>,
    bytes: AtomicUsize,
}

const CACHE_FILE_MAX: usize = 256 * 1024;
const CACHE_TOTAL_MAX: usize = 64 * 1024 * 1024;

impl Native {
    /// Open (and migrate) `<data>/preau.sqlite3`; serve files from `site_dir`; keep
    /// uploads in `<data>/medias/`.
    pub fn open(data: &Path, site_dir: &Path) -> Result<Native, StoreError> {
        std::fs::create_dir_all(data)
            .map_err(|e| StoreError::Db(format!("{} : {e}", data.display())))?;
        let pool = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            * 2;
        Ok(Native {
            db: SqliteDb::open(&data.join("preau.sqlite3"), pool)?,
            site_dir: site_dir.to_path_buf(),
            blobs: FolderBlobs::new(&data.join("medias")),
            git: None,
            cache: FileCache::default(),
            hashing: HashGate::for_this_machine(),
            manifests: None,
        })
    }
}

impl OnSqlite for Native {
    fn sqlite(&self) -> &SqliteDb {
        &self.db
    }
}

impl Files for Native {
    async fn read(&self, path: &str) -> Result<Option<Vec<u8>>, StoreError> {
        // The core checked the path's segments; here, never follow a link out of the
        // output folder.
        if let Some(hit) = self
            .cache
            .files
            .read()
            .ok()
            .and_then(|c| c.get(path).cloned())
        {
            return Ok(Some(hit.to_vec()));
        }
        let full = self.site_dir.join(path);
        let data = match std::fs::symlink_metadata(&full) {
            Ok(m) if m.is_file() => {
                std::fs::read(&full).map_err(|e| StoreError::Files(e.to_string()))?
            }
            Ok(_) => return Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StoreError::Files(e.to_string())),
        };
        if data.len() <= CACHE_FILE_MAX
            && self.cache.bytes.load(Ordering::Relaxed) + data.len() <= CACHE_TOTAL_MAX
        {
            if let Ok(mut c) = self.cache.files.write() {
                self.cache.bytes.fetch_add(data.len(), Ordering::Relaxed);
                c.insert(path.to_string(), Arc::new(data.clone()));
            }
        }
        Ok(Some(data))
    }

    fn invalidate(&self) {
        if let Ok(mut c) = self.cache.files.write() {
            c.clear();
            self.cache.bytes.store(0, Ordering::Relaxed);
        }
    }

    fn latest_manifest(&self) -> Option<(u64, Arc<preau_contract::access::Manifest>)> {
        self.manifests.as_ref().and_then(|s| s.latest())
    }
}

/// A platform whose uploads are a `FolderBlobs` (the server's, or the tests').
pub trait OnFolder {
    fn folder(&self) -> &FolderBlobs;
    /// Refuse writes (the tests' store outage).
    fn refuse_writes(&self) -> bool {
        false
    }
}

impl<T: OnFolder> Blobs for T {
    async fn put_blob(&self, key: &str, bytes: &[u8], _mime: &str) -> Result<(), StoreError> {
        if self.refuse_writes() {
            return Err(StoreError::Files("écriture refusée".into()));
        }
        self.folder().put(key, bytes)
    }
    async fn get_blob(
        &self,
        key: &str,
        range: Option<(u64, Option<u64>)>,
    ) -> Result<Option<Blob>, StoreError> {
        self.folder().get(key, range)
    }
    async fn delete_blob(&self, key: &str) -> Result<(), StoreError> {
        self.folder().delete(key)
    }
    async fn list_blobs(
        &self,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<crate::store::BlobPage, StoreError> {
        self.folder().list(cursor, limit)
    }
}

impl OnGit for Native {
    fn git(&self) -> Option<&GitRepo> {
        self.git.as_ref()
    }
}

impl OnFolder for Native {
    fn folder(&self) -> &FolderBlobs {
        &self.blobs
    }
}

impl Clock for Native {
    fn now(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }
}

impl Log for Native {
    fn error(&self, message: &str) {
        eprintln!("preau serve : {message}");
    }
}

impl Random for Native {
    fn fill(&self, buf: &mut [u8]) {
        system_random(buf);
    }
}

/// The operating system's random source.
pub fn system_random(buf: &mut [u8]) {
    // No usable randomness means no safe session: stop rather than continue weakly.
    getrandom::getrandom(buf).expect("the system random source is unavailable");
}
