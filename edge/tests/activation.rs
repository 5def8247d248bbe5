//! Activation with the code of an invitation letter, in process: the happy path to the
//! charter gate, and every way a code can fail (used, expired, wrong, throttled, another
//! account's, replaced by a reprint, a refused password, a forged form, a closed account).
#![cfg(feature = "native")]

mod support;

use http::{Method, StatusCode};
use preau_edge::accounts::{Role, Scope};
use preau_edge::activation;
use preau_edge::admin;
use preau_edge::respond::Resp;
use preau_edge::store::{self, Clock, Db};
use preau_edge::testing::block_on;
use support::{cookie, input, text, world, World, FORM, PASSWORD};

/// An account as the roster import makes it: no usable password yet.
fn imported(w: &World, login: &str, role: Role) {
    let st = store::accounts::insert(
        login,
        "Léa Martin",
        role,
        &[Scope::parse("ecole-a/ce1").expect("scope")],
        "!onde-0123456789abcdef",
        w.edge.platform.now(),
    );
    block_on(w.edge.platform.batch(st)).expect("insert");
}

fn code_for(w: &World, login: &str, days: i64) -> String {
    let code = block_on(admin::issue_code(&w.edge.platform, login, days, "test")).expect("code");
    activation::grouped(&code)
}

/// A browser on `/activer/`: its anti-forgery cookie and the form's token.
struct Visitor {
    csrf_cookie: String,
    token: String,
}

fn open(w: &World, query: &str) -> (Visitor, String) {
    let r = w.get(&format!("/activer/{query}"), "");
    assert_eq!(r.status(), StatusCode::OK);
    let page = text(&r);
    let v = Visitor {
        csrf_cookie: cookie(&r, "preau_csrf"),
        token: input(&page, "csrf"),
    };
    (v, page)
}

fn post(w: &World, v: &Visitor, fields: &[(&str, &str)]) -> Resp {
    let mut body = form_urlencoded::Serializer::new(String::new());
    body.append_pair("csrf", &v.token);
    for (k, val) in fields {
        body.append_pair(k, val);
    }
    w.send(
        Method::POST,
        "/activer/",
        &v.csrf_cookie,
        FORM,
        body.finish().into_bytes(),
    )
}

fn activate(w: &World, code: &str, password: &str) -> Resp {
    let (v, _) = open(w, "");
    let step = post(w, &v, &[("code", code)]);
    assert_eq!(step.status(), StatusCode::OK, "{}", text(&step));
    post(
        w,
        &v,
        &[
            ("code", code),
            ("nouveau", password),
            ("confirmation", password),
        ],
    )
}

fn hash_of(w: &World, login: &str) -> String {
    block_on(store::accounts::find_by_login(&w.edge.platform, login))
        .expect("db")
        .expect("account")
        .1
}

fn audit(w: &World) -> Vec<String> {
    block_on(w.edge.platform.query(
        "SELECT actor || ' ' || action || ' ' || target || ' ' || outcome FROM audit_log ORDER BY id",
        &[],
    ))
    .expect("audit")
    .into_iter()
    .filter_map(|r| r.into_iter().next().and_then(|v| v.into_string()))
    .collect()
}

