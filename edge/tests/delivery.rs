//! Revalidation and cache rules in the core (issue 14): entity tags from the build's
//! manifest, `304` to anyone for public files and only past the gate for gated ones, the
//! `Precompressed` mark for the adapter, immutable caching only on fingerprinted names,
//! and the clear "come back later" answer when password checks queue.
#![cfg(feature = "native")]

mod support;

use http::{Method, Request, StatusCode};
use preau_edge::accounts::Role;
use preau_edge::respond::{Precompressed, Resp};
use preau_edge::testing::{block_on, local_client};
use support::{world, World};

const CLASS: &str = "/ecoles/ecole-a/classes/ce1/";

fn get_with(w: &World, uri: &str, cookie: &str, headers: &[(&str, &str)]) -> Resp {
    let mut req = Request::builder()
        .method(Method::GET)
        .uri(uri)
        .header("host", "ent.test")
        .header("cookie", cookie);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    block_on(
        w.edge
            .handle(req.body(Vec::new()).expect("request"), local_client()),
    )
}

/// Signed in, charter not accepted.
fn signed_in_only(w: &World, login: &str) -> String {
    let form = w.get("/connexion/", "");
    let csrf = support::cookie(&form, "preau_csrf");
    let token = support::input(&support::text(&form), "csrf");
    let body = format!("csrf={token}&login={login}&password={}", support::PASSWORD);
    let r = w.send(
        Method::POST,
        "/connexion/",
        &csrf,
        "application/x-www-form-urlencoded",
        body.into_bytes(),
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    support::cookie(&r, "preau_session")
}

fn header<'a>(r: &'a Resp, name: &str) -> &'a str {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[test]
fn public_files_revalidate_with_their_build_hash_and_date() {
    let w = world();
    let site = w.edge.site();
    let meta = &site.manifest.meta["index.html"];
    let r = get_with(&w, "/", "", &[]);
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "etag"), format!("\"{}\"", meta.hash));
    assert!(!header(&r, "last-modified").is_empty());
    assert_eq!(header(&r, "vary"), "accept-encoding");
    assert!(
        r.extensions().get::<Precompressed>().is_some(),
        "the build wrote copies"
    );
    let tag = header(&r, "etag").to_string();
    for sent in [
        tag.clone(),
        format!("W/{tag}"),
        format!("{}-br\"", &tag[..tag.len() - 1]),
    ] {
        let again = get_with(&w, "/", "", &[("if-none-match", &sent)]);
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{sent}");
        assert!(again.body().is_empty());
        assert_eq!(header(&again, "etag"), tag);
        assert!(!header(&again, "cache-control").is_empty());
    }
    let date = header(&r, "last-modified").to_string();
    let again = get_with(&w, "/", "", &[("if-modified-since", &date)]);
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    // A different tag wins over a matching date (the tag is the better validator).
    let r = get_with(
        &w,
        "/",
        "",
        &[("if-none-match", "\"x\""), ("if-modified-since", &date)],
    );
    assert_eq!(r.status(), StatusCode::OK);
}

#[test]
fn a_gated_304_only_comes_after_the_gate() {
    let w = world();
    let member = w.member("lea.ce1", Role::Parent, "ecole-a/ce1");
    let r = get_with(&w, CLASS, &member, &[]);
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "cache-control"), "private, no-cache");
    let tag = header(&r, "etag").to_string();
    assert!(tag.len() > 10, "{tag}");
    let r = get_with(&w, CLASS, &member, &[("if-none-match", &tag)]);
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header(&r, "cache-control"), "private, no-cache");

    let other = w.member("tom.cp", Role::Parent, "ecole-a/cp");
    w.add("ana.attente", "Ana", Role::Parent, "ecole-a/ce1");
    let pending = signed_in_only(&w, "ana.attente");
    for (who, cookie, want) in [
        ("anonyme", "", StatusCode::SEE_OTHER),
        ("autre classe", other.as_str(), StatusCode::FORBIDDEN),
        (
            "charte non acceptée",
            pending.as_str(),
            StatusCode::SEE_OTHER,
        ),
    ] {
        for h in [("if-none-match", tag.as_str()), ("if-none-match", "*")] {
            let r = get_with(&w, CLASS, cookie, &[h]);
            assert_eq!(r.status(), want, "{who} {h:?}");
            assert!(r.headers().get("etag").is_none(), "{who}: no validator");
            assert!(r.extensions().get::<Precompressed>().is_none(), "{who}");
        }
    }
}

