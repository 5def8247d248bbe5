//! The request core: one function from an HTTP request to an HTTP response, the same for
//! `preau serve` and the Worker. Routes the edge's own pages (sign-in, charter gate,
//! Mon espace, sign-out) and resolves every other path against the access manifest.

use crate::access::{Access, Audience};
use crate::accounts;
use crate::audit::{self, Entry};
use crate::password;
use crate::paths::{self, PathError};
use crate::session::{self, Session, Timeouts};
use crate::site::{Resolved, SiteData};
use crate::store::{Platform, SqlValue, StoreError};
use crate::throttle;
use http::{header, HeaderValue, Method, Request, Response, StatusCode};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, RwLock};

pub type Resp = Response<Vec<u8>>;

/// Settings of the core, chosen by the adapter from its configuration.
#[derive(Debug, Clone)]
pub struct EdgeConfig {
    /// Key for anti-forgery tokens (at least 32 random bytes, kept secret).
    pub secret: Vec<u8>,
    pub timeouts: Timeouts,
    pub audit_retention_days: i64,
    /// Staff and admin passwords older than this must be replaced (ANSSI R25).
    pub staff_password_max_age_days: i64,
}

impl EdgeConfig {
    pub fn new(secret: Vec<u8>) -> Self {
        EdgeConfig {
            secret,
            timeouts: Timeouts::default(),
            audit_retention_days: audit::DEFAULT_RETENTION_DAYS,
            staff_password_max_age_days: 365,
        }
    }
}

/// What the adapter knows about the connection.
#[derive(Debug, Clone, Copy)]
pub struct Client {
    pub ip: Option<IpAddr>,
    /// The request came over HTTPS (or from a TLS-terminating proxy the adapter trusts).
    pub https: bool,
}

pub struct Edge<P> {
    pub platform: P,
    pub config: EdgeConfig,
    site: RwLock<Arc<SiteData>>,
    /// Sessions read while the database did not change: (database generation, session).
    sessions: Mutex<HashMap<String, (u64, Session)>>,
}

const SESSION_CACHE_MAX: usize = 10_000;

const SIGNIN: &str = "/connexion/";
const SIGNOUT: &str = "/deconnexion/";
const SIGNOUT_ALL: &str = "/deconnexion/partout/";
const ACCEPT: &str = "/charte/accepter/";
const SPACE: &str = "/espace/";
/// Paths the edge answers itself (a Worker must run first on them).
pub const EDGE_ROUTES: &[&str] = &[SIGNIN, SIGNOUT, SIGNOUT_ALL, ACCEPT, SPACE];

/// Per-request context.
struct Ctx {
    client: Client,
    /// Secure cookies: everything but plain http (allowed for local use on loopback only).
    secure: bool,
    session: Option<Session>,
    now: i64,
}

impl<P: Platform> Edge<P> {
    pub async fn new(platform: P, config: EdgeConfig) -> Result<Self, StoreError> {
        let site = SiteData::load(&platform).await?;
        Ok(Edge {
            platform,
            config,
            site: RwLock::new(Arc::new(site)),
            sessions: Mutex::new(HashMap::new()),
        })
    }

    /// Re-read the manifest and shells after a rebuild.
    pub async fn reload(&self) -> Result<(), StoreError> {
        self.platform.invalidate();
        let site = SiteData::load(&self.platform).await?;
        if let Ok(mut guard) = self.site.write() {
            *guard = Arc::new(site);
        }
        Ok(())
    }

