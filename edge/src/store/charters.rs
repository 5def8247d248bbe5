//! SQL of the `charter_acceptances` table: who accepted which version, when.

use super::{Db, Statement, StoreError};
use preau_contract::access::Audience;

pub fn accept(account_id: i64, audience: Audience, version: &str, now: i64) -> Statement {
    (
        "INSERT OR IGNORE INTO charter_acceptances (account_id, audience, version, accepted_at) VALUES (?1, ?2, ?3, ?4)",
        vec![account_id.into(), audience.as_str().into(), version.into(), now.into()],
    )
}

/// Every acceptance of this account: (audience, version, when), newest first.
pub async fn of_account<D: Db>(
    db: &D,
    account_id: i64,
) -> Result<Vec<(String, String, i64)>, StoreError> {
    let rows = db
        .query(
            "SELECT audience, version, accepted_at FROM charter_acceptances WHERE account_id = ?1 ORDER BY accepted_at DESC",
            &[account_id.into()],
        )
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some((
                r.first()?.as_str()?.to_string(),
                r.get(1)?.as_str()?.to_string(),
                r.get(2)?.as_i64()?,
            ))
        })
        .collect())
}
