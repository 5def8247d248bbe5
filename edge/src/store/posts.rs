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
    /// A save the repository has not taken yet is kept in the row (`Pending`).
    pub pending: bool,
    /// The kept save cannot be sent: the file changed in the repository meanwhile.
    pub pending_conflict: bool,
}

const SELECT: &str = "SELECT path, place, title, author_id, author_name, state, version, commit_id, note, updated_at, pending_text IS NOT NULL, pending_error IS 'conflict' FROM editor_posts";

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
        pending: next().as_i64() == Some(1),
        pending_conflict: next().as_i64() == Some(1),
    })
}

pub async fn find<D: Db>(db: &D, path: &str) -> Result<Option<PostRow>, StoreError> {
    let sql = "SELECT path, place, title, author_id, author_name, state, version, commit_id, note, updated_at, pending_text IS NOT NULL, pending_error IS 'conflict' FROM editor_posts WHERE path = ?1";
    debug_assert!(sql.starts_with(SELECT));
    Ok(db
        .query(sql, &[path.into()])
        .await?
        .into_iter()
        .find_map(row))
}

/// Every post this person wrote online (for Mes données), last changed first: the row, when
/// it was created, and the text kept while the forge could not take it, if any.
pub async fn of_author<D: Db>(
    db: &D,
    author_id: i64,
) -> Result<Vec<(PostRow, i64, Option<String>)>, StoreError> {
    // The columns of `SELECT`, then the two only Mes données shows.
    let sql = "SELECT path, place, title, author_id, author_name, state, version, commit_id, note, updated_at, pending_text IS NOT NULL, pending_error IS 'conflict', created_at, pending_text FROM editor_posts WHERE author_id = ?1 ORDER BY updated_at DESC, path";
    debug_assert!(sql.starts_with(SELECT.trim_end_matches(" FROM editor_posts")));
    let columns = SELECT.split(',').count();
    Ok(db
        .query(sql, &[author_id.into()])
        .await?
        .into_iter()
        .filter_map(|mut r| {
            let extra = r.split_off(columns.min(r.len()));
            let mut extra = extra.into_iter();
            let created = extra.next().and_then(|v| v.as_i64()).unwrap_or(0);
            let pending = extra.next().and_then(SqlValue::into_string);
            Some((row(r)?, created, pending))
        })
        .collect())
}

/// The posts of one blog, newest first (at most `limit`).
pub async fn in_place<D: Db>(db: &D, place: &str, limit: i64) -> Result<Vec<PostRow>, StoreError> {
    let sql = "SELECT path, place, title, author_id, author_name, state, version, commit_id, note, updated_at, pending_text IS NOT NULL, pending_error IS 'conflict' FROM editor_posts WHERE place = ?1 ORDER BY updated_at DESC, path LIMIT ?2";
    debug_assert!(sql.starts_with(SELECT));
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
        "INSERT INTO editor_posts (path, place, title, author_id, author_name, state, version, commit_id, note, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, ?9, ?9) ON CONFLICT(path) DO UPDATE SET title = excluded.title, state = excluded.state, version = excluded.version, commit_id = excluded.commit_id, note = NULL, updated_at = excluded.updated_at, pending_text = NULL, pending_base = NULL, pending_message = NULL, pending_login = NULL, pending_name = NULL, pending_error = NULL, pending_tries = 0",
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

/// A save kept in the table because the repository could not take it: the whole file,
/// the version it replaces and the commit it will be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub path: String,
    pub state: String,
    pub text: String,
    pub base: Option<String>,
    pub message: String,
    pub login: String,
    pub name: String,
    pub conflict: bool,
    pub tries: i64,
}

const PENDING: &str = "SELECT path, state, pending_text, pending_base, pending_message, pending_login, pending_name, pending_error IS 'conflict', pending_tries FROM editor_posts";

