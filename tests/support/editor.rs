//! HTTP scenarios of the online editor on `preau serve` (`native_only` in
//! `scenario_lists!`): they read a post right after "Publier", which only the self-hosted
//! server does (commit and incremental rebuild). The Worker commits through a forge and is
//! published by the deploy workflow minutes later: its test, against a local forge, is
//! `worker_editor_commits_through_the_forge` in tests/edge_worker.rs.

use super::client::{input_value, Body, Browser};
use super::scenarios::{member, Target, CLASS, CLASS_URL, OTHER_CLASS};
use super::uploads::common;

/// Open the editor at `query` and send it with `action` (the form's own hidden fields).
pub fn save(
    b: &mut Browser,
    query: &str,
    title: &str,
    text: &str,
    action: &str,
) -> super::client::Resp {
    let page = b.get(&format!("/espace/ecrire/article/?{query}"));
    assert_eq!(page.status, 200, "{}", page.body);
    send_form(b, &page.body, title, text, action)
}

/// Post the editor form `form` (a page's body) with a title, a text and an action.
pub fn send_form(
    b: &mut Browser,
    form: &str,
    title: &str,
    text: &str,
    action: &str,
) -> super::client::Resp {
    let (csrf, chemin, portee, base) = (
        input_value(form, "csrf"),
        input_value(form, "chemin"),
        input_value(form, "portee"),
        input_value(form, "base"),
    );
    b.post(
        "/espace/ecrire/article/",
        &[
            ("csrf", &csrf),
            ("chemin", &chemin),
            ("portee", &portee),
            ("base", &base),
            ("titre", title),
            ("date", "2026-10-21"),
            ("texte", text),
            ("commentaires", "1"),
            ("action", action),
        ],
    )
}

fn chemin(location: &str) -> String {
    let q = location.split_once('?').map(|(_, q)| q).unwrap_or("");
    q.split('&')
        .find_map(|kv| kv.strip_prefix("chemin="))
        .map(|v| v.replace("%2F", "/"))
        .unwrap_or_default()
}

