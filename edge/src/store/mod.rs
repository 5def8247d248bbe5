//! What the core needs from the platform, as small traits: an SQL database, the built
//! site's files, a clock, randomness and a log. Each adapter implements them; the core holds
//! no platform code. The futures are not required to be `Send` because Worker futures are
//! not. The SQL itself lives here too, one module per table, so that no handler writes SQL.

pub mod accounts;
pub mod activation;
pub mod audit;
pub mod charters;
pub mod comments;
pub mod health;
pub mod posts;
pub mod repo;
pub mod roster;
pub mod sessions;
pub mod throttle;
pub mod uploads;

use thiserror::Error;

/// A value bound to or read from SQL.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Null,
    Int(i64),
    Text(String),
}

impl SqlValue {
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            SqlValue::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            SqlValue::Text(s) => Some(s),
            _ => None,
        }
    }

    pub fn into_string(self) -> Option<String> {
        match self {
            SqlValue::Text(s) => Some(s),
            _ => None,
        }
    }
}

impl From<i64> for SqlValue {
    fn from(v: i64) -> Self {
        SqlValue::Int(v)
    }
}

impl From<&str> for SqlValue {
    fn from(v: &str) -> Self {
        SqlValue::Text(v.to_string())
    }
}

impl From<String> for SqlValue {
    fn from(v: String) -> Self {
        SqlValue::Text(v)
    }
}

impl From<Option<String>> for SqlValue {
    fn from(v: Option<String>) -> Self {
        v.map(SqlValue::Text).unwrap_or(SqlValue::Null)
    }
}

impl From<Option<&str>> for SqlValue {
    fn from(v: Option<&str>) -> Self {
        v.map(|s| SqlValue::Text(s.to_string()))
            .unwrap_or(SqlValue::Null)
    }
}

/// One result row, columns in the order of the SELECT.
pub type Row = Vec<SqlValue>;

/// One statement of a batch.
pub type Statement = (&'static str, Vec<SqlValue>);

/// Why a store call failed. The kind lets a caller tell a duplicate (a login that exists,
/// in a bulk import) from an outage; the text is for logs, never for visitors.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// A UNIQUE, FOREIGN KEY, CHECK or trigger constraint refused the change.
    #[error("contrainte non respectée : {0}")]
    Constraint(String),
    /// A row or file that had to exist does not.
    #[error("introuvable : {0}")]
    NotFound(String),
    /// The database failed (I/O, lock, corrupt file, unreachable D1…).
    #[error("base de données : {0}")]
    Db(String),
    /// The site's files could not be read.
    #[error("fichiers du site : {0}")]
    Files(String),
}

impl StoreError {
    /// Classify a database error from its message (D1 reports errors as text only).
    pub fn from_db_message(message: impl Into<String>) -> StoreError {
        let message = message.into();
        let m = message.to_ascii_uppercase();
        if m.contains("CONSTRAINT") || m.contains("RAISE(ABORT") || m.contains("APPEND-ONLY") {
            StoreError::Constraint(message)
        } else {
            StoreError::Db(message)
        }
    }

    pub fn is_constraint(&self) -> bool {
        matches!(self, StoreError::Constraint(_))
    }
}

/// SQL in the SQLite dialect (SQLite natively, D1 on Workers).
#[allow(async_fn_in_trait)]
pub trait Db {
    async fn query(&self, sql: &str, params: &[SqlValue]) -> Result<Vec<Row>, StoreError>;
    /// Run one statement; returns the number of rows changed.
    async fn execute(&self, sql: &str, params: &[SqlValue]) -> Result<u64, StoreError>;
    /// Run statements atomically: all or none.
    async fn batch(&self, statements: Vec<Statement>) -> Result<(), StoreError>;

    /// A number that changes whenever anyone commits a change: at once for this process's
    /// commits, within a bound the store documents for another process's (the CLI).
    /// Lets the core reuse what it read while nothing changed; `None` disables that.
    fn generation(&self) -> Option<u64> {
        None
    }
}

