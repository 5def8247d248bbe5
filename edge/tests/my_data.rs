//! Mes données: everything stored about the signed-in person, as a page and as JSON, and
//! nothing about anyone else, never a password hash or a session token.

#![cfg(feature = "native")]

mod support;

use http::Method;
use preau_edge::accounts::Role;
use support::{input, text, world, FORM};

#[test]
fn a_parent_gets_their_own_data_and_nobody_elses() {
    let w = world();
    let parent = w.member("parent.a", Role::Parent, "ecole-a/ce1");
    let other = w.member("parent.b", Role::Parent, "ecole-a/ce1");
    // A comment by each, so that the other's must not show.
    for (session, words) in [
        (&parent, "Merci pour la sortie TEMOIN-A"),
        (&other, "Bravo TEMOIN-B"),
    ] {
        let post = "/ecoles/ecole-a/classes/ce1/la-chorale/";
        let page = text(&w.get(post, session));
        let body = format!(
            "csrf={}&page={post}&texte={}",
            input(&page, "csrf"),
            words.replace(' ', "+")
        );
        let r = w.send(
            Method::POST,
            "/commentaires/",
            session,
            FORM,
            body.into_bytes(),
        );
        assert_eq!(r.status().as_u16(), 303, "{}", text(&r));
    }
    let r = w.get("/espace/mes-donnees/", &parent);
    assert_eq!(r.status().as_u16(), 200);
    let page = text(&r);
    assert!(page.contains("parent.a"), "{page}");
    assert!(page.contains("TEMOIN-A"), "{page}");
    assert!(
        !page.contains("TEMOIN-B") && !page.contains("parent.b"),
        "{page}"
    );
    assert!(
        page.contains("signin"),
        "the sign-in is in the history: {page}"
    );
    assert!(
        page.contains("charter_accept") || page.contains("parents"),
        "{page}"
    );
    assert!(page.contains("href=\"/espace/mes-donnees/donnees.json\""));
    assert!(text(&w.get("/espace/", &parent)).contains("href=\"/espace/mes-donnees/\""));

    let r = w.get("/espace/mes-donnees/donnees.json", &parent);
    assert_eq!(r.status().as_u16(), 200);
    let header = |name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    assert!(header("content-type").starts_with("application/json"));
    assert!(header("content-disposition").contains("attachment"));
    assert!(header("cache-control").contains("no-store"));
    let json: serde_json::Value = serde_json::from_slice(r.body()).expect("JSON");
    assert_eq!(json["account"]["login"], "parent.a");
    assert_eq!(json["account"]["scopes"][0], "ecole-a/ce1");
    let comments = json["comments"].as_array().expect("comments");
    assert_eq!(comments.len(), 1);
    assert!(comments[0]["text"]
        .as_str()
        .unwrap_or("")
        .contains("TEMOIN-A"));
    assert!(!json["charter_acceptances"]
        .as_array()
        .expect("charters")
        .is_empty());
    let raw = String::from_utf8_lossy(r.body());
    for secret in ["argon2", "$argon", "token", "TEMOIN-B", "parent.b"] {
        assert!(!raw.contains(secret), "{secret} in {raw}");
    }

    // Signed out: to the sign-in page, no data.
    for path in ["/espace/mes-donnees/", "/espace/mes-donnees/donnees.json"] {
        let r = w.get(path, "");
        assert_eq!(r.status().as_u16(), 303, "{path}");
        assert!(r.body().is_empty() || !text(&r).contains("parent.a"));
    }
}
