//! SQL of the `editor_posts` table: the online editor's posts, their author and state.

use super::{Db, SqlValue, Statement, StoreError};

/// One row, as the editor reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostRow {
    pub path: String,
    pub place: String,
    pub title: String,
    pub author_id: i64,
    pub author_name: String,
    pub state: String,
    pub version: Option<String>,
    pub commit_id: Option<String>,
    pub note: Option<String>,
    pub updated_at: i64,
}

const SELECT: &str = "SELECT path, place, title, author_id, author_name, state, version, commit_id, note, updated_at FROM editor_posts";

fn row(r: Vec<SqlValue>) -> Option<PostRow> {
    let mut it = r.into_iter();
    let mut next = || it.next().unwrap_or(SqlValue::Null);
    Some(PostRow {
        path: next().into_string()?,
        place: next().into_string()?,
        title: next().into_string().unwrap_or_default(),
        author_id: next().as_i64()?,
        author_name: next().into_string().unwrap_or_default(),
        state: next().into_string()?,
        version: next().into_string(),
        commit_id: next().into_string(),
        note: next().into_string(),
        updated_at: next().as_i64().unwrap_or(0),
    })
}

pub async fn find<D: Db>(db: &D, path: &str) -> Result<Option<PostRow>, StoreError> {
    let sql = "SELECT path, place, title, author_id, author_name, state, version, commit_id, note, updated_at FROM editor_posts WHERE path = ?1";
    debug_assert!(sql.starts_with(SELECT));
    Ok(db
        .query(sql, &[path.into()])
        .await?
        .into_iter()
        .find_map(row))
}

/// The posts of one blog, newest first (at most `limit`).
pub async fn in_place<D: Db>(db: &D, place: &str, limit: i64) -> Result<Vec<PostRow>, StoreError> {
    let sql = "SELECT path, place, title, author_id, author_name, state, version, commit_id, note, updated_at FROM editor_posts WHERE place = ?1 ORDER BY updated_at DESC, path LIMIT ?2";
    Ok(db
        .query(sql, &[place.into(), limit.into()])
        .await?
        .into_iter()
        .filter_map(row)
        .collect())
}

/// Record a save: the row is created at the first save and updated at the next ones (the
/// author stays the first writer's; a validator's save keeps it).
#[allow(clippy::too_many_arguments)]
pub fn upsert(
    path: &str,
    place: &str,
    title: &str,
    author_id: i64,
    author_name: &str,
    state: &str,
    version: &str,
    commit_id: &str,
    now: i64,
) -> Statement {
    (
        "INSERT INTO editor_posts (path, place, title, author_id, author_name, state, version, commit_id, note, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, ?9, ?9) ON CONFLICT(path) DO UPDATE SET title = excluded.title, state = excluded.state, version = excluded.version, commit_id = excluded.commit_id, note = NULL, updated_at = excluded.updated_at",
        vec![
            path.into(),
            place.into(),
            title.into(),
            author_id.into(),
            author_name.into(),
            state.into(),
            version.into(),
            commit_id.into(),
            now.into(),
        ],
    )
}

/// A refused proposal goes back to its author as a draft, with the reason.
pub fn refuse(path: &str, note: &str, now: i64) -> Statement {
    let note = if note.is_empty() {
        SqlValue::Null
    } else {
        note.into()
    };
    (
        "UPDATE editor_posts SET state = 'draft', note = ?2, updated_at = ?3 WHERE path = ?1 AND state = 'submitted'",
        vec![path.into(), note, now.into()],
    )
}
