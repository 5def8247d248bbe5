//! The client of the Worker's archive route (edge `features/archive.rs`): R2 objects
//! downloaded for `preau export --from-worker` and uploaded for `preau import-archive
//! --to-worker`, a few connections at a time, instead of one `wrangler r2 object` call per
//! file (about 9 s each). Every object is checked: its bytes against the `X-Preau-Sha256`
//! the route sends, an original against the content hash its key (the uploads index's
//! `hash`) names; an upload sends the SHA-256 of the archive's manifest, which the route
//! checks. Both directions resume: what is already there with the right size (and hash)
//! is skipped.

use super::integrity::{file_entry, hex};
use anyhow::{bail, Context};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The route's paths (contract), and its checksum header (edge).
const OBJECTS: &str = preau_contract::routes::ARCHIVE_OBJECTS;
const SHA256_HEADER: &str = "x-preau-sha256";
/// Connections at once unless told otherwise.
pub const DEFAULT_CONNECTIONS: usize = 6;
/// Largest object accepted from the route (its own limit for writes).
const OBJECT_MAX: u64 = 64 << 20;
/// A transport failure (connection reset, time-out) is tried again this many times.
const ATTEMPTS: u32 = 3;

/// One object the route lists.
#[derive(Debug, Clone)]
pub struct Listed {
    pub bytes: u64,
}

pub struct Remote {
    base: String,
    token: String,
    agent: ureq::Agent,
}

/// The token of `--token-file`: its first line, blanks taken off.
fn read_token(path: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("lecture du jeton {}", path.display()))?;
    let token = text.lines().next().unwrap_or("").trim().to_string();
    if token.len() < 32 {
        bail!(
            "{} : le jeton fait {} caractères ; celui du secret ARCHIVE_TOKEN du Worker en a au moins 32",
            path.display(),
            token.len()
        );
    }
    Ok(token)
}

/// An address the token may be sent to: HTTPS, or plain HTTP to this machine only (wrangler
/// dev, a tunnel).
fn check_url(url: &str) -> anyhow::Result<String> {
    let base = url.trim().trim_end_matches('/').to_string();
    let local = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
        .iter()
        .any(|p| {
            base.strip_prefix(p).is_some_and(|rest| {
                rest.is_empty() || rest.starts_with(':') || rest.starts_with('/')
            })
        });
    if !(base.starts_with("https://") || local) {
        bail!("{url} : l'adresse du Worker doit commencer par https:// (le jeton ne circule jamais en clair, sauf vers cette machine)");
    }
    Ok(base)
}

/// Why one call failed, in French for the town's IT team.
fn explain(e: ureq::Error) -> String {
    match e {
        ureq::Error::Status(code, resp) => {
            let retry = resp.header("retry-after").map(str::to_string);
            let text = resp.into_string().unwrap_or_default();
            let text = text.trim();
            match code {
                401 => "jeton refusé par le Worker : le fichier de --token-file ne contient pas le secret ARCHIVE_TOKEN du Worker".into(),
                404 if text == "inconnu" => "route d'archive absente : le Worker n'a pas de secret ARCHIVE_TOKEN (npx wrangler secret put ARCHIVE_TOKEN, puis redéployez) ou l'adresse n'est pas celle du Worker".into(),
                429 => format!(
                    "trop de jetons refusés depuis ce réseau : réessayez dans {} s",
                    retry.unwrap_or_else(|| "quelques".into())
                ),
                _ => format!("le Worker répond {code} : {text}"),
            }
        }
        ureq::Error::Transport(t) => format!("Worker injoignable : {t}"),
    }
}

fn transient(e: &ureq::Error) -> bool {
    match e {
        ureq::Error::Transport(_) => true,
        ureq::Error::Status(code, _) => *code == 502 || *code == 503 || *code == 504,
    }
}

impl Remote {
    pub fn new(url: &str, token_file: &Path, connections: usize) -> anyhow::Result<Remote> {
        let base = check_url(url)?;
        let token = read_token(token_file)?;
        let agent = ureq::AgentBuilder::new()
            .max_idle_connections_per_host(connections.max(1))
            .timeout_connect(Duration::from_secs(20))
            .timeout_read(Duration::from_secs(120))
            .timeout_write(Duration::from_secs(120))
            .build();
        Ok(Remote { base, token, agent })
    }

    fn call<T>(
        &self,
        what: &str,
        mut send: impl FnMut() -> Result<T, Box<ureq::Error>>,
    ) -> Result<T, String> {
        let mut attempt = 1;
        loop {
            match send() {
                Ok(v) => return Ok(v),
                Err(e) if attempt < ATTEMPTS && transient(&e) => {
                    std::thread::sleep(Duration::from_millis(500 * u64::from(attempt)));
                    attempt += 1;
                }
                Err(e) => return Err(format!("{what} : {}", explain(*e))),
            }
        }
    }

    fn auth(&self) -> String {
        format!("Bearer {}", self.token)
    }

