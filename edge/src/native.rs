//! The native adapter used by `preau serve`: SQLite for data, the output folder for files,
//! the system clock and random source, and a hyper HTTP/1.1 server. Thin on purpose: every
//! rule lives in the core (`app`, `routes`, `features`).

use crate::app::{BodyProblem, Edge};
use crate::client::Client;
use crate::store::{Clock, Db, Files, Log, Random, Row, SqlValue, Statement, StoreError};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use rusqlite::types::{Value, ValueRef};
use rusqlite::Connection;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The SQL migrations, shared with Cloudflare D1 (`wrangler d1 migrations apply`).
pub const MIGRATIONS: &[(&str, &str)] =
    &[("0001_init.sql", include_str!("../migrations/0001_init.sql"))];

/// A small pool of SQLite connections on one database file (WAL mode).
pub struct SqliteDb {
    conns: Vec<Mutex<Connection>>,
    next: AtomicUsize,
    /// A connection that never writes: its `data_version` changes on every commit by any
    /// other connection, in this process or another (the CLI).
    watch: Mutex<Connection>,
}

fn db_err(e: rusqlite::Error) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StoreError::Constraint(e.to_string())
        }
        rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound(e.to_string()),
        _ => StoreError::Db(e.to_string()),
    }
}

fn lock_err<T>(e: std::sync::PoisonError<T>) -> StoreError {
    StoreError::Db(e.to_string())
}

impl SqliteDb {
    pub fn open(path: &Path, pool: usize) -> Result<SqliteDb, StoreError> {
        let mut conns = Vec::new();
        for _ in 0..pool.max(1) {
            let c = Connection::open(path).map_err(db_err)?;
            c.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;")
                .map_err(db_err)?;
            conns.push(Mutex::new(c));
        }
        let watch = Connection::open(path).map_err(db_err)?;
        let db = SqliteDb {
            conns,
            next: AtomicUsize::new(0),
            watch: Mutex::new(watch),
        };
        db.migrate()?;
        Ok(db)
    }

    /// Apply the migrations not applied yet, recorded in the same table wrangler uses.
    fn migrate(&self) -> Result<(), StoreError> {
        self.with(|c| {
            c.execute_batch("CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)")?;
            for (name, sql) in MIGRATIONS {
                let done: i64 = c.query_row("SELECT count(*) FROM d1_migrations WHERE name = ?1", [name], |r| r.get(0))?;
                if done == 0 {
                    let tx = c.unchecked_transaction()?;
                    tx.execute_batch(sql)?;
                    tx.execute("INSERT INTO d1_migrations (name) VALUES (?1)", [name])?;
                    tx.commit()?;
                }
            }
            Ok(())
        })
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let n = self.conns.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        // Take a free connection if there is one, else wait for ours.
        for i in 0..n {
            if let Ok(mut c) = self.conns[(start + i) % n].try_lock() {
                return f(&mut c).map_err(db_err);
            }
        }
        let mut c = self.conns[start % n].lock().map_err(lock_err)?;
        f(&mut c).map_err(db_err)
    }
}

fn to_sql(v: &SqlValue) -> Value {
    match v {
        SqlValue::Null => Value::Null,
        SqlValue::Int(i) => Value::Integer(*i),
        SqlValue::Text(s) => Value::Text(s.clone()),
    }
}

fn from_sql(v: ValueRef) -> SqlValue {
    match v {
        ValueRef::Integer(i) => SqlValue::Int(i),
        ValueRef::Text(t) => SqlValue::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Real(f) => SqlValue::Int(f as i64),
        ValueRef::Null | ValueRef::Blob(_) => SqlValue::Null,
    }
}

impl Db for SqliteDb {
    fn generation(&self) -> Option<u64> {
        let c = self.watch.lock().ok()?;
        c.query_row("PRAGMA data_version", [], |r| r.get::<_, i64>(0))
            .ok()
            .map(|v| v as u64)
    }

    async fn query(&self, sql: &str, params: &[SqlValue]) -> Result<Vec<Row>, StoreError> {
        self.with(|c| {
            let mut st = c.prepare_cached(sql)?;
            let cols = st.column_count();
            let params: Vec<Value> = params.iter().map(to_sql).collect();
            let mut rows = st.query(rusqlite::params_from_iter(params))?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(
                    (0..cols)
                        .map(|i| r.get_ref(i).map(from_sql).unwrap_or(SqlValue::Null))
                        .collect(),
                );
            }
            Ok(out)
        })
    }

    async fn execute(&self, sql: &str, params: &[SqlValue]) -> Result<u64, StoreError> {
        self.with(|c| {
            let params: Vec<Value> = params.iter().map(to_sql).collect();
            c.prepare_cached(sql)?
                .execute(rusqlite::params_from_iter(params))
                .map(|n| n as u64)
        })
    }

    async fn batch(&self, statements: Vec<Statement>) -> Result<(), StoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            for (sql, params) in &statements {
                let params: Vec<Value> = params.iter().map(to_sql).collect();
                tx.prepare_cached(sql)?
                    .execute(rusqlite::params_from_iter(params))?;
            }
            tx.commit()
        })
    }
}

