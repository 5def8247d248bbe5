//! SQL of the `uploads` table: which content was put into which scope, by whom, when.

use super::{Db, SqlValue, Statement, StoreError};

/// One row, as the features read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub id: i64,
    pub scope: String,
    pub hash: String,
    pub kind: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub bytes: i64,
    pub original_name: String,
    pub uploader_id: i64,
    pub uploader_login: String,
    pub created_at: i64,
}

const SELECT: &str = "SELECT u.id, u.scope, u.hash, u.kind, u.width, u.height, u.bytes, u.original_name, u.uploader_id, coalesce(a.login, ''), u.created_at FROM uploads u LEFT JOIN accounts a ON a.id = u.uploader_id";

fn row(r: Vec<SqlValue>) -> Option<Upload> {
    let mut it = r.into_iter();
    let mut next = || it.next().unwrap_or(SqlValue::Null);
    Some(Upload {
        id: next().as_i64()?,
        scope: next().into_string()?,
        hash: next().into_string()?,
        kind: next().into_string()?,
        width: next().as_i64(),
        height: next().as_i64(),
        bytes: next().as_i64().unwrap_or(0),
        original_name: next().into_string().unwrap_or_default(),
        uploader_id: next().as_i64().unwrap_or(0),
        uploader_login: next().into_string().unwrap_or_default(),
        created_at: next().as_i64().unwrap_or(0),
    })
}

/// The new row (nothing happens if this content is already in this scope).
#[allow(clippy::too_many_arguments)]
pub fn insert(
    scope: &str,
    hash: &str,
    kind: &str,
    size: Option<(u32, u32)>,
    bytes: u64,
    original_name: &str,
    uploader_id: i64,
    now: i64,
) -> Statement {
    let (w, h) = match size {
        Some((w, h)) => (SqlValue::Int(w.into()), SqlValue::Int(h.into())),
        None => (SqlValue::Null, SqlValue::Null),
    };
    (
        "INSERT OR IGNORE INTO uploads (scope, hash, kind, width, height, bytes, original_name, uploader_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        vec![scope.into(), hash.into(), kind.into(), w, h, (bytes as i64).into(), original_name.into(), uploader_id.into(), now.into()],
    )
}

pub fn delete(id: i64) -> Statement {
    ("DELETE FROM uploads WHERE id = ?1", vec![id.into()])
}

/// The upload of this content in this scope.
pub async fn find<D: Db>(db: &D, scope: &str, hash: &str) -> Result<Option<Upload>, StoreError> {
    let sql = format!("{SELECT} WHERE u.scope = ?1 AND u.hash = ?2");
    let rows = db.query(&sql, &[scope.into(), hash.into()]).await?;
    Ok(rows.into_iter().next().and_then(row))
}

/// Uploads of a scope, newest first, `limit` from `offset`.
pub async fn list<D: Db>(
    db: &D,
    scope: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<Upload>, StoreError> {
    let sql = format!(
        "{SELECT} WHERE u.scope = ?1 ORDER BY u.created_at DESC, u.id DESC LIMIT ?2 OFFSET ?3"
    );
    let rows = db
        .query(&sql, &[scope.into(), limit.into(), offset.into()])
        .await?;
    Ok(rows.into_iter().filter_map(row).collect())
}

/// The kind and the largest width of the rows of this content (`None`: no row), which say
/// which smaller versions it has: the archive route writes no object without its row.
pub async fn kind_and_width<D: Db>(
    db: &D,
    hash: &str,
) -> Result<Option<(String, i64)>, StoreError> {
    let rows = db
        .query(
            "SELECT min(kind), max(coalesce(width, 0)) FROM uploads WHERE hash = ?1",
            &[hash.into()],
        )
        .await?;
    Ok(rows.into_iter().next().and_then(|r| {
        let mut it = r.into_iter();
        let kind = it.next()?.into_string()?;
        let width = it.next().and_then(|v| v.as_i64()).unwrap_or(0);
        Some((kind, width))
    }))
}

/// How many rows still use this content (in any scope).
pub async fn uses<D: Db>(db: &D, hash: &str) -> Result<i64, StoreError> {
    let rows = db
        .query(
            "SELECT count(*) FROM uploads WHERE hash = ?1",
            &[hash.into()],
        )
        .await?;
    Ok(rows
        .first()
        .and_then(|r| r.first())
        .and_then(SqlValue::as_i64)
        .unwrap_or(0))
}

/// Count an upload against the account's daily quota (kept when the file is deleted).
pub fn log(uploader_id: i64, now: i64, bytes: u64) -> Statement {
    (
        "INSERT INTO upload_log (account_id, at, bytes) VALUES (?1, ?2, ?3)",
        vec![uploader_id.into(), now.into(), (bytes as i64).into()],
    )
}

/// Forget quota counts older than two days.
pub async fn purge_log<D: Db>(db: &D, now: i64) -> Result<u64, StoreError> {
    db.execute(
        "DELETE FROM upload_log WHERE at < ?1",
        &[(now - 2 * 86_400).into()],
    )
    .await
}

/// Files and bytes an account uploaded since `since`, deleted ones included.
pub async fn uploaded_since<D: Db>(
    db: &D,
    uploader_id: i64,
    since: i64,
) -> Result<(i64, i64), StoreError> {
    let rows = db
        .query(
            "SELECT count(*), coalesce(sum(bytes), 0) FROM upload_log WHERE account_id = ?1 AND at >= ?2",
            &[uploader_id.into(), since.into()],
        )
        .await?;
    let r = rows.first();
    let at = |i: usize| {
        r.and_then(|r| r.get(i))
            .and_then(SqlValue::as_i64)
            .unwrap_or(0)
    };
    Ok((at(0), at(1)))
}

/// Every file this person uploaded (for Mes données), newest first.
pub async fn of_uploader<D: Db>(db: &D, uploader_id: i64) -> Result<Vec<Upload>, StoreError> {
    let sql = format!("{SELECT} WHERE u.uploader_id = ?1 ORDER BY u.created_at DESC, u.id DESC");
    let rows = db.query(&sql, &[uploader_id.into()]).await?;
    Ok(rows.into_iter().filter_map(row).collect())
}
