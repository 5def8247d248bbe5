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

/// Work out the import (and, with `apply`, run all of it in one transaction).
pub async fn import<P: Db + Clock + Random>(
    p: &P,
    input: &Input,
    mapping: &Mapping,
    actor: &str,
    confirm_all_leave: bool,
    apply: bool,
) -> Result<Plan, ImportError> {
    let stored = store::roster::load(p).await?;
    let mut hash = || unusable_hash(p);
    let mut cx = plan::Context {
        mapping,
        stored: &stored,
        now: p.now(),
        actor,
        unusable_hash: &mut hash,
        confirm_all_leave,
    };
    let mut plan = plan::plan(input, &mut cx)?;
    if apply && !plan.statements.is_empty() {
        p.batch(std::mem::take(&mut plan.statements)).await?;
    }
    Ok(plan)
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
        let mut input = Input::default();
        for (name, text) in [("eleves.csv", pupils), ("responsables.csv", GUARDIANS)] {
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

    async fn count(p: &TestPlatform, sql: &str) -> i64 {
        p.query(sql, &[]).await.expect("query")[0][0]
            .as_i64()
            .expect("count")
    }

    #[test]
    fn leavers_are_disabled_then_deleted_after_three_months() {
        let site = tempfile::tempdir().expect("tmp");
        let p = TestPlatform::new(site.path(), 1_790_000_000).expect("platform");
        block_on(async {
            let plan = import(&p, &input(PUPILS), &mapping(), "test", false, true)
                .await
                .expect("import");
            assert_eq!(plan.accounts_created, 4);
            let again = import(&p, &input(PUPILS), &mapping(), "test", false, true)
                .await
                .expect("again");
            assert!(again.is_empty(), "{:?}", again.statements);

            // Nathan leaves: he and his father are disabled, Léa's family is untouched.
            let next_year: String = PUPILS
                .lines()
                .filter(|l| !l.contains("GARCIA"))
                .map(|l| format!("{l}\n"))
                .collect();
            let plan = import(&p, &input(&next_year), &mapping(), "test", false, true)
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
            let back = import(&p, &input(PUPILS), &mapping(), "test", false, true)
                .await
                .expect("back");
            assert_eq!(back.added.len(), 2, "{:?}", back.added);
            assert_eq!(
                count(&p, "SELECT count(*) FROM accounts WHERE disabled = 1").await,
                0
            );
            assert!(import(&p, &input(PUPILS), &mapping(), "test", false, false)
                .await
                .expect("same")
                .is_empty());
            import(&p, &input(&next_year), &mapping(), "test", false, true)
                .await
                .expect("leave again");

            // Every pupil leaving is refused unless confirmed.
            let header: String = format!("{}\n", PUPILS.lines().next().unwrap_or_default());
            let refused = import(&p, &input(&header), &mapping(), "test", false, false).await;
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
}
