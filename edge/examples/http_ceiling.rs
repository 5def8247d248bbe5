//! The ceiling of `preau serve`'s HTTP layer, for `benches/serve.sh`: the same hyper and
//! tokio set-up as `native::server` (header read timeout included), answering each path
//! with the built file behind it from a memory cache and a fixed set of headers (those
//! Préau sent for a gated page), with no core at all: no session, no gate, no manifest.
//! What `preau serve` costs beyond this is the core's work.
//!
//! `cargo run --release -p preau-edge --features native --example http_ceiling -- \
//!     ADDR SITE_DIR HEADERS_FILE` (one `name: value` per line, as `curl -D` writes them).

use http_body_util::Full;
use hyper::body::Bytes;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

struct Site {
    dir: PathBuf,
    files: RwLock<HashMap<String, Bytes>>,
    headers: Vec<(http::HeaderName, http::HeaderValue)>,
}

impl Site {
    fn file(&self, path: &str) -> Option<Bytes> {
        if let Some(b) = self.files.read().ok()?.get(path) {
            return Some(b.clone());
        }
        if path.contains("..") {
            return None;
        }
        let mut rel = path.trim_start_matches('/').to_string();
        if rel.is_empty() || rel.ends_with('/') {
            rel.push_str("index.html");
        }
        let bytes = Bytes::from(std::fs::read(self.dir.join(rel)).ok()?);
        self.files
            .write()
            .ok()?
            .insert(path.to_string(), bytes.clone());
        Some(bytes)
    }
}

fn headers(text: &str) -> Vec<(http::HeaderName, http::HeaderValue)> {
    text.lines()
        .filter_map(|l| l.trim_end().split_once(": "))
        .filter(|(n, _)| !matches!(n.to_ascii_lowercase().as_str(), "content-length" | "date"))
        .filter_map(|(n, v)| {
            Some((
                http::HeaderName::from_bytes(n.as_bytes()).ok()?,
                http::HeaderValue::from_str(v).ok()?,
            ))
        })
        .collect()
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, addr, dir, headers_file] = &args[..] else {
        eprintln!("usage : http_ceiling ADRESSE DOSSIER_DU_SITE FICHIER_D_EN_TETES");
        std::process::exit(2);
    };
    let site = Arc::new(Site {
        dir: PathBuf::from(dir),
        files: RwLock::new(HashMap::new()),
        headers: headers(&std::fs::read_to_string(headers_file)?),
    });
    let addr: std::net::SocketAddr = addr
        .parse()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async move {
            let listener = tokio::net::TcpListener::bind(addr).await?;
            loop {
                let (stream, _) = listener.accept().await?;
                let site = site.clone();
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(move |req: http::Request<_>| {
                        let body = site.file(req.uri().path());
                        let site = site.clone();
                        async move {
                            let found = body.is_some();
                            let mut r = http::Response::new(Full::new(body.unwrap_or_default()));
                            if found {
                                for (n, v) in &site.headers {
                                    r.headers_mut().insert(n.clone(), v.clone());
                                }
                            } else {
                                *r.status_mut() = http::StatusCode::NOT_FOUND;
                            }
                            Ok::<_, std::convert::Infallible>(r)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .timer(hyper_util::rt::TokioTimer::new())
                        .header_read_timeout(preau_edge::native::HEADER_READ_TIMEOUT)
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                        .await;
                });
            }
        })
}
