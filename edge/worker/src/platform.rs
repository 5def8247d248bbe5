//! The core's storage traits on Workers: D1 for SQL, the static-assets binding for the built
//! site's files, `Date.now()` for time, `crypto.getRandomValues` for randomness, the
//! Workers console for the log, and `fetch` to the forge for the online editor's commits
//! (`preau_edge::forge` decides every request; this file only sends them).
//! Conversions only: no rule of the product lives here.

use crate::asset_url::{asset_url, ASSETS_ORIGIN};
use futures_util::future::{select, Either};
use preau_edge::forge::{ForgeConfig, ForgeRepo, Http, HttpRequest, HttpResponse};
use preau_edge::store::repo::{Change, Preview, RepoError, RepoFile, Repository, Written};
use preau_edge::store::{
    Blob, BlobInfo, BlobPage, Blobs, Clock, Db, Files, Log, Random, Row, SqlValue, Statement,
    StoreError,
};
use std::pin::pin;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use worker::{
    Bucket, D1Database, D1PreparedStatement, Fetch, Fetcher, Headers, HttpMetadata, Method, Range,
    Request, RequestInit, RequestRedirect,
};

/// Largest integer a JavaScript number (and so a D1 parameter) holds exactly.
const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

pub struct WorkerPlatform {
    db: D1Database,
    assets: Fetcher,
    uploads: Bucket,
    /// The content repository on the forge, when wrangler.toml configures one.
    forge: Option<ForgeRepo<FetchHttp>>,
}

impl WorkerPlatform {
    pub fn new(
        db: D1Database,
        assets: Fetcher,
        uploads: Bucket,
        forge: Option<ForgeConfig>,
    ) -> Self {
        WorkerPlatform {
            db,
            assets,
            uploads,
            forge: forge.map(|c| ForgeRepo::new(c, FetchHttp)),
        }
    }

    fn prepare(&self, sql: &str, params: &[SqlValue]) -> Result<D1PreparedStatement, StoreError> {
        let values = params.iter().map(to_js).collect::<Result<Vec<_>, _>>()?;
        self.db.prepare(sql).bind(&values).map_err(db_err)
    }
}

fn db_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::from_db_message(e.to_string())
}

fn files_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Files(e.to_string())
}

