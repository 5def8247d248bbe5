//! The Workers entry points (`fetch`, `scheduled`) and the request/response conversions.
//! Every answer comes from the core; when the core cannot start, the page built for that
//! (`_preau/errors/503.html`) is served and the reason goes to the Workers log only.

use crate::asset_url::asset_url;
use crate::platform::WorkerPlatform;
use futures_util::StreamExt;
use preau_contract::shell::ERRORS_DIR;
use preau_contract::text::Text;
use preau_edge::store::StreamedBlob;
use preau_edge::{respond, BodyProblem, Client, Edge, EdgeConfig};
use std::cell::RefCell;
use std::rc::Rc;
use worker::{
    console_error, console_log, event, Context, Env, Headers, Request, Response, ScheduleContext,
    ScheduledEvent,
};

/// Largest upload request on the Worker (its memory is 128 MB).
const WORKER_UPLOAD_REQUEST_BYTES: usize = 24 << 20;

/// The Worker secret holding the key for anti-forgery tokens (`wrangler secret put`).
const SECRET_NAME: &str = "PREAU_SECRET";

/// The Worker secret that opens the archive route (`preau export --from-worker`); without
/// it the route does not exist.
const ARCHIVE_TOKEN_NAME: &str = "ARCHIVE_TOKEN";

/// Test hook for panic recovery (tests/worker_smoke.rs): only when the Worker runs with the
/// variable `PREAU_TEST_PANIC = "1"`, which no deployment sets. The path is under `_preau/`,
/// which the core never serves.
const TEST_PANIC_PATH: &str = "/_preau/test-panique";
const TEST_PANIC_VAR: &str = "PREAU_TEST_PANIC";

async fn test_panic(after_await: bool) {
    if after_await {
        worker::Delay::from(std::time::Duration::from_millis(5)).await;
    }
    panic!("panique de test (PREAU_TEST_PANIC)");
}

type WorkerEdge = Edge<WorkerPlatform>;

thread_local! {
    /// The core, loaded once per isolate (manifest and page shells read from the assets).
    /// A new deployment starts new isolates, so it never goes stale.
    static EDGE: RefCell<Option<Rc<WorkerEdge>>> = const { RefCell::new(None) };
}

/// Why the Worker cannot start, for the town's IT team (in the Workers log, never shown).
async fn edge(env: &Env) -> Result<Rc<WorkerEdge>, String> {
    if let Some(edge) = EDGE.with(|c| c.borrow().clone()) {
        return Ok(edge);
    }
    let secret = env
        .secret(SECRET_NAME)
        .map(|s| s.to_string())
        .unwrap_or_default();
    let config = EdgeConfig::new(secret.into_bytes()).map_err(|e| {
        format!(
            "secret {SECRET_NAME} : {e}. Créez-le avec « npx wrangler secret put {SECRET_NAME} » \
             (par exemple la sortie de « openssl rand -base64 48 »)."
        )
    })?;
    // 128 MB per request: the form's body, one decoded photo (large JPEGs decode at a
    // reduced scale) and its re-encoded versions must fit together.
    let mut config = config;
    config.uploads.media = preau_media::Limits {
        variant_widths: config.uploads.media.variant_widths.clone(),
        ..preau_media::Limits::worker()
    };
    config.uploads.request_bytes = WORKER_UPLOAD_REQUEST_BYTES;
    if let Ok(token) = env.secret(ARCHIVE_TOKEN_NAME) {
        config
            .set_archive_token(&token.to_string())
            .map_err(|e| format!("secret {ARCHIVE_TOKEN_NAME} : {e}"))?;
    }
    for (name, var) in preau_edge::uploads::SETTINGS {
        if let Ok(value) = env.var(var) {
            config
                .uploads
                .set(name, &value.to_string())
                .map_err(|e| format!("variable {var} : {e}"))?;
        }
    }
    let db = env.d1("DB").map_err(|e| {
        format!(
            "la base D1 « DB » n'est pas liée au Worker (wrangler.toml, [[d1_databases]]) : {e}"
        )
    })?;
    let assets = env.assets("ASSETS").map_err(|e| {
        format!("les fichiers du site (« ASSETS ») ne sont pas liés au Worker (wrangler.toml, [assets]) : {e}")
    })?;
    let uploads = env.bucket("UPLOADS").map_err(|e| {
        format!("le stockage R2 « UPLOADS » n'est pas lié au Worker (wrangler.toml, [[r2_buckets]]) : {e}")
    })?;
    // The online editor's forge: vars of wrangler.toml and the FORGE_TOKEN secret.
    let forge = preau_edge::forge::ForgeConfig::from_vars(|name| {
        env.secret(name)
            .map(|s| s.to_string())
            .or_else(|_| env.var(name).map(|v| v.to_string()))
            .ok()
    })
    .map_err(|e| format!("éditeur en ligne : {e}"))?;
    let edge = Edge::new(WorkerPlatform::new(db, assets, uploads, forge), config)
        .await
        .map_err(|e| format!("le site construit est incomplet ({e}) : lancez scripts/build-worker.sh puis redéployez"))?;
    let edge = Rc::new(edge);
    EDGE.with(|c| *c.borrow_mut() = Some(edge.clone()));
    Ok(edge)
}

