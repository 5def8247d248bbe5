//! "Mes données" (RGPD right of access): everything the ENT stores about the signed-in
//! person, gathered from each table's store module into one `PersonalData`, which the
//! feature shows as a page and gives as a JSON download. Never a password hash, a session
//! token or another person's data beyond names the person already sees (their children's).

use crate::accounts::Account;
use crate::store::{self, Db, SqlValue, StoreError};
use crate::time::rfc3339;
use serde::Serialize;

/// Most log entries given (the log itself keeps a year).
pub const ACTIVITY_MAX: i64 = 2_000;

#[derive(Debug, Serialize)]
pub struct PersonalData {
    pub generated_at: String,
    pub account: AccountData,
    /// From the school roster (ONDE), when the account was imported from it.
    pub roster: Option<RosterData>,
    /// Children (for a guardian) or guardians (for a pupil) linked by the roster.
    pub linked_people: Vec<String>,
    pub charter_acceptances: Vec<Acceptance>,
    pub comments: Vec<CommentData>,
    pub uploads: Vec<UploadData>,
    /// The invitation letters' activation codes: dates only, never the code or its hash.
    pub activation_letters: Vec<LetterData>,
    /// The posts written in the online editor (drafts, proposals, published).
    pub editor_posts: Vec<EditorPostData>,
    /// The audit log's entries where this person acted or was the target (sign-ins,
    /// failed sign-ins, changes), newest first.
    pub activity: Vec<ActivityData>,
}

#[derive(Debug, Serialize)]
pub struct AccountData {
    pub login: String,
    pub display_name: String,
    pub role: String,
    /// `école` or `école/classe`; empty for the whole town.
    pub scopes: Vec<String>,
    pub password_changed_at: String,
}

#[derive(Debug, Serialize)]
pub struct RosterData {
    pub kind: String,
    pub last_name: String,
    pub usage_name: String,
    pub first_name: String,
    pub email: Option<String>,
    pub photo_allowed: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct Acceptance {
    pub audience: String,
    pub version: String,
    pub accepted_at: String,
}

#[derive(Debug, Serialize)]
pub struct CommentData {
    pub page: String,
    pub text: String,
    pub status: String,
    pub reason: Option<String>,
    pub written_at: String,
}

#[derive(Debug, Serialize)]
pub struct UploadData {
    pub scope: String,
    pub name: String,
    pub kind: String,
    pub bytes: i64,
    pub uploaded_at: String,
}

#[derive(Debug, Serialize)]
pub struct LetterData {
    pub created_at: String,
    pub expires_at: String,
    pub used_at: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct EditorPostData {
    /// The Markdown file in the content repository.
    pub path: String,
    /// The blog: `classe:école/classe`, `ecole:école`, `periscolaire:école`, `guides`, `ville`.
    pub blog: String,
    pub title: String,
    /// `draft`, `submitted` or `published`.
    pub state: String,
    /// Why a teacher refused the proposal.
    pub note: Option<String>,
    /// The text kept while the content repository could not take it.
    pub pending_text: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Serialize)]
pub struct ActivityData {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    /// The network the request came from (truncated, as logged).
    pub client: String,
}

fn cell(r: &[SqlValue], i: usize) -> String {
    r.get(i)
        .and_then(SqlValue::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Everything stored about `a`, at `now`.
pub async fn collect<D: Db>(db: &D, a: &Account, now: i64) -> Result<PersonalData, StoreError> {
    let roster = store::roster::facts(db, a.id).await?.map(
        |(kind, last_name, usage_name, first_name, email, photo_allowed)| RosterData {
            kind,
            last_name,
            usage_name,
            first_name,
            email,
            photo_allowed,
        },
    );
    let charter_acceptances = store::charters::of_account(db, a.id)
        .await?
        .into_iter()
        .map(|(audience, version, at)| Acceptance {
            audience,
            version,
            accepted_at: rfc3339(at),
        })
        .collect();
    let comments = store::comments::of_author(db, a.id)
        .await?
        .into_iter()
        .map(|c| CommentData {
            page: c.page,
            text: c.body,
            status: c.status.as_str().to_string(),
            reason: c.reason,
            written_at: rfc3339(c.created_at),
        })
        .collect();
    let uploads = store::uploads::of_uploader(db, a.id)
        .await?
        .into_iter()
        .map(|u| UploadData {
            scope: u.scope,
            name: u.original_name,
            kind: u.kind,
            bytes: u.bytes,
            uploaded_at: rfc3339(u.created_at),
        })
        .collect();
    let activation_letters = store::activation::of_account(db, a.id)
        .await?
        .into_iter()
        .map(|(created, expires, used)| LetterData {
            created_at: rfc3339(created),
            expires_at: rfc3339(expires),
            used_at: used.map(rfc3339),
        })
        .collect();
    let editor_posts = store::posts::of_author(db, a.id)
        .await?
        .into_iter()
        .map(|(p, created, pending)| EditorPostData {
            path: p.path,
            blog: p.place,
            title: p.title,
            state: p.state,
            note: p.note,
            pending_text: pending,
            created_at: rfc3339(created),
            updated_at: rfc3339(p.updated_at),
        })
        .collect();
    let activity = store::audit::about(db, &a.login, ACTIVITY_MAX)
        .await?
        .iter()
        .map(|r| ActivityData {
            at: rfc3339(r.first().and_then(SqlValue::as_i64).unwrap_or(0)),
            actor: cell(r, 1),
            action: cell(r, 2),
            target: cell(r, 3),
            outcome: cell(r, 4),
            client: cell(r, 5),
        })
        .collect();
    Ok(PersonalData {
        generated_at: rfc3339(now),
        account: AccountData {
            login: a.login.clone(),
            display_name: a.display_name.clone(),
            role: a.role.as_str().to_string(),
            scopes: a.scopes.iter().map(|s| s.label()).collect(),
            password_changed_at: rfc3339(a.password_changed_at),
        },
        roster,
        linked_people: store::roster::relatives(db, a.id).await?,
        charter_acceptances,
        comments,
        uploads,
        activation_letters,
        editor_posts,
        activity,
    })
}
