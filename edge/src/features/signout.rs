//! Signing out of this browser, or of every device at once.

use crate::app::{Ctx, Edge, Handled};
use crate::audit::{Action, Outcome};
use crate::guard;
use crate::respond;
use crate::session;
use crate::store::{self, Platform};
use http::{HeaderName, HeaderValue, StatusCode};
use preau_contract::text::Text;

pub(super) async fn submit<P: Platform>(edge: &Edge<P>, cx: &Ctx<'_>, everywhere: bool) -> Handled {
    let Some(s) = &cx.session else {
        return Ok(respond::redirect(StatusCode::SEE_OTHER, "/"));
    };
    guard::session_form(edge, cx, s)?;
    let (end, action, text) = if everywhere {
        let st = store::sessions::delete_all(s.account.id);
        (st, Action::SignoutAll, Text::SignedOutAll)
    } else {
        let st = store::sessions::delete(&s.token_hash);
        (st, Action::Signout, Text::SignedOut)
    };
    let l = &s.account.login;
    let log = edge.audit_statement(cx, l, action, l, Outcome::Success);
    edge.platform.batch(vec![end, log]).await?;
    let mut r = respond::notice(cx.site, StatusCode::OK, text);
    respond::append_cookie(&mut r, &session::clear_cookie(cx.secure, "session"));
    // The gated pages this browser kept are revalidated before they are shown, but a shared
    // family tablet still has them in its history: they go with the session.
    r.headers_mut().insert(
        HeaderName::from_static("clear-site-data"),
        HeaderValue::from_static("\"cache\""),
    );
    Ok(r)
}