    pub fn site(&self) -> Arc<SiteData> {
        match self.site.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The whole core: never fails, always adds the security headers.
    pub async fn handle(&self, req: Request<Vec<u8>>, client: Client) -> Resp {
        let site = self.site();
        let mut resp = match self.route(&site, req, client).await {
            Ok(r) => r,
            Err(_) => page(
                &site,
                StatusCode::SERVICE_UNAVAILABLE,
                "message",
                site.t("server_error"),
                &[("MESSAGE", site.t("server_error"))],
            ),
        };
        security_headers(&mut resp, client.https);
        resp
    }

    /// Audit-log retention purge (run daily by the server or the cron trigger).
    pub async fn purge(&self) -> Result<u64, StoreError> {
        audit::purge(
            &self.platform,
            self.platform.now(),
            self.config.audit_retention_days,
        )
        .await
    }

    async fn route(
        &self,
        site: &SiteData,
        req: Request<Vec<u8>>,
        client: Client,
    ) -> Result<Resp, StoreError> {
        let loopback = client.ip.is_some_and(|ip| ip.is_loopback());
        let secure = client.https || !loopback;
        let now = self.platform.now();
        let path = match paths::normalise(req.uri().path()) {
            Ok(p) => p,
            Err(e) => {
                let status = if e == PathError::TooLong {
                    StatusCode::URI_TOO_LONG
                } else {
                    StatusCode::BAD_REQUEST
                };
                return Ok(page(
                    site,
                    status,
                    "message",
                    site.t("bad_request"),
                    &[("MESSAGE", site.t("bad_request"))],
                ));
            }
        };
        let cookies = req
            .headers()
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join("; ");
        let session = match session::read_cookie(&cookies, &session::cookie_name(secure, "session"))
        {
            Some(token) => self.session(token, now).await?,
            None => None,
        };
        let mut ctx = Ctx {
            client,
            secure,
            session,
            now,
        };
        let method = req.method().clone();
        let query = req.uri().query().unwrap_or("").to_string();
        match (path.as_str(), &method) {
            (SIGNIN, &Method::GET | &Method::HEAD) => {
                Ok(self.signin_page(site, &ctx, &cookies, &query, "", StatusCode::OK, ""))
            }
            (SIGNIN, &Method::POST) => self.signin(site, &mut ctx, &req, &cookies).await,
            (SIGNOUT | SIGNOUT_ALL, &Method::POST) => {
                self.signout(site, &ctx, &req, path == SIGNOUT_ALL).await
            }
            (ACCEPT, &Method::GET | &Method::HEAD) => Ok(self.gate_page(site, &ctx, &query)),
            (ACCEPT, &Method::POST) => self.accept(site, &ctx, &req).await,
            (SPACE, &Method::GET | &Method::HEAD) => Ok(self.space(site, &ctx, &path)),
            (SIGNIN | SIGNOUT | SIGNOUT_ALL | ACCEPT | SPACE, _) => Ok(method_not_allowed(site)),
            (_, &Method::GET | &Method::HEAD) => self.serve(site, &ctx, &path).await,
            _ => Ok(method_not_allowed(site)),
        }
    }

    /// The session of `token`, from memory when the database has not changed since it was
    /// read (any commit, by this server or the CLI, empties the cache), it has not timed out,
    /// and it was read less than a minute ago (so that `last_seen_at` keeps being updated).
    async fn session(&self, token: &str, now: i64) -> Result<Option<Session>, StoreError> {
        let generation = self.platform.generation();
        if let Some(g) = generation {
            if let Ok(cache) = self.sessions.lock() {
                if let Some((cached_g, s)) = cache.get(token) {
                    if *cached_g == g && now <= s.valid_until && now - s.read_at <= 60 {
                        return Ok(Some(s.clone()));
                    }
                }
            }
        }
        let found = session::lookup(&self.platform, token, now, &self.config.timeouts).await?;
        if let (Some(g), Ok(mut cache)) = (generation, self.sessions.lock()) {
            if cache.len() >= SESSION_CACHE_MAX
                || cache.values().next().is_some_and(|(cg, _)| *cg != g)
            {
                cache.clear();
            }
            if let Some(s) = &found {
                cache.insert(token.to_string(), (g, s.clone()));
            }
        }
        Ok(found)
    }

    // ---- static files -------------------------------------------------------------------

    async fn serve(&self, site: &SiteData, ctx: &Ctx, path: &str) -> Result<Resp, StoreError> {
        let resolved = site.resolve(path);
        let access = match &resolved {
            Resolved::File { access, .. }
            | Resolved::Redirect { access, .. }
            | Resolved::Missing { access } => access.clone(),
        };
        if access.visibility == crate::access::Visibility::Internal {
            return self.not_found(site).await;
        }
        if !access.is_public() {
            if let Some(denied) = self.gate(site, ctx, path, &access).await? {
                return Ok(denied);
            }
        }
        match resolved {
            Resolved::File { file, access } => match self.platform.read(&file).await? {
                Some(body) => Ok(file_response(&file, body, access.is_public())),
                None => self.not_found(site).await,
            },
            Resolved::Redirect { to, .. } => Ok(redirect(StatusCode::MOVED_PERMANENTLY, &to)),
            Resolved::Missing { .. } => self.not_found(site).await,
        }
    }

    /// Default deny: `None` when the session may read `access`, else the answer to give.
    async fn gate(
        &self,
        site: &SiteData,
        ctx: &Ctx,
        path: &str,
        access: &Access,
    ) -> Result<Option<Resp>, StoreError> {
        let Some(s) = &ctx.session else {
            return Ok(Some(redirect(
                StatusCode::SEE_OTHER,
                &format!("{SIGNIN}?suite={}", paths::encode_for_query(path)),
            )));
        };
        if !charter_ok(site, s) {
            return Ok(Some(redirect(
                StatusCode::SEE_OTHER,
                &format!("{ACCEPT}?suite={}", paths::encode_for_query(path)),
            )));
        }
        if !s.account.can_read(access) {
            self.audit(ctx, &s.account.login, "access", path, "denied")
                .await?;
            return Ok(Some(page(
                site,
                StatusCode::FORBIDDEN,
                "forbidden",
                site.t("forbidden_title"),
                &[],
            )));
        }
        Ok(None)
    }

    async fn not_found(&self, site: &SiteData) -> Result<Resp, StoreError> {
        let body = match self.platform.read("404.html").await? {
            Some(b) => b,
            None => fill(
                site,
                "message",
                site.t("not_found_title"),
                &[("MESSAGE", site.t("not_found_text"))],
            )
            .into_bytes(),
        };
        let mut r = html(StatusCode::NOT_FOUND, body);
        r.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        Ok(r)
    }

    // ---- sign-in ------------------------------------------------------------------------

    #[allow(clippy::too_many_arguments)]
    fn signin_page(
        &self,
        site: &SiteData,
        ctx: &Ctx,
        cookies: &str,
        query: &str,
        error: &str,
        status: StatusCode,
        login: &str,
    ) -> Resp {
        let next = next_from_query(query);
        if ctx.session.is_some() && error.is_empty() {
            return redirect(StatusCode::SEE_OTHER, next.as_deref().unwrap_or(SPACE));
        }
        let csrf_name = session::cookie_name(ctx.secure, "csrf");
        let existing =
            session::read_cookie(cookies, &csrf_name).filter(|n| session::plausible_token(n));
        let (nonce, set) = match existing {
            Some(n) => (n.to_string(), None),
            None => {
                let n = session::new_token(&self.random32());
                let c = session::set_cookie(ctx.secure, "csrf", &n, None);
                (n, Some(c))
            }
        };
        let token = session::csrf_token(&self.config.secret, &format!("signin|{nonce}"));
        let error_html = if error.is_empty() {
            String::new()
        } else {
            format!("<p class=\"error\" role=\"alert\">{}</p>", escape(error))
        };
        let mut r = page(
            site,
            status,
            "signin",
            site.t("signin_title"),
            &[
                ("ERROR", &error_html),
                ("CSRF", &token),
                ("NEXT", &escape(next.as_deref().unwrap_or(""))),
                ("LOGIN", &escape(login)),
            ],
        );
        if let Some(c) = set {
            if let Ok(v) = HeaderValue::from_str(&c) {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
        }
        r
    }

    async fn signin(
        &self,
        site: &SiteData,
        ctx: &mut Ctx,
        req: &Request<Vec<u8>>,
        cookies: &str,
    ) -> Result<Resp, StoreError> {
        let form = Form::parse(req.body());
        let next = form.get("next").and_then(safe_next);
        let query = next
            .as_deref()
            .map(|n| format!("suite={}", paths::encode_for_query(n)))
            .unwrap_or_default();
        let nonce =
            session::read_cookie(cookies, &session::cookie_name(ctx.secure, "csrf")).unwrap_or("");
        let csrf_valid = !nonce.is_empty()
            && same_origin(req)
            && form.get("csrf").is_some_and(|t| {
                session::csrf_ok(&self.config.secret, &format!("signin|{nonce}"), t)
            });
        if !csrf_valid {
            ctx.session = None;
            return Ok(self.signin_page(
                site,
                ctx,
                cookies,
                &query,
                site.t("csrf"),
                StatusCode::FORBIDDEN,
                "",
            ));
        }
        let login: String = form
            .get("login")
            .unwrap_or("")
            .trim()
            .chars()
            .take(64)
            .collect();
        let password = form.get("password").unwrap_or("");
        let ip_key = format!("ip:{}", audit::truncate_ip(ctx.client.ip));
        let login_key = format!("login:{}", login.to_lowercase());
        let wait = throttle::wait_for(&self.platform, &ip_key, ctx.now)
            .await?
            .max(throttle::wait_for(&self.platform, &login_key, ctx.now).await?);
        if wait > 0 {
            self.audit(ctx, &login, "signin", &login, "throttled")
                .await?;
            let msg = site.t("throttled").replace("{secondes}", &wait.to_string());
            let mut r = self.signin_page(
                site,
                &Ctx {
                    session: None,
                    ..*ctx
                },
                cookies,
                &query,
                &msg,
                StatusCode::TOO_MANY_REQUESTS,
                "",
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(wait as u64));
            return Ok(r);
        }
        let found = if accounts::valid_login(&login) {
            accounts::find_by_login(&self.platform, &login).await?
        } else {
            None
        };
        // Always run one password verification, so an unknown login costs the same time.
        let (account, ok) = match found {
            Some((account, hash)) => {
                let ok = password::verify(password, &hash) && !account.disabled;
                (Some(account), ok)
            }
            None => {
                let _ = password::verify(password, password::DUMMY_HASH);
                (None, false)
            }
        };
        let Some(account) = account.filter(|_| ok) else {
            throttle::fail(
                &self.platform,
                &ip_key,
                throttle::FREE_FAILURES_PER_NETWORK,
                ctx.now,
            )
            .await?;
            throttle::fail(&self.platform, &login_key, throttle::FREE_FAILURES, ctx.now).await?;
            self.audit(ctx, &login, "signin", &login, "failure").await?;
            let shown = if accounts::valid_login(&login) {
                login.as_str()
            } else {
                ""
            };
            return Ok(self.signin_page(
                site,
                &Ctx {
                    session: None,
                    ..*ctx
                },
                cookies,
                &query,
                site.t("bad_credentials"),
                StatusCode::UNAUTHORIZED,
                shown,
            ));
        };
        if account.role.is_staff()
            && ctx.now - account.password_changed_at
                > self.config.staff_password_max_age_days * 86_400
        {
            self.audit(
                ctx,
                &account.login,
                "signin",
                &account.login,
                "password_expired",
            )
            .await?;
            return Ok(self.signin_page(
                site,
                &Ctx {
                    session: None,
                    ..*ctx
                },
                cookies,
                &query,
                site.t("password_expired"),
                StatusCode::FORBIDDEN,
                "",
            ));
        }
        throttle::clear(&self.platform, &login_key).await?;
        let remember = form.get("remember") == Some("1") && !account.role.is_staff();
        let (_, absolute) = self.config.timeouts.for_role(account.role, remember);
        let token = session::new_token(&self.random32());
        let mut statements = vec![(
            "INSERT INTO sessions (token_hash, account_id, created_at, last_seen_at, expires_at, remember) VALUES (?1, ?2, ?3, ?3, ?4, ?5)",
            vec![session::hash_token(&token).into(), account.id.into(), ctx.now.into(), (ctx.now + absolute).into(), i64::from(remember).into()],
        )];
        // A session already on this browser ends: a sign-in always gets a new token.
        if let Some(old) = &ctx.session {
            statements.push((
                "DELETE FROM sessions WHERE token_hash = ?1",
                vec![old.token_hash.clone().into()],
            ));
        }
        let client = audit::truncate_ip(ctx.client.ip);
        statements.push((
            audit::INSERT,
            audit::params(
                ctx.now,
                &Entry {
                    actor: &account.login,
                    action: "signin",
                    target: &account.login,
                    outcome: "success",
                    client: &client,
                },
            ),
        ));
        self.platform.batch(statements).await?;
        let mut r = redirect(StatusCode::SEE_OTHER, next.as_deref().unwrap_or(SPACE));
        let max_age = remember.then_some(absolute);
        append_cookie(
            &mut r,
            &session::set_cookie(ctx.secure, "session", &token, max_age),
        );
        append_cookie(&mut r, &session::clear_cookie(ctx.secure, "csrf"));
        Ok(r)
    }

    async fn signout(
        &self,
        site: &SiteData,
        ctx: &Ctx,
        req: &Request<Vec<u8>>,
        everywhere: bool,
    ) -> Result<Resp, StoreError> {
        let Some(s) = &ctx.session else {
            return Ok(redirect(StatusCode::SEE_OTHER, "/"));
        };
        if !self.session_csrf_ok(s, req, &Form::parse(req.body())) {
            return Ok(page(
                site,
                StatusCode::FORBIDDEN,
                "message",
                site.t("csrf"),
                &[("MESSAGE", site.t("csrf"))],
            ));
        }
        let (sql, param, action): (&'static str, SqlValue, &str) = if everywhere {
            (
                "DELETE FROM sessions WHERE account_id = ?1",
                s.account.id.into(),
                "signout_all",
            )
        } else {
            (
                "DELETE FROM sessions WHERE token_hash = ?1",
                s.token_hash.clone().into(),
                "signout",
            )
        };
        let client = audit::truncate_ip(ctx.client.ip);
        self.platform
            .batch(vec![
                (sql, vec![param]),
                (
                    audit::INSERT,
                    audit::params(
                        ctx.now,
                        &Entry {
                            actor: &s.account.login,
                            action,
                            target: &s.account.login,
                            outcome: "success",
                            client: &client,
                        },
                    ),
                ),
            ])
            .await?;
        let msg = if everywhere {
            site.t("signed_out_all")
        } else {
            site.t("signed_out")
        };
        let mut r = page(site, StatusCode::OK, "message", msg, &[("MESSAGE", msg)]);
        append_cookie(&mut r, &session::clear_cookie(ctx.secure, "session"));
        Ok(r)
    }

    // ---- charter gate -------------------------------------------------------------------

    fn gate_page(&self, site: &SiteData, ctx: &Ctx, query: &str) -> Resp {
        let next = next_from_query(query);
        let Some(s) = &ctx.session else {
            let to = format!(
                "{SIGNIN}?suite={}",
                paths::encode_for_query(next.as_deref().unwrap_or(SPACE))
            );
            return redirect(StatusCode::SEE_OTHER, &to);
        };
        let audience = s.account.role.audience();
        let notice = if s.accepted_any(audience.as_str()) && !charter_ok(site, s) {
            site.t("gate_new_version")
        } else {
            site.t("gate_intro")
        };
        let token = session::csrf_token(&self.config.secret, &s.token_hash);
        page(
            site,
            StatusCode::OK,
            &format!("gate-{}", audience.as_str()),
            site.t("gate_title"),
            &[
                ("NOTICE", &escape(notice)),
                ("CSRF", &token),
                ("NEXT", &escape(next.as_deref().unwrap_or(SPACE))),
            ],
        )
    }

    async fn accept(
        &self,
        site: &SiteData,
        ctx: &Ctx,
        req: &Request<Vec<u8>>,
    ) -> Result<Resp, StoreError> {
        let Some(s) = &ctx.session else {
            return Ok(redirect(StatusCode::SEE_OTHER, SIGNIN));
        };
        let form = Form::parse(req.body());
        if !self.session_csrf_ok(s, req, &form) {
            return Ok(page(
                site,
                StatusCode::FORBIDDEN,
                "message",
                site.t("csrf"),
                &[("MESSAGE", site.t("csrf"))],
            ));
        }

        let audience = s.account.role.audience();
        let Some(charter) = site.manifest.charters.get(&audience) else {
            return Ok(page(
                site,
                StatusCode::SERVICE_UNAVAILABLE,
                "message",
                site.t("server_error"),
                &[("MESSAGE", site.t("server_error"))],
            ));
        };
        let client = audit::truncate_ip(ctx.client.ip);
        let target = format!("charte {} v{}", audience.as_str(), charter.version);
        self.platform
            .batch(vec![
                (
                    "INSERT OR IGNORE INTO charter_acceptances (account_id, audience, version, accepted_at) VALUES (?1, ?2, ?3, ?4)",
                    vec![s.account.id.into(), audience.as_str().into(), charter.version.clone().into(), ctx.now.into()],
                ),
                (audit::INSERT, audit::params(ctx.now, &Entry { actor: &s.account.login, action: "charter_accept", target: &target, outcome: "success", client: &client })),
            ])
            .await?;
        let next = form.get("next").and_then(safe_next);
        Ok(redirect(
            StatusCode::SEE_OTHER,
            next.as_deref().unwrap_or(SPACE),
        ))
    }

    // ---- Mon espace ---------------------------------------------------------------------

    fn space(&self, site: &SiteData, ctx: &Ctx, path: &str) -> Resp {
        let Some(s) = &ctx.session else {
            return redirect(
                StatusCode::SEE_OTHER,
                &format!("{SIGNIN}?suite={}", paths::encode_for_query(path)),
            );
        };
        if !charter_ok(site, s) {
            return redirect(
                StatusCode::SEE_OTHER,
                &format!("{ACCEPT}?suite={}", paths::encode_for_query(path)),
            );
        }
        let a = &s.account;
        let m = &site.manifest;
        let mut places = String::from("<ul class=\"tiles\">");
        let mut buckets: Vec<String> = Vec::new();
        for scope in &a.scopes {
            match (&scope.school, &scope.class) {
                (None, _) => {
                    for (id, info) in &m.schools {
                        places.push_str(&format!(
                            "<li><a href=\"{}\"><strong>{}</strong></a></li>",
                            escape(&info.path),
                            escape(&info.title)
                        ));
                        buckets.push(id.clone());
                    }
                    if a.role == accounts::Role::Admin {
                        buckets.extend(m.classes.keys().cloned());
                    }
                }
                (Some(school), None) => {
                    if let Some(info) = m.schools.get(school) {
                        places.push_str(&format!(
                            "<li><a href=\"{}\"><strong>{}</strong></a></li>",
                            escape(&info.path),
                            escape(&info.title)
                        ));
                    }
                    buckets.push(school.clone());
                    for (key, info) in m.classes.range(format!("{school}/")..) {
                        if !key.starts_with(&format!("{school}/")) {
                            break;
                        }
                        let access = Access {
                            visibility: crate::access::Visibility::Class,
                            school: Some(school.clone()),
                            class: key.split('/').nth(1).map(str::to_string),
                        };
                        if a.can_read(&access) {
                            places.push_str(&format!(
                                "<li><a href=\"{}\">{}</a></li>",
                                escape(&info.path),
                                escape(&info.title)
                            ));
                            buckets.push(key.clone());
                        }
                    }
                }
                (Some(school), Some(class)) => {
                    let key = format!("{school}/{class}");
                    if let Some(info) = m.classes.get(&key) {
                        places.push_str(&format!(
                            "<li><a href=\"{}\"><strong>{}</strong></a></li>",
                            escape(&info.path),
                            escape(&info.title)
                        ));
                    }
                    buckets.push(school.clone());
                    buckets.push(key);
                }
            }
        }
        places.push_str("</ul>");
        buckets.sort();
        buckets.dedup();
        let mut items: Vec<&crate::access::RecentItem> = buckets
            .iter()
            .filter_map(|b| m.recent.get(b))
            .flatten()
            .filter(|i| a.can_read(&i.access))
            .collect();
        items.sort_by(|x, y| y.date.cmp(&x.date).then_with(|| x.path.cmp(&y.path)));
        items.dedup_by(|x, y| x.path == y.path);
        items.truncate(10);
        let latest = if items.is_empty() {
            format!("<p>{}</p>", escape(site.t("space_nothing")))
        } else {
            let mut h = String::from("<ul class=\"links\">");
            for i in items {
                let date = crate::time::french_date(&i.date).unwrap_or_else(|| i.date.clone());
                h.push_str(&format!("<li><a href=\"{}\">{}</a> <span class=\"meta\"><time datetime=\"{}\">{}</time></span></li>", escape(&i.path), escape(&i.title), escape(&i.date), escape(&date)));
            }
            h.push_str("</ul>");
            h
        };
        let role = site.t(&format!("role_{}", a.role.as_str())).to_string();
        let token = session::csrf_token(&self.config.secret, &s.token_hash);
        let mut r = page(
            site,
            StatusCode::OK,
            "espace",
            site.t("space_title"),
            &[
                ("NAME", &escape(&a.display_name)),
                ("ROLE", &escape(&role)),
                ("PLACES", &places),
                ("LATEST", &latest),
                ("CSRF", &token),
            ],
        );
        private(&mut r);
        r
    }

    // ---- helpers ------------------------------------------------------------------------

    fn session_csrf_ok(&self, s: &Session, req: &Request<Vec<u8>>, form: &Form) -> bool {
        same_origin(req)
            && form
                .get("csrf")
                .is_some_and(|t| session::csrf_ok(&self.config.secret, &s.token_hash, t))
    }

    async fn audit(
        &self,
        ctx: &Ctx,
        actor: &str,
        action: &str,
        target: &str,
        outcome: &str,
    ) -> Result<(), StoreError> {
        let client = audit::truncate_ip(ctx.client.ip);
        let actor: String = actor.chars().take(64).collect();
        let target: String = target.chars().take(200).collect();
        audit::append(
            &self.platform,
            ctx.now,
            &Entry {
                actor: &actor,
                action,
                target: &target,
                outcome,
                client: &client,
            },
        )
        .await
    }

    fn random32(&self) -> [u8; 32] {
        let mut b = [0u8; 32];
        self.platform.fill(&mut b);
        b
    }
}

fn charter_ok(site: &SiteData, s: &Session) -> bool {
    let audience: Audience = s.account.role.audience();
    match site.manifest.charters.get(&audience) {
        Some(c) => s.has_accepted(audience.as_str(), &c.version),
        // No charter published for this audience: nothing to accept.
        None => true,
    }
}

/// A `POST` must come from our own pages: when the browser sends `Origin`, it must match.
fn same_origin(req: &Request<Vec<u8>>) -> bool {
    let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        return true;
    };
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let bare = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
    !host.is_empty() && bare == host
}

/// A redirect target after sign-in must stay on this site.
fn safe_next(raw: &str) -> Option<String> {
    if !raw.starts_with('/') || raw.starts_with("//") || raw.contains('\\') {
        return None;
    }
    paths::normalise(raw).ok().filter(|p| !p.starts_with("//"))
}

fn next_from_query(query: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "suite")
        .and_then(|(_, v)| safe_next(&v))
}

