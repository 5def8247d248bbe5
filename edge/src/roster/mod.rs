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