/// A teacher writes a draft and publishes it through `preau serve`: the class's parents
/// read it at once, another class's do not; a partner proposes and the teacher validates;
/// a parent cannot write; the content's history has one commit per save with the right
/// author at the town's domain.
pub fn editor_publish_validate_and_history(t: &dyn Target) {
    let mut teacher = member(t, "ecrit.prof", "teacher", Some(CLASS));
    let mut partner = member(t, "ecrit.partenaire", "partner", Some(CLASS));
    let mut parent = member(t, "ecrit.parent", "parent", Some(CLASS));
    let mut other = member(t, "ecrit.autre", "parent", Some(OTHER_CLASS));
    let start = t.content_log().len();

    let r = save(
        &mut teacher,
        "portee=classe:ecole-a/ce1",
        "Le marché",
        "Nous sommes allés au marché. MARCHE-CE1",
        "brouillon",
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let path = chemin(r.location());
    let url = format!("{CLASS_URL}le-marche/");
    assert_ne!(parent.get(&url).status, 200);
    let r = save(
        &mut teacher,
        &format!("chemin={path}"),
        "Le marché",
        "Nous sommes allés au marché. MARCHE-CE1",
        "publier",
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let page = parent.get(&url);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("MARCHE-CE1"));
    assert!(parent.get(CLASS_URL).body.contains("Le marché"));
    assert_eq!(other.get(&url).status, 403);

    let r = save(
        &mut partner,
        "portee=classe:ecole-a/ce1",
        "Visite du musée",
        "MUSEE-CE1",
        "proposer",
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let proposal = chemin(r.location());
    let form = teacher.get(&format!("/espace/ecrire/article/?chemin={proposal}"));
    let r = teacher.post(
        "/espace/ecrire/valider/",
        &[
            ("csrf", &form.csrf()),
            ("chemin", &proposal),
            ("decision", "publier"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(parent
        .get(&format!("{CLASS_URL}visite-du-musee/"))
        .body
        .contains("MUSEE-CE1"));

    let csrf = parent.get("/espace/").csrf();
    let r = parent.post(
        "/espace/ecrire/article/",
        &[
            ("csrf", &csrf),
            ("portee", "classe:ecole-a/ce1"),
            ("titre", "Intrus"),
            ("texte", "x"),
            ("action", "publier"),
        ],
    );
    assert_eq!(r.status, 403);

    let log = t.content_log();
    assert_eq!(log.len(), start + 4, "{log:?}");
    let domain = "@ent.scenarios.example>";
    assert!(
        log[0].starts_with("ecrit.prof <ecrit.prof")
            && log[0].contains(domain)
            && log[0].contains("Validation"),
        "{log:?}"
    );
    assert!(
        log[1].starts_with("ecrit.partenaire <ecrit.partenaire") && log[1].contains("Proposition"),
        "{log:?}"
    );
    assert!(
        log[2].starts_with("ecrit.prof <") && log[2].contains("Publication : « Le marché »"),
        "{log:?}"
    );
    assert!(
        log[3].starts_with("ecrit.prof <") && log[3].contains("Brouillon : « Le marché »"),
        "{log:?}"
    );
}

const PHOTO_BOUNDARY: &str = "----preau-scenario-editeur-Jx81";

/// Post the editor form `form` (a page's body) as the browser sends it: multipart, with
/// the photo field (`photo`: file name and bytes) and its alt text.
#[allow(clippy::too_many_arguments)]
pub fn send_with_photo(
    b: &mut Browser,
    form: &str,
    title: &str,
    text: &str,
    action: &str,
    alt: &str,
    photo: (&str, &[u8]),
    origin: &str,
) -> super::client::Resp {
    let fields = [
        ("csrf", input_value(form, "csrf")),
        ("chemin", input_value(form, "chemin")),
        ("portee", input_value(form, "portee")),
        ("base", input_value(form, "base")),
        ("titre", title.to_string()),
        ("date", "2026-10-21".to_string()),
        ("texte", text.to_string()),
        ("commentaires", "1".to_string()),
        ("photo_alt", alt.to_string()),
        ("action", action.to_string()),
    ];
    let bd = PHOTO_BOUNDARY;
    let mut body = Vec::new();
    for (k, v) in &fields {
        body.extend(
            format!("--{bd}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n").as_bytes(),
        );
        body.extend(v.as_bytes());
        body.extend(b"\r\n");
    }
    body.extend(
        format!(
            "--{bd}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"{}\"\r\nContent-Type: image/jpeg\r\n\r\n",
            photo.0
        )
        .as_bytes(),
    );
    body.extend(photo.1);
    body.extend(format!("\r\n--{bd}--\r\n").as_bytes());
    let ct = format!("multipart/form-data; boundary={bd}");
    b.send(
        "POST",
        "/espace/ecrire/article/",
        Body::Typed(&ct, &body),
        &[("origin", origin)],
    )
}

/// The `/medias/…` URL of the first image snippet of a text.
fn snippet_url(text: &str) -> Option<String> {
    let start = text.find("](/medias/")? + 2;
    text[start..].split(')').next().map(str::to_string)
}

/// A teacher adds a photo from the editor itself and publishes the post: the photo is
/// stored in the class's gallery, its snippet in the text; the class's parents see the
/// post and the photo, another class's parents neither; a photo without alt text is
/// refused with the text kept. (`preau serve`; the Worker runs `photo_journey` against its
/// local forge, with the deploy workflow as `deploy`.)
pub fn editor_photo_from_the_editor(t: &dyn Target) {
    photo_journey(t, "photo", &|_, _| {});
}

/// The journey of `editor_photo_from_the_editor`; `deploy(parent, url)` makes the published
/// post at `url` served (nothing for `preau serve`, the deploy workflow's build for the
/// Worker, until `parent` reads it); `who` names the accounts (each run its own).
pub fn photo_journey(t: &dyn Target, who: &str, deploy: &dyn Fn(&mut Browser, &str)) {
    let mut teacher = member(t, &format!("{who}.prof"), "teacher", Some(CLASS));
    let mut parent = member(t, &format!("{who}.parent"), "parent", Some(CLASS));
    let mut other = member(t, &format!("{who}.autre"), "parent", Some(OTHER_CLASS));
    let origin = t.base_url().trim_end_matches('/').to_string();
    let page = teacher.get("/espace/ecrire/article/?portee=classe:ecole-a/ce1");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    let jpeg = common::phone_jpeg();
    let typed = "Au jardin. [photo] JARDIN-CE1";

    // Without alt text: refused next to the field, the text kept, nothing stored.
    let r = send_with_photo(
        &mut teacher,
        &page.body,
        "Le jardin",
        typed,
        "publier",
        "",
        ("jardin.jpg", &jpeg),
        &origin,
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("JARDIN-CE1") && r.body.contains("id=\"photo-erreur\""));
    assert!(
        r.body.contains("Décrivez ce que montre la photo"),
        "{}",
        r.body
    );

    // With it: the photo goes to the gallery, its snippet where `[photo]` was, published.
    let r = send_with_photo(
        &mut teacher,
        &r.body,
        "Le jardin",
        typed,
        "publier",
        "Des radis dans la terre",
        ("jardin.jpg", &jpeg),
        &origin,
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let path = chemin(r.location());
    let again = teacher.get(&format!("/espace/ecrire/article/?chemin={path}"));
    assert_eq!(again.status, 200, "{}", again.body);
    let url = snippet_url(&again.body).unwrap_or_else(|| panic!("no snippet: {}", again.body));
    assert!(url.starts_with("/medias/ecole-a/ce1/"), "{url}");
    assert!(
        again.body.contains(&format!(
            "Au jardin. ![Des radis dans la terre]({url}) JARDIN-CE1"
        )),
        "{}",
        again.body
    );
    let gallery = teacher.get("/espace/medias/?portee=ecole-a/ce1");
    assert!(gallery.body.contains(&url), "{}", gallery.body);

    let post = format!("{CLASS_URL}le-jardin/");
    deploy(&mut parent, &post);
    let seen = parent.get(&post);
    assert_eq!(seen.status, 200, "{}", seen.body);
    assert!(seen.body.contains("JARDIN-CE1"));
    assert!(
        seen.body.contains("alt=\"Des radis dans la terre\""),
        "{}",
        seen.body
    );
    assert_eq!(parent.get(&url).status, 200, "{url}");
    assert_eq!(other.get(&url).status, 403, "{url}");
    assert_eq!(other.get(&post).status, 403);
    assert_ne!(other.fresh().get(&url).status, 200, "{url}");
}
