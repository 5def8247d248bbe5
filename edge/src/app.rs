//! The request core: one function from an HTTP request to an HTTP response, the same for
//! `preau serve` and the Worker. It normalises the path, reads the session, finds the
//! `Route` and hands the request to that route's feature module; every answer leaves with
//! the security headers, and every store failure is logged with its route.

use crate::audit::{self, Action, Entry, Outcome};
use crate::client::{Client, Proxies};
use crate::features;
use crate::paths::{self, PathError};
use crate::respond::{self, Resp};
use crate::routes::Route;
use crate::session::{self, Session, Timeouts};
use crate::site::SiteData;
use crate::store::{self, Platform, StoreError};
use crate::uploads::UploadConfig;
use http::{Method, Request, StatusCode};
use preau_contract::text::Text;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, RwLock};

/// Shortest key for anti-forgery tokens, in bytes.
pub const MIN_SECRET_LEN: usize = 32;

/// Settings of the core, chosen by the adapter from its configuration.
#[derive(Debug, Clone)]
pub struct EdgeConfig {
    /// Key for anti-forgery tokens (at least 32 random bytes, kept secret).
    pub secret: Vec<u8>,
    pub timeouts: Timeouts,
    pub audit_retention_days: i64,
    /// Staff and admin passwords older than this must be replaced (ANSSI R25).
    pub staff_password_max_age_days: i64,
    /// Proxies whose forwarding header tells the client's address (none by default).
    pub proxies: Proxies,
    pub uploads: UploadConfig,
    /// The secret shared with the forge for its push webhook (`None`: no webhook route).
    pub repo_hook_secret: Option<Vec<u8>>,
    /// The bearer token of the archive route (`None`: no archive route, 404).
    pub archive_token: Option<Vec<u8>>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("la clé secrète fait {0} octets ; il en faut au moins {MIN_SECRET_LEN}")]
    ShortSecret(usize),
    #[error("le jeton d'archive fait {0} caractères ; il en faut au moins {MIN_SECRET_LEN} (par exemple la sortie de « openssl rand -base64 48 »)")]
    ShortArchiveToken(usize),
}

impl EdgeConfig {
    pub fn new(secret: Vec<u8>) -> Result<Self, ConfigError> {
        if secret.len() < MIN_SECRET_LEN {
            return Err(ConfigError::ShortSecret(secret.len()));
        }
        Ok(EdgeConfig {
            secret,
            timeouts: Timeouts::default(),
            audit_retention_days: audit::DEFAULT_RETENTION_DAYS,
            staff_password_max_age_days: 365,
            proxies: Proxies::default(),
            uploads: UploadConfig::default(),
            repo_hook_secret: None,
            archive_token: None,
        })
    }

    /// Open the archive route with this bearer token (surrounding blanks of a file or a
    /// secret taken off); a short token is refused rather than guessable.
    pub fn set_archive_token(&mut self, token: &str) -> Result<(), ConfigError> {
        let token = token.trim();
        if token.len() < MIN_SECRET_LEN {
            return Err(ConfigError::ShortArchiveToken(token.len()));
        }
        self.archive_token = Some(token.as_bytes().to_vec());
        Ok(())
    }
}

pub struct Edge<P> {
    pub platform: P,
    pub config: EdgeConfig,
    site: RwLock<Arc<SiteData>>,
    /// Sessions read while the database did not change: (database generation, session).
    /// Shared, not copied, by the requests that use them.
    sessions: std::sync::RwLock<HashMap<String, (u64, Arc<Session>)>>,
    /// Sightings of cached sessions not yet written to `last_seen_at` (token hash → time),
    /// and when the oldest was queued. Writing each at once would change the database, and
    /// so empty the session cache, dozens of times a second at the evening peak.
    seen: Mutex<(HashMap<String, i64>, i64)>,
    /// Post pages' comments and split pages, reused while nothing changed.
    pub(crate) comment_cache: features::comment_view::Cache,
}