fn to_js(v: &SqlValue) -> Result<JsValue, StoreError> {
    match v {
        SqlValue::Null => Ok(JsValue::NULL),
        SqlValue::Int(i) if (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(i) => {
            Ok(JsValue::from_f64(*i as f64))
        }
        SqlValue::Int(i) => Err(StoreError::Db(format!(
            "entier {i} trop grand pour D1 (limite : 2^53)"
        ))),
        SqlValue::Text(s) => Ok(JsValue::from_str(s)),
    }
}

/// Same mapping as the native adapter: reals are truncated, blobs read as NULL.
fn from_js(v: JsValue) -> SqlValue {
    if let Some(f) = v.as_f64() {
        SqlValue::Int(f as i64)
    } else if let Some(s) = v.as_string() {
        SqlValue::Text(s)
    } else if v.is_bigint() {
        let text = js_sys::BigInt::from(v)
            .to_string(10)
            .map(String::from)
            .unwrap_or_default();
        text.parse().map(SqlValue::Int).unwrap_or(SqlValue::Null)
    } else {
        SqlValue::Null
    }
}

impl Db for WorkerPlatform {
    async fn query(&self, sql: &str, params: &[SqlValue]) -> Result<Vec<Row>, StoreError> {
        // `raw()` gives each row as an array, columns in the order of the SELECT.
        let rows = self
            .prepare(sql, params)?
            .raw_js_value()
            .await
            .map_err(db_err)?;
        rows.into_iter()
            .map(|row| {
                let row: js_sys::Array = row
                    .dyn_into()
                    .map_err(|_| StoreError::Db("D1 : ligne illisible".into()))?;
                Ok(row.iter().map(from_js).collect())
            })
            .collect()
    }

    async fn execute(&self, sql: &str, params: &[SqlValue]) -> Result<u64, StoreError> {
        let result = self.prepare(sql, params)?.run().await.map_err(db_err)?;
        if let Some(e) = result.error() {
            return Err(StoreError::from_db_message(e));
        }
        let changes = result
            .meta()
            .map_err(db_err)?
            .and_then(|m| m.changes)
            .unwrap_or(0);
        Ok(changes as u64)
    }

    async fn batch(&self, statements: Vec<Statement>) -> Result<(), StoreError> {
        if statements.is_empty() {
            return Ok(());
        }
        let prepared = statements
            .iter()
            .map(|(sql, params)| self.prepare(sql, params))
            .collect::<Result<Vec<_>, _>>()?;
        // D1 runs a batch as one transaction: if any statement fails, none is applied.
        let results = self.db.batch(prepared).await.map_err(db_err)?;
        match results.iter().find_map(|r| r.error()) {
            Some(e) => Err(StoreError::from_db_message(e)),
            None => Ok(()),
        }
    }
}

impl Files for WorkerPlatform {
    async fn read(&self, path: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let mut url = asset_url(path);
        // One redirect at most (a file name that `asset_url` did not foresee).
        for _ in 0..2 {
            let mut init = RequestInit::new();
            init.with_redirect(RequestRedirect::Manual);
            let mut resp = self
                .assets
                .fetch(url.clone(), Some(init))
                .await
                .map_err(files_err)?;
            match resp.status_code() {
                200 => return resp.bytes().await.map(Some).map_err(files_err),
                404 => return Ok(None),
                301 | 302 | 303 | 307 | 308 => {
                    let location = resp
                        .headers()
                        .get("location")
                        .map_err(files_err)?
                        .unwrap_or_default();
                    if !location.starts_with('/') || location.starts_with("//") {
                        break;
                    }
                    url = format!("{ASSETS_ORIGIN}{location}");
                }
                status => {
                    return Err(StoreError::Files(format!(
                        "ASSETS a répondu {status} pour {path}"
                    )))
                }
            }
        }
        Err(StoreError::Files(format!(
            "ASSETS : redirection inattendue pour {path}"
        )))
    }
}

impl Blobs for WorkerPlatform {
    async fn put_blob(&self, key: &str, bytes: &[u8], mime: &str) -> Result<(), StoreError> {
        self.uploads
            .put(key, bytes.to_vec())
            .http_metadata(HttpMetadata {
                content_type: Some(mime.to_string()),
                ..HttpMetadata::default()
            })
            .execute()
            .await
            .map_err(files_err)?;
        Ok(())
    }

    async fn get_blob(
        &self,
        key: &str,
        range: Option<(u64, Option<u64>)>,
    ) -> Result<Option<Blob>, StoreError> {
        let mut get = self.uploads.get(key);
        let start = range.map(|(s, _)| s).unwrap_or(0);
        match range {
            Some((offset, Some(end))) if end >= offset => {
                get = get.range(Range::OffsetWithLength {
                    offset,
                    length: end - offset + 1,
                });
            }
            Some((offset, _)) => get = get.range(Range::OffsetToEnd { offset }),
            None => {}
        }
        let Some(object) = get.execute().await.map_err(files_err)? else {
            return Ok(None);
        };
        let total = object.size();
        let bytes = match object.body() {
            Some(body) => body.bytes().await.map_err(files_err)?,
            None => Vec::new(),
        };
        Ok(Some(Blob {
            bytes,
            start,
            total,
        }))
    }

    async fn delete_blob(&self, key: &str) -> Result<(), StoreError> {
        self.uploads.delete(key).await.map_err(files_err)
    }

    async fn list_blobs(&self, cursor: Option<&str>, limit: usize) -> Result<BlobPage, StoreError> {
        // R2 lists at most 1,000 keys per call, in key order, with an opaque cursor.
        let mut list = self.uploads.list().limit(limit.clamp(1, 1000) as u32);
        if let Some(c) = cursor {
            list = list.cursor(c);
        }
        let page = list.execute().await.map_err(files_err)?;
        Ok(BlobPage {
            objects: page
                .objects()
                .iter()
                .map(|o| BlobInfo {
                    key: o.key(),
                    bytes: o.size(),
                    etag: Some(o.etag()),
                })
                .collect(),
            cursor: if page.truncated() {
                page.cursor()
            } else {
                None
            },
        })
    }

    async fn blob_size(&self, key: &str) -> Result<Option<u64>, StoreError> {
        Ok(self
            .uploads
            .head(key)
            .await
            .map_err(files_err)?
            .map(|o| o.size()))
    }

    fn streams(&self) -> bool {
        true
    }
}

impl WorkerPlatform {
    /// The body of `len` bytes of `key` from `start`, handed to the runtime: R2 streams it
    /// to the client without the bytes passing through the Worker.
    pub async fn blob_body(
        &self,
        key: &str,
        start: u64,
        len: u64,
    ) -> Result<Option<worker::ResponseBody>, StoreError> {
        let object = self
            .uploads
            .get(key)
            .range(Range::OffsetWithLength {
                offset: start,
                length: len,
            })
            .execute()
            .await
            .map_err(files_err)?;
        let Some(object) = object else {
            return Ok(None);
        };
        match object.body() {
            Some(body) => body.response_body().map(Some).map_err(files_err),
            None => Ok(None),
        }
    }
}

/// One request per isolate at a time, each with its own CPU budget: nothing to bound.
impl preau_edge::store::Hashing for WorkerPlatform {}

impl Log for WorkerPlatform {
    fn error(&self, message: &str) {
        worker::console_error!("Préau : {message}");
    }
}

impl Clock for WorkerPlatform {
    fn now(&self) -> i64 {
        (js_sys::Date::now() / 1000.0).floor() as i64
    }
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues, catch)]
    fn get_random_values(buf: &mut [u8]) -> Result<JsValue, JsValue>;
}

