//! The content repository through a forge's HTTP "contents" API, for the Cloudflare Worker
//! (which cannot write files): Forgejo/Gitea (`/api/v1/repos/{owner}/{repo}/contents/{path}`)
//! and GitHub (`/repos/{owner}/{repo}/contents/{path}`). Each save is one commit made by the
//! forge on the configured branch, with the account as author; the push that follows runs
//! the deploy workflow that already exists, so a publication is online a few minutes later.
//!
//! Everything the forge is asked is decided here (URLs, JSON, base64, the version check);
//! the adapter only gives an `Http` that sends a request (the Worker's `fetch`), so the
//! same code runs in the core's tests against a fake forge.
//!
//! Versions are the forge's blob `sha` of the file: the editor carries it from the moment it
//! opened the post, the save sends it back as `sha`, and the forge refuses to replace a file
//! whose `sha` changed (GitHub: 409; Gitea/Forgejo: an error status, then a re-read here
//! tells a conflict from another failure). A file that exists when the editor made a new
//! post is a conflict too.

use crate::store::repo::{Change, RepoError, RepoFile, Written};
use crate::writing::Place;
use base64::Engine;
use serde_json::{json, Value};

/// Which API the forge speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForgeKind {
    /// Forgejo and Gitea (Codeberg, a town's own instance): `…/api/v1`.
    Gitea,
    /// GitHub (`https://api.github.com`, or GitHub Enterprise's `…/api/v3`).
    GitHub,
}

/// Where the content repository lives and how to write there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForgeConfig {
    pub kind: ForgeKind,
    /// The API's root, without a trailing slash (`https://codeberg.org/api/v1`,
    /// `https://api.github.com`).
    pub api: String,
    pub owner: String,
    pub repo: String,
    pub branch: String,
    /// The folder of the repository that holds `content/` (`content` in Préau's layout).
    pub content_dir: String,
    /// A token allowed to write this one repository's contents (a Worker secret).
    pub token: String,
    /// Domain of the authors' addresses (`marie.durand@<domain>`).
    pub mail_domain: String,
}

/// The Worker variables (wrangler.toml `[vars]`) and secret that configure the forge.
pub const VAR_KIND: &str = "FORGE_KIND";
pub const VAR_API: &str = "FORGE_API";
pub const VAR_REPO: &str = "FORGE_REPO";
pub const VAR_BRANCH: &str = "FORGE_BRANCH";
pub const VAR_CONTENT_DIR: &str = "FORGE_CONTENT_DIR";
pub const VAR_MAIL_DOMAIN: &str = "FORGE_MAIL_DOMAIN";
pub const SECRET_TOKEN: &str = "FORGE_TOKEN";

/// Why the forge configuration is not usable (for the Workers log, in French).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ForgeConfigError(pub String);