const SESSION_CACHE_MAX: usize = 10_000;
/// How long sightings wait before they are written together (one transaction).
const SEEN_FLUSH_SECS: i64 = 30;
/// Written at once when this many wait, whatever their age.
const SEEN_FLUSH_MAX: usize = 2_000;

/// Why an adapter could not read a request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyProblem {
    TooLarge,
    Unreadable,
}

/// What a handler knows about the request it answers.
pub(crate) struct Ctx<'a> {
    pub site: &'a SiteData,
    pub req: &'a Request<Vec<u8>>,
    /// Canonical path (from `paths::normalise`).
    pub path: &'a str,
    pub query: &'a str,
    pub cookies: &'a str,
    /// The client's address (through trusted proxies only).
    pub ip: Option<IpAddr>,
    /// Secure cookies: everything but plain http (allowed for local use on loopback only).
    pub secure: bool,
    pub session: Option<Arc<Session>>,
    pub now: i64,
}

/// Why a handler stops before its end: an answer to give now (a guard refused, a form
/// expired), or a store failure (logged, then a 503 page).
pub(crate) enum Halt {
    Answer(Box<Resp>),
    Store(StoreError),
}

impl From<StoreError> for Halt {
    fn from(e: StoreError) -> Self {
        Halt::Store(e)
    }
}

impl From<Resp> for Halt {
    fn from(r: Resp) -> Self {
        Halt::Answer(Box::new(r))
    }
}

pub(crate) type Handled = Result<Resp, Halt>;

impl<P: Platform> Edge<P> {
    pub async fn new(platform: P, config: EdgeConfig) -> Result<Self, StoreError> {
        let site = SiteData::load(&platform).await?;
        Ok(Edge {
            platform,
            config,
            site: RwLock::new(Arc::new(site)),
            sessions: std::sync::RwLock::new(HashMap::new()),
            seen: Mutex::new((HashMap::new(), 0)),
            comment_cache: Default::default(),
        })
    }

    /// Re-read the manifest and shells after a rebuild. The manifest is the platform's
    /// latest in memory when a generator runs in the same process (`preau serve`:
    /// no file parsed, see `ManifestSlot`), else its file.
    pub async fn reload(&self) -> Result<(), StoreError> {
        self.platform.invalidate();
        let site = SiteData::load(&self.platform).await?;
        if let Ok(mut guard) = self.site.write() {
            // Two reloads that finish out of order (the watcher's and the editor's): the
            // older build never replaces the newer one.
            if site.generation >= guard.generation {
                *guard = Arc::new(site);
            }
        }
        Ok(())
    }