    /// Every stored key, with its size, page after page.
    pub fn list(&self) -> anyhow::Result<BTreeMap<String, Listed>> {
        let mut all = BTreeMap::new();
        let mut cursor: Option<String> = None;
        loop {
            let url = format!("{}{OBJECTS}", self.base);
            let page: serde_json::Value = self
                .call("liste des objets", || {
                    let mut req = self.agent.get(&url).set("authorization", &self.auth());
                    if let Some(c) = &cursor {
                        req = req.query("apres", c);
                    }
                    req.call().map_err(Box::new)
                })
                .map_err(anyhow::Error::msg)
                .and_then(|r| {
                    let text = r.into_string()?;
                    Ok(serde_json::from_str(&text)?)
                })
                .context("liste des objets : réponse illisible")?;
            let objects = page["objects"]
                .as_array()
                .context("liste des objets : réponse sans « objects »")?;
            for o in objects {
                let (Some(key), Some(bytes)) = (o["key"].as_str(), o["bytes"].as_u64()) else {
                    bail!("liste des objets : entrée illisible {o}");
                };
                all.insert(key.to_string(), Listed { bytes });
            }
            match page["cursor"].as_str() {
                Some(c) if !objects.is_empty() => cursor = Some(c.to_string()),
                _ => return Ok(all),
            }
        }
    }

    /// One object's bytes, checked against the SHA-256 the route sent.
    fn get(&self, key: &str) -> Result<Vec<u8>, String> {
        let url = format!("{}{OBJECTS}/{key}", self.base);
        self.call(key, || {
            let resp = self
                .agent
                .get(&url)
                .set("authorization", &self.auth())
                .call()
                .map_err(Box::new)?;
            let sha = resp.header(SHA256_HEADER).unwrap_or("").to_string();
            let mut body = Vec::new();
            resp.into_reader()
                .take(OBJECT_MAX + 1)
                .read_to_end(&mut body)
                .map_err(|e| Box::new(ureq::Error::from(e)))?;
            Ok((sha, body))
        })
        .and_then(|(sha, body)| {
            if body.len() as u64 > OBJECT_MAX {
                return Err(format!("{key} : objet de plus de {} Mo", OBJECT_MAX >> 20));
            }
            if hex(&Sha256::digest(&body)) != sha {
                return Err(format!(
                    "{key} : somme de contrôle différente de celle qu'envoie le Worker (transfert abîmé)"
                ));
            }
            Ok(body)
        })
    }

    /// Write one object; `Ok(true)` when it was new, `Ok(false)` when the same bytes were
    /// already there.
    fn put(&self, key: &str, body: &[u8], sha256: &str) -> Result<bool, String> {
        let url = format!("{}{OBJECTS}/{key}", self.base);
        let resp = self.call(key, || {
            self.agent
                .put(&url)
                .set("authorization", &self.auth())
                .set(SHA256_HEADER, sha256)
                .set("content-type", "application/octet-stream")
                .send_bytes(body)
                .map_err(Box::new)
        })?;
        Ok(resp.status() == 201)
    }
}

/// Progress on stderr, at most once a second, and the totals.
struct Progress {
    quiet: bool,
    verb: &'static str,
    total: usize,
    done: AtomicUsize,
    skipped: AtomicUsize,
    bytes: AtomicU64,
    started: Instant,
    last: Mutex<Instant>,
}

impl Progress {
    fn new(quiet: bool, verb: &'static str, total: usize) -> Progress {
        Progress {
            quiet,
            verb,
            total,
            done: AtomicUsize::new(0),
            skipped: AtomicUsize::new(0),
            bytes: AtomicU64::new(0),
            started: Instant::now(),
            last: Mutex::new(Instant::now()),
        }
    }

    fn one(&self, bytes: u64, skipped: bool) {
        self.done.fetch_add(1, Ordering::Relaxed);
        if skipped {
            self.skipped.fetch_add(1, Ordering::Relaxed);
        } else {
            self.bytes.fetch_add(bytes, Ordering::Relaxed);
        }
        if self.quiet {
            return;
        }
        if let Ok(mut last) = self.last.lock() {
            if last.elapsed() >= Duration::from_secs(1) {
                *last = Instant::now();
                eprintln!("{}", self.line());
            }
        }
    }

    fn line(&self) -> String {
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let done = self.done.load(Ordering::Relaxed);
        let skipped = self.skipped.load(Ordering::Relaxed);
        let mb = self.bytes.load(Ordering::Relaxed) as f64 / 1_048_576.0;
        format!(
            "R2 : {done}/{} objets {} ({skipped} déjà là), {mb:.1} Mo en {secs:.1} s ({:.0} objets/s, {:.1} Mo/s)",
            self.total,
            self.verb,
            (done - skipped) as f64 / secs,
            mb / secs
        )
    }
}

