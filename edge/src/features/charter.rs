//! The charter gate: a signed-in person who has not accepted the current version of their
//! audience's charter sees it here, and accepts it (who, which version, when).

use crate::app::{Ctx, Edge, Handled};
use crate::audit::{Action, Outcome};
use crate::form;
use crate::guard;
use crate::respond;
use crate::store::{self, Platform};
use http::StatusCode;
use preau_contract::html::SafeHtml;
use preau_contract::routes::{SIGNIN, SPACE};
use preau_contract::shell::{ShellName, Slot};
use preau_contract::text::Text;

pub(super) fn page<P: Platform>(edge: &Edge<P>, cx: &Ctx) -> Handled {
    let next = form::next_from_query(cx.query);
    let next = next.as_deref().unwrap_or(SPACE);
    let Some(s) = &cx.session else {
        return Ok(respond::redirect_with_next(SIGNIN, next));
    };
    let audience = s.account.role.audience();
    let notice = if s.accepted_any(audience.as_str()) && !guard::charter_ok(cx.site, s) {
        Text::GateNewVersion
    } else {
        Text::GateIntro
    };
    let notice = SafeHtml::text(cx.site.t(notice));
    let token = SafeHtml::text(&edge.session_csrf(s));
    let next = SafeHtml::text(next);
    Ok(respond::page(
        cx.site,
        StatusCode::OK,
        ShellName::Gate(audience),
        cx.site.t(Text::GateTitle),
        &[
            (Slot::Notice, &notice),
            (Slot::Csrf, &token),
            (Slot::Next, &next),
        ],
    ))
}

pub(super) async fn accept<P: Platform>(edge: &Edge<P>, cx: &Ctx<'_>) -> Handled {
    let Some(s) = &cx.session else {
        return Ok(respond::redirect(StatusCode::SEE_OTHER, SIGNIN));
    };
    let form = guard::session_form(edge, cx, s)?;
    let audience = s.account.role.audience();
    let Some(charter) = cx.site.manifest.charters.get(&audience) else {
        // Nothing to accept for this audience: the gate never sends anyone here.
        return Ok(respond::redirect(StatusCode::SEE_OTHER, SPACE));
    };
    let target = format!("charte {} v{}", audience.as_str(), charter.version);
    let l = &s.account.login;
    edge.platform
        .batch(vec![
            store::charters::accept(s.account.id, audience, &charter.version, cx.now),
            edge.audit_statement(cx, l, Action::CharterAccept, &target, Outcome::Success),
        ])
        .await?;
    let next = form.get("next").and_then(form::safe_next);
    Ok(respond::redirect(
        StatusCode::SEE_OTHER,
        next.as_deref().unwrap_or(SPACE),
    ))
}