/// The built site's files (the output folder, or Workers static assets).
#[allow(async_fn_in_trait)]
pub trait Files {
    /// Read a file by its path relative to the output folder (`a/b/index.html`). The core
    /// only asks for paths that passed `paths::is_safe_file`.
    async fn read(&self, path: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// The site was rebuilt: forget anything cached.
    fn invalidate(&self) {}

    /// The manifest of a generator in the same process, newer than the file or not yet
    /// written to it (`crate::site::ManifestSlot`), with its build number; `None`: read the
    /// file.
    fn latest_manifest(&self) -> Option<(u64, std::sync::Arc<preau_contract::access::Manifest>)> {
        None
    }
}

/// A part of a stored file: `start..start+len` of a file of `total` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    pub bytes: Vec<u8>,
    /// Offset of `bytes` in the whole file.
    pub start: u64,
    /// Size of the whole file.
    pub total: u64,
}

/// The bytes of uploads, stored outside the site under keys chosen by the core (content
/// hashes): a folder of the data directory natively, R2 on Cloudflare.
#[allow(async_fn_in_trait)]
pub trait Blobs {
    /// Store `bytes` under `key` (replacing what was there: same key, same content).
    async fn put_blob(&self, key: &str, bytes: &[u8], mime: &str) -> Result<(), StoreError>;
    /// Read `key`, or the part `start..=end` of it (`end` past the file reads to its end).
    async fn get_blob(
        &self,
        key: &str,
        range: Option<(u64, Option<u64>)>,
    ) -> Result<Option<Blob>, StoreError>;
    async fn delete_blob(&self, key: &str) -> Result<(), StoreError>;
    /// Up to `limit` stored keys in key order, from the start or after a previous page's
    /// `cursor` (the archive route's listing).
    async fn list_blobs(&self, cursor: Option<&str>, limit: usize) -> Result<BlobPage, StoreError>;

    /// Size of the file under `key`.
    async fn blob_size(&self, key: &str) -> Result<Option<u64>, StoreError> {
        Ok(self
            .get_blob(key, Some((0, Some(0))))
            .await?
            .map(|b| b.total))
    }

    /// True when the adapter sends a file's bytes itself, straight from the store to the
    /// client (R2 on Workers: no copy through the Worker's memory). The core then answers
    /// with headers and a `StreamedBlob` extension instead of a body.
    fn streams(&self) -> bool {
        false
    }
}

/// One stored object in a listing: its key, size and the store's entity tag (R2's, an MD5
/// of single-part objects; none natively).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobInfo {
    pub key: String,
    pub bytes: u64,
    pub etag: Option<String>,
}

/// One page of a listing; `cursor` is where the next page starts (none: the last page).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BlobPage {
    pub objects: Vec<BlobInfo>,
    pub cursor: Option<String>,
}

/// In the extensions of an answer: the adapter sends `len` bytes of `key` from `start`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamedBlob {
    pub key: String,
    pub start: u64,
    pub len: u64,
}

/// Wall-clock time in Unix seconds.
pub trait Clock {
    fn now(&self) -> i64;
}

/// Cryptographically secure random bytes.
pub trait Random {
    fn fill(&self, buf: &mut [u8]);
}

/// Where the core reports failures for the people who run it (stderr natively, the
/// Workers console on Cloudflare).
pub trait Log {
    fn error(&self, message: &str);
}

/// Password verification (Argon2id, about 27 ms of CPU natively). An adapter whose
/// requests share a few cores bounds how many run at once, so that a sign-in rush does
/// not starve the serving of pages, and refuses when too many already wait.
#[allow(async_fn_in_trait)]
pub trait Hashing {
    /// `Err(Busy)` when the queue is full: the client should retry later.
    async fn verify_password(&self, password: &str, stored: &str) -> Result<bool, Busy> {
        Ok(crate::password::verify(password, stored))
    }
}

/// Too many password verifications wait already; try again in `retry_after` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    pub retry_after: u64,
}

/// Everything the core needs, implemented by each adapter.
pub trait Platform: Db + Files + Blobs + Clock + Random + Log + Hashing + repo::Repository {}
impl<T: Db + Files + Blobs + Clock + Random + Log + Hashing + repo::Repository> Platform for T {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_messages_are_classified() {
        assert!(StoreError::from_db_message(
            "D1_ERROR: UNIQUE constraint failed: accounts.login: SQLITE_CONSTRAINT"
        )
        .is_constraint());
        assert!(StoreError::from_db_message("audit_log is append-only").is_constraint());
        assert!(!StoreError::from_db_message("D1_ERROR: network connection lost").is_constraint());
    }
}