    pub fn site(&self) -> Arc<SiteData> {
        match self.site.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Largest body the adapter should read for this request path (before normalising it).
    pub fn body_limit(&self, raw_path: &str) -> usize {
        let path = paths::normalise(raw_path).unwrap_or_default();
        Route::of(&path).body_limit(&self.config.uploads)
    }

    /// The answer when the adapter could not take the body (over `body_limit`, or broken
    /// off): it stops reading and sends this.
    pub fn body_refused(&self, problem: BodyProblem, client: Client) -> Resp {
        let site = self.site();
        let mut r = match problem {
            BodyProblem::TooLarge => {
                respond::notice(&site, StatusCode::PAYLOAD_TOO_LARGE, Text::TooLarge)
            }
            BodyProblem::Unreadable => {
                respond::notice(&site, StatusCode::BAD_REQUEST, Text::BadRequest)
            }
        };
        respond::security_headers(&mut r, client.https);
        r
    }

    /// The whole core: never fails, always adds the security headers; HEAD gets no body.
    pub async fn handle(&self, req: Request<Vec<u8>>, client: Client) -> Resp {
        let site = self.site();
        let head = req.method() == Method::HEAD;
        let mut resp = match self.route(&site, &req, client).await {
            Ok(r) => r,
            Err(Halt::Answer(r)) => *r,
            Err(Halt::Store(e)) => {
                let route = paths::normalise(req.uri().path())
                    .map(|p| Route::of(&p).name())
                    .unwrap_or("?");
                self.platform
                    .error(&format!("{} {route} : {e}", req.method()));
                respond::notice(&site, StatusCode::SERVICE_UNAVAILABLE, Text::ServerError)
            }
        };
        if head {
            resp.body_mut().clear();
            resp.extensions_mut().remove::<store::StreamedBlob>();
        }
        respond::security_headers(&mut resp, client.https);
        resp
    }

    /// The daily purge (run by the server or the cron trigger): audit entries older than
    /// the retention, upload quota counts older than two days, and the accounts of people
    /// who left the roster three months ago. Returns the audit entries removed.
    pub async fn purge(&self) -> Result<u64, StoreError> {
        let now = self.platform.now();
        store::uploads::purge_log(&self.platform, now).await?;
        let n = store::audit::purge(&self.platform, now, self.config.audit_retention_days).await?;
        store::roster::purge_leavers(&self.platform, now).await?;
        Ok(n)
    }

    /// Send again the online editor's saves that the repository did not take (the forge
    /// was unreachable); run by the Worker's cron. Returns how many were sent.
    pub async fn send_kept_saves(&self) -> usize {
        crate::features::editor::send_kept(self, crate::features::editor::CRON_RETRIES).await
    }

    async fn route(&self, site: &SiteData, req: &Request<Vec<u8>>, client: Client) -> Handled {
        // Behind a TLS proxy, a visitor who reaches the server directly would send their
        // password in plain HTTP: refused before anything is read.
        if self.config.proxies.refuses(client.ip) {
            return Ok(respond::notice(
                site,
                StatusCode::FORBIDDEN,
                Text::DirectAccess,
            ));
        }
        let path = match paths::normalise(req.uri().path()) {
            Ok(p) => p,
            Err(e) => {
                let status = if e == PathError::TooLong {
                    StatusCode::URI_TOO_LONG
                } else {
                    StatusCode::BAD_REQUEST
                };
                return Ok(respond::notice(site, status, Text::BadRequest));
            }
        };
        let ip = self.config.proxies.client_ip(client.ip, req.headers());
        let loopback = client.ip.is_some_and(|ip| ip.is_loopback());
        let secure = client.https || !loopback;
        let now = self.platform.now();
        // One `Cookie` header (what browsers send over HTTP/1.1) is read where it is.
        let mut cookie_headers = req.headers().get_all(http::header::COOKIE).iter();
        let cookies: std::borrow::Cow<str> = match (cookie_headers.next(), cookie_headers.next()) {
            (None, _) => "".into(),
            (Some(one), None) => one.to_str().unwrap_or("").into(),
            _ => req
                .headers()
                .get_all(http::header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect::<Vec<_>>()
                .join("; ")
                .into(),
        };
        let session = match session::read_cookie(&cookies, session::session_cookie_name(secure)) {
            Some(token) => self.session(token, now).await?,
            None => None,
        };
        let cx = Ctx {
            site,
            req,
            path: &path,
            query: req.uri().query().unwrap_or(""),
            cookies: &cookies,
            ip,
            secure,
            session,
            now,
        };
        let route = Route::of(&path);
        if !route.methods().contains(req.method()) {
            return Ok(respond::method_not_allowed(site, &route.allow()));
        }
        features::dispatch(self, &cx, route).await
    }

    /// The session of `token`, from memory when the database has not changed since it was
    /// read (any commit empties the cache: this server's at once, the CLI's within
    /// `native::FOREIGN_COMMITS_SEEN_WITHIN`), it has not timed out,
    /// and it was read less than a minute ago (so that `last_seen_at` keeps being updated).
    /// Without a database generation (D1) nothing is cached and sightings are written at once.
    async fn session(&self, token: &str, now: i64) -> Result<Option<Arc<Session>>, StoreError> {
        let Some(g) = self.platform.generation() else {
            return Ok(
                store::sessions::lookup(&self.platform, token, now, &self.config.timeouts)
                    .await?
                    .map(Arc::new),
            );
        };
        if let Ok(cache) = self.sessions.read() {
            if let Some((cached_g, s)) = cache.get(token) {
                if *cached_g == g && now <= s.valid_until && now - s.read_at <= 60 {
                    return Ok(Some(Arc::clone(s)));
                }
            }
        }
        // Boxed: the store's read is the rare path, its future larger than the rest.
        Box::pin(self.session_from_store(token, now, g)).await
    }

    /// `session` when its cache cannot answer: read, note the sighting, cache.
    async fn session_from_store(
        &self,
        token: &str,
        now: i64,
        g: u64,
    ) -> Result<Option<Arc<Session>>, StoreError> {
        let hash = crate::session::hash_token(token);
        let queued = self.seen.lock().ok().and_then(|q| q.0.get(&hash).copied());
        let t = &self.config.timeouts;
        let Some(found) = store::sessions::read(&self.platform, token, now, t, queued).await?
        else {
            return Ok(None);
        };
        if found.touch {
            self.queue_seen(&hash, now).await?;
        }
        let session = Arc::new(found.session);
        if let Ok(mut cache) = self.sessions.write() {
            if cache.len() >= SESSION_CACHE_MAX
                || cache.values().next().is_some_and(|(cg, _)| *cg != g)
            {
                cache.clear();
            }
            cache.insert(token.to_string(), (g, session.clone()));
        }
        Ok(Some(session))
    }

    /// Queue the sighting of a session, and write the queue in one transaction when its
    /// oldest entry has waited long enough or it is full. A sighting lost in a crash only
    /// makes a session look idle for up to `SEEN_FLUSH_SECS` longer than it was.
    async fn queue_seen(&self, token_hash: &str, now: i64) -> Result<(), StoreError> {
        let due = {
            let Ok(mut q) = self.seen.lock() else {
                return Ok(());
            };
            if q.0.is_empty() {
                q.1 = now;
            }
            q.0.insert(token_hash.to_string(), now);
            if now - q.1 >= SEEN_FLUSH_SECS || q.0.len() >= SEEN_FLUSH_MAX {
                std::mem::take(&mut q.0)
            } else {
                return Ok(());
            }
        };
        let statements = due
            .iter()
            .map(|(hash, at)| store::sessions::touch(hash, *at))
            .collect();
        self.platform.batch(statements).await
    }

    /// Append one entry to the audit log, on its own.
    pub(crate) async fn audit(
        &self,
        cx: &Ctx<'_>,
        actor: &str,
        action: Action,
        target: &str,
        outcome: Outcome,
    ) -> Result<(), StoreError> {
        let (sql, params) = self.audit_statement(cx, actor, action, target, outcome);
        self.platform.execute(sql, &params).await.map(|_| ())
    }

    /// The statement of an audit entry, for the batch of the change it records.
    pub(crate) fn audit_statement(
        &self,
        cx: &Ctx<'_>,
        actor: &str,
        action: Action,
        target: &str,
        outcome: Outcome,
    ) -> store::Statement {
        let client = audit::truncate_ip(cx.ip);
        store::audit::insert(
            cx.now,
            &Entry {
                actor,
                action,
                target,
                outcome,
                client: &client,
            },
        )
    }

    /// Apply `change` and its successful audit entry together (all or nothing).
    pub(crate) async fn commit(
        &self,
        cx: &Ctx<'_>,
        mut change: Vec<store::Statement>,
        actor: &str,
        action: Action,
        target: &str,
    ) -> Result<(), StoreError> {
        change.push(self.audit_statement(cx, actor, action, target, Outcome::Success));
        self.platform.batch(change).await
    }

    pub(crate) fn random32(&self) -> [u8; 32] {
        let mut b = [0u8; 32];
        self.platform.fill(&mut b);
        b
    }

    /// The anti-forgery token of a signed-in session's forms.
    pub(crate) fn session_csrf(&self, s: &Session) -> String {
        session::csrf_token(&self.config.secret, &s.token_hash)
    }
}