#[test]
fn the_qr_link_leads_to_a_password_then_the_charter_then_mon_espace() {
    let w = world();
    imported(&w, "lea.martin", Role::Parent);
    let code = code_for(&w, "lea.martin", 60);
    let (v, page) = open(&w, &format!("?code={code}"));
    assert!(page.contains(&format!("value=\"{code}\"")), "{page}");
    assert!(!page.contains("lea.martin"), "the first step names nobody");
    let step = post(&w, &v, &[("code", &code.to_lowercase().replace('-', " "))]);
    let step_page = text(&step);
    assert!(step_page.contains("lea.martin"), "{step_page}");
    assert!(step_page.contains(&format!("name=\"code\" value=\"{code}\"")));
    let r = post(
        &w,
        &v,
        &[
            ("code", &code),
            ("nouveau", PASSWORD),
            ("confirmation", PASSWORD),
        ],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", text(&r));
    assert_eq!(r.headers()["location"], "/espace/");
    let session = cookie(&r, "preau_session");
    let space = w.get("/espace/", &session);
    assert_eq!(space.status(), StatusCode::SEE_OTHER);
    assert!(space.headers()["location"]
        .to_str()
        .unwrap_or("")
        .starts_with("/charte/accepter/"));
    // The unusable hash of the import is replaced: the chosen password signs in.
    assert!(!activation::never_activated(&hash_of(&w, "lea.martin")));
    w.sign_in("lea.martin");
    let log = audit(&w);
    assert!(log
        .iter()
        .any(|l| l == "lea.martin activation lea.martin success"));
    let raw = code.replace('-', "");
    assert!(log.iter().all(|l| !l.contains(&raw) && !l.contains(&code)));
}

#[test]
fn a_used_code_says_so_and_sets_nothing() {
    let w = world();
    imported(&w, "lea.martin", Role::Parent);
    let code = code_for(&w, "lea.martin", 60);
    assert_eq!(
        activate(&w, &code, PASSWORD).status(),
        StatusCode::SEE_OTHER
    );
    let before = hash_of(&w, "lea.martin");
    let (v, _) = open(&w, "");
    let r = post(&w, &v, &[("code", &code)]);
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&r).contains("déjà servi"), "{}", text(&r));
    let r = post(
        &w,
        &v,
        &[
            ("code", &code),
            ("nouveau", "autre-phrase-tres-longue-77"),
            ("confirmation", "autre-phrase-tres-longue-77"),
        ],
    );
    assert!(text(&r).contains("déjà servi"));
    assert_eq!(hash_of(&w, "lea.martin"), before);
    assert!(audit(&w)
        .iter()
        .any(|l| l == "lea.martin activation lea.martin already_used"));
}

#[test]
fn an_expired_code_says_so() {
    let w = world();
    imported(&w, "lea.martin", Role::Parent);
    let code = code_for(&w, "lea.martin", 1);
    w.edge.platform.advance(86_400 + 1);
    let (v, _) = open(&w, "");
    let r = post(&w, &v, &[("code", &code)]);
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&r).contains("a expiré"), "{}", text(&r));
    assert!(activation::never_activated(&hash_of(&w, "lea.martin")));
}

#[test]
fn wrong_codes_are_refused_the_same_way_and_then_throttled() {
    let w = world();
    imported(&w, "lea.martin", Role::Parent);
    let code = code_for(&w, "lea.martin", 60);
    let (v, _) = open(&w, "");
    for typed in [
        "ABCD-EFGH-JKMN",
        "lea.martin",
        "' OR 1=1 --",
        "",
        "<b>x</b>",
    ] {
        let r = post(&w, &v, &[("code", typed)]);
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{typed}");
        let page = text(&r);
        assert!(page.contains("pas valable"), "{page}");
        assert!(!page.contains("<b>x"), "{page}");
    }
    for _ in 5..activation_free() {
        post(&w, &v, &[("code", "ABCD-EFGH-JKMN")]);
    }
    // Even the right code waits now: the delay is per network, whatever is typed.
    let r = post(&w, &v, &[("code", &code)]);
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "{}", text(&r));
    assert!(r.headers().contains_key("retry-after"));
    assert!(text(&r).contains("Trop de tentatives"));
    w.edge.platform.advance(31);
    let r = post(&w, &v, &[("code", &code)]);
    assert_eq!(r.status(), StatusCode::OK, "{}", text(&r));
    assert!(audit(&w).iter().any(|l| l == "- activation - throttled"));
}

fn activation_free() -> i64 {
    preau_edge::throttle::FREE_ACTIVATION_FAILURES_PER_NETWORK
}

