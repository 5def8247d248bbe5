//! The archive route, for `preau export --from-worker` and `preau import-archive
//! --to-worker`: the uploads' stored objects listed, read and written over HTTP, so that a
//! whole instance leaves Cloudflare's R2 (or comes back into it) in a few connections
//! instead of one `wrangler r2 object` call per file.
//!
//! - `GET /_preau/archive/objets[?apres=CURSEUR]`: a page of up to 1,000 keys with their
//!   size and the store's entity tag, and the cursor of the next page (JSON).
//! - `GET /_preau/archive/objets/<clé>`: one object's bytes, with its SHA-256 in
//!   `X-Preau-Sha256`.
//! - `PUT /_preau/archive/objets/<clé>`: one object written by an import. The body must
//!   match the `X-Preau-Sha256` header, an original must match the content hash its key
//!   names, the key must belong to an upload row already imported (the SQL goes first), and
//!   an existing object is never replaced by other bytes; the same bytes again answer 200,
//!   so a broken import can be run again.
//!
//! Only `Authorization: Bearer <jeton>` opens it, compared in constant time with the
//! configured token (the Worker secret `ARCHIVE_TOKEN`); no session or cookie counts.
//! Without a configured token every archive path is unknown (404). Wrong tokens are
//! throttled per client network like sign-ins, and every call is in the audit log under
//! the actor `archive`, refusals too.

use crate::app::{Ctx, Edge, Halt, Handled};
use crate::audit::{self, Action, Outcome};
use crate::respond::Resp;
use crate::store::{self, Platform};
use crate::throttle;
use http::{header, HeaderMap, HeaderValue, Method, Response, StatusCode};
use preau_contract::media::{MediaKind, VARIANT_WIDTHS};
use preau_contract::routes::ARCHIVE_OBJECTS;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The actor of the audit entries: the archive client, not a person.
const ACTOR: &str = "archive";
/// Keys per page of the listing (R2's own maximum per call).
const PAGE: usize = 1000;
/// A cursor longer than this is not one we gave.
const CURSOR_MAX: usize = 1024;
/// The header with the SHA-256 (64 lowercase hex digits) of an object's bytes.
pub const SHA256_HEADER: &str = "x-preau-sha256";

pub(crate) async fn list<P: Platform>(edge: &Edge<P>, cx: &Ctx<'_>) -> Handled {
    authorize(edge, cx, Action::ArchiveList).await?;
    let cursor = form_urlencoded::parse(cx.query.as_bytes())
        .find(|(k, _)| k == "apres")
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty());
    if cursor.as_ref().is_some_and(|c| c.len() > CURSOR_MAX) {
        edge.audit(cx, ACTOR, Action::ArchiveList, "curseur", Outcome::Refused)
            .await?;
        return Ok(answer(StatusCode::BAD_REQUEST, "curseur refusé\n"));
    }
    let page = edge.platform.list_blobs(cursor.as_deref(), PAGE).await?;
    let objects: Vec<serde_json::Value> = page
        .objects
        .iter()
        .map(|o| serde_json::json!({ "key": o.key, "bytes": o.bytes, "etag": o.etag }))
        .collect();
    let target = format!("{} objet(s)", objects.len());
    edge.audit(cx, ACTOR, Action::ArchiveList, &target, Outcome::Success)
        .await?;
    let body = serde_json::json!({ "objects": objects, "cursor": page.cursor });
    let mut r = answer(StatusCode::OK, &body.to_string());
    set(&mut r, header::CONTENT_TYPE, "application/json");
    Ok(r)
}

pub(crate) async fn object<P: Platform>(edge: &Edge<P>, cx: &Ctx<'_>) -> Handled {
    let put = cx.req.method() == Method::PUT;
    let action = if put {
        Action::ArchiveWrite
    } else {
        Action::ArchiveRead
    };
    authorize(edge, cx, action).await?;
    let raw = cx
        .path
        .strip_prefix(ARCHIVE_OBJECTS)
        .and_then(|k| k.strip_prefix('/'))
        .unwrap_or("");
    let Some(key) = Key::parse(raw) else {
        edge.audit(cx, ACTOR, action, "clé refusée", Outcome::Refused)
            .await?;
        return Ok(answer(
            StatusCode::BAD_REQUEST,
            "clé refusée : 16 chiffres hexadécimaux, suivis de -480 ou -960 pour une version réduite\n",
        ));
    };
    if put {
        write(edge, cx, &key).await
    } else {
        read(edge, cx, &key).await
    }
}

