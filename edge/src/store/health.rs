//! The health route's one question to the database: does it answer? No table is read, so
//! the answer says nothing about what the instance holds.

use super::{Db, StoreError};

pub async fn ping(db: &impl Db) -> Result<(), StoreError> {
    db.query("SELECT 1", &[]).await.map(|_| ())
}