impl Random for WorkerPlatform {
    fn fill(&self, buf: &mut [u8]) {
        // getRandomValues fills at most 65,536 bytes per call.
        for chunk in buf.chunks_mut(65_536) {
            // No usable randomness means no safe session: stop this request (the entry
            // module answers 500 and starts a fresh instance) rather than continue weakly.
            if get_random_values(chunk).is_err() {
                panic!("crypto.getRandomValues indisponible");
            }
        }
    }
}

/// A forge that has not answered by then counts as unreachable (the editor keeps the text).
const FORGE_TIMEOUT_MS: u64 = 10_000;

/// The Workers `fetch`, for the forge's requests.
pub struct FetchHttp;

impl Http for FetchHttp {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, String> {
        let headers = Headers::new();
        for (k, v) in &req.headers {
            headers.set(k, v).map_err(|e| e.to_string())?;
        }
        let mut init = RequestInit::new();
        let method = match req.method {
            "POST" => Method::Post,
            "PUT" => Method::Put,
            _ => Method::Get,
        };
        init.with_method(method).with_headers(headers);
        if let Some(body) = &req.body {
            init.with_body(Some(js_sys::Uint8Array::from(body.as_slice()).into()));
        }
        let request = Request::new_with_init(&req.url, &init).map_err(|e| e.to_string())?;
        let call = async {
            let mut resp = Fetch::Request(request).send().await?;
            let body = resp.bytes().await?;
            Ok::<_, worker::Error>((resp.status_code(), body))
        };
        let timeout = worker::Delay::from(std::time::Duration::from_millis(FORGE_TIMEOUT_MS));
        match select(pin!(call), pin!(timeout)).await {
            Either::Left((Ok((status, body)), _)) => Ok(HttpResponse { status, body }),
            Either::Left((Err(e), _)) => Err(e.to_string()),
            Either::Right(_) => Err(format!("pas de réponse en {FORGE_TIMEOUT_MS} ms")),
        }
    }
}

/// The online editor commits through the forge's contents API (none configured: the
/// defaults answer "unavailable" and the editor says so). There is no generator in the
/// Worker: previews show the text, the deploy workflow's build checks it.
impl Repository for WorkerPlatform {
    fn repo_available(&self) -> bool {
        self.forge.is_some()
    }
    fn repo_deploys_later(&self) -> bool {
        true
    }
    async fn repo_read(&self, path: &str) -> Result<Option<RepoFile>, RepoError> {
        self.forge
            .as_ref()
            .ok_or(RepoError::Unavailable)?
            .read(path)
            .await
    }
    async fn repo_list(&self, folder: &str) -> Result<Vec<String>, RepoError> {
        self.forge
            .as_ref()
            .ok_or(RepoError::Unavailable)?
            .list(folder)
            .await
    }
    async fn repo_write(&self, change: Change) -> Result<Written, RepoError> {
        self.forge
            .as_ref()
            .ok_or(RepoError::Unavailable)?
            .write(&change)
            .await
    }
    async fn repo_preview(&self, _path: &str, _text: &str) -> Result<Preview, RepoError> {
        Err(RepoError::NoPreview)
    }
}
