//! SQL of the `comments` table: posting within the limits in one statement (so concurrent
//! posts can neither pass a limit nor be stored twice), reading a page's comments and the
//! moderation queue, and the moderators' and authors' changes.

use super::{Db, SqlValue, Statement, StoreError};
use crate::comments::{self, Status};

/// One row, with its author's display name and login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: i64,
    pub page: String,
    pub scope: String,
    pub author_id: i64,
    pub author_name: String,
    pub author_role: String,
    pub parent_id: Option<i64>,
    pub body: String,
    pub status: Status,
    pub reported: bool,
    pub reason: Option<String>,
    pub created_at: i64,
}

const SELECT: &str = "SELECT c.id, c.page, c.scope, c.author_id, coalesce(a.display_name, ''), coalesce(a.role, ''), c.parent_id, c.body, c.status, c.reported, c.reason, c.created_at FROM comments c LEFT JOIN accounts a ON a.id = c.author_id";

fn row(r: Vec<SqlValue>) -> Option<Comment> {
    let mut it = r.into_iter();
    let mut next = || it.next().unwrap_or(SqlValue::Null);
    Some(Comment {
        id: next().as_i64()?,
        page: next().into_string()?,
        scope: next().into_string()?,
        author_id: next().as_i64()?,
        author_name: next().into_string().unwrap_or_default(),
        author_role: next().into_string().unwrap_or_default(),
        parent_id: next().as_i64(),
        body: next().into_string().unwrap_or_default(),
        status: Status::parse(next().as_str().unwrap_or("")),
        reported: next().as_i64().unwrap_or(0) != 0,
        reason: next().into_string(),
        created_at: next().as_i64().unwrap_or(0),
    })
}

/// A new comment to store.
pub struct New<'a> {
    pub page: &'a str,
    pub scope: &'a str,
    pub author_id: i64,
    pub parent_id: Option<i64>,
    pub body: &'a str,
    pub status: Status,
    pub now: i64,
}

/// Insert unless the author is over the limit, the page is, or the same text is already
/// there from this author. Returns whether the row was stored.
pub async fn insert<D: Db>(db: &D, c: &New<'_>) -> Result<bool, StoreError> {
    let sql = "INSERT INTO comments (page, scope, author_id, parent_id, body, status, created_at, updated_at) \
        SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7 \
        WHERE (SELECT count(*) FROM comments WHERE author_id = ?3 AND created_at > ?8) < ?9 \
        AND (SELECT count(*) FROM comments WHERE page = ?1 AND created_at > ?10) < ?11 \
        AND NOT EXISTS (SELECT 1 FROM comments WHERE author_id = ?3 AND page = ?1 AND body = ?5)";
    let n = db
        .execute(
            sql,
            &[
                c.page.into(),
                c.scope.into(),
                c.author_id.into(),
                c.parent_id.map(SqlValue::Int).unwrap_or(SqlValue::Null),
                c.body.into(),
                c.status.as_str().into(),
                c.now.into(),
                (c.now - comments::USER_WINDOW).into(),
                comments::USER_LIMIT.into(),
                (c.now - comments::PAGE_WINDOW).into(),
                comments::PAGE_LIMIT.into(),
            ],
        )
        .await?;
    Ok(n > 0)
}

/// Why `insert` stored nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Duplicate,
    UserLimit,
    PageLimit,
}

pub async fn refusal<D: Db>(db: &D, c: &New<'_>) -> Result<Refusal, StoreError> {
    let dup = count(
        db,
        "SELECT count(*) FROM comments WHERE author_id = ?1 AND page = ?2 AND body = ?3",
        &[c.author_id.into(), c.page.into(), c.body.into()],
    )
    .await?;
    if dup > 0 {
        return Ok(Refusal::Duplicate);
    }
    let mine = count(
        db,
        "SELECT count(*) FROM comments WHERE author_id = ?1 AND created_at > ?2",
        &[c.author_id.into(), (c.now - comments::USER_WINDOW).into()],
    )
    .await?;
    Ok(if mine >= comments::USER_LIMIT {
        Refusal::UserLimit
    } else {
        Refusal::PageLimit
    })
}

async fn count<D: Db>(db: &D, sql: &str, params: &[SqlValue]) -> Result<i64, StoreError> {
    let rows = db.query(sql, params).await?;
    Ok(rows
        .first()
        .and_then(|r| r.first())
        .and_then(SqlValue::as_i64)
        .unwrap_or(0))
}

