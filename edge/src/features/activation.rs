//! `/activer/`: the code of an invitation letter (typed, or from its QR code) → the
//! account's password (the one policy) → signed in, the charter gate next. Wrong, used and
//! expired codes each say so, throttled per network; the page asks for a code only, so it
//! tells nothing about which logins exist. The rules are in `crate::activation`.

use super::credentials;
use super::password::policy_text;
use super::signin::start_session_after;
use crate::accounts::Account;
use crate::activation::{self, StoredCode, Verdict};
use crate::app::{Ctx, Edge, Halt, Handled};
use crate::audit::{self, Action, Outcome};
use crate::form::{self, Form};
use crate::password;
use crate::respond::{self, Resp};
use crate::store::{self, Platform};
use crate::throttle::FREE_ACTIVATION_FAILURES_PER_NETWORK;
use http::{header, HeaderValue, StatusCode};
use preau_contract::html::SafeHtml;
use preau_contract::routes::SPACE;
use preau_contract::shell::{ShellName, Slot};
use preau_contract::text::Text;

/// What the anti-forgery token of these forms is bound to.
const PURPOSE: &str = "activer";

pub(super) fn page<P: Platform>(edge: &Edge<P>, cx: &Ctx) -> Handled {
    let typed = form::query_value(cx.query, "code").unwrap_or_default();
    Ok(code_page(edge, cx, &shown(&typed), None, StatusCode::OK))
}

pub(super) async fn submit<P: Platform>(edge: &Edge<P>, cx: &Ctx<'_>) -> Handled {
    let form = Form::parse(cx.req.body());
    let typed = form.get("code").unwrap_or("");
    if !credentials::anonymous_csrf_ok(edge, cx, &form, PURPOSE) {
        let (text, status) = (cx.site.t(Text::Csrf), StatusCode::FORBIDDEN);
        return Ok(code_page(edge, cx, &shown(typed), Some(text), status));
    }
    let key = format!("activation:{}", audit::truncate_ip(cx.ip));
    let wait = store::throttle::wait_for(&edge.platform, &key, cx.now).await?;
    if wait > 0 {
        edge.audit(cx, "-", Action::Activation, "-", Outcome::Throttled)
            .await?;
        let msg = cx
            .site
            .t(Text::Throttled)
            .replace("{secondes}", &wait.to_string());
        let status = StatusCode::TOO_MANY_REQUESTS;
        let mut r = code_page(edge, cx, &shown(typed), Some(&msg), status);
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait as u64));
        return Ok(r);
    }
    let code = activation::normalise(typed);
    let found = match &code {
        Some(c) => store::activation::find(&edge.platform, &activation::hash(c)).await?,
        None => None,
    };
    let account = match (&found, activation::verdict(found.as_ref(), cx.now)) {
        (Some(f), Verdict::Valid) => store::accounts::find_by_login(&edge.platform, &f.login)
            .await?
            .map(|(a, _)| a),
        _ => None,
    };
    let (Some(code), Some(account)) = (code, account) else {
        let free = FREE_ACTIVATION_FAILURES_PER_NETWORK;
        store::throttle::fail(&edge.platform, &key, free, cx.now).await?;
        return refuse(edge, cx, typed, found.as_ref()).await;
    };
    if form.get("nouveau").is_none() {
        return Ok(password_page(edge, cx, &code, &account, None));
    }
    choose(edge, cx, &form, &code, &account).await
}

