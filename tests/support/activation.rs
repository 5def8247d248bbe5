//! HTTP scenarios of activation with the code of an invitation letter, run by both
//! adapters (listed in `scenario_lists!` of scenarios.rs). Codes are made the way the IT
//! team does on each deployment: `preau accounts activation-code` here, its `--sql` piped
//! into `wrangler d1 execute` on the Worker. (Expired codes need a clock that moves: they
//! are in edge/tests/activation.rs.)

use super::client::{Browser, Resp};
use super::scenarios::{Target, CLASS, PASSWORD};

/// The new password chosen in these scenarios.
const CHOSEN: &str = "hibou-tartine-gravier-octobre-58";

/// A fresh activation code for `login` (its previous one stops working).
fn new_code(t: &dyn Target, login: &str) -> String {
    let out = t.accounts(&["activation-code", login], None);
    code_in(&out).unwrap_or_else(|| panic!("no code in {out}"))
}

/// The first `XXXX-XXXX-XXXX` code in a command's output.
fn code_in(out: &str) -> Option<String> {
    out.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .find(|w| {
            w.len() == 14
                && w.split('-').count() == 3
                && w.split('-').all(|g| {
                    g.len() == 4
                        && g.bytes()
                            .all(|b| preau_edge::activation::ALPHABET.contains(&b))
                })
        })
        .map(str::to_string)
}

/// Open `/activer/` (with the QR link's `?code=` when given) and send `fields`.
fn send(b: &mut Browser, query: &str, fields: &[(&str, &str)]) -> Resp {
    let page = b.get(&format!("/activer/{query}"));
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = page.csrf();
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    b.post("/activer/", &all)
}

/// The QR link of a letter, a password refused by the policy, then chosen; the charter;
/// Mon espace. The code then says it was used, and only the chosen password signs in.
pub fn activation_by_letter(t: &dyn Target) {
    t.add_account("active.parent", "parent", Some(CLASS), PASSWORD);
    let code = new_code(t, "active.parent");
    let mut b = Browser::new(&t.base_url());
    let page = b.get(&format!("/activer/?code={code}"));
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(&format!("value=\"{code}\"")),
        "{}",
        page.body
    );
    assert!(page
        .header("cache-control")
        .unwrap_or("")
        .contains("no-store"));
    let step = b.post("/activer/", &[("csrf", &page.csrf()), ("code", &code)]);
    assert_eq!(step.status, 200, "{}", step.body);
    assert!(step.body.contains("active.parent"));
    let weak = b.post(
        "/activer/",
        &[
            ("csrf", &step.csrf()),
            ("code", &code),
            ("nouveau", "motdepasse123"),
            ("confirmation", "motdepasse123"),
        ],
    );
    assert_eq!(weak.status, 422, "{}", weak.body);
    let done = b.post(
        "/activer/",
        &[
            ("csrf", &weak.csrf()),
            ("code", &code),
            ("nouveau", CHOSEN),
            ("confirmation", CHOSEN),
        ],
    );
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location(), "/espace/");
    let gate = b.get("/espace/");
    assert_eq!(gate.status, 303);
    assert!(
        gate.location().starts_with("/charte/accepter/"),
        "{}",
        gate.location()
    );
    assert_eq!(b.accept_charter().status, 303);
    let space = b.get("/espace/");
    assert_eq!(space.status, 200);
    assert!(space.body.contains("active.parent"), "{}", space.body);

    let mut again = b.fresh();
    let used = send(&mut again, "", &[("code", &code)]);
    assert_eq!(used.status, 422);
    assert!(used.body.contains("déjà servi"), "{}", used.body);
    assert_eq!(b.fresh().sign_in("active.parent", PASSWORD).status, 401);
    assert_eq!(b.fresh().sign_in("active.parent", CHOSEN).status, 303);
}

/// Wrong codes, another account's code, a code replaced by a reprint, a forged form, and
/// the delay after many wrong codes from one network.
pub fn activation_refusals(t: &dyn Target) {
    t.add_account("refus.un", "parent", Some(CLASS), PASSWORD);
    t.add_account("refus.deux", "parent", Some(CLASS), PASSWORD);
    let mut b = Browser::new(&t.base_url());
    for typed in ["ABCD-EFGH-JKMN", "refus.un", "' OR 1=1 --"] {
        let r = send(&mut b, "", &[("code", typed)]);
        assert_eq!(r.status, 422, "{typed}");
        assert!(r.body.contains("pas valable"), "{}", r.body);
    }

    // A reprint replaces the code; a code sets its own account's password only, whatever
    // login the form claims.
    let replaced = new_code(t, "refus.un");
    let code = new_code(t, "refus.un");
    let r = send(&mut b, "", &[("code", &replaced)]);
    assert!(r.body.contains("pas valable"), "{}", r.body);
    let r = send(
        &mut b,
        "",
        &[
            ("code", &code),
            ("login", "refus.deux"),
            ("nouveau", CHOSEN),
            ("confirmation", CHOSEN),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(b.fresh().sign_in("refus.un", CHOSEN).status, 303);
    assert_eq!(b.fresh().sign_in("refus.deux", PASSWORD).status, 303);
    assert_eq!(b.fresh().sign_in("refus.deux", CHOSEN).status, 401);

    // Without the form's token, or from another site: refused, nothing used.
    let other = new_code(t, "refus.deux");
    let forged = b.fresh().post(
        "/activer/",
        &[
            ("code", &other),
            ("nouveau", CHOSEN),
            ("confirmation", CHOSEN),
        ],
    );
    assert_eq!(forged.status, 403);
    let mut c = b.fresh();
    let page = c.get("/activer/");
    let cross = c.post_with(
        "/activer/",
        &[
            ("csrf", &page.csrf()),
            ("code", &other),
            ("nouveau", CHOSEN),
            ("confirmation", CHOSEN),
        ],
        &[("origin", "https://evil.example")],
    );
    assert_eq!(cross.status, 403);
    assert_eq!(b.fresh().sign_in("refus.deux", PASSWORD).status, 303);

    // Many wrong codes from one network: a delay, for the right code too.
    let mut d = b.fresh();
    let page = d.get("/activer/");
    let csrf = page.csrf();
    let mut last = 0;
    for _ in 0..25 {
        last = d
            .post("/activer/", &[("csrf", &csrf), ("code", "ZZZZ-ZZZZ-ZZZZ")])
            .status;
        if last == 429 {
            break;
        }
    }
    assert_eq!(last, 429);
    let r = d.post("/activer/", &[("csrf", &csrf), ("code", &other)]);
    assert_eq!(r.status, 429, "{}", r.body);
    assert!(r.header("retry-after").is_some());
    // The scenarios after this one come from the same network (on the Worker).
    t.forget_sign_in_failures();
}
