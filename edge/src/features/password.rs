//! Changing one's own password from Mon espace: the current password (throttled like a
//! sign-in), the new one twice, the same policy as everywhere else. The other sessions of
//! the account end; this one goes on.

use super::credentials::{self, Keys};
use super::space::PASSWORD_CHANGED;
use crate::app::{Ctx, Edge, Halt, Handled};
use crate::audit::{Action, Outcome};
use crate::guard;
use crate::password::{self, PolicyError};
use crate::respond::{self, Resp};
use crate::session::Session;
use crate::store::{self, Platform};
use http::StatusCode;
use preau_contract::html::SafeHtml;
use preau_contract::routes::SPACE;
use preau_contract::shell::{ShellName, Slot};
use preau_contract::text::Text;

pub(super) fn page<P: Platform>(edge: &Edge<P>, cx: &Ctx) -> Handled {
    let s = guard::accepted(cx)?;
    Ok(form_page(edge, cx, s, None, StatusCode::OK))
}

fn form_page<P: Platform>(
    edge: &Edge<P>,
    cx: &Ctx,
    s: &Session,
    error: Option<&str>,
    status: StatusCode,
) -> Resp {
    let token = SafeHtml::text(&edge.session_csrf(s));
    let error = error.map(respond::form_error).unwrap_or_default();
    respond::page(
        cx.site,
        status,
        ShellName::Password,
        cx.site.t(Text::PasswordTitle),
        &[(Slot::Csrf, &token), (Slot::Error, &error)],
    )
}

pub(super) async fn submit<P: Platform>(edge: &Edge<P>, cx: &Ctx<'_>) -> Handled {
    let s = guard::accepted(cx)?;
    let form = guard::session_form(edge, cx, s)?;
    let refuse = |text: Text| -> Halt {
        let msg = cx.site.t(text);
        Halt::from(form_page(
            edge,
            cx,
            s,
            Some(msg),
            StatusCode::UNPROCESSABLE_ENTITY,
        ))
    };
    let a = &s.account;
    check_current(edge, cx, s, form.get("actuel").unwrap_or("")).await?;
    let new = form.get("nouveau").unwrap_or("");
    if form.get("confirmation") != Some(new) {
        return Err(refuse(Text::PasswordMismatch));
    }
    if let Err(e) = password::check_policy(new, &a.login, &[&a.display_name]) {
        return Err(refuse(policy_text(&e)));
    }
    let mut salt = [0u8; 16];
    edge.platform.fill(&mut salt);
    let Ok(hash) = password::hash(new, &salt) else {
        return Err(refuse(Text::ServerError));
    };
    let l = &a.login;
    edge.platform
        .batch(vec![
            store::accounts::set_password(l, &hash, cx.now),
            store::sessions::delete_others(a.id, &s.token_hash),
            edge.audit_statement(cx, l, Action::PasswordChange, l, Outcome::Success),
        ])
        .await?;
    let (k, v) = PASSWORD_CHANGED;
    Ok(respond::redirect(
        StatusCode::SEE_OTHER,
        &format!("{SPACE}?{k}={v}"),
    ))
}

/// The current password, checked like a sign-in: throttled per login and network, and a
/// wrong one counts as a failed attempt.
async fn check_current<P: Platform>(
    edge: &Edge<P>,
    cx: &Ctx<'_>,
    s: &Session,
    current: &str,
) -> Result<(), Halt> {
    let a = &s.account;
    let keys = Keys::of(cx, &a.login);
    let wait = keys.wait(edge, cx.now).await?;
    if wait > 0 {
        let msg = cx
            .site
            .t(Text::Throttled)
            .replace("{secondes}", &wait.to_string());
        let status = StatusCode::TOO_MANY_REQUESTS;
        return Err(form_page(edge, cx, s, Some(&msg), status).into());
    }
    if credentials::verify(edge, cx, &a.login, current)
        .await?
        .is_none()
    {
        keys.fail(edge, cx.now).await?;
        let l = &a.login;
        edge.audit(cx, l, Action::PasswordChange, l, Outcome::Failure)
            .await?;
        let msg = cx.site.t(Text::PasswordWrongCurrent);
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return Err(form_page(edge, cx, s, Some(msg), status).into());
    }
    Ok(())
}

/// The reader-facing sentence of a policy refusal.
pub(crate) fn policy_text(e: &PolicyError) -> Text {
    match e {
        PolicyError::TooShort => Text::PasswordTooShort,
        PolicyError::TooLong => Text::PasswordTooLong,
        PolicyError::Common => Text::PasswordCommon,
        PolicyError::Weak => Text::PasswordWeak,
        PolicyError::ContainsLogin => Text::PasswordContainsLogin,
    }
}
