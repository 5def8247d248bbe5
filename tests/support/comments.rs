//! HTTP scenarios of comments and moderation, run by both adapters (listed in
//! `scenario_lists!` of scenarios.rs): a parent's comment waits for the teacher, is invisible
//! to other families until approved, then shows to them; refusals (another class, a public
//! post, forged and cross-origin posts); hostile text stays text.

use super::client::Resp;
use super::scenarios::{member, Target, CLASS, OTHER_CLASS, POST_URL};

/// A public post of class CE1: it never takes comments.
const PUBLIC_POST_URL: &str = "/ecoles/ecole-a/classes/ce1/spectacle/";

fn comments_section(r: &Resp) -> &str {
    let start = r
        .body
        .find("id=\"commentaires\"")
        .expect("comments section");
    let end = r.body[start..].find("</section>").expect("end of section") + start;
    &r.body[start..end]
}

/// A parent comments: "en attente" for them, nothing for another parent, the teacher sees
/// it counted on Mon espace and in the queue, approves it, and the other parent sees it.
pub fn comment_pending_then_approved(t: &dyn Target) {
    let mut author = member(t, "commente.parent", "parent", Some(CLASS));
    let mut other = member(t, "commente.autre", "parent", Some(CLASS));
    let mut teacher = member(t, "commente.prof", "teacher", Some(CLASS));
    let page = author.get(POST_URL);
    assert_eq!(page.status, 200);
    assert_eq!(page.header("cache-control"), Some("private, no-cache"));
    let before = other.get(POST_URL);
    let tag_before = before.header("etag").unwrap_or("").to_string();
    assert!(
        !tag_before.is_empty(),
        "a page with comments has a validator"
    );
    assert_ne!(
        page.header("etag"),
        Some(tag_before.as_str()),
        "one per reader"
    );
    let form = comments_section(&page);
    assert!(form.contains("action=\"/commentaires/\""), "{form}");
    let csrf = page.csrf();
    let r = author.post(
        "/commentaires/",
        &[
            ("csrf", &csrf),
            ("page", POST_URL),
            ("texte", "Merci pour la sortie ! TEMOIN-COMMENTAIRE"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        r.location(),
        format!("{POST_URL}?commentaire=attente#commentaires")
    );
    let mine = author.get(&format!("{POST_URL}?commentaire=attente"));
    let mine = comments_section(&mine);
    assert!(mine.contains("TEMOIN-COMMENTAIRE"));
    assert!(mine.contains("en attente de validation"));
    assert!(mine.contains("role=\"status\""));
    assert!(!comments_section(&other.get(POST_URL)).contains("TEMOIN-COMMENTAIRE"));
    let space = teacher.get("/espace/");
    assert!(
        space.body.contains("href=\"/espace/moderation/\""),
        "{}",
        space.body
    );
    assert!(space.body.contains("data-pending=\"1\""), "{}", space.body);
    let queue = teacher.get("/espace/moderation/");
    assert_eq!(queue.status, 200);
    assert!(queue.body.contains("TEMOIN-COMMENTAIRE"));
    let max = super::client::input_value(&queue.body, "jusqua");
    let r = teacher.post(
        "/espace/moderation/",
        &[
            ("csrf", &queue.csrf()),
            ("action", "tout"),
            ("classe", ""),
            ("jusqua", &max),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let seen = other.get(POST_URL);
    assert!(comments_section(&seen).contains("TEMOIN-COMMENTAIRE"));
    assert!(!comments_section(&seen).contains("en attente de validation"));
    // The other parent's kept copy is stale now: the tag moved with the comment.
    assert!(!seen.header("etag").unwrap_or("").is_empty());
    assert_ne!(seen.header("etag"), Some(tag_before.as_str()));
}

/// Refusals: another class's parent, a public post, a forged token, another origin; and a
/// hostile comment shows as text.
pub fn comment_refusals(t: &dyn Target) {
    let mut parent = member(t, "critique.parent", "parent", Some(CLASS));
    let mut stranger = member(t, "critique.cp", "parent", Some(OTHER_CLASS));
    let mut teacher = member(t, "critique.prof", "teacher", Some(CLASS));
    let csrf = parent.get("/espace/").csrf();
    let post = |b: &mut super::client::Browser, csrf: &str, page: &str, texte: &str| {
        b.post(
            "/commentaires/",
            &[("csrf", csrf), ("page", page), ("texte", texte)],
        )
    };
    let other_csrf = stranger.get("/espace/").csrf();
    assert_eq!(stranger.get(POST_URL).status, 403);
    assert_eq!(
        post(&mut stranger, &other_csrf, POST_URL, "Bonjour").status,
        403
    );
    let public = parent.get(PUBLIC_POST_URL);
    assert_eq!(public.status, 200);
    assert!(!public.body.contains("action=\"/commentaires/\""));
    assert_eq!(
        post(&mut parent, &csrf, PUBLIC_POST_URL, "Bonjour").status,
        403
    );
    assert_eq!(post(&mut parent, "faux", POST_URL, "Bonjour").status, 403);
    let r = parent.post_with(
        "/commentaires/",
        &[("csrf", &csrf), ("page", POST_URL), ("texte", "Bonjour")],
        &[("origin", "https://pirate.example")],
    );
    assert_eq!(r.status, 403);
    let hostile = "<script>alert(1)</script><img src=x onerror=alert(1)> \"><svg onload=alert(1)> javascript:alert(1) https://x.example/\"onmouseover=\"alert(1)";
    assert_eq!(post(&mut parent, &csrf, POST_URL, hostile).status, 303);
    let queue = teacher.get("/espace/moderation/");
    let max = super::client::input_value(&queue.body, "jusqua");
    let r = teacher.post(
        "/espace/moderation/",
        &[
            ("csrf", &queue.csrf()),
            ("action", "tout"),
            ("classe", ""),
            ("jusqua", &max),
        ],
    );
    assert_eq!(r.status, 303);
    for (who, b) in [("author", &mut parent), ("teacher", &mut teacher)] {
        let page = b.get(POST_URL);
        let s = comments_section(&page);
        assert!(
            s.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{who}: {s}"
        );
        // As text, escaped; never as a tag or an attribute.
        for bad in [
            "<script",
            "<img",
            "<svg",
            "onerror=alert(1)>",
            "onload=alert(1)>",
            "\"onmouseover",
        ] {
            assert!(!s.contains(bad), "{who}: {bad} in {s}");
        }
    }
}
