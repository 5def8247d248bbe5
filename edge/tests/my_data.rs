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

/// The invitation letter's code (its dates, never the code nor its hash) and the posts
/// written in the online editor (whatever their state) are the person's data too; another
/// person's are not.
#[test]
fn letters_and_editor_posts_are_given_without_the_code() {
    use preau_edge::store::Db;
    let w = world();
    let teacher = w.member("enseignant.a", Role::Teacher, "ecole-a/ce1");
    w.add("enseignant.b", "Enseignant B", Role::Teacher, "ecole-a/ce1");
    let db = &w.edge.platform;
    let run = |sql: &str| {
        preau_edge::testing::block_on(db.execute(sql, &[])).expect(sql);
    };
    run("INSERT INTO activation_codes (account_id, code_hash, created_at, expires_at, used_at) SELECT id, 'HASH-DU-CODE-A', 1760000000, 1765000000, 1761000000 FROM accounts WHERE login = 'enseignant.a'");
    run("INSERT INTO activation_codes (account_id, code_hash, created_at, expires_at) SELECT id, 'HASH-DU-CODE-B', 1760000000, 1765000000 FROM accounts WHERE login = 'enseignant.b'");
    for (login, path, title, state, note, pending) in [
        (
            "enseignant.a",
            "ecoles/ecole-a/classes/ce1/2026-05-01-brouillon-a.md",
            "Brouillon TEMOIN-BROUILLON",
            "draft",
            "NULL",
            "'TEXTE-EN-ATTENTE'",
        ),
        (
            "enseignant.a",
            "ecoles/ecole-a/classes/ce1/2026-05-02-publie-a.md",
            "Publié TEMOIN-PUBLIE",
            "published",
            "'NOTE-A'",
            "NULL",
        ),
        (
            "enseignant.b",
            "ecoles/ecole-a/classes/ce1/2026-05-03-brouillon-b.md",
            "Brouillon TEMOIN-AUTRE",
            "draft",
            "NULL",
            "NULL",
        ),
    ] {
        run(&format!("INSERT INTO editor_posts (path, place, title, author_id, author_name, state, note, pending_text, created_at, updated_at) SELECT '{path}', 'classe:ecole-a/ce1', '{title}', id, display_name, '{state}', {note}, {pending}, 1770000000, 1770000100 FROM accounts WHERE login = '{login}'"));
    }

    let r = w.get("/espace/mes-donnees/donnees.json", &teacher);
    assert_eq!(r.status().as_u16(), 200);
    let raw = String::from_utf8_lossy(r.body()).into_owned();
    for secret in ["HASH-DU-CODE", "code_hash", "TEMOIN-AUTRE"] {
        assert!(!raw.contains(secret), "{secret} in {raw}");
    }
    let json: serde_json::Value = serde_json::from_slice(r.body()).expect("JSON");
    let letters = json["activation_letters"].as_array().expect("letters");
    assert_eq!(letters.len(), 1, "{raw}");
    assert_eq!(letters[0]["created_at"], "2025-10-09T08:53:20Z");
    assert_eq!(letters[0]["used_at"], "2025-10-20T22:40:00Z");
    let posts = json["editor_posts"].as_array().expect("posts");
    assert_eq!(posts.len(), 2, "{raw}");
    let by_state = |s: &str| {
        posts
            .iter()
            .find(|p| p["state"] == s)
            .unwrap_or_else(|| panic!("no {s} post in {raw}"))
    };
    assert_eq!(by_state("draft")["title"], "Brouillon TEMOIN-BROUILLON");
    assert_eq!(by_state("draft")["pending_text"], "TEXTE-EN-ATTENTE");
    assert_eq!(by_state("draft")["blog"], "classe:ecole-a/ce1");
    assert_eq!(by_state("published")["note"], "NOTE-A");

    let page = text(&w.get("/espace/mes-donnees/", &teacher));
    assert!(
        page.contains("Mes lettres d&#39;invitation")
            || page.contains("Mes lettres d'invitation")
            || page.contains("Mes lettres d&#x27;invitation"),
        "{page}"
    );
    assert!(
        page.contains("code utilisé le 2025-10-20T22:40:00Z"),
        "{page}"
    );
    assert!(
        page.contains("TEMOIN-BROUILLON") && page.contains("TEMOIN-PUBLIE"),
        "{page}"
    );
    assert!(
        !page.contains("TEMOIN-AUTRE") && !page.contains("HASH-DU-CODE"),
        "{page}"
    );
}
