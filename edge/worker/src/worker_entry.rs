//! The Workers entry points (`fetch`, `scheduled`) and the request/response conversions.

use crate::platform::WorkerPlatform;
use futures_util::StreamExt;
use preau_edge::app::{self, Client, Edge, EdgeConfig};
use std::cell::RefCell;
use std::rc::Rc;
use worker::{
    console_error, console_log, event, Context, Env, Headers, Request, Response, ScheduleContext,
    ScheduledEvent,
};

/// Largest request body accepted (forms only, so far); same as the native server.
const MAX_BODY: usize = 64 * 1024;

/// The Worker secret holding the key for anti-forgery tokens (`wrangler secret put`).
const SECRET_NAME: &str = "PREAU_SECRET";
const MIN_SECRET_LEN: usize = 32;

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

/// Why the Worker cannot start; the text is for the town's IT team.
enum SetupError {
    Secret(String),
    Binding(String),
    Site(String),
}

impl SetupError {
    fn message(&self) -> String {
        match self {
            SetupError::Secret(m) | SetupError::Binding(m) | SetupError::Site(m) => m.clone(),
        }
    }
}

async fn edge(env: &Env) -> Result<Rc<WorkerEdge>, SetupError> {
    if let Some(edge) = EDGE.with(|c| c.borrow().clone()) {
        return Ok(edge);
    }
    let secret = env
        .secret(SECRET_NAME)
        .map(|s| s.to_string())
        .unwrap_or_default();
    if secret.len() < MIN_SECRET_LEN {
        return Err(SetupError::Secret(format!(
            "Le secret {SECRET_NAME} manque ou fait moins de {MIN_SECRET_LEN} caractères. \
             Créez-le avec « npx wrangler secret put {SECRET_NAME} » (par exemple la sortie de « openssl rand -base64 48 »)."
        )));
    }
    let db = env.d1("DB").map_err(|e| {
        SetupError::Binding(format!(
            "La base D1 « DB » n'est pas liée au Worker (wrangler.toml, [[d1_databases]]) : {e}"
        ))
    })?;
    let assets = env
        .assets("ASSETS")
        .map_err(|e| SetupError::Binding(format!("Les fichiers du site (« ASSETS ») ne sont pas liés au Worker (wrangler.toml, [assets]) : {e}")))?;
    let platform = WorkerPlatform::new(db, assets);
    let edge = Edge::new(platform, EdgeConfig::new(secret.into_bytes()))
        .await
        .map_err(|e| SetupError::Site(format!("Le site construit est incomplet ({e}). Lancez scripts/build-worker.sh puis redéployez.")))?;
    let edge = Rc::new(edge);
    EDGE.with(|c| *c.borrow_mut() = Some(edge.clone()));
    Ok(edge)
}

enum BodyError {
    TooLarge,
    Read(String),
}

/// Read the body, refusing more than `MAX_BODY` bytes without buffering them.
async fn read_body(req: &mut Request) -> Result<Vec<u8>, BodyError> {
    let declared = req
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return Err(BodyError::TooLarge);
    }
    if req.inner().body().is_none() {
        return Ok(Vec::new());
    }
    let mut stream = req.stream().map_err(|e| BodyError::Read(e.to_string()))?;
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| BodyError::Read(e.to_string()))?;
        if body.len() + chunk.len() > MAX_BODY {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The Workers request as the core's `http::Request`.
async fn to_http(
    req: &mut Request,
    url: &worker::Url,
) -> Result<http::Request<Vec<u8>>, BodyError> {
    let method = http::Method::from_bytes(req.method().to_string().as_bytes())
        .map_err(|e| BodyError::Read(e.to_string()))?;
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
        _ => read_body(req).await?,
    };
    builder
        .body(body)
        .map_err(|e| BodyError::Read(e.to_string()))
}

/// The core's answer as a Workers response.
fn from_http(resp: http::Response<Vec<u8>>, head: bool) -> worker::Result<Response> {
    let (parts, body) = resp.into_parts();
    let headers = Headers::new();
    for (name, value) in &parts.headers {
        if let Ok(v) = value.to_str() {
            headers.append(name.as_str(), v)?;
        }
    }
    let body = if head { Vec::new() } else { body };
    Ok(Response::from_bytes(body)?
        .with_status(parts.status.as_u16())
        .with_headers(headers))
}

/// A short page the core could not make (it is not loaded, or the request never reached it).
fn adapter_page(status: u16, title: &str, message: &str, https: bool) -> worker::Result<Response> {
    let html = format!(
        "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{t}</title></head><body><main><h1>{t}</h1><p>{m}</p></main></body></html>",
        t = app::escape(title),
        m = app::escape(message)
    );
    let mut resp = http::Response::new(html.into_bytes());
    *resp.status_mut() =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    let h = resp.headers_mut();
    h.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    app::security_headers(&mut resp, https);
    from_http(resp, false)
}

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    let url = req.url()?;
    let https = url.scheme() == "https";
    let ip = req
        .headers()
        .get("cf-connecting-ip")?
        .and_then(|v| v.trim().parse().ok());
    let client = Client { ip, https };
    let edge = match edge(&env).await {
        Ok(edge) => edge,
        Err(e) => {
            console_error!("Préau ne peut pas démarrer : {}", e.message());
            return adapter_page(503, "Service indisponible", &e.message(), https);
        }
    };
    if url.path() == TEST_PANIC_PATH && env.var(TEST_PANIC_VAR).is_ok_and(|v| v.to_string() == "1")
    {
        test_panic(url.query() == Some("apres-attente")).await;
    }
    let head = req.method() == worker::Method::Head;
    let request = match to_http(&mut req, &url).await {
        Ok(r) => r,
        Err(BodyError::TooLarge) => {
            return adapter_page(
                413,
                "Requête trop volumineuse",
                "Le formulaire envoyé est trop volumineux.",
                https,
            )
        }
        Err(BodyError::Read(e)) => {
            console_error!("requête illisible : {e}");
            return adapter_page(
                400,
                "Requête invalide",
                "La requête n'a pas pu être lue.",
                https,
            );
        }
    };
    let response = edge.handle(request, client).await;
    from_http(response, head)
}

#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    match edge(&env).await {
        Ok(edge) => match edge.purge().await {
            Ok(n) => console_log!("Purge du journal d'audit : {n} entrée(s) plus ancienne(s) que la durée de conservation supprimée(s)."),
            Err(e) => console_error!("Purge du journal d'audit impossible : {e}"),
        },
        Err(e) => console_error!("Purge du journal d'audit impossible, Préau ne démarre pas : {}", e.message()),
    }
}