impl ForgeConfig {
    /// Read the configuration through `get` (the Worker's vars and secrets). `Ok(None)`:
    /// no forge is configured (the editor says it is not available).
    pub fn from_vars(
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<ForgeConfig>, ForgeConfigError> {
        let get = |name: &str| {
            get(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let Some(kind) = get(VAR_KIND) else {
            return Ok(None);
        };
        let err = |m: String| ForgeConfigError(m);
        let kind = match kind.to_ascii_lowercase().as_str() {
            "gitea" | "forgejo" => ForgeKind::Gitea,
            "github" => ForgeKind::GitHub,
            other => {
                return Err(err(format!(
                "{VAR_KIND} = « {other} » : valeurs possibles « forgejo », « gitea » ou « github »"
            )))
            }
        };
        let api = match (get(VAR_API), kind) {
            (Some(a), _) => a.trim_end_matches('/').to_string(),
            (None, ForgeKind::GitHub) => "https://api.github.com".to_string(),
            (None, ForgeKind::Gitea) => {
                return Err(err(format!(
                    "{VAR_API} manque : l'adresse de l'API de la forge, par exemple « https://forge.ville.example/api/v1 »"
                )))
            }
        };
        if !(api.starts_with("https://") || api.starts_with("http://")) {
            return Err(err(format!(
                "{VAR_API} = « {api} » : une adresse http(s):// est attendue"
            )));
        }
        let repo = get(VAR_REPO).ok_or_else(|| {
            err(format!(
                "{VAR_REPO} manque : le dépôt du contenu, sous la forme « propriétaire/dépôt »"
            ))
        })?;
        let (owner, name) = repo
            .split_once('/')
            .filter(|(o, r)| ident_ok(o) && ident_ok(r))
            .ok_or_else(|| {
                err(format!(
                    "{VAR_REPO} = « {repo} » : la forme attendue est « propriétaire/dépôt »"
                ))
            })?;
        let branch = get(VAR_BRANCH).unwrap_or_else(|| "main".into());
        if !branch.split('/').all(ident_ok) {
            return Err(err(format!(
                "{VAR_BRANCH} = « {branch} » : nom de branche refusé"
            )));
        }
        let content_dir = get(VAR_CONTENT_DIR).unwrap_or_else(|| "content".into());
        let content_dir = content_dir.trim_matches('/').to_string();
        if !content_dir.is_empty() && !content_dir.split('/').all(ident_ok) {
            return Err(err(format!(
                "{VAR_CONTENT_DIR} = « {content_dir} » : dossier refusé"
            )));
        }
        let mail_domain = get(VAR_MAIL_DOMAIN).ok_or_else(|| {
            err(format!(
                "{VAR_MAIL_DOMAIN} manque : le domaine des adresses des auteurs des commits (celui de la ville)"
            ))
        })?;
        let token = get(SECRET_TOKEN).ok_or_else(|| {
            err(format!(
                "le secret {SECRET_TOKEN} manque : « scripts/wrangler.sh secret put {SECRET_TOKEN} »"
            ))
        })?;
        Ok(Some(ForgeConfig {
            kind,
            api,
            owner: owner.into(),
            repo: name.into(),
            branch,
            content_dir,
            token,
            mail_domain,
        }))
    }
}

/// A name the forge accepts in a URL without escaping, and that cannot climb (`..`).
fn ident_ok(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// One HTTP request to the forge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<Vec<u8>>,
}

/// The forge's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Sends a request (the Worker's `fetch`; a fake forge in tests). `Err`: the forge could
/// not be reached at all.
#[allow(async_fn_in_trait)]
pub trait Http {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, String>;
}

/// The content repository on a forge.
pub struct ForgeRepo<H> {
    pub config: ForgeConfig,
    pub http: H,
}

/// Path segments as URL path parts (paths are slugs already; this is the second line).
fn encode_path(path: &str) -> String {
    path.split('/')
        .map(|s| percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC))
        .map(|s| {
            s.to_string()
                .replace("%2E", ".")
                .replace("%2D", "-")
                .replace("%5F", "_")
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A failed answer, for the logs (the forge's `message` when it sent one).
fn describe(r: &HttpResponse) -> String {
    let msg = serde_json::from_slice::<Value>(&r.body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_default();
    let msg: String = msg.chars().take(200).collect();
    format!("la forge a répondu {} {msg}", r.status)
}

/// Statuses that say "the forge cannot take it now" (try again later, keep the text),
/// as opposed to a request it refuses.
fn transient(status: u16) -> bool {
    status == 401 || status == 403 || status == 408 || status == 429 || status >= 500
}

impl<H: Http> ForgeRepo<H> {
    pub fn new(config: ForgeConfig, http: H) -> Self {
        ForgeRepo { config, http }
    }

    /// The repository path of a content path (`content/<path>`), checked again here.
    fn repo_path(&self, path: &str) -> Result<String, RepoError> {
        if Place::of_path(path).is_none() {
            return Err(RepoError::BadPath(path.to_string()));
        }
        Ok(if self.config.content_dir.is_empty() {
            path.to_string()
        } else {
            format!("{}/{path}", self.config.content_dir)
        })
    }

    fn contents_url(&self, repo_path: &str) -> String {
        let c = &self.config;
        match c.kind {
            ForgeKind::Gitea | ForgeKind::GitHub => format!(
                "{}/repos/{}/{}/contents/{}",
                c.api,
                c.owner,
                c.repo,
                encode_path(repo_path)
            ),
        }
    }

    fn headers(&self, json_body: bool) -> Vec<(&'static str, String)> {
        let c = &self.config;
        let mut h = match c.kind {
            // Gitea and Forgejo: `Authorization: token …`.
            ForgeKind::Gitea => vec![
                ("authorization", format!("token {}", c.token)),
                ("accept", "application/json".to_string()),
            ],
            // GitHub asks for its media type, an API version and a User-Agent.
            ForgeKind::GitHub => vec![
                ("authorization", format!("Bearer {}", c.token)),
                ("accept", "application/vnd.github+json".to_string()),
                ("x-github-api-version", "2022-11-28".to_string()),
            ],
        };
        h.push(("user-agent", "preau-editor".to_string()));
        if json_body {
            h.push(("content-type", "application/json".to_string()));
        }
        h
    }

    async fn get(&self, url: String) -> Result<HttpResponse, RepoError> {
        let req = HttpRequest {
            method: "GET",
            url,
            headers: self.headers(false),
            body: None,
        };
        self.http
            .send(req)
            .await
            .map_err(|e| RepoError::Unreachable(format!("forge injoignable : {e}")))
    }

    fn ref_query(&self) -> String {
        format!(
            "?ref={}",
            percent_encoding::utf8_percent_encode(
                &self.config.branch,
                percent_encoding::NON_ALPHANUMERIC
            )
        )
    }

    /// The file at `path` on the branch, with its blob `sha` as version.
    pub async fn read(&self, path: &str) -> Result<Option<RepoFile>, RepoError> {
        let repo_path = self.repo_path(path)?;
        let url = format!("{}{}", self.contents_url(&repo_path), self.ref_query());
        let r = self.get(url).await?;
        match r.status {
            200 => {}
            404 => return Ok(None),
            s if transient(s) => return Err(RepoError::Unreachable(describe(&r))),
            _ => return Err(RepoError::Failed(describe(&r))),
        }
        let v: Value = serde_json::from_slice(&r.body)
            .map_err(|e| RepoError::Failed(format!("réponse de la forge illisible : {e}")))?;
        // A folder answers with a list: not a post file.
        if v.get("type").and_then(Value::as_str) != Some("file") {
            return Ok(None);
        }
        let sha = v
            .get("sha")
            .and_then(Value::as_str)
            .ok_or_else(|| RepoError::Failed("réponse de la forge sans « sha »".into()))?;
        let content = v.get("content").and_then(Value::as_str).unwrap_or("");
        // Both forges wrap the base64 in lines; any whitespace is dropped.
        let compact: String = content.chars().filter(|c| !c.is_whitespace()).collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(compact.as_bytes())
            .map_err(|e| RepoError::Failed(format!("contenu base64 illisible : {e}")))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| RepoError::Failed(format!("{path} n'est pas du texte UTF-8")))?;
        Ok(Some(RepoFile {
            text,
            version: sha.to_string(),
        }))
    }

    /// The Markdown files of `folder` on the branch: `name.md`, and `name/index.md` for
    /// each sub-folder (not checked one by one: one request per folder listed).
    pub async fn list(&self, folder: &str) -> Result<Vec<String>, RepoError> {
        let repo_folder = if self.config.content_dir.is_empty() {
            folder.to_string()
        } else {
            format!("{}/{folder}", self.config.content_dir)
        };
        let url = format!("{}{}", self.contents_url(&repo_folder), self.ref_query());
        let r = self.get(url).await?;
        match r.status {
            200 => {}
            404 => return Ok(Vec::new()),
            s if transient(s) => return Err(RepoError::Unreachable(describe(&r))),
            _ => return Err(RepoError::Failed(describe(&r))),
        }
        let v: Value = serde_json::from_slice(&r.body)
            .map_err(|e| RepoError::Failed(format!("réponse de la forge illisible : {e}")))?;
        let mut out = Vec::new();
        for entry in v.as_array().map(Vec::as_slice).unwrap_or(&[]) {
            let name = entry.get("name").and_then(Value::as_str).unwrap_or("");
            let path = match entry.get("type").and_then(Value::as_str) {
                Some("dir") => format!("{folder}/{name}/index.md"),
                Some("file") => format!("{folder}/{name}"),
                _ => continue,
            };
            if Place::of_path(&path).is_some() {
                out.push(path);
            }
        }
        out.sort();
        Ok(out)
    }

    /// One save as one commit on the branch, if the file is still at `change.base`.
    pub async fn write(&self, c: &Change) -> Result<Written, RepoError> {
        let repo_path = self.repo_path(&c.path)?;
        // The version check before asking anything (the forge checks again when it writes:
        // `sha` must be the current blob's).
        let current = self.read(&c.path).await?;
        let current_version = current.as_ref().map(|f| f.version.clone());
        if current_version != c.base {
            return Err(RepoError::Conflict);
        }
        if let Some(f) = &current {
            if f.text == c.text {
                // Saved again unchanged: no empty commit (the forge would refuse it anyway).
                return Ok(Written {
                    version: f.version.clone(),
                    commit: String::new(),
                    pushed: None,
                    rebuild_error: None,
                    conflict: None,
                });
            }
        }
        let name: String = c
            .author_name
            .chars()
            .filter(|ch| !matches!(ch, '<' | '>') && !ch.is_control())
            .collect();
        let name = match name.trim() {
            "" => c.author_login.clone(),
            n => n.to_string(),
        };
        let address = crate::writing::author_address(&c.author_login, &self.config.mail_domain);
        let person = json!({ "name": name, "email": address });
        let committer = json!({
            "name": "Préau",
            "email": format!("preau@{}", self.config.mail_domain),
        });
        let mut body = json!({
            "message": c.message,
            "content": base64::engine::general_purpose::STANDARD.encode(c.text.as_bytes()),
            "branch": self.config.branch,
            "author": person,
            "committer": committer,
        });
        if let Some(base) = &c.base {
            body["sha"] = Value::String(base.clone());
        }
        // Gitea creates with POST and replaces with PUT; GitHub does both with PUT.
        let method = match (self.config.kind, &c.base) {
            (ForgeKind::Gitea, None) => "POST",
            _ => "PUT",
        };
        let req = HttpRequest {
            method,
            url: self.contents_url(&repo_path),
            headers: self.headers(true),
            body: Some(body.to_string().into_bytes()),
        };
        let r = self
            .http
            .send(req)
            .await
            .map_err(|e| RepoError::Unreachable(format!("forge injoignable : {e}")))?;
        match r.status {
            200 | 201 => {}
            409 => return Err(RepoError::Conflict),
            s if transient(s) => return Err(RepoError::Unreachable(describe(&r))),
            _ => {
                // Gitea answers a stale `sha` or an existing file with an error of its
                // own: the file as it is now tells a conflict from a refused request.
                let now = self.read(&c.path).await?.map(|f| f.version);
                if now != c.base {
                    return Err(RepoError::Conflict);
                }
                return Err(RepoError::Failed(describe(&r)));
            }
        }
        let v: Value = serde_json::from_slice(&r.body)
            .map_err(|e| RepoError::Failed(format!("réponse de la forge illisible : {e}")))?;
        let version = v
            .pointer("/content/sha")
            .and_then(Value::as_str)
            .ok_or_else(|| RepoError::Failed("réponse de la forge sans « content.sha »".into()))?;
        let commit = v
            .pointer("/commit/sha")
            .and_then(Value::as_str)
            .unwrap_or_default();
        Ok(Written {
            version: version.to_string(),
            commit: commit.to_string(),
            // The forge's branch is the remote: the commit is pushed once made.
            pushed: Some(Ok(())),
            rebuild_error: None,
            // The forge refuses a stale `sha` instead: a conflict never gets this far.
            conflict: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    /// A fake forge in memory: files by repository path with a counter as `sha`.
    #[derive(Default)]
    struct Fake {
        files: RefCell<BTreeMap<String, (String, String)>>,
        seen: RefCell<Vec<HttpRequest>>,
        down: std::cell::Cell<bool>,
        n: std::cell::Cell<u32>,
    }

    impl Http for &Fake {
        async fn send(&self, req: HttpRequest) -> Result<HttpResponse, String> {
            self.seen.borrow_mut().push(req.clone());
            if self.down.get() {
                return Err("connexion refusée".into());
            }
            let prefix = "https://forge.test/api/v1/repos/ville/contenu/contents/";
            let rest = req.url.strip_prefix(prefix).ok_or("url")?;
            let path = rest.split('?').next().unwrap_or("").to_string();
            let ok = |status: u16, v: Value| HttpResponse {
                status,
                body: v.to_string().into_bytes(),
            };
            let mut files = self.files.borrow_mut();
            match req.method {
                "GET" => {
                    if let Some((text, sha)) = files.get(&path) {
                        let b64 = base64::engine::general_purpose::STANDARD.encode(text);
                        // Lines of 60, as GitHub sends them.
                        let wrapped: Vec<String> = b64
                            .as_bytes()
                            .chunks(60)
                            .map(|c| String::from_utf8_lossy(c).into_owned())
                            .collect();
                        return Ok(ok(
                            200,
                            json!({"type":"file","sha":sha,"content":wrapped.join("\n"),"encoding":"base64"}),
                        ));
                    }
                    let entries: Vec<Value> = files
                        .keys()
                        .filter_map(|k| k.strip_prefix(&format!("{path}/")))
                        .map(|name| match name.split_once('/') {
                            Some((dir, _)) => json!({"name":dir,"type":"dir"}),
                            None => json!({"name":name,"type":"file"}),
                        })
                        .collect();
                    if entries.is_empty() {
                        Ok(ok(404, json!({"message":"not found"})))
                    } else {
                        Ok(ok(200, Value::Array(entries)))
                    }
                }
                "POST" | "PUT" => {
                    let body: Value = serde_json::from_slice(req.body.as_deref().unwrap_or(b""))
                        .map_err(|e| e.to_string())?;
                    let sha = body.get("sha").and_then(Value::as_str);
                    let current = files.get(&path).map(|(_, s)| s.as_str());
                    if current != sha || (req.method == "POST" && current.is_some()) {
                        return Ok(ok(422, json!({"message":"sha does not match"})));
                    }
                    let content = body["content"].as_str().unwrap_or("");
                    let text = String::from_utf8(
                        base64::engine::general_purpose::STANDARD
                            .decode(content)
                            .map_err(|e| e.to_string())?,
                    )
                    .map_err(|e| e.to_string())?;
                    self.n.set(self.n.get() + 1);
                    let new = format!("blob{}", self.n.get());
                    files.insert(path, (text, new.clone()));
                    Ok(ok(
                        201,
                        json!({"content":{"sha":new},"commit":{"sha":format!("commit{}", self.n.get())}}),
                    ))
                }
                _ => Ok(ok(405, json!({}))),
            }
        }
    }

    fn config() -> ForgeConfig {
        let vars: BTreeMap<&str, &str> = [
            (VAR_KIND, "forgejo"),
            (VAR_API, "https://forge.test/api/v1/"),
            (VAR_REPO, "ville/contenu"),
            (VAR_MAIL_DOMAIN, "ent.ville.example"),
            (SECRET_TOKEN, "jeton-secret"),
        ]
        .into_iter()
        .collect();
        ForgeConfig::from_vars(|k| vars.get(k).map(|v| v.to_string()))
            .unwrap()
            .unwrap()
    }

    fn change(path: &str, text: &str, base: Option<&str>) -> Change {
        Change {
            path: path.into(),
            text: text.into(),
            base: base.map(str::to_string),
            author_name: "Mme <Durand>\n".into(),
            author_login: "m.durand".into(),
            message: "Publication : « x »".into(),
            rebuild: true,
        }
    }

    fn block<F: std::future::Future>(f: F) -> F::Output {
        // The fake answers at once: one poll finishes every future here.
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let mut f = std::pin::pin!(f);
        match f.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => panic!("pending"),
        }
    }

    const P: &str = "ecoles/a/classes/ce1/2026-10-03-sortie.md";

    #[test]
    fn configuration_is_read_and_checked() {
        let c = config();
        assert_eq!(c.kind, ForgeKind::Gitea);
        assert_eq!(c.api, "https://forge.test/api/v1");
        assert_eq!((c.owner.as_str(), c.repo.as_str()), ("ville", "contenu"));
        assert_eq!(
            (c.branch.as_str(), c.content_dir.as_str()),
            ("main", "content")
        );
        assert_eq!(ForgeConfig::from_vars(|_| None), Ok(None));
        for (k, v) in [
            (VAR_REPO, "../x"),
            (VAR_REPO, "ville"),
            (VAR_KIND, "gitlab"),
            (VAR_BRANCH, "main/../x"),
            (VAR_API, "ftp://x"),
        ] {
            let r = ForgeConfig::from_vars(|name| {
                if name == k {
                    return Some(v.to_string());
                }
                match name {
                    VAR_KIND => Some("gitea".into()),
                    VAR_API => Some("https://f/api/v1".into()),
                    VAR_REPO => Some("a/b".into()),
                    VAR_MAIL_DOMAIN => Some("d".into()),
                    SECRET_TOKEN => Some("t".into()),
                    _ => None,
                }
            });
            assert!(r.is_err(), "{k}={v}: {r:?}");
        }
        let gh = ForgeConfig::from_vars(|name| match name {
            VAR_KIND => Some("GitHub".into()),
            VAR_REPO => Some("ville/site".into()),
            VAR_MAIL_DOMAIN => Some("d".into()),
            _ => None,
        });
        assert!(gh.unwrap_err().0.contains(SECRET_TOKEN));
    }

    #[test]
    fn saves_are_commits_with_the_author_and_the_version_check() {
        let fake = Fake::default();
        let repo = ForgeRepo::new(config(), &fake);
        assert_eq!(block(repo.read(P)), Ok(None));
        let w = block(repo.write(&change(P, "+++\ntitle = \"é\"\n+++\n\nTexte", None))).unwrap();
        assert_eq!(
            (w.version.as_str(), w.commit.as_str()),
            ("blob1", "commit1")
        );
        let seen = fake.seen.borrow().last().cloned().unwrap();
        assert_eq!(seen.method, "POST");
        assert!(seen
            .url
            .ends_with("/contents/content/ecoles/a/classes/ce1/2026-10-03-sortie.md"));
        assert!(seen
            .headers
            .contains(&("authorization", "token jeton-secret".to_string())));
        let body: Value = serde_json::from_slice(seen.body.as_deref().unwrap()).unwrap();
        assert_eq!(body["author"]["name"], "Mme Durand");
        assert_eq!(body["author"]["email"], "m.durand@ent.ville.example");
        assert_eq!(body["branch"], "main");
        assert_eq!(body["message"], "Publication : « x »");
        let f = block(repo.read(P)).unwrap().unwrap();
        assert_eq!(f.text, "+++\ntitle = \"é\"\n+++\n\nTexte");
        assert_eq!(f.version, "blob1");
        // A stale base is a conflict, before anything is sent; so is a new post's path
        // that exists by now.
        let sent = fake.seen.borrow().len();
        assert_eq!(
            block(repo.write(&change(P, "x", Some("blob0")))),
            Err(RepoError::Conflict)
        );
        assert_eq!(
            block(repo.write(&change(P, "x", None))),
            Err(RepoError::Conflict)
        );
        assert!(fake.seen.borrow()[sent..].iter().all(|r| r.method == "GET"));
        let w = block(repo.write(&change(P, "y", Some("blob1")))).unwrap();
        assert_eq!(w.version, "blob2");
        assert_eq!(fake.seen.borrow().last().unwrap().method, "PUT");
        assert_eq!(
            block(repo.list("ecoles/a/classes/ce1")).unwrap(),
            vec![P.to_string()]
        );
        // Paths the editor never writes are refused before any request.
        let sent = fake.seen.borrow().len();
        for bad in [
            "../x.md",
            "ecoles/a/classes/ce1/../../x.md",
            "charte/parents.md",
        ] {
            assert!(matches!(block(repo.read(bad)), Err(RepoError::BadPath(_))));
            assert!(matches!(
                block(repo.write(&change(bad, "x", None))),
                Err(RepoError::BadPath(_))
            ));
        }
        assert_eq!(fake.seen.borrow().len(), sent);
        // A forge that does not answer is "unreachable" (the editor keeps the text).
        fake.down.set(true);
        assert!(matches!(
            block(repo.write(&change(P, "z", Some("blob2")))),
            Err(RepoError::Unreachable(_))
        ));
    }

    #[test]
    fn github_speaks_its_own_headers() {
        let mut c = config();
        c.kind = ForgeKind::GitHub;
        let fake = Fake::default();
        let repo = ForgeRepo::new(c, &fake);
        assert!(block(repo.write(&change(P, "x", None))).is_ok());
        let put = fake.seen.borrow().last().cloned().unwrap();
        assert_eq!(put.method, "PUT");
        assert!(put
            .headers
            .contains(&("authorization", "Bearer jeton-secret".to_string())));
        assert!(put
            .headers
            .iter()
            .any(|(k, _)| *k == "x-github-api-version"));
        assert!(put.headers.iter().any(|(k, _)| *k == "user-agent"));
    }
}