fn pending_row(r: Vec<SqlValue>) -> Option<Pending> {
    let mut it = r.into_iter();
    let mut next = || it.next().unwrap_or(SqlValue::Null);
    Some(Pending {
        path: next().into_string()?,
        state: next().into_string()?,
        text: next().into_string()?,
        base: next().into_string(),
        message: next().into_string().unwrap_or_default(),
        login: next().into_string().unwrap_or_default(),
        name: next().into_string().unwrap_or_default(),
        conflict: next().as_i64() == Some(1),
        tries: next().as_i64().unwrap_or(0),
    })
}

/// The kept save of `path`, if any.
pub async fn pending_of<D: Db>(db: &D, path: &str) -> Result<Option<Pending>, StoreError> {
    let sql = "SELECT path, state, pending_text, pending_base, pending_message, pending_login, pending_name, pending_error IS 'conflict', pending_tries FROM editor_posts WHERE path = ?1 AND pending_text IS NOT NULL";
    debug_assert!(sql.starts_with(PENDING));
    Ok(db
        .query(sql, &[path.into()])
        .await?
        .into_iter()
        .find_map(pending_row))
}

/// Kept saves to send again, oldest first (not those stopped by a conflict).
pub async fn pending_to_send<D: Db>(db: &D, limit: i64) -> Result<Vec<Pending>, StoreError> {
    let sql = "SELECT path, state, pending_text, pending_base, pending_message, pending_login, pending_name, pending_error IS 'conflict', pending_tries FROM editor_posts WHERE pending_text IS NOT NULL AND pending_error IS NOT 'conflict' ORDER BY updated_at LIMIT ?1";
    debug_assert!(sql.starts_with(PENDING));
    Ok(db
        .query(sql, &[limit.into()])
        .await?
        .into_iter()
        .filter_map(pending_row)
        .collect())
}

/// Keep a save the repository did not take: the row is created (a new post) or updated,
/// its last written `version` and `commit_id` stay those of the repository.
#[allow(clippy::too_many_arguments)]
pub fn keep_pending(
    path: &str,
    place: &str,
    title: &str,
    author_id: i64,
    author_name: &str,
    p: &Pending,
    error: &str,
    now: i64,
) -> Statement {
    (
        "INSERT INTO editor_posts (path, place, title, author_id, author_name, state, version, commit_id, note, created_at, updated_at, pending_text, pending_base, pending_message, pending_login, pending_name, pending_error, pending_tries) VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, NULL, NULL, ?7, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 1) ON CONFLICT(path) DO UPDATE SET title = excluded.title, state = excluded.state, note = NULL, updated_at = excluded.updated_at, pending_text = excluded.pending_text, pending_base = excluded.pending_base, pending_message = excluded.pending_message, pending_login = excluded.pending_login, pending_name = excluded.pending_name, pending_error = excluded.pending_error, pending_tries = editor_posts.pending_tries + 1",
        vec![
            path.into(),
            place.into(),
            title.into(),
            author_id.into(),
            author_name.into(),
            p.state.as_str().into(),
            now.into(),
            p.text.as_str().into(),
            p.base.clone().into(),
            p.message.as_str().into(),
            p.login.as_str().into(),
            p.name.as_str().into(),
            error.into(),
        ],
    )
}

/// A retry failed again (`conflict`: it will not be tried again); the text stays kept.
pub fn pending_failed(path: &str, text: &str, error: &str) -> Statement {
    (
        "UPDATE editor_posts SET pending_error = ?3, pending_tries = pending_tries + 1 WHERE path = ?1 AND pending_text = ?2",
        vec![path.into(), text.into(), error.into()],
    )
}

/// A retry succeeded: the kept save is now a commit (only if it is still the one sent).
pub fn pending_sent(path: &str, text: &str, version: &str, commit: &str) -> Statement {
    (
        "UPDATE editor_posts SET version = ?3, commit_id = ?4, pending_text = NULL, pending_base = NULL, pending_message = NULL, pending_login = NULL, pending_name = NULL, pending_error = NULL, pending_tries = 0 WHERE path = ?1 AND pending_text = ?2",
        vec![path.into(), text.into(), version.into(), commit.into()],
    )
}