/// Has a moderator approved a comment of this author in this class (trusted mode)?
pub async fn author_trusted<D: Db>(
    db: &D,
    author_id: i64,
    scope: &str,
) -> Result<bool, StoreError> {
    let n = count(
        db,
        "SELECT count(*) FROM comments WHERE author_id = ?1 AND scope = ?2 AND status = 'approved' AND moderated_by IS NOT NULL",
        &[author_id.into(), scope.into()],
    )
    .await?;
    Ok(n > 0)
}

/// Every comment of a page, oldest first (the caller decides who sees which).
pub async fn of_page<D: Db>(db: &D, page: &str) -> Result<Vec<Comment>, StoreError> {
    let sql = format!("{SELECT} WHERE c.page = ?1 ORDER BY c.created_at, c.id");
    let rows = db.query(&sql, &[page.into()]).await?;
    Ok(rows.into_iter().filter_map(row).collect())
}

pub async fn find<D: Db>(db: &D, id: i64) -> Result<Option<Comment>, StoreError> {
    let sql = format!("{SELECT} WHERE c.id = ?1");
    let rows = db.query(&sql, &[id.into()]).await?;
    Ok(rows.into_iter().next().and_then(row))
}

/// The queue: pending or reported comments, newest first (at most `limit`).
pub async fn queue<D: Db>(
    db: &D,
    scope: Option<&str>,
    limit: i64,
) -> Result<Vec<Comment>, StoreError> {
    let wanted = "(c.status = 'pending' OR (c.status = 'approved' AND c.reported = 1))";
    let rows = match scope {
        Some(s) => {
            let sql = format!("{SELECT} WHERE {wanted} AND c.scope = ?1 ORDER BY c.created_at DESC, c.id DESC LIMIT ?2");
            db.query(&sql, &[s.into(), limit.into()]).await?
        }
        None => {
            let sql =
                format!("{SELECT} WHERE {wanted} ORDER BY c.created_at DESC, c.id DESC LIMIT ?1");
            db.query(&sql, &[limit.into()]).await?
        }
    };
    Ok(rows.into_iter().filter_map(row).collect())
}

/// Pending or reported comments per class scope.
pub async fn queue_counts<D: Db>(db: &D) -> Result<Vec<(String, i64)>, StoreError> {
    let rows = db
        .query(
            "SELECT scope, count(*) FROM comments WHERE status = 'pending' OR (status = 'approved' AND reported = 1) GROUP BY scope",
            &[],
        )
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let mut it = r.into_iter();
            Some((it.next()?.into_string()?, it.next()?.as_i64()?))
        })
        .collect())
}

/// A moderator's decision on one comment.
pub fn decide(id: i64, status: Status, reason: Option<&str>, by: i64, now: i64) -> Statement {
    (
        "UPDATE comments SET status = ?2, reason = ?3, reported = 0, moderated_by = ?4, moderated_at = ?5, updated_at = ?5 WHERE id = ?1",
        vec![id.into(), status.as_str().into(), reason.into(), by.into(), now.into()],
    )
}

/// Approve every pending comment of `scope` up to `max_id` (those the moderator saw).
pub fn approve_all(scope: &str, max_id: i64, by: i64, now: i64) -> Statement {
    (
        "UPDATE comments SET status = 'approved', reported = 0, moderated_by = ?3, moderated_at = ?4, updated_at = ?4 WHERE scope = ?1 AND id <= ?2 AND (status = 'pending' OR reported = 1)",
        vec![scope.into(), max_id.into(), by.into(), now.into()],
    )
}

pub fn edit(id: i64, body: &str, status: Status, now: i64) -> Statement {
    (
        "UPDATE comments SET body = ?2, status = ?3, updated_at = ?4 WHERE id = ?1",
        vec![id.into(), body.into(), status.as_str().into(), now.into()],
    )
}

pub fn report(id: i64, now: i64) -> Statement {
    (
        "UPDATE comments SET reported = 1, updated_at = ?2 WHERE id = ?1",
        vec![id.into(), now.into()],
    )
}

/// A comment and the answers to it.
pub fn delete(id: i64) -> Statement {
    (
        "DELETE FROM comments WHERE id = ?1 OR parent_id = ?1",
        vec![id.into()],
    )
}

/// Every comment this person wrote (for Mes données), newest first.
pub async fn of_author<D: Db>(db: &D, author_id: i64) -> Result<Vec<Comment>, StoreError> {
    let sql = format!("{SELECT} WHERE c.author_id = ?1 ORDER BY c.created_at DESC, c.id DESC");
    let rows = db.query(&sql, &[author_id.into()]).await?;
    Ok(rows.into_iter().filter_map(row).collect())
}
