//! The HTTP/1.1 server of `preau serve` (hyper), and the development live reload. It
//! converts requests and answers and asks the core for the body limit; nothing else.

use super::Native;
use crate::app::{BodyProblem, Edge};
use crate::client::Client;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

/// Development live reload: a build counter that the injected script polls.
#[derive(Default)]
pub struct LiveReload {
    pub generation: AtomicU64,
}

const LIVE_PATH: &str = "/_preau_live";
const LIVE_SCRIPT: &str = "/_preau_live.js";
const LIVE_JS: &str = "(function(){var g=null;function p(){fetch('/_preau_live',{cache:'no-store'}).then(function(r){return r.text()}).then(function(t){if(g!==null&&t!==g){location.reload()}g=t;setTimeout(p,1000)}).catch(function(){setTimeout(p,2000)})}p()})();";

/// Time to send a request's header, and to start the next one on a kept-alive connection.
pub const HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
/// Open connections beyond which new ones are not kept alive.
const KEEP_ALIVE_MAX: usize = 512;

/// Counts the open connections while it lives.
struct OpenConnection {
    open: Arc<AtomicUsize>,
    count: usize,
}

impl OpenConnection {
    fn new(open: Arc<AtomicUsize>) -> Self {
        let count = open.fetch_add(1, Ordering::Relaxed) + 1;
        OpenConnection { open, count }
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Serve until the process ends. `https` tells the core whether a TLS proxy sits in front.
pub async fn serve(
    edge: Arc<Edge<Native>>,
    listener: tokio::net::TcpListener,
    https: bool,
    live: Option<Arc<LiveReload>>,
) -> std::io::Result<()> {
    let open = Arc::new(AtomicUsize::new(0));
    loop {
        let (stream, peer) = listener.accept().await?;
        tokio::spawn(connection(
            edge.clone(),
            stream,
            peer,
            https,
            live.clone(),
            open.clone(),
        ));
    }
}

/// One client connection, until it closes.
async fn connection(
    edge: Arc<Edge<Native>>,
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    https: bool,
    live: Option<Arc<LiveReload>>,
    open: Arc<AtomicUsize>,
) {
    // Past the cap, a connection answers one request and closes, so idle
    // keep-alive connections cannot pile up to the file descriptor limit.
    let guard = OpenConnection::new(open);
    let keep_alive = guard.count <= KEEP_ALIVE_MAX;
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
        .timer(hyper_util::rt::TokioTimer::new())
        // A client gets this long for a request's header (and an idle keep-alive
        // connection this long for its next request): half-sent headers do not
        // hold a connection open.
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .keep_alive(keep_alive)
        .serve_connection(io, svc)
        .await;
    drop(guard);
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
    // Most requests (page reads) have no body: nothing to limit or collect.
    let body = if hyper::body::Body::is_end_stream(&body) {
        Vec::new()
    } else {
        match Box::pin(collect_body(edge, parts.uri.path(), body, client)).await {
            Ok(b) => b,
            Err(refused) => return refused,
        }
    };
    let head = parts.method == http::Method::HEAD;
    // Shares the request's buffer (no copy).
    let accept = parts.headers.get(http::header::ACCEPT_ENCODING).cloned();
    let req = http::Request::from_parts(parts, body);
    let resp = edge.handle(req, client).await;
    let (mut parts, mut body) = resp.into_parts();
    let mut as_built = true;
    if live.is_some()
        && !head
        && parts
            .headers
            .get(http::header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"text/html"))
    {
        body.extend_from_slice(format!("<script src=\"{LIVE_SCRIPT}\"></script>").as_bytes());
        as_built = false;
    }
    if !head {
        let accept = accept.as_ref().and_then(|v| v.to_str().ok());
        encode(edge, &mut parts, &mut body, accept, as_built).await;
    }
    http::Response::from_parts(parts, Full::new(Bytes::from(body)))
}

/// A request's body, up to the core's limit for its path; past it (or broken off), the
/// core's answer instead.
async fn collect_body(
    edge: &Edge<Native>,
    path: &str,
    body: Incoming,
    client: Client,
) -> Result<Vec<u8>, http::Response<Full<Bytes>>> {
    match Limited::new(body, edge.body_limit(path)).collect().await {
        Ok(b) => Ok(b.to_bytes().to_vec()),
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
            Err(http::Response::from_parts(
                parts,
                Full::new(Bytes::from(body)),
            ))
        }
    }
}