/// The platform of `preau serve` and of the CLI's account commands.
pub struct Native {
    pub db: SqliteDb,
    pub site_dir: PathBuf,
    cache: FileCache,
}

/// Small files of the site kept in memory between rebuilds (the hot path of every page).
#[derive(Default)]
struct FileCache {
    files: Mutex<std::collections::HashMap<String, Arc<Vec<u8>>>>,
    bytes: AtomicUsize,
}

const CACHE_FILE_MAX: usize = 256 * 1024;
const CACHE_TOTAL_MAX: usize = 64 * 1024 * 1024;

impl Native {
    /// Open (and migrate) `<data>/preau.sqlite3`; serve files from `site_dir`.
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
            cache: FileCache::default(),
        })
    }
}

/// A platform whose database is a `SqliteDb` (the server's, or the tests').
pub trait OnSqlite {
    fn sqlite(&self) -> &SqliteDb;
}

impl<T: OnSqlite> Db for T {
    async fn query(&self, sql: &str, params: &[SqlValue]) -> Result<Vec<Row>, StoreError> {
        self.sqlite().query(sql, params).await
    }
    async fn execute(&self, sql: &str, params: &[SqlValue]) -> Result<u64, StoreError> {
        self.sqlite().execute(sql, params).await
    }
    async fn batch(&self, statements: Vec<Statement>) -> Result<(), StoreError> {
        self.sqlite().batch(statements).await
    }
    fn generation(&self) -> Option<u64> {
        self.sqlite().generation()
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
            .lock()
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
            if let Ok(mut c) = self.cache.files.lock() {
                self.cache.bytes.fetch_add(data.len(), Ordering::Relaxed);
                c.insert(path.to_string(), Arc::new(data.clone()));
            }
        }
        Ok(Some(data))
    }

    fn invalidate(&self) {
        if let Ok(mut c) = self.cache.files.lock() {
            c.clear();
            self.cache.bytes.store(0, Ordering::Relaxed);
        }
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

/// Development live reload: a build counter that the injected script polls.
#[derive(Default)]
pub struct LiveReload {
    pub generation: AtomicU64,
}

const LIVE_PATH: &str = "/_preau_live";
const LIVE_SCRIPT: &str = "/_preau_live.js";
const LIVE_JS: &str = "(function(){var g=null;function p(){fetch('/_preau_live',{cache:'no-store'}).then(function(r){return r.text()}).then(function(t){if(g!==null&&t!==g){location.reload()}g=t;setTimeout(p,1000)}).catch(function(){setTimeout(p,2000)})}p()})();";

/// Serve until the process ends. `https` tells the core whether a TLS proxy sits in front.
pub async fn serve(
    edge: Arc<Edge<Native>>,
    listener: tokio::net::TcpListener,
    https: bool,
    live: Option<Arc<LiveReload>>,
) -> std::io::Result<()> {
    loop {
        let (stream, peer) = listener.accept().await?;
        let edge = edge.clone();
        let live = live.clone();
        tokio::spawn(async move {
            let io = hyper_util::rt::TokioIo::new(stream);
            let svc = hyper::service::service_fn(move |req| {
                let edge = edge.clone();
                let live = live.clone();
                async move {
                    Ok::<_, std::convert::Infallible>(
                        handle(&edge, req, peer, https, live.as_deref()).await,
                    )
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(io, svc)
                .await;
        });
    }
}

async fn handle(
    edge: &Edge<Native>,
    req: http::Request<Incoming>,
    peer: SocketAddr,
    https: bool,
    live: Option<&LiveReload>,
) -> http::Response<Full<Bytes>> {
    if let Some(live) = live {
        match req.uri().path() {
            LIVE_PATH => {
                return plain(
                    "text/plain",
                    live.generation
                        .load(Ordering::Relaxed)
                        .to_string()
                        .into_bytes(),
                )
            }
            LIVE_SCRIPT => return plain("text/javascript", LIVE_JS.as_bytes().to_vec()),
            _ => {}
        }
    }
    let client = Client {
        ip: Some(peer.ip()),
        https,
    };
    let (parts, body) = req.into_parts();
    let limit = edge.body_limit(parts.uri.path());
    let body = match Limited::new(body, limit).collect().await {
        Ok(b) => b.to_bytes().to_vec(),
        Err(e) => {
            let problem = if e
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                BodyProblem::TooLarge
            } else {
                BodyProblem::Unreadable
            };
            let (parts, body) = edge.body_refused(problem, client).into_parts();
            return http::Response::from_parts(parts, Full::new(Bytes::from(body)));
        }
    };
    let head = parts.method == http::Method::HEAD;
    let req = http::Request::from_parts(parts, body);
    let resp = edge.handle(req, client).await;
    let (parts, mut body) = resp.into_parts();
    if live.is_some()
        && !head
        && parts
            .headers
            .get(http::header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"text/html"))
    {
        body.extend_from_slice(format!("<script src=\"{LIVE_SCRIPT}\"></script>").as_bytes());
    }
    http::Response::from_parts(parts, Full::new(Bytes::from(body)))
}

fn plain(ct: &'static str, body: Vec<u8>) -> http::Response<Full<Bytes>> {
    let mut r = http::Response::new(Full::new(Bytes::from(body)));
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(ct),
    );
    r.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    r
}
