//! Accounts from the school roster: ONDE exports read (`onde`), turned into people and
//! compared with what is stored (`plan`), the class mapping the IT team edits (`mapping`).
//! The SQL is in `store::roster`; `import` runs one import against any `Db`, so the same
//! code serves `preau roster import` and, later, D1.

pub mod mapping;
pub mod onde;
pub mod plan;

pub use plan::{Input, Mapping, Plan, PlanError};

use crate::store::{self, Clock, Db, Random, StoreError};

/// Why an import stopped.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// An unusable password hash: `!` and random hex is no argon2 hash, so nobody can sign in
/// with it; activation (issue 11, to come) sets the first real password.
pub fn unusable_hash<R: Random>(r: &R) -> String {
    let mut b = [0u8; 16];
    r.fill(&mut b);
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("!onde-{hex}")
}

/// How to run one import.
pub struct ImportOptions<'a> {
    pub mapping: &'a Mapping,
    /// Who runs it, for the audit log.
    pub actor: &'a str,
    /// The instance's roster key (see `plan::pupil_key`).
    pub key: &'a [u8],
    /// Accept a pupils file that makes every pupil leave.
    pub confirm_all_leave: bool,
    /// Make the changes (otherwise only work them out).
    pub apply: bool,
}

/// Work out the import (and, with `apply`, run all of it in one transaction).
pub async fn import<P: Db + Clock + Random>(
    p: &P,
    input: &Input,
    opts: &ImportOptions<'_>,
) -> Result<Plan, ImportError> {
    let mut stored = store::roster::load(p).await?;
    let upgrades = upgrade_legacy_keys(&mut stored, input, opts.key);
    let mut hash = || unusable_hash(p);
    let mut cx = plan::Context {
        mapping: opts.mapping,
        key: opts.key,
        stored: &stored,
        now: p.now(),
        actor: opts.actor,
        unusable_hash: &mut hash,
        confirm_all_leave: opts.confirm_all_leave,
    };
    let mut plan = plan::plan(input, &mut cx)?;
    plan.statements.splice(0..0, upgrades);
    if opts.apply && !plan.statements.is_empty() {
        p.batch(std::mem::take(&mut plan.statements)).await?;
    }
    Ok(plan)
}

/// Pupils stored by the first imports have an unkeyed key: those found in this import's
/// files get their keyed key, in memory for this plan and in the database with it.
fn upgrade_legacy_keys(
    stored: &mut store::roster::Stored,
    input: &Input,
    key: &[u8],
) -> Vec<store::Statement> {
    let legacy: std::collections::HashMap<String, String> = input
        .pupils
        .iter()
        .flatten()
        .map(|r| {
            (
                plan::legacy_pupil_key(&r.last_name, &r.first_name, &r.birth_date),
                plan::pupil_key(key, &r.last_name, &r.first_name, &r.birth_date),
            )
        })
        .collect();
    let mut out = Vec::new();
    for person in stored.people.iter_mut().filter(|p| p.kind == "pupil") {
        let Some(old) = person.person_key.as_deref() else {
            continue;
        };
        if old.starts_with(plan::KEY_PREFIX) {
            continue;
        }
        if let Some(new) = legacy.get(old) {
            out.push(store::roster::set_key(person.id, new));
            person.person_key = Some(new.clone());
        }
    }
    out
}

#[cfg(all(test, feature = "native"))]
mod tests {
    use super::*;
    use crate::accounts::Scope;
    use crate::testing::{block_on, TestPlatform};

    const PUPILS: &str =
        "Nom élève;Prénom élève;Date naissance;INE;Adresse1;Libellé classe;Autorisation photo\n\
MARTIN;Léa;03/05/2018;070123456AB;12 rue des Lilas;CE1 A;Non\n\
GARCIA;Nathan;09/04/2016;070623465AL;2 allée des Tilleuls;CM2 B;Oui\n";
    const GUARDIANS: &str = "Nom responsable;Prénom responsable;Adresse responsable;Téléphone portable;Nom de famille enfant;Prénom enfant;Classes enfants\n\
MARTIN;Claire;12 rue des Lilas;0612345601;MARTIN;Léa;CE1 A\n\
GARCIA;Pedro;2 allée des Tilleuls;0612345609;GARCIA;Nathan;CM2 B\n";