async fn read<P: Platform>(edge: &Edge<P>, cx: &Ctx<'_>, key: &Key) -> Handled {
    let name = key.name();
    let Some(blob) = edge.platform.get_blob(&name, None).await? else {
        edge.audit(cx, ACTOR, Action::ArchiveRead, &name, Outcome::Failure)
            .await?;
        return Ok(answer(StatusCode::NOT_FOUND, "objet absent\n"));
    };
    edge.audit(cx, ACTOR, Action::ArchiveRead, &name, Outcome::Success)
        .await?;
    let sha = sha256_hex(&blob.bytes);
    let len = blob.bytes.len();
    let mut r = Response::new(blob.bytes);
    set(&mut r, header::CONTENT_TYPE, "application/octet-stream");
    set(&mut r, header::CONTENT_LENGTH, &len.to_string());
    set(&mut r, header::CACHE_CONTROL, "no-store");
    if let Ok(v) = HeaderValue::from_str(&sha) {
        r.headers_mut().insert(SHA256_HEADER, v);
    }
    Ok(r)
}

async fn write<P: Platform>(edge: &Edge<P>, cx: &Ctx<'_>, key: &Key) -> Handled {
    let name = key.name();
    let body = cx.req.body();
    let refuse = |status: StatusCode, text: &'static str| async move {
        edge.audit(
            cx,
            ACTOR,
            Action::ArchiveWrite,
            &key.name(),
            Outcome::Refused,
        )
        .await?;
        Ok::<Resp, Halt>(answer(status, text))
    };
    let Some(expected) = declared_sha(cx.req.headers()) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "en-tête X-Preau-Sha256 manquant ou mal formé (64 chiffres hexadécimaux)\n",
        )
        .await;
    };
    let got = sha256_hex(body);
    if !bool::from(got.as_bytes().ct_eq(expected.as_bytes())) {
        return refuse(
            StatusCode::BAD_REQUEST,
            "somme de contrôle différente de X-Preau-Sha256 : objet abîmé en route, renvoyez-le\n",
        )
        .await;
    }
    if key.variant.is_none() && !got.starts_with(&key.hash) {
        return refuse(
            StatusCode::BAD_REQUEST,
            "le contenu ne correspond pas à l'empreinte que nomme sa clé\n",
        )
        .await;
    }
    let Some((kind, width)) = store::uploads::kind_and_width(&edge.platform, &key.hash).await?
    else {
        return refuse(
            StatusCode::CONFLICT,
            "aucun dépôt de cette clé dans la base : importez d'abord le SQL (wrangler d1 execute --file), puis les objets\n",
        )
        .await;
    };
    if key.variant.is_some_and(|v| width <= i64::from(v)) {
        return refuse(
            StatusCode::CONFLICT,
            "ce dépôt n'a pas de version réduite de cette largeur\n",
        )
        .await;
    }
    let mime = MediaKind::from_ext(&kind)
        .map(MediaKind::mime)
        .unwrap_or("application/octet-stream");
    if let Some(existing) = edge.platform.get_blob(&name, None).await? {
        if existing.bytes == body.as_slice() {
            let target = format!("{name} (identique)");
            edge.audit(cx, ACTOR, Action::ArchiveWrite, &target, Outcome::Success)
                .await?;
            return Ok(answer(StatusCode::OK, "identique\n"));
        }
        return refuse(
            StatusCode::CONFLICT,
            "un autre contenu est déjà enregistré sous cette clé : il n'est jamais remplacé\n",
        )
        .await;
    }
    edge.platform.put_blob(&name, body, mime).await?;
    edge.audit(cx, ACTOR, Action::ArchiveWrite, &name, Outcome::Success)
        .await?;
    Ok(answer(StatusCode::CREATED, "écrit\n"))
}