/// Read the body, refusing more than `limit` bytes without buffering them.
async fn read_body(req: &mut Request, limit: usize) -> Result<Vec<u8>, BodyProblem> {
    let declared = req
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(BodyProblem::TooLarge);
    }
    if req.inner().body().is_none() {
        return Ok(Vec::new());
    }
    let unreadable = |e: worker::Error| {
        console_error!("corps de requête illisible : {e}");
        BodyProblem::Unreadable
    };
    let mut stream = req.stream().map_err(unreadable)?;
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(unreadable)?;
        if body.len() + chunk.len() > limit {
            return Err(BodyProblem::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The Workers request as the core's `http::Request`.
async fn to_http(
    req: &mut Request,
    url: &worker::Url,
    limit: usize,
) -> Result<http::Request<Vec<u8>>, BodyProblem> {
    let method = http::Method::from_bytes(req.method().to_string().as_bytes())
        .map_err(|_| BodyProblem::Unreadable)?;
    let mut target = url.path().to_string();
    if let Some(q) = url.query() {
        target.push('?');
        target.push_str(q);
    }
    let mut builder = http::Request::builder().method(method.clone()).uri(target);
    let mut has_host = false;
    for (name, value) in req.headers().entries() {
        has_host |= name.eq_ignore_ascii_case("host");
        builder = builder.header(name, value);
    }
    if !has_host {
        if let Some(host) = url.host_str() {
            let host = match url.port() {
                Some(p) => format!("{host}:{p}"),
                None => host.to_string(),
            };
            builder = builder.header("host", host);
        }
    }
    let body = match method {
        http::Method::GET | http::Method::HEAD => Vec::new(),
        _ => read_body(req, limit).await?,
    };
    builder.body(body).map_err(|_| BodyProblem::Unreadable)
}

/// The core's answer as a Workers response.
fn from_http(resp: http::Response<Vec<u8>>) -> worker::Result<Response> {
    let (parts, body) = resp.into_parts();
    Ok(Response::from_bytes(body)?
        .with_status(parts.status.as_u16())
        .with_headers(headers(&parts)?))
}

fn headers(parts: &http::response::Parts) -> worker::Result<Headers> {
    let headers = Headers::new();
    for (name, value) in &parts.headers {
        if let Ok(v) = value.to_str() {
            headers.append(name.as_str(), v)?;
        }
    }
    Ok(headers)
}

/// The core's answer, with its body streamed from R2 when the core left that to us.
async fn send(
    edge: &WorkerEdge,
    resp: http::Response<Vec<u8>>,
    https: bool,
) -> worker::Result<Response> {
    let Some(blob) = resp.extensions().get::<StreamedBlob>().cloned() else {
        return from_http(resp);
    };
    let (parts, _) = resp.into_parts();
    match edge
        .platform
        .blob_body(&blob.key, blob.start, blob.len)
        .await
    {
        Ok(Some(body)) => Ok(Response::from_body(body)?
            .with_status(parts.status.as_u16())
            .with_headers(headers(&parts)?)),
        Ok(None) => {
            console_error!("media sans fichier dans R2 : {}", blob.key);
            from_http(page(
                edge,
                http::StatusCode::NOT_FOUND,
                Text::NotFoundText,
                https,
            ))
        }
        Err(e) => {
            console_error!("lecture R2 de {} : {e}", blob.key);
            from_http(page(
                edge,
                http::StatusCode::SERVICE_UNAVAILABLE,
                Text::ServerError,
                https,
            ))
        }
    }
}

/// A message page of the core, with the security headers.
fn page(
    edge: &WorkerEdge,
    status: http::StatusCode,
    text: Text,
    https: bool,
) -> http::Response<Vec<u8>> {
    let mut r = respond::notice(&edge.site(), status, text);
    respond::security_headers(&mut r, https);
    r
}

/// The page built for "the service is unavailable", when the core could not start.
async fn unavailable(env: &Env, https: bool) -> worker::Result<Response> {
    let page = match env.assets("ASSETS") {
        Ok(assets) => match assets
            .fetch(asset_url(&format!("{ERRORS_DIR}/503.html")), None)
            .await
        {
            Ok(mut r) if r.status_code() == 200 => r.bytes().await.ok(),
            _ => None,
        },
        Err(_) => None,
    };
    let body = page.unwrap_or_else(|| b"<!DOCTYPE html><title>503</title><h1>503</h1>".to_vec());
    let mut resp = respond::html(http::StatusCode::SERVICE_UNAVAILABLE, body);
    resp.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    respond::security_headers(&mut resp, https);
    from_http(resp)
}

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    let url = req.url()?;
    let https = url.scheme() == "https";
    // Cloudflare sets this header itself and replaces any value the visitor sent.
    let ip = req
        .headers()
        .get("cf-connecting-ip")?
        .and_then(|v| v.trim().parse().ok());
    let client = Client { ip, https };
    let edge = match edge(&env).await {
        Ok(edge) => edge,
        Err(e) => {
            console_error!("Préau ne peut pas démarrer : {e}");
            return unavailable(&env, https).await;
        }
    };
    if url.path() == TEST_PANIC_PATH && env.var(TEST_PANIC_VAR).is_ok_and(|v| v.to_string() == "1")
    {
        test_panic(url.query() == Some("apres-attente")).await;
    }
    let limit = edge.body_limit(url.path());
    match to_http(&mut req, &url, limit).await {
        Ok(request) => send(&edge, edge.handle(request, client).await, https).await,
        Err(problem) => from_http(edge.body_refused(problem, client)),
    }
}

#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    match edge(&env).await {
        Ok(edge) => {
            match edge.purge().await {
                Ok(n) => console_log!("Purge du journal d'audit : {n} entrée(s) plus ancienne(s) que la durée de conservation supprimée(s)."),
                Err(e) => console_error!("Purge du journal d'audit impossible : {e}"),
            }
            // Saves of the online editor that the forge did not take are sent again.
            let sent = edge.send_kept_saves().await;
            if sent > 0 {
                console_log!("Éditeur en ligne : {sent} texte(s) gardé(s) envoyé(s) à la forge.");
            }
        }
        Err(e) => console_error!("Purge du journal d'audit impossible, Préau ne démarre pas : {e}"),
    }
}