/// A parsed `application/x-www-form-urlencoded` body.
struct Form(Vec<(String, String)>);

impl Form {
    fn parse(body: &[u8]) -> Form {
        Form(form_urlencoded::parse(body).into_owned().take(20).collect())
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Fill a shell's `@@SLOT@@` markers. Values must already be HTML-safe.
fn fill(site: &SiteData, shell: &str, title: &str, slots: &[(&str, &str)]) -> String {
    let mut html = site.shells.get(shell).cloned().unwrap_or_else(|| "<!DOCTYPE html><html lang=\"fr\"><title>@@TITLE@@</title><h1>@@TITLE@@</h1><p>@@MESSAGE@@</p></html>".to_string());
    html = html
        .replace("@@TITLE@@", &escape(title))
        .replace("@@URL@@", "");
    for (k, v) in slots {
        html = html.replace(&format!("@@{k}@@"), v);
    }
    html
}

fn page(
    site: &SiteData,
    status: StatusCode,
    shell: &str,
    title: &str,
    slots: &[(&str, &str)],
) -> Resp {
    let escaped: Vec<(&str, String)> = slots
        .iter()
        .map(|(k, v)| {
            if *k == "MESSAGE" {
                (*k, escape(v))
            } else {
                (*k, v.to_string())
            }
        })
        .collect();
    let refs: Vec<(&str, &str)> = escaped.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut r = html(status, fill(site, shell, title, &refs).into_bytes());
    private(&mut r);
    r
}

fn html(status: StatusCode, body: Vec<u8>) -> Resp {
    let mut r = Response::new(body);
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}

fn private(r: &mut Resp) {
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
}

fn redirect(status: StatusCode, to: &str) -> Resp {
    let mut r = Response::new(Vec::new());
    *r.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    private(&mut r);
    r
}

fn method_not_allowed(site: &SiteData) -> Resp {
    let mut r = page(
        site,
        StatusCode::METHOD_NOT_ALLOWED,
        "message",
        site.t("method_not_allowed"),
        &[("MESSAGE", site.t("method_not_allowed"))],
    );
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD, POST"));
    r
}

fn append_cookie(r: &mut Resp, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn file_response(path: &str, body: Vec<u8>, public: bool) -> Resp {
    let mut r = Response::new(body);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(path)),
    );
    let cache = if public {
        if path.starts_with("theme/") {
            "public, max-age=86400"
        } else {
            "public, max-age=300"
        }
    } else {
        "private, no-store"
    };
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    r
}

pub fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, e)| e) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("xml") => "application/xml; charset=utf-8",
        Some("json") => "application/json",
        Some("txt") => "text/plain; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        Some("gif") => "image/gif",
        Some("pdf") => "application/pdf",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    }
}

/// The Content-Security-Policy of every response (also written to `_headers` for Workers).
pub const CSP: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Security headers of every response (HSTS is added only over HTTPS).
pub const SECURITY_HEADERS: &[(&str, &str)] = &[
    ("content-security-policy", CSP),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
    (
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    ),
    ("x-frame-options", "DENY"),
];
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Headers on every response; HSTS only where the connection is HTTPS.
pub fn security_headers(r: &mut Resp, https: bool) {
    let h = r.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        h.insert(*name, HeaderValue::from_static(value));
    }
    if https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
}

/// The same headers in Cloudflare's `_headers` format, for files served without the Worker.
pub fn headers_file() -> String {
    let mut out = String::from("/*\n");
    for (name, value) in SECURITY_HEADERS {
        out.push_str(&format!("  {name}: {value}\n"));
    }
    out.push_str(&format!(
        "  strict-transport-security: {HSTS}\n/theme/*\n  cache-control: public, max-age=86400\n"
    ));
    out
}
