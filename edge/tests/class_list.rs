//! `/espace/classe/`: the pupils without photo permission, for the class's teachers and the
//! school's director only, following each ONDE import.

#![cfg(feature = "native")]

mod support;

use preau_edge::accounts::{Role, Scope};
use preau_edge::roster::{self, onde, ImportOptions, Input, Mapping};
use preau_edge::testing::block_on;
use support::{text, world, World};

const PUPILS: &str =
    "Nom élève;Nom d'usage élève;Prénom élève;Date naissance;Libellé classe;Autorisation photo\n\
MARTIN;;Léa;03/05/2018;CE1 A;Non\n\
DURAND;;Léa;11/09/2018;CE1 A;Oui\n\
<b>PETIT</b>;BERNARD;Zoé<script>;21/01/2018;CE1 A;Non\n";

fn import(w: &World, pupils: &str) {
    let mut input = Input::default();
    let parsed = onde::parse("eleves.csv", pupils.as_bytes());
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    input.add(parsed.rows.expect("rows"));
    let map: Mapping = [("CE1 A".to_string(), Scope::parse("ecole-a/ce1"))].into();
    let opts = ImportOptions {
        mapping: &map,
        actor: "test",
        key: b"cle-de-test",
        confirm_all_leave: false,
        apply: true,
    };
    block_on(roster::import(&w.edge.platform, &input, &opts)).expect("import");
}

fn list(w: &World, session: &str) -> (u16, String) {
    let r = w.get("/espace/classe/", session);
    (r.status().as_u16(), text(&r))
}

#[test]
fn staff_of_the_class_see_who_must_not_be_photographed() {
    let w = world();
    let teacher = w.member("prof.ce1", Role::Teacher, "ecole-a/ce1");
    // Before any import the page says so instead of showing an empty, reassuring list.
    let (status, before) = list(&w, &teacher);
    assert_eq!(status, 200);
    assert!(before.contains("pas encore été importés"), "{before}");

    import(&w, PUPILS);
    let (status, page) = list(&w, &teacher);
    assert_eq!(status, 200);
    assert!(page.contains("<li>Léa M.</li>"), "{page}");
    assert!(
        !page.contains("Léa D."),
        "allowed pupils are not listed: {page}"
    );
    // Names from the file are text, never markup.
    assert!(page.contains("Zoé&lt;script&gt; B."), "{page}");
    assert!(!page.contains("<script>"), "{page}");
    assert!(page.contains("ne doivent être reconnaissables sur aucune photo"));
    // The year-end archive: what to ask the IT team for, with the class's exact name.
    assert!(
        page.contains("<code>preau archive ecole-a/ce1 --output ecole-a-ce1.zip</code>"),
        "{page}"
    );
    let cache = w.get("/espace/classe/", &teacher);
    assert!(cache
        .headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("no-store")));

    // Mon espace links to it for the class's staff.
    let space = text(&w.get("/espace/", &teacher));
    assert!(space.contains("href=\"/espace/classe/\""), "{space}");

    // The director of the school sees it; a teacher of another class, a parent and a
    // municipal agent do not, and are not told who is on it.
    let director = w.member("dir.a", Role::Director, "ecole-a");
    assert!(list(&w, &director).1.contains("<li>Léa M.</li>"));
    for (login, role, scope) in [
        ("prof.cp", Role::Teacher, "ecole-a/cp"),
        ("parent.ce1", Role::Parent, "ecole-a/ce1"),
        ("periscolaire", Role::Municipal, "ecole-a"),
    ] {
        let s = w.member(login, role, scope);
        let (status, body) = list(&w, &s);
        assert_eq!(status, 403, "{login}");
        assert!(!body.contains("Léa"), "{login}: {body}");
        assert!(
            !text(&w.get("/espace/", &s)).contains("/espace/classe/"),
            "{login}"
        );
    }
    // Signed out: to the sign-in page.
    assert_eq!(w.get("/espace/classe/", "").status().as_u16(), 303);

    // The family of Léa M. now allows photos, Léa D.'s no longer does: the list follows.
    let next = PUPILS
        .replace("03/05/2018;CE1 A;Non", "03/05/2018;CE1 A;Oui")
        .replace("11/09/2018;CE1 A;Oui", "11/09/2018;CE1 A;Non");
    import(&w, &next);
    let (_, page) = list(&w, &teacher);
    assert!(
        page.contains("<li>Léa D.</li>") && !page.contains("Léa M."),
        "{page}"
    );

    // Everyone allows photos: said in words.
    import(&w, &next.replace(";Non\n", ";Oui\n"));
    let (_, page) = list(&w, &teacher);
    assert!(page.contains("Toutes les familles"), "{page}");
}
