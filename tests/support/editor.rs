//! HTTP scenarios of the online editor on `preau serve` (`native_only` in
//! `scenario_lists!`): they read a post right after "Publier", which only the self-hosted
//! server does (commit and incremental rebuild). The Worker commits through a forge and is
//! published by the deploy workflow minutes later: its test, against a local forge, is
//! `worker_editor_commits_through_the_forge` in tests/edge_worker.rs.

use super::client::{input_value, Browser};
use super::scenarios::{member, Target, CLASS, CLASS_URL, OTHER_CLASS};

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
