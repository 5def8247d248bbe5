//! Checking a login and password, shared by sign-in and the password change: the same
//! throttle per login and per network, and the same cost whether the login exists or not.
//! Also the anti-forgery token of the forms shown before signing in (sign-in, activation).

use crate::accounts::{self, Account};
use crate::app::{Ctx, Edge, Halt};
use crate::audit;
use crate::form::{self, Form};
use crate::password;
use crate::respond::{self, Resp};
use crate::session;
use crate::store::{self, Busy, Platform, StoreError};
use crate::throttle;
use http::{header, HeaderValue, StatusCode};
use preau_contract::html::SafeHtml;
use preau_contract::shell::{ShellName, Slot};
use preau_contract::text::Text;

/// The throttle counters one attempt counts against.
pub(super) struct Keys {
    ip: String,
    login: String,
}

impl Keys {
    pub(super) fn of(cx: &Ctx, login: &str) -> Keys {
        Keys {
            ip: format!("ip:{}", audit::truncate_ip(cx.ip)),
            login: format!("login:{}", login.to_lowercase()),
        }
    }

    /// Seconds to wait before trying again (0 = now).
    pub(super) async fn wait<P: Platform>(
        &self,
        edge: &Edge<P>,
        now: i64,
    ) -> Result<i64, StoreError> {
        let p = &edge.platform;
        Ok(store::throttle::wait_for(p, &self.ip, now)
            .await?
            .max(store::throttle::wait_for(p, &self.login, now).await?))
    }

    pub(super) async fn fail<P: Platform>(
        &self,
        edge: &Edge<P>,
        now: i64,
    ) -> Result<(), StoreError> {
        let p = &edge.platform;
        store::throttle::fail(p, &self.ip, throttle::FREE_FAILURES_PER_NETWORK, now).await?;
        store::throttle::fail(p, &self.login, throttle::FREE_FAILURES, now).await
    }

    pub(super) async fn clear_login<P: Platform>(&self, edge: &Edge<P>) -> Result<(), StoreError> {
        store::throttle::clear(&edge.platform, &self.login).await
    }
}

/// The enabled account whose password this is. Always runs one password verification, so
/// an unknown login costs the same time as a wrong password. When too many verifications
/// wait already, answers `503` with `Retry-After` and "réessayez dans N s" before reading
/// anything (the same for every login).
pub(super) async fn verify<P: Platform>(
    edge: &Edge<P>,
    cx: &Ctx<'_>,
    login: &str,
    password: &str,
) -> Result<Option<Account>, Halt> {
    let found = if accounts::valid_login(login) {
        store::accounts::find_by_login(&edge.platform, login).await?
    } else {
        None
    };
    let (hash, account) = match found {
        Some((account, hash)) => (hash, Some(account)),
        None => (password::DUMMY_HASH.to_string(), None),
    };
    match edge.platform.verify_password(password, &hash).await {
        Ok(ok) => Ok(account.filter(|a| ok && !a.disabled)),
        Err(busy) => Err(busy_answer(cx, busy).into()),
    }
}

/// The answer when sign-ins queue: a clear wait, never a timeout.
fn busy_answer(cx: &Ctx<'_>, busy: Busy) -> Resp {
    let msg = cx
        .site
        .t(Text::Busy)
        .replace("{secondes}", &busy.retry_after.to_string());
    let text = SafeHtml::text(&msg);
    let mut r = respond::page(
        cx.site,
        StatusCode::SERVICE_UNAVAILABLE,
        ShellName::Message,
        &msg,
        &[(Slot::Message, &text)],
    );
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(busy.retry_after));
    r
}

/// The anti-forgery token of a form shown to someone not signed in: an HMAC of a random
/// nonce kept in a cookie, bound to the form's `purpose`. Also the cookie to set when the
/// browser has no nonce yet.
pub(super) fn anonymous_csrf<P: Platform>(
    edge: &Edge<P>,
    cx: &Ctx,
    purpose: &str,
) -> (String, Option<String>) {
    let csrf_name = session::cookie_name(cx.secure, "csrf");
    let existing =
        session::read_cookie(cx.cookies, &csrf_name).filter(|n| session::plausible_token(n));
    let (nonce, set) = match existing {
        Some(n) => (n.to_string(), None),
        None => {
            let n = session::new_token(&edge.random32());
            let c = session::set_cookie(cx.secure, "csrf", &n, None);
            (n, Some(c))
        }
    };
    let token = session::csrf_token(&edge.config.secret, &format!("{purpose}|{nonce}"));
    (token, set)
}

/// Does this form carry the token of `anonymous_csrf` for `purpose`, from our own pages?
pub(super) fn anonymous_csrf_ok<P: Platform>(
    edge: &Edge<P>,
    cx: &Ctx,
    form: &Form,
    purpose: &str,
) -> bool {
    let nonce =
        session::read_cookie(cx.cookies, &session::cookie_name(cx.secure, "csrf")).unwrap_or("");
    !nonce.is_empty()
        && form::same_origin(cx.req)
        && form.get("csrf").is_some_and(|t| {
            session::csrf_ok(&edge.config.secret, &format!("{purpose}|{nonce}"), t)
        })
}
