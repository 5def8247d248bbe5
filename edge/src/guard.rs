//! The one guard every page behind sign-in goes through: signed in, charter accepted,
//! member of the scope, and a valid anti-forgery token on every form post. Each check
//! returns the session or the answer to give instead (`Halt`), so handlers read as
//! `let s = guard::accepted(cx)?;`.

use crate::app::{Ctx, Edge, Halt};
use crate::audit::{Action, Outcome};
use crate::form::{self, Form};
use crate::respond;
use crate::session::{self, Session};
use crate::site::SiteData;
use crate::store::Platform;
use http::StatusCode;
use preau_contract::access::Access;
use preau_contract::routes::{ACCEPT, SIGNIN};
use preau_contract::shell::ShellName;
use preau_contract::text::Text;

/// Signed in, or sent to the sign-in page (and back here afterwards).
pub(crate) fn signed_in<'c>(cx: &'c Ctx) -> Result<&'c Session, Halt> {
    cx.session
        .as_deref()
        .ok_or_else(|| Halt::from(respond::redirect_with_next(SIGNIN, &back(cx))))
}

/// Signed in and the current charter of their audience accepted, or sent to the charter.
pub(crate) fn accepted<'c>(cx: &'c Ctx) -> Result<&'c Session, Halt> {
    let s = signed_in(cx)?;
    if !charter_ok(cx.site, s) {
        return Err(Halt::from(respond::redirect_with_next(ACCEPT, &back(cx))));
    }
    Ok(s)
}

/// May read what `access` protects: signed in, charter accepted and member of the scope.
/// A refusal is logged.
pub(crate) async fn member<'c, P: Platform>(
    edge: &Edge<P>,
    cx: &'c Ctx<'_>,
    access: &Access,
) -> Result<&'c Session, Halt> {
    let s = accepted(cx)?;
    if !s.account.can_read(access) {
        // Boxed, like every rare branch of the page-read path (see `features::dispatch`).
        Box::pin(edge.audit(
            cx,
            &s.account.login,
            Action::Access,
            cx.path,
            Outcome::Denied,
        ))
        .await?;
        let title = cx.site.t(Text::ForbiddenTitle);
        return Err(Halt::from(respond::page(
            cx.site,
            StatusCode::FORBIDDEN,
            ShellName::Forbidden,
            title,
            &[],
        )));
    }
    Ok(s)
}

/// A form posted by a signed-in session: same origin and the session's token.
pub(crate) fn session_form<P: Platform>(
    edge: &Edge<P>,
    cx: &Ctx,
    s: &Session,
) -> Result<Form, Halt> {
    let form = Form::parse(cx.req.body());
    let ok = form::same_origin(cx.req)
        && form
            .get("csrf")
            .is_some_and(|t| session::csrf_ok(&edge.config.secret, &s.token_hash, t));
    if !ok {
        return Err(Halt::from(respond::notice(
            cx.site,
            StatusCode::FORBIDDEN,
            Text::Csrf,
        )));
    }
    Ok(form)
}

/// Has this session accepted the current charter of its audience?
pub(crate) fn charter_ok(site: &SiteData, s: &Session) -> bool {
    let audience = s.account.role.audience();
    match site.manifest.charters.get(&audience) {
        Some(c) => s.has_accepted(audience.as_str(), &c.version),
        // No charter published for this audience: nothing to accept.
        None => true,
    }
}

/// Where to come back to after signing in or accepting: this page.
fn back(cx: &Ctx) -> String {
    cx.path.to_string()
}
