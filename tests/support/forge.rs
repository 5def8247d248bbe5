//! A local forge for the Worker's online-editor tests: the subset of the Forgejo/Gitea
//! "contents" API that `preau_edge::forge` uses, written from the public API reference
//! (`GET /api/v1/repos/{owner}/{repo}/contents/{filepath}?ref=` answers a file with its
//! base64 `content` and blob `sha`, or a folder as a list of entries; `POST` creates a file,
//! `PUT` replaces one and needs the current `sha`; both take `content` in base64,
//! `message`, `branch`, `author` and `committer`, and answer `content.sha` and `commit.sha`;
//! the token comes as `Authorization: token …`).
//!
//! It checks the token (401 otherwise), refuses a stale `sha` (422, as Gitea's "sha does
//! not match"), records every commit, and can be put "down" (503 to everything), as a
//! forge in maintenance.

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// One commit the forge made.
#[derive(Debug, Clone)]
pub struct Commit {
    pub method: String,
    /// Repository path (`content/ecoles/…`).
    pub path: String,
    pub text: String,
    pub message: String,
    pub author_name: String,
    pub author_email: String,
    pub branch: String,
}

#[derive(Default)]
struct State {
    /// Files by repository path: text and blob sha.
    files: BTreeMap<String, (String, String)>,
    commits: Vec<Commit>,
}

pub struct MockForge {
    pub port: u16,
    pub token: String,
    state: Arc<Mutex<State>>,
    down: Arc<AtomicBool>,
    /// Requests refused for a missing or wrong token.
    pub unauthorised: Arc<AtomicUsize>,
}

const PREFIX: &str = "/api/v1/repos/ville/contenu/contents/";

fn sha_of(text: &str) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(text.as_bytes());
    d[..20].iter().map(|b| format!("{b:02x}")).collect()
}

fn b64(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn unb64(s: &str) -> Option<String> {
    use base64::Engine;
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    String::from_utf8(base64::engine::general_purpose::STANDARD.decode(s).ok()?).ok()
}

impl MockForge {
    pub fn start(token: &str) -> MockForge {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let forge = MockForge {
            port,
            token: token.to_string(),
            state: Arc::default(),
            down: Arc::default(),
            unauthorised: Arc::default(),
        };
        let (state, down, bad, token) = (
            forge.state.clone(),
            forge.down.clone(),
            forge.unauthorised.clone(),
            forge.token.clone(),
        );
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (state, down, bad, token) =
                    (state.clone(), down.clone(), bad.clone(), token.clone());
                std::thread::spawn(move || {
                    let _ = serve(stream, &state, &down, &bad, &token);
                });
            }
        });
        forge
    }

    /// The API root, as the Worker's `FORGE_API`.
    pub fn api(&self) -> String {
        format!("http://127.0.0.1:{}/api/v1", self.port)
    }

    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    pub fn commits(&self) -> Vec<Commit> {
        self.state.lock().expect("state").commits.clone()
    }

    pub fn file(&self, path: &str) -> Option<String> {
        self.state
            .lock()
            .expect("state")
            .files
            .get(path)
            .map(|(t, _)| t.clone())
    }

    pub fn files(&self) -> BTreeMap<String, String> {
        let s = self.state.lock().expect("state");
        s.files
            .iter()
            .map(|(k, (t, _))| (k.clone(), t.clone()))
            .collect()
    }

    /// Change a file as someone pushing from a laptop would (a new sha, no API commit).
    pub fn push_from_elsewhere(&self, path: &str, text: &str) {
        let mut s = self.state.lock().expect("state");
        s.files
            .insert(path.to_string(), (text.to_string(), sha_of(text)));
    }
}

fn respond(stream: &mut TcpStream, status: u16, body: &Value) -> std::io::Result<()> {
    let body = body.to_string();
    write!(
        stream,
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()
}

fn serve(
    mut stream: TcpStream,
    state: &Mutex<State>,
    down: &AtomicBool,
    bad: &AtomicUsize,
    token: &str,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("").to_string();
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h)?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body)?;
    if down.load(Ordering::SeqCst) {
        return respond(&mut stream, 503, &json!({"message": "maintenance"}));
    }
    if headers.get("authorization").map(String::as_str) != Some(format!("token {token}").as_str()) {
        bad.fetch_add(1, Ordering::SeqCst);
        return respond(&mut stream, 401, &json!({"message": "token is required"}));
    }
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let Some(path) = path.strip_prefix(PREFIX) else {
        return respond(&mut stream, 404, &json!({"message": "not found"}));
    };
    let path = path.to_string();
    let mut s = state.lock().expect("state");
    match method.as_str() {
        "GET" => {
            if query != "ref=main" {
                return respond(&mut stream, 400, &json!({"message": "ref"}));
            }
            if let Some((text, sha)) = s.files.get(&path) {
                return respond(
                    &mut stream,
                    200,
                    &json!({"type": "file", "name": path.rsplit('/').next(), "path": path,
                            "sha": sha, "encoding": "base64", "content": b64(text)}),
                );
            }
            let mut names = BTreeMap::new();
            for k in s.files.keys() {
                if let Some(rest) = k.strip_prefix(&format!("{path}/")) {
                    match rest.split_once('/') {
                        Some((dir, _)) => names.insert(dir.to_string(), "dir"),
                        None => names.insert(rest.to_string(), "file"),
                    };
                }
            }
            if names.is_empty() {
                return respond(&mut stream, 404, &json!({"message": "not found"}));
            }
            let list: Vec<Value> = names
                .iter()
                .map(|(n, t)| json!({"name": n, "type": t, "path": format!("{path}/{n}")}))
                .collect();
            respond(&mut stream, 200, &Value::Array(list))
        }
        "POST" | "PUT" => {
            let Ok(v) = serde_json::from_slice::<Value>(&body) else {
                return respond(&mut stream, 400, &json!({"message": "json"}));
            };
            let current = s.files.get(&path).map(|(_, sha)| sha.clone());
            let sent = v.get("sha").and_then(Value::as_str).map(str::to_string);
            let ok = match method.as_str() {
                "POST" => current.is_none(),
                _ => current.is_some() && current == sent,
            };
            if !ok {
                return respond(&mut stream, 422, &json!({"message": "sha does not match"}));
            }
            let Some(text) = v["content"].as_str().and_then(unb64) else {
                return respond(&mut stream, 400, &json!({"message": "content"}));
            };
            let sha = sha_of(&text);
            s.files.insert(path.clone(), (text.clone(), sha.clone()));
            s.commits.push(Commit {
                method: method.clone(),
                path,
                text,
                message: v["message"].as_str().unwrap_or("").to_string(),
                author_name: v["author"]["name"].as_str().unwrap_or("").to_string(),
                author_email: v["author"]["email"].as_str().unwrap_or("").to_string(),
                branch: v["branch"].as_str().unwrap_or("").to_string(),
            });
            let n = s.commits.len();
            respond(
                &mut stream,
                if method == "POST" { 201 } else { 200 },
                &json!({"content": {"sha": sha}, "commit": {"sha": format!("{n:040x}")}}),
            )
        }
        _ => respond(&mut stream, 405, &json!({"message": "method"})),
    }
}