#[test]
fn a_code_activates_its_own_account_only() {
    let w = world();
    imported(&w, "lea.martin", Role::Pupil);
    imported(&w, "claire.martin", Role::Parent);
    let lea = code_for(&w, "lea.martin", 60);
    code_for(&w, "claire.martin", 60);
    let (v, _) = open(&w, "");
    // Whatever login the form claims, the code decides.
    let r = post(
        &w,
        &v,
        &[
            ("code", &lea),
            ("login", "claire.martin"),
            ("nouveau", PASSWORD),
            ("confirmation", PASSWORD),
        ],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(!activation::never_activated(&hash_of(&w, "lea.martin")));
    assert!(activation::never_activated(&hash_of(&w, "claire.martin")));
    let session = cookie(&r, "preau_session");
    let gate = text(&w.get("/charte/accepter/", &session));
    assert!(gate.contains("eleves") || gate.contains("élèves"), "{gate}");
}

#[test]
fn a_reprint_invalidates_the_previous_code() {
    let w = world();
    imported(&w, "lea.martin", Role::Parent);
    let first = code_for(&w, "lea.martin", 60);
    let second = code_for(&w, "lea.martin", 60);
    assert_ne!(first, second);
    let (v, _) = open(&w, "");
    let r = post(&w, &v, &[("code", &first)]);
    assert!(text(&r).contains("pas valable"));
    assert_eq!(
        activate(&w, &second, PASSWORD).status(),
        StatusCode::SEE_OTHER
    );
}

#[test]
fn a_refused_password_keeps_the_code_usable() {
    let w = world();
    imported(&w, "lea.martin", Role::Parent);
    let code = code_for(&w, "lea.martin", 60);
    let (v, _) = open(&w, "");
    for (new, confirm, says) in [
        ("motdepasse", "motdepasse", "12 caractères"),
        ("azertyuiop123456", "azertyuiop123456", "courants"),
        (
            "lea.martin-et-sa-maman",
            "lea.martin-et-sa-maman",
            "identifiant",
        ),
        (PASSWORD, "autre-chose-encore-99", "pas identiques"),
    ] {
        let r = post(
            &w,
            &v,
            &[("code", &code), ("nouveau", new), ("confirmation", confirm)],
        );
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{new}");
        let page = text(&r);
        assert!(page.contains(says), "{new}: {page}");
        assert!(page.contains("lea.martin"));
    }
    assert!(activation::never_activated(&hash_of(&w, "lea.martin")));
    let r = post(
        &w,
        &v,
        &[
            ("code", &code),
            ("nouveau", PASSWORD),
            ("confirmation", PASSWORD),
        ],
    );
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[test]
fn a_forged_form_is_refused_and_a_closed_account_says_so() {
    let w = world();
    imported(&w, "lea.martin", Role::Parent);
    let code = code_for(&w, "lea.martin", 60);
    let body = format!("code={code}&nouveau={PASSWORD}&confirmation={PASSWORD}");
    let r = w.send(Method::POST, "/activer/", "", FORM, body.into_bytes());
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(activation::never_activated(&hash_of(&w, "lea.martin")));
    block_on(admin::disable(&w.edge.platform, "lea.martin", "test")).expect("disable");
    let (v, _) = open(&w, "");
    let r = post(&w, &v, &[("code", &code)]);
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(text(&r).contains("fermé"), "{}", text(&r));
}

#[test]
fn a_code_is_used_once_even_by_two_requests_at_once() {
    let w = world();
    imported(&w, "lea.martin", Role::Parent);
    let code = code_for(&w, "lea.martin", 60);
    let h = activation::hash(&activation::normalise(&code).expect("code"));
    let p = &w.edge.platform;
    block_on(p.batch(vec![store::activation::mark_used(&h, 1)])).expect("first use");
    let second = block_on(p.batch(vec![
        store::activation::mark_used(&h, 2),
        store::activation::set_password(&h, "$argon2id$x", 2),
    ]));
    assert!(second.expect_err("second use").is_constraint());
    assert!(activation::never_activated(&hash_of(&w, "lea.martin")));
}

#[test]
fn a_forgotten_password_is_solved_by_a_new_letter_which_ends_old_sessions() {
    let w = world();
    w.add("paul.oubli", "Paul", Role::Parent, "ecole-a/ce1");
    let old = w.sign_in("paul.oubli");
    assert_eq!(w.get("/espace/", &old).status(), StatusCode::OK);
    let code = code_for(&w, "paul.oubli", 60);
    let r = activate(&w, &code, "grenouille-cerf-volant-mardi-77");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(w.get("/espace/", &old).status(), StatusCode::SEE_OTHER);
}