#[test]
fn only_fingerprinted_theme_names_are_immutable() {
    let w = world();
    let site = w.edge.site();
    assert!(!site.manifest.fingerprinted.is_empty());
    for (plain, hashed) in &site.manifest.fingerprinted {
        let r = get_with(&w, &format!("/{hashed}"), "", &[]);
        assert_eq!(r.status(), StatusCode::OK, "{hashed}");
        assert_eq!(
            header(&r, "cache-control"),
            "public, max-age=31536000, immutable"
        );
        let old = get_with(&w, &format!("/{plain}"), "", &[]);
        assert_eq!(old.status(), StatusCode::OK, "{plain}");
        assert_eq!(old.body(), r.body());
        assert_eq!(header(&old, "cache-control"), "public, max-age=3600");
    }
    let home = String::from_utf8_lossy(get_with(&w, "/", "", &[]).body()).into_owned();
    let style = &site.manifest.fingerprinted["theme/style.css"];
    assert!(home.contains(&format!("href=\"/{style}\"")), "{home}");
    assert!(!home.contains("\"/theme/style.css\""));
    assert_eq!(
        header(&get_with(&w, "/", "", &[]), "cache-control"),
        "public, max-age=300"
    );
}

#[test]
fn edge_pages_are_never_stored() {
    let w = world();
    let member = w.member("lea.ce1", Role::Parent, "ecole-a/ce1");
    let r = get_with(&w, "/espace/", &member, &[]);
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "cache-control"), "private, no-store");
    assert!(r.headers().get("etag").is_none(), "no validator");
    assert!(r.extensions().get::<Precompressed>().is_none());
    // Even a matching-looking validator gets the full page.
    let r = get_with(&w, "/espace/", &member, &[("if-none-match", "*")]);
    assert_eq!(r.status(), StatusCode::OK, "with If-None-Match: *");
}

#[test]
fn signing_out_asks_the_browser_to_forget_its_copies() {
    let w = world();
    let member = w.member("lea.ce1", Role::Parent, "ecole-a/ce1");
    let sign_out = |route: &str, session: &str, csrf: &str| {
        w.send(
            Method::POST,
            route,
            session,
            "application/x-www-form-urlencoded",
            format!("csrf={csrf}").into_bytes(),
        )
    };
    // A forged sign-out changes nothing, and clears nothing.
    let space = support::text(&get_with(&w, "/espace/", &member, &[]));
    let csrf = support::input(&space, "csrf");
    let r = sign_out("/deconnexion/", &member, &format!("{csrf}x"));
    assert_ne!(r.status(), StatusCode::OK);
    assert!(r.headers().get("clear-site-data").is_none());
    assert_eq!(get_with(&w, CLASS, &member, &[]).status(), StatusCode::OK);
    for route in ["/deconnexion/", "/deconnexion/partout/"] {
        let session = w.sign_in("lea.ce1");
        let space = support::text(&get_with(&w, "/espace/", &session, &[]));
        let r = sign_out(route, &session, &support::input(&space, "csrf"));
        assert_eq!(r.status(), StatusCode::OK, "{route}");
        // The private pages a shared family tablet kept (revalidated, never shown without
        // the gate, but in its history) go with the session.
        assert_eq!(header(&r, "clear-site-data"), "\"cache\"", "{route}");
        assert_ne!(get_with(&w, CLASS, &session, &[]).status(), StatusCode::OK);
    }
}