    fn input(pupils: &str) -> Input {
        input_with(pupils, GUARDIANS)
    }

    fn input_with(pupils: &str, guardians: &str) -> Input {
        let mut input = Input::default();
        for (name, text) in [("eleves.csv", pupils), ("responsables.csv", guardians)] {
            let parsed = onde::parse(name, text.as_bytes());
            assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
            input.add(parsed.rows.expect("rows"));
        }
        input
    }

    fn mapping() -> Mapping {
        [
            ("CE1 A", "ecole-jean-moulin/ce1-a"),
            ("CM2 B", "ecole-jean-moulin/cm2-b"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), Scope::parse(v)))
        .collect()
    }

    const KEY: &[u8] = b"cle-de-test-du-registre-0123456789";

    fn opts(map: &Mapping, apply: bool) -> ImportOptions<'_> {
        ImportOptions {
            mapping: map,
            actor: "test",
            key: KEY,
            confirm_all_leave: false,
            apply,
        }
    }

    async fn count(p: &TestPlatform, sql: &str) -> i64 {
        p.query(sql, &[]).await.expect("query")[0][0]
            .as_i64()
            .expect("count")
    }

    #[test]
    fn leavers_are_disabled_then_deleted_after_three_months() {
        let site = tempfile::tempdir().expect("tmp");
        let p = TestPlatform::new(site.path(), 1_790_000_000).expect("platform");
        let map = mapping();
        block_on(async {
            let plan = import(&p, &input(PUPILS), &opts(&map, true))
                .await
                .expect("import");
            assert_eq!(plan.accounts_created, 4);
            let again = import(&p, &input(PUPILS), &opts(&map, true))
                .await
                .expect("again");
            assert!(again.is_empty(), "{:?}", again.statements);

            // Nathan leaves: he and his father are disabled, Léa's family is untouched.
            let next_year: String = PUPILS
                .lines()
                .filter(|l| !l.contains("GARCIA"))
                .map(|l| format!("{l}\n"))
                .collect();
            let plan = import(&p, &input(&next_year), &opts(&map, true))
                .await
                .expect("leave");
            assert_eq!(plan.left.len(), 2, "{:?}", plan.left);
            assert_eq!(
                count(&p, "SELECT count(*) FROM accounts WHERE disabled = 1").await,
                2
            );
            let (_, hash) = store::accounts::find_by_login(&p, "lea.martin")
                .await
                .expect("db")
                .expect("lea");
            assert!(
                !crate::password::verify("", &hash),
                "imported accounts cannot sign in"
            );

            // Back before the deletion: the same accounts again, then gone again.
            let back = import(&p, &input(PUPILS), &opts(&map, true))
                .await
                .expect("back");
            assert_eq!(back.added.len(), 2, "{:?}", back.added);
            assert_eq!(
                count(&p, "SELECT count(*) FROM accounts WHERE disabled = 1").await,
                0
            );
            assert!(import(&p, &input(PUPILS), &opts(&map, false))
                .await
                .expect("same")
                .is_empty());
            import(&p, &input(&next_year), &opts(&map, true))
                .await
                .expect("leave again");

            // Every pupil leaving is refused unless confirmed.
            let header: String = format!("{}\n", PUPILS.lines().next().unwrap_or_default());
            let refused = import(&p, &input(&header), &opts(&map, false)).await;
            assert!(matches!(
                refused,
                Err(ImportError::Plan(PlanError::AllLeave(1)))
            ));

            // The daily purge deletes them once three months have passed, not before.
            p.advance(60 * 86_400);
            store::roster::purge_leavers(&p, p.now())
                .await
                .expect("purge");
            assert_eq!(count(&p, "SELECT count(*) FROM accounts").await, 4);
            p.advance(40 * 86_400);
            assert_eq!(
                store::roster::purge_leavers(&p, p.now())
                    .await
                    .expect("purge"),
                2
            );
            assert_eq!(count(&p, "SELECT count(*) FROM accounts").await, 2);
            assert_eq!(count(&p, "SELECT count(*) FROM guardianships").await, 1);
        });
    }

    #[test]
    fn pupils_keyed_by_the_first_imports_are_upgraded_not_duplicated() {
        let site = tempfile::tempdir().expect("tmp");
        let p = TestPlatform::new(site.path(), 1_790_000_000).expect("platform");
        let map = mapping();
        block_on(async {
            import(&p, &input(PUPILS), &opts(&map, true))
                .await
                .expect("import");
            // As the first imports stored them: a plain SHA-256 of the same text.
            for (last, first, birth) in [
                ("MARTIN", "Léa", "03/05/2018"),
                ("GARCIA", "Nathan", "09/04/2016"),
            ] {
                p.execute(
                    "UPDATE roster_people SET person_key = ?1 WHERE person_key = ?2",
                    &[
                        plan::legacy_pupil_key(last, first, birth).into(),
                        plan::pupil_key(KEY, last, first, birth).into(),
                    ],
                )
                .await
                .expect("downgrade");
            }
            let plan = import(&p, &input(PUPILS), &opts(&map, true))
                .await
                .expect("again");
            assert!(plan.added.is_empty() && plan.left.is_empty(), "{plan:?}");
            assert_eq!(
                count(
                    &p,
                    "SELECT count(*) FROM roster_people WHERE person_key LIKE 'k1-%'"
                )
                .await,
                2
            );
            assert!(import(&p, &input(PUPILS), &opts(&map, false))
                .await
                .expect("same")
                .is_empty());
            // With another key every stored pupil is a stranger (all would leave): the key
            // really is part of it.
            let other = ImportOptions {
                key: b"une-autre-cle",
                ..opts(&map, false)
            };
            let refused = import(&p, &input(PUPILS), &other).await;
            assert!(matches!(
                refused,
                Err(ImportError::Plan(PlanError::AllLeave(2)))
            ));
        });
    }

    #[test]
    fn a_guardian_the_file_no_longer_names_loses_the_link_and_then_the_class() {
        let site = tempfile::tempdir().expect("tmp");
        let p = TestPlatform::new(site.path(), 1_790_000_000).expect("platform");
        let map = mapping();
        block_on(async {
            import(&p, &input(PUPILS), &opts(&map, true))
                .await
                .expect("import");
            // Léa's guardian is now Paul, not Claire; Nathan's father is unchanged.
            let guardians = GUARDIANS.replace("MARTIN;Claire;", "MARTIN;Paul;");
            let plan = import(&p, &input_with(PUPILS, &guardians), &opts(&map, true))
                .await
                .expect("new guardian");
            assert!(
                plan.changed
                    .iter()
                    .any(|c| c.contains("Claire") && c.contains("lien retiré")),
                "{plan:?}"
            );
            assert!(plan.added.iter().any(|a| a.contains("Paul")), "{plan:?}");
            assert!(plan.left.iter().any(|l| l.contains("Claire")), "{plan:?}");
            let links = "SELECT count(*) FROM guardianships g JOIN accounts a ON a.id = g.guardian_id WHERE a.display_name LIKE '%Claire%'";
            assert_eq!(count(&p, links).await, 0);
            assert_eq!(count(&p, "SELECT count(*) FROM guardianships").await, 2);
            // Applied once: the same files again change nothing.
            assert!(
                import(&p, &input_with(PUPILS, &guardians), &opts(&map, false))
                    .await
                    .expect("same")
                    .is_empty()
            );
            // A pupils file alone says nothing about guardians: links stay.
            let mut pupils_only = Input::default();
            pupils_only.add(
                onde::parse("eleves.csv", PUPILS.as_bytes())
                    .rows
                    .expect("rows"),
            );
            assert!(import(&p, &pupils_only, &opts(&map, false))
                .await
                .expect("pupils only")
                .is_empty());
        });
    }
}
