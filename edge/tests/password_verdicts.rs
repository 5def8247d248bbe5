//! The verdict list shared with the HTTP scenarios (both deployments): every case must get
//! exactly its verdict from `check_policy`, with or without the display name (the login).

use preau_edge::password::{check_policy, PolicyError};

/// In /work/main this is edge/tests/password_verdicts.rs and the list is
/// tests/fixtures/password-verdicts.txt: include_str!("../../tests/fixtures/password-verdicts.txt").
const VERDICTS: &str = include_str!("../../tests/fixtures/password-verdicts.txt");

fn name(result: &Result<(), PolicyError>) -> &'static str {
    match result {
        Ok(()) => "ok",
        Err(PolicyError::TooShort) => "too_short",
        Err(PolicyError::TooLong) => "too_long",
        Err(PolicyError::Common) => "common",
        Err(PolicyError::Weak) => "weak",
        Err(PolicyError::ContainsLogin) => "contains_login",
    }
}

#[test]
fn every_case_gets_its_verdict() {
    let mut lines = VERDICTS.lines();
    let login = lines
        .next()
        .and_then(|l| l.strip_prefix("# login: "))
        .expect("first line: # login: <login>");
    assert_eq!(login, "parent.verdicts");
    let mut cases = 0;
    let mut oks: Vec<&str> = Vec::new();
    let mut failures = Vec::new();
    for line in lines.filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let (expected, password) = line.split_once('\t').expect("verdict<TAB>password");
        assert!(
            [
                "ok",
                "too_short",
                "too_long",
                "common",
                "weak",
                "contains_login"
            ]
            .contains(&expected),
            "unknown verdict {expected:?}"
        );
        assert!(!password.contains(['\t', '\r', '\n']), "{password:?}");
        assert_eq!(
            password.trim(),
            password,
            "no leading or trailing space: {password:?}"
        );
        cases += 1;
        if expected == "ok" {
            assert!(!oks.contains(&password), "ok twice: {password}");
            oks.push(password);
        }
        for inputs in [&[][..], &[login][..]] {
            let got = name(&check_policy(password, login, inputs));
            if got != expected {
                failures.push(format!(
                    "{password:?} (names {inputs:?}): {got}, expected {expected}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!((30..=60).contains(&cases), "{cases} cases");
    for verdict in [
        "ok",
        "too_short",
        "too_long",
        "common",
        "weak",
        "contains_login",
    ] {
        assert!(
            VERDICTS
                .lines()
                .any(|l| l.starts_with(&format!("{verdict}\t"))),
            "no {verdict} case"
        );
    }
}
