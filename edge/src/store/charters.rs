//! SQL of the `charter_acceptances` table: who accepted which version, when.

use super::Statement;
use preau_contract::access::Audience;

pub fn accept(account_id: i64, audience: Audience, version: &str, now: i64) -> Statement {
    (
        "INSERT OR IGNORE INTO charter_acceptances (account_id, audience, version, accepted_at) VALUES (?1, ?2, ?3, ?4)",
        vec![account_id.into(), audience.as_str().into(), version.into(), now.into()],
    )
}