/// Run `job` on every item with `connections` threads; the failures, in French.
fn parallel<T: Sync>(
    items: &[T],
    connections: usize,
    job: impl Fn(&T) -> Result<(), String> + Sync,
) -> Vec<String> {
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..connections.clamp(1, 16).min(items.len().max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                if let Err(e) = job(item) {
                    if let Ok(mut f) = failures.lock() {
                        f.push(e);
                    }
                }
            });
        }
    });
    failures.into_inner().unwrap_or_default()
}

fn sha_of(path: &Path) -> Option<String> {
    file_entry(path, "").ok().map(|e| e.sha256)
}

/// Download into `dir` (one file per key) the objects of `keys` that the Worker holds;
/// those already in `dir` with the listed size (and, for an original, its hash) are kept.
/// Returns how many keys the Worker does not hold (the export records them as absent).
pub fn download(
    remote: &Remote,
    keys: &[String],
    dir: &Path,
    connections: usize,
    quiet: bool,
) -> anyhow::Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("{}", dir.display()))?;
    let listed = remote.list()?;
    let wanted: Vec<(&String, u64)> = keys
        .iter()
        .filter_map(|k| listed.get(k).map(|l| (k, l.bytes)))
        .collect();
    let missing = keys.len() - wanted.len();
    let progress = Progress::new(quiet, "reçus", wanted.len());
    let failures = parallel(&wanted, connections, |(key, bytes)| {
        let path = dir.join(key);
        // An original's key is the start of its SHA-256 (the uploads index's hash).
        let original = !key.contains('-');
        let good = |p: &Path| {
            std::fs::metadata(p).is_ok_and(|m| m.len() == *bytes)
                && (!original || sha_of(p).is_some_and(|s| s.starts_with(key.as_str())))
        };
        if good(&path) {
            progress.one(*bytes, true);
            return Ok(());
        }
        let body = remote.get(key)?;
        if body.len() as u64 != *bytes {
            return Err(format!(
                "{key} : {} octets reçus au lieu des {bytes} de la liste (objet modifié pendant l'export ?)",
                body.len()
            ));
        }
        if original && !hex(&Sha256::digest(&body)).starts_with(key.as_str()) {
            return Err(format!(
                "{key} : le contenu reçu ne correspond pas à l'empreinte de l'index des dépôts"
            ));
        }
        // Written aside and renamed: a file under its key is always complete and checked.
        let part = dir.join(format!(".{key}.partiel"));
        std::fs::write(&part, &body).map_err(|e| format!("{} : {e}", part.display()))?;
        std::fs::rename(&part, &path).map_err(|e| format!("{} : {e}", path.display()))?;
        progress.one(*bytes, false);
        Ok(())
    });
    if !quiet && !wanted.is_empty() {
        eprintln!("{}", progress.line());
    }
    if !failures.is_empty() {
        bail!(
            "{} objet(s) sur {} non reçu(s) ; relancez la même commande, les objets déjà reçus sont gardés :\n  {}",
            failures.len(),
            wanted.len(),
            failures.join("\n  ")
        );
    }
    Ok(missing)
}

/// One object to upload: its key, the file of the archive and its SHA-256.
pub struct Outgoing {
    pub key: String,
    pub file: PathBuf,
    pub bytes: u64,
    pub sha256: String,
}

/// Upload the objects the Worker does not hold yet (same key and size: skipped; the route
/// refuses other bytes under a key it holds). Returns (written, already there).
pub fn upload(
    remote: &Remote,
    objects: &[Outgoing],
    connections: usize,
    quiet: bool,
) -> anyhow::Result<(usize, usize)> {
    let listed = remote.list()?;
    let progress = Progress::new(quiet, "envoyés", objects.len());
    let written = AtomicUsize::new(0);
    let failures = parallel(objects, connections, |o| {
        if listed.get(&o.key).is_some_and(|l| l.bytes == o.bytes) {
            progress.one(o.bytes, true);
            return Ok(());
        }
        let body = std::fs::read(&o.file).map_err(|e| format!("{} : {e}", o.file.display()))?;
        if remote.put(&o.key, &body, &o.sha256)? {
            written.fetch_add(1, Ordering::Relaxed);
            progress.one(o.bytes, false);
        } else {
            progress.one(o.bytes, true);
        }
        Ok(())
    });
    if !quiet && !objects.is_empty() {
        eprintln!("{}", progress.line());
    }
    if !failures.is_empty() {
        bail!(
            "{} objet(s) sur {} non envoyé(s) ; relancez la même commande, les objets déjà envoyés sont sautés :\n  {}",
            failures.len(),
            objects.len(),
            failures.join("\n  ")
        );
    }
    let w = written.load(Ordering::Relaxed);
    Ok((w, objects.len() - w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_never_travels_in_clear_text_to_another_machine() {
        assert!(check_url("https://ent.ville.fr/").is_ok());
        assert!(check_url("http://127.0.0.1:8787").is_ok());
        assert!(check_url("http://localhost:8787/").is_ok());
        for bad in [
            "http://ent.ville.fr",
            "http://127.0.0.1.exemple.fr",
            "http://localhost.exemple.fr",
            "ftp://x",
            "ent.ville.fr",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }
}