/// The second step: the password chosen twice, the policy, then the code used, the
/// password set and a session started, in one batch.
async fn choose<P: Platform>(
    edge: &Edge<P>,
    cx: &Ctx<'_>,
    form: &Form,
    code: &str,
    account: &Account,
) -> Handled {
    let again = |text: Text| {
        Ok(password_page(
            edge,
            cx,
            code,
            account,
            Some(cx.site.t(text)),
        ))
    };
    let new = form.get("nouveau").unwrap_or("");
    if form.get("confirmation") != Some(new) {
        return again(Text::PasswordMismatch);
    }
    if let Err(e) = password::check_policy(new, &account.login, &[&account.display_name]) {
        return again(policy_text(&e));
    }
    let mut salt = [0u8; 16];
    edge.platform.fill(&mut salt);
    let Ok(hash) = password::hash(new, &salt) else {
        return again(Text::ServerError);
    };
    let h = activation::hash(code);
    let before = vec![
        store::activation::mark_used(&h, cx.now),
        store::activation::set_password(&h, &hash, cx.now),
        // A new letter also ends the sessions of a forgotten password.
        store::sessions::delete_all(account.id),
    ];
    let done =
        start_session_after(edge, cx, account, false, SPACE, before, Action::Activation).await;
    match done {
        // Used in between by another request with the same code: nothing was applied.
        Err(Halt::Store(e)) if e.is_constraint() => {
            let used = store::activation::find(&edge.platform, &h).await?;
            refuse(edge, cx, code, used.as_ref()).await
        }
        other => other,
    }
}

/// A code that cannot activate: logged, and the code page again with why.
async fn refuse<P: Platform>(
    edge: &Edge<P>,
    cx: &Ctx<'_>,
    typed: &str,
    found: Option<&StoredCode>,
) -> Handled {
    let (text, outcome, status) = match activation::verdict(found, cx.now) {
        Verdict::Used => (
            Text::ActivationUsed,
            Outcome::AlreadyUsed,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Verdict::Expired => (
            Text::ActivationExpired,
            Outcome::Expired,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Verdict::Disabled => (
            Text::ActivationDisabled,
            Outcome::Denied,
            StatusCode::FORBIDDEN,
        ),
        // Valid here means its account vanished between two queries: like no code.
        Verdict::Unknown | Verdict::Valid => (
            Text::ActivationUnknown,
            Outcome::Failure,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    };
    let who = found.map(|f| f.login.as_str()).unwrap_or("-");
    edge.audit(cx, who, Action::Activation, who, outcome)
        .await?;
    Ok(code_page(
        edge,
        cx,
        &shown(typed),
        Some(cx.site.t(text)),
        status,
    ))
}

/// What the code field shows back: the typed text reduced to what a code may contain.
fn shown(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == ' ')
        .take(32)
        .collect::<String>()
        .trim()
        .to_string()
}

fn code_page<P: Platform>(
    edge: &Edge<P>,
    cx: &Ctx,
    code: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Resp {
    let (token, set) = credentials::anonymous_csrf(edge, cx, PURPOSE);
    let token = SafeHtml::text(&token);
    let error = error.map(respond::form_error).unwrap_or_default();
    let code = SafeHtml::text(code);
    let mut r = respond::page(
        cx.site,
        status,
        ShellName::Activation,
        cx.site.t(Text::ActivationTitle),
        &[
            (Slot::Error, &error),
            (Slot::Csrf, &token),
            (Slot::Code, &code),
        ],
    );
    if let Some(c) = set {
        respond::append_cookie(&mut r, &c);
    }
    r
}

/// The password form of a valid code (carried on, in a hidden field, to the last step).
fn password_page<P: Platform>(
    edge: &Edge<P>,
    cx: &Ctx,
    code: &str,
    account: &Account,
    error: Option<&str>,
) -> Resp {
    let (token, set) = credentials::anonymous_csrf(edge, cx, PURPOSE);
    let token = SafeHtml::text(&token);
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let error = error.map(respond::form_error).unwrap_or_default();
    let code = SafeHtml::text(&activation::grouped(code));
    let login = SafeHtml::text(&account.login);
    let mut r = respond::page(
        cx.site,
        status,
        ShellName::ActivationPassword,
        cx.site.t(Text::ActivationPasswordTitle),
        &[
            (Slot::Error, &error),
            (Slot::Csrf, &token),
            (Slot::Code, &code),
            (Slot::Login, &login),
        ],
    );
    if let Some(c) = set {
        respond::append_cookie(&mut r, &c);
    }
    r
}
