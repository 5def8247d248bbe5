//! `POST /_preau/depot`: the forge's push webhook. When someone pushes to the content
//! repository elsewhere (the communication team from a laptop, a merge on the forge), the
//! forge calls this route and the server fetches, replays its own unpushed saves on top and
//! rebuilds what changed; a periodic fetch does the same in case a call is lost.
//!
//! The body is authenticated with the secret shared with the forge, compared in constant
//! time: `X-Hub-Signature-256: sha256=<hex>` (GitHub), `X-Gitea-Signature` or
//! `X-Forgejo-Signature: <hex>` (HMAC-SHA-256 of the body), or GitLab's `X-Gitlab-Token`
//! (GitLab sends the secret itself, not a signature: TLS protects it). Without a configured
//! secret the route does not exist (404), so an instance never syncs on an unsigned call.

use crate::app::{Ctx, Edge, Handled};
use crate::audit::{Action, Outcome};
use crate::respond::Resp;
use crate::store::repo::RepoError;
use crate::store::Platform;
use hmac::{Hmac, Mac};
use http::{header, HeaderMap, HeaderValue, Response, StatusCode};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The actor of the audit entries: the forge, not a person.
const ACTOR: &str = "forge";

pub(crate) async fn post<P: Platform>(edge: &Edge<P>, cx: &Ctx<'_>) -> Handled {
    let Some(secret) = edge.config.repo_hook_secret.as_deref() else {
        return Ok(answer(StatusCode::NOT_FOUND, "inconnu\n"));
    };
    if !signed(cx.req.headers(), cx.req.body(), secret) {
        edge.audit(cx, ACTOR, Action::RepoSync, "webhook", Outcome::Denied)
            .await?;
        return Ok(answer(StatusCode::UNAUTHORIZED, "signature refusée\n"));
    }
    // A ping (GitHub's `ping`, Gitea's test delivery) is answered without fetching.
    if event(cx.req.headers()).is_some_and(|e| e == "ping") {
        return Ok(answer(StatusCode::OK, "ok\n"));
    }
    match edge.platform.repo_sync().await {
        Ok(done) => {
            if done.changed > 0 {
                if let Err(e) = edge.reload().await {
                    edge.platform
                        .error(&format!("dépôt : rechargement du site : {e}"));
                }
            }
            let (target, outcome) = match &done.conflict {
                Some(branch) => (branch.clone(), Outcome::Failure),
                None => (format!("{} fichier(s)", done.changed), Outcome::Success),
            };
            edge.audit(cx, ACTOR, Action::RepoSync, &target, outcome)
                .await?;
            Ok(answer(StatusCode::OK, "ok\n"))
        }
        Err(RepoError::Unavailable) => Ok(answer(StatusCode::NOT_FOUND, "inconnu\n")),
        Err(e) => {
            edge.platform
                .error(&format!("dépôt : synchronisation : {e}"));
            edge.audit(cx, ACTOR, Action::RepoSync, "webhook", Outcome::Failure)
                .await?;
            // The forge shows the failed delivery and can send it again.
            Ok(answer(StatusCode::SERVICE_UNAVAILABLE, "indisponible\n"))
        }
    }
}

fn event(headers: &HeaderMap) -> Option<&str> {
    [
        "x-github-event",
        "x-gitea-event",
        "x-forgejo-event",
        "x-gitlab-event",
    ]
    .iter()
    .find_map(|h| headers.get(*h))
    .and_then(|v| v.to_str().ok())
}

/// Whether the call carries a valid signature (or GitLab token) for `body`.
pub(crate) fn signed(headers: &HeaderMap, body: &[u8], secret: &[u8]) -> bool {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(sig) = get("x-hub-signature-256") {
        return sig
            .strip_prefix("sha256=")
            .is_some_and(|hex| hmac_matches(secret, body, hex));
    }
    if let Some(hex) = get("x-forgejo-signature").or_else(|| get("x-gitea-signature")) {
        return hmac_matches(secret, body, hex);
    }
    if let Some(token) = get("x-gitlab-token") {
        return bool::from(token.as_bytes().ct_eq(secret));
    }
    false
}

fn hmac_matches(secret: &[u8], body: &[u8], hex: &str) -> bool {
    let Some(given) = decode_hex(hex.trim()) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

fn answer(status: StatusCode, body: &str) -> Resp {
    let mut r = Response::new(body.as_bytes().to_vec());
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &[u8], body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
        mac.update(body);
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn each_forge_signature_is_checked() {
        let secret = b"un secret partage avec la forge";
        let body = br#"{"ref":"refs/heads/main"}"#;
        let hex = sign(secret, body);
        let gh = format!("sha256={hex}");
        assert!(signed(
            &headers(&[("x-hub-signature-256", &gh)]),
            body,
            secret
        ));
        assert!(signed(
            &headers(&[("x-gitea-signature", &hex)]),
            body,
            secret
        ));
        assert!(signed(
            &headers(&[("x-forgejo-signature", &hex)]),
            body,
            secret
        ));
        let token = std::str::from_utf8(secret).unwrap();
        assert!(signed(&headers(&[("x-gitlab-token", token)]), body, secret));
    }

    #[test]
    fn forged_or_missing_signatures_are_refused() {
        let secret = b"un secret partage avec la forge";
        let body = br#"{"ref":"refs/heads/main"}"#;
        let hex = sign(secret, body);
        // No signature at all, a signature of another body, of another secret, truncated,
        // GitHub's without its prefix, and a wrong GitLab token.
        assert!(!signed(&HeaderMap::new(), body, secret));
        assert!(!signed(
            &headers(&[("x-gitea-signature", &hex)]),
            b"{}",
            secret
        ));
        let other = sign(b"un autre secret", body);
        assert!(!signed(
            &headers(&[("x-gitea-signature", &other)]),
            body,
            secret
        ));
        assert!(!signed(
            &headers(&[("x-gitea-signature", &hex[..62])]),
            body,
            secret
        ));
        assert!(!signed(
            &headers(&[("x-hub-signature-256", &hex)]),
            body,
            secret
        ));
        assert!(!signed(
            &headers(&[("x-gitlab-token", "devine")]),
            body,
            secret
        ));
        // A valid Gitea signature does not help a wrong GitHub one: the first header found
        // decides.
        let bad = format!("sha256={other}");
        let both = headers(&[("x-hub-signature-256", &bad), ("x-gitea-signature", &hex)]);
        assert!(!signed(&both, body, secret));
    }
}
