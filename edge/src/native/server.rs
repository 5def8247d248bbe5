//! The HTTP/1.1 server of `preau serve` (hyper), and the development live reload. It
//! converts requests and answers and asks the core for the body limit; nothing else.

use super::Native;
use crate::app::{BodyProblem, Edge};
use crate::client::Client;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

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
