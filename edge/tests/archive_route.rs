//! The archive route on the core (`features/archive.rs`), natively: absent without a token,
//! a signed-in director's session does not open it, a short token is refused by the config,
//! and with the token an object goes in once, lists and comes back with its checksum. The
//! same attacks run against the Worker in tests/archive.rs under `wrangler dev`.
#![cfg(feature = "native")]

mod support;

use http::{Method, Request, StatusCode};
use preau_edge::accounts::Role;
use preau_edge::testing::{block_on, local_client};
use preau_edge::EdgeConfig;
use sha2::{Digest, Sha256};
use support::{text, world, world_with, World};

const TOKEN: &str = "un-jeton-d-archive-assez-long-0123456789";

fn hex(b: &[u8]) -> String {
    Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

fn call(
    w: &World,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> preau_edge::respond::Resp {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "ent.test");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    block_on(
        w.edge
            .handle(req.body(body.to_vec()).expect("request"), local_client()),
    )
}

#[test]
fn a_short_token_is_refused_by_the_config() {
    let mut c = EdgeConfig::new(vec![7u8; 32]).expect("config");
    assert!(c.set_archive_token("court").is_err());
    assert!(c.set_archive_token(&format!("  {TOKEN}\n")).is_ok());
    assert_eq!(c.archive_token.as_deref(), Some(TOKEN.as_bytes()));
}

#[test]
fn without_a_token_the_route_is_not_there() {
    let w = world();
    let admin = w.member("dir.archive", Role::Director, "ecole-a");
    let bearer = format!("Bearer {TOKEN}");
    for path in [
        "/_preau/archive/objets",
        "/_preau/archive/objets/0123456789abcdef",
    ] {
        let r = call(
            &w,
            Method::GET,
            path,
            &[("authorization", &bearer), ("cookie", &admin)],
            b"",
        );
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

#[test]
fn with_the_token_objects_go_in_once_and_come_back() {
    let w = world_with(|c| c.set_archive_token(TOKEN).expect("token"));
    let admin = w.member("dir.archive", Role::Director, "ecole-a");
    // A session, even a director's, is not a token.
    let r = call(
        &w,
        Method::GET,
        "/_preau/archive/objets",
        &[("cookie", &admin)],
        b"",
    );
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let bearer = format!("Bearer {TOKEN}");
    let auth = [("authorization", bearer.as_str())];
    let bytes = b"des octets de photo".to_vec();
    let sha = hex(&bytes);
    let key = &sha[..16];
    let path = format!("/_preau/archive/objets/{key}");
    let put = |body: &[u8], sha: &str| {
        call(
            &w,
            Method::PUT,
            &path,
            &[auth[0], ("x-preau-sha256", sha)],
            body,
        )
    };
    // No upload row yet: refused, nothing written.
    assert_eq!(put(&bytes, &sha).status(), StatusCode::CONFLICT);
    block_on(preau_edge::store::Db::execute(
        &w.edge.platform,
        "INSERT INTO uploads (scope, hash, kind, width, height, bytes, original_name, uploader_id, created_at) \
         SELECT 'ecole-a/ce1', ?1, 'jpg', 400, 300, 19, 'p.jpg', id, 1 FROM accounts WHERE login = 'dir.archive'",
        &[key.into()],
    ))
    .expect("row");
    assert_eq!(put(&bytes, &sha).status(), StatusCode::CREATED);
    assert_eq!(
        put(&bytes, &sha).status(),
        StatusCode::OK,
        "same bytes again"
    );
    let r = call(&w, Method::GET, "/_preau/archive/objets", &auth, b"");
    assert_eq!(r.status(), StatusCode::OK);
    let v: serde_json::Value = serde_json::from_slice(r.body()).expect("json");
    assert_eq!(v["objects"][0]["key"], key);
    assert_eq!(v["objects"][0]["bytes"], bytes.len());
    assert_eq!(v["cursor"], serde_json::Value::Null);
    let r = call(&w, Method::GET, &path, &auth, b"");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.body(), &bytes);
    assert_eq!(r.headers()["x-preau-sha256"], sha.as_str());
    // The smaller versions of a 400-pixel photo do not exist: no key for them.
    let small = format!("/_preau/archive/objets/{key}-480");
    let r = call(
        &w,
        Method::PUT,
        &small,
        &[auth[0], ("x-preau-sha256", &sha)],
        &bytes,
    );
    assert_eq!(r.status(), StatusCode::CONFLICT, "{}", text(&r));
}