/// Only the bearer token opens the route: absent without one configured, throttled per
/// client network after wrong ones.
async fn authorize<P: Platform>(edge: &Edge<P>, cx: &Ctx<'_>, action: Action) -> Result<(), Halt> {
    let Some(token) = edge.config.archive_token.as_deref() else {
        return Err(answer(StatusCode::NOT_FOUND, "inconnu\n").into());
    };
    let counter = format!("archive:{}", audit::truncate_ip(cx.ip));
    let wait = store::throttle::wait_for(&edge.platform, &counter, cx.now).await?;
    if wait > 0 {
        edge.audit(cx, ACTOR, action, "jeton", Outcome::Throttled)
            .await?;
        let mut r = answer(
            StatusCode::TOO_MANY_REQUESTS,
            "trop de jetons refusés depuis ce réseau : réessayez plus tard\n",
        );
        set(&mut r, header::RETRY_AFTER, &wait.to_string());
        return Err(r.into());
    }
    let given = bearer(cx.req.headers());
    if !given.is_some_and(|g| bool::from(g.ct_eq(token))) {
        store::throttle::fail(&edge.platform, &counter, throttle::FREE_FAILURES, cx.now).await?;
        edge.audit(cx, ACTOR, action, "jeton refusé", Outcome::Denied)
            .await?;
        let mut r = answer(StatusCode::UNAUTHORIZED, "jeton refusé\n");
        set(&mut r, header::WWW_AUTHENTICATE, "Bearer");
        return Err(r.into());
    }
    Ok(())
}

/// The token of `Authorization: Bearer <jeton>` (one header only).
fn bearer(headers: &HeaderMap) -> Option<&[u8]> {
    let mut all = headers.get_all(header::AUTHORIZATION).iter();
    let value = all.next()?;
    if all.next().is_some() {
        return None;
    }
    let v = value.as_bytes();
    let scheme = v.get(..7)?;
    scheme
        .eq_ignore_ascii_case(b"bearer ")
        .then(|| v[7..].trim_ascii())
}

fn declared_sha(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(SHA256_HEADER)?.to_str().ok()?.trim();
    (v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit())).then(|| v.to_ascii_lowercase())
}

/// A stored object's key, in the only shape the uploads make (`store` keys of
/// `features::upload_store`): 16 lowercase hex digits of the content hash, and for a
/// smaller version `-<width>` of one of the widths the build names.
#[derive(Debug, PartialEq, Eq)]
struct Key {
    hash: String,
    variant: Option<u32>,
}

impl Key {
    fn parse(raw: &str) -> Option<Key> {
        let (hash, variant) = match raw.split_once('-') {
            Some((h, w)) => {
                if w.is_empty() || !w.bytes().all(|b| b.is_ascii_digit()) || w.starts_with('0') {
                    return None;
                }
                let w: u32 = w.parse().ok()?;
                if !VARIANT_WIDTHS.contains(&w) {
                    return None;
                }
                (h, Some(w))
            }
            None => (raw, None),
        };
        let hex = hash.len() == 16
            && hash
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        hex.then(|| Key {
            hash: hash.to_string(),
            variant,
        })
    }

    fn name(&self) -> String {
        match self.variant {
            Some(v) => format!("{}-{v}", self.hash),
            None => self.hash.clone(),
        }
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn set(r: &mut Resp, name: header::HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().insert(name, v);
    }
}

fn answer(status: StatusCode, body: &str) -> Resp {
    let mut r = Response::new(body.as_bytes().to_vec());
    *r.status_mut() = status;
    set(&mut r, header::CONTENT_TYPE, "text/plain; charset=utf-8");
    set(&mut r, header::CACHE_CONTROL, "no-store");
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_keys_uploads_make_are_taken() {
        assert_eq!(
            Key::parse("0123456789abcdef"),
            Some(Key {
                hash: "0123456789abcdef".into(),
                variant: None
            })
        );
        assert_eq!(
            Key::parse("0123456789abcdef-480").map(|k| k.name()),
            Some("0123456789abcdef-480".into())
        );
        for bad in [
            "",
            "..",
            "../0123456789abcdef",
            "0123456789abcdef/..",
            "0123456789ABCDEF",
            "0123456789abcde",
            "0123456789abcdef0",
            "0123456789abcdef-",
            "0123456789abcdef-481",
            "0123456789abcdef-0480",
            "0123456789abcdef-480-960",
            "0123456789abcdef.jpg",
            "0123456789abcdeg",
            "%2e%2e",
        ] {
            assert_eq!(Key::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_bearer_token_is_read_from_one_header() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc "),
        );
        assert_eq!(bearer(&h), Some(&b"abc"[..]));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer a"));
        h.append(header::AUTHORIZATION, HeaderValue::from_static("Bearer b"));
        assert_eq!(bearer(&h), None);
    }
}