/// Brotli quality for answers compressed at request time (pages changed for their reader,
/// edge pages): on the demo town's pages (`cargo bench --bench compression`, 3.7 KB on
/// average) about 0.1 ms per page for 1.06× the bytes of quality 5, which costs
/// 0.23 ms (the build itself writes quality 2: it compresses the whole site at once). gzip goes at level 1 (0.04 ms, 1.12× level 6's bytes): few clients.
const LIVE_BROTLI_QUALITY: u32 = 4;
/// Answers smaller than this go as they are.
const LIVE_MIN: usize = 1024;

/// Send the best coding the client accepts: the build's Brotli copy when the body is a
/// built file (`Precompressed`), else compress now (gzip, pages changed at request time
/// and edge pages).
/// The entity tag of a coded answer gets the coding's suffix (same bytes once decoded,
/// which the core's `If-None-Match` check knows).
async fn encode(
    edge: &Edge<Native>,
    parts: &mut http::response::Parts,
    body: &mut Vec<u8>,
    accept: Option<&str>,
    as_built: bool,
) {
    use crate::conditional::{choose, Coding};
    use http::header;
    // A `304` has no type: the core's `Vary: accept-encoding` marks a compressible file.
    let compressible = if parts.status == http::StatusCode::NOT_MODIFIED {
        parts.headers.contains_key(header::VARY)
    } else {
        parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(compressible_type)
    };
    if parts.headers.contains_key(header::CONTENT_ENCODING) || !compressible {
        return;
    }
    parts.headers.insert(
        header::VARY,
        http::HeaderValue::from_static("accept-encoding"),
    );
    let built = parts
        .extensions
        .get::<crate::respond::Precompressed>()
        .filter(|_| as_built)
        .cloned();
    let status = parts.status;
    // A `304` names the representation the full answer would have been: same choice.
    let full_len = if status == http::StatusCode::NOT_MODIFIED {
        parts
            .extensions
            .get::<crate::respond::FullLength>()
            .map_or(0, |l| l.0)
    } else {
        body.len()
    };
    let coding = match &built {
        Some(_) => choose(accept, &[Coding::Br, Coding::Gzip]),
        None if full_len < LIVE_MIN => None,
        None if !matches!(status.as_u16(), 200 | 304 | 403 | 404 | 503) => None,
        None => choose(accept, &[Coding::Br, Coding::Gzip]),
    };
    let Some(coding) = coding else { return };
    if status != http::StatusCode::NOT_MODIFIED {
        let coded = match &built {
            // The build writes a Brotli copy only; gzip (clients without Brotli, few)
            // is made now from the identity bytes.
            Some(_) if coding == Coding::Gzip => compress(body, coding),
            Some(p) => {
                use crate::store::Files;
                match edge
                    .platform
                    .read(&format!("{}.{}", p.path, coding.suffix()))
                    .await
                {
                    Ok(Some(b)) => b,
                    // The copy is gone (a rebuild under way): the identity bytes are right.
                    _ => return,
                }
            }
            None => compress(body, coding),
        };
        *body = coded;
        parts.headers.insert(
            header::CONTENT_ENCODING,
            http::HeaderValue::from_static(coding.token()),
        );
    }
    if let Some(tag) = parts
        .headers
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.strip_suffix('"'))
        .map(|t| format!("{t}-{}\"", coding.suffix()))
    {
        if let Ok(v) = http::HeaderValue::from_str(&tag) {
            parts.headers.insert(header::ETAG, v);
        }
    }
}

fn compressible_type(ct: &str) -> bool {
    let ct = ct.split(';').next().unwrap_or("").trim();
    matches!(
        ct,
        "text/html"
            | "text/css"
            | "text/javascript"
            | "text/plain"
            | "application/xml"
            | "application/json"
            | "image/svg+xml"
    )
}

fn compress(body: &[u8], coding: crate::conditional::Coding) -> Vec<u8> {
    use std::io::Write;
    match coding {
        crate::conditional::Coding::Br => {
            let mut out = Vec::with_capacity(body.len() / 3);
            {
                let mut w = brotli::CompressorWriter::new(&mut out, 4096, LIVE_BROTLI_QUALITY, 18);
                let _ = w.write_all(body);
            }
            out
        }
        crate::conditional::Coding::Gzip => {
            let mut w = flate2::write::GzEncoder::new(
                Vec::with_capacity(body.len() / 3),
                flate2::Compression::fast(),
            );
            let _ = w.write_all(body);
            w.finish().unwrap_or_default()
        }
    }
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
