//! Sign-in: the form (with its anti-forgery cookie) and its check, throttled per login and
//! per network, the same answer for an unknown login and a wrong password, a new session
//! token at every sign-in.

use super::credentials::{self, Keys};
use crate::accounts::Account;
use crate::app::{Ctx, Edge, Handled};
use crate::audit::{Action, Outcome};
use crate::form::{self, Form};
use crate::respond::{self, Resp};
use crate::session;
use crate::store::{self, Platform};
use http::{header, HeaderValue, StatusCode};
use preau_contract::html::SafeHtml;
use preau_contract::routes::SPACE;
use preau_contract::shell::{ShellName, Slot};
use preau_contract::text::Text;

pub(super) fn page<P: Platform>(edge: &Edge<P>, cx: &Ctx) -> Handled {
    let next = form::next_from_query(cx.query);
    if cx.session.is_some() {
        return Ok(respond::redirect(
            StatusCode::SEE_OTHER,
            next.as_deref().unwrap_or(SPACE),
        ));
    }
    Ok(form_page(
        edge,
        cx,
        next.as_deref(),
        None,
        StatusCode::OK,
        "",
    ))
}

/// The sign-in form, with an error above it when there is one and `login` filled in.
fn form_page<P: Platform>(
    edge: &Edge<P>,
    cx: &Ctx,
    next: Option<&str>,
    error: Option<&str>,
    status: StatusCode,
    login: &str,
) -> Resp {
    let (token, set) = credentials::anonymous_csrf(edge, cx, "signin");
    let token = SafeHtml::text(&token);
    let error = error.map(respond::form_error).unwrap_or_default();
    let next = SafeHtml::text(next.unwrap_or(""));
    let login = SafeHtml::text(login);
    let mut r = respond::page(
        cx.site,
        status,
        ShellName::Signin,
        cx.site.t(Text::SigninTitle),
        &[
            (Slot::Error, &error),
            (Slot::Csrf, &token),
            (Slot::Next, &next),
            (Slot::Login, &login),
        ],
    );
    if let Some(c) = set {
        respond::append_cookie(&mut r, &c);
    }
    r
}

pub(super) async fn submit<P: Platform>(edge: &Edge<P>, cx: &Ctx<'_>) -> Handled {
    let form = Form::parse(cx.req.body());
    let next = form.get("next").and_then(form::safe_next);
    let again = |text: &str, status, login: &str| {
        form_page(edge, cx, next.as_deref(), Some(text), status, login)
    };
    if !credentials::anonymous_csrf_ok(edge, cx, &form, "signin") {
        return Ok(again(cx.site.t(Text::Csrf), StatusCode::FORBIDDEN, ""));
    }
    let login: String = form
        .get("login")
        .unwrap_or("")
        .trim()
        .chars()
        .take(64)
        .collect();
    let keys = Keys::of(cx, &login);
    let wait = keys.wait(edge, cx.now).await?;
    if wait > 0 {
        edge.audit(cx, &login, Action::Signin, &login, Outcome::Throttled)
            .await?;
        let msg = cx
            .site
            .t(Text::Throttled)
            .replace("{secondes}", &wait.to_string());
        let mut r = again(&msg, StatusCode::TOO_MANY_REQUESTS, "");
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait as u64));
        return Ok(r);
    }
    let password = form.get("password").unwrap_or("");
    let Some(account) = credentials::verify(edge, cx, &login, password).await? else {
        keys.fail(edge, cx.now).await?;
        edge.audit(cx, &login, Action::Signin, &login, Outcome::Failure)
            .await?;
        // The typed login is shown again only if it could be one (never markup).
        let shown = if crate::accounts::valid_login(&login) {
            login.as_str()
        } else {
            ""
        };
        let text = cx.site.t(Text::BadCredentials);
        return Ok(again(text, StatusCode::UNAUTHORIZED, shown));
    };
    if password_expired(edge, &account, cx.now) {
        let l = &account.login;
        edge.audit(cx, l, Action::Signin, l, Outcome::PasswordExpired)
            .await?;
        let text = cx.site.t(Text::PasswordExpired);
        return Ok(again(text, StatusCode::FORBIDDEN, ""));
    }
    keys.clear_login(edge).await?;
    let remember = form.get("remember") == Some("1") && !account.role.is_staff();
    start_session(
        edge,
        cx,
        &account,
        remember,
        next.as_deref().unwrap_or(SPACE),
    )
    .await
}

/// Staff passwords expire after a year (ANSSI R25); families' never do.
fn password_expired<P: Platform>(edge: &Edge<P>, account: &Account, now: i64) -> bool {
    account.role.is_staff()
        && now - account.password_changed_at > edge.config.staff_password_max_age_days * 86_400
}

/// A new session for `account` (ending the one already on this browser), then `next`.
async fn start_session<P: Platform>(
    edge: &Edge<P>,
    cx: &Ctx<'_>,
    account: &Account,
    remember: bool,
    next: &str,
) -> Handled {
    start_session_after(
        edge,
        cx,
        account,
        remember,
        next,
        Vec::new(),
        Action::Signin,
    )
    .await
}

/// `start_session` with `before` applied first in the same batch (activation sets the
/// password there), and the success logged as `action`.
pub(super) async fn start_session_after<P: Platform>(
    edge: &Edge<P>,
    cx: &Ctx<'_>,
    account: &Account,
    remember: bool,
    next: &str,
    mut statements: Vec<store::Statement>,
    action: Action,
) -> Handled {
    let (_, absolute) = edge.config.timeouts.for_role(account.role, remember);
    let token = session::new_token(&edge.random32());
    let hash = session::hash_token(&token);
    statements.push(store::sessions::insert(
        &hash,
        account.id,
        cx.now,
        cx.now + absolute,
        remember,
    ));
    if let Some(old) = &cx.session {
        statements.push(store::sessions::delete(&old.token_hash));
    }
    let l = &account.login;
    statements.push(edge.audit_statement(cx, l, action, l, Outcome::Success));
    edge.platform.batch(statements).await?;
    let mut r = respond::redirect(StatusCode::SEE_OTHER, next);
    let max_age = remember.then_some(absolute);
    respond::append_cookie(
        &mut r,
        &session::set_cookie(cx.secure, "session", &token, max_age),
    );
    respond::append_cookie(&mut r, &session::clear_cookie(cx.secure, "csrf"));
    Ok(r)
}
