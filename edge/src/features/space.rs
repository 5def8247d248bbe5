//! Mon espace: who is signed in, their schools and classes, the latest posts they may read,
//! and the account's security actions.

use crate::accounts::{Account, Role};
use crate::app::{Ctx, Edge, Handled};
use crate::form;
use crate::guard;
use crate::respond;
use crate::site::SiteData;
use crate::store::Platform;
use http::StatusCode;
use preau_contract::access::{Access, PlaceInfo, RecentItem, Visibility};
use preau_contract::html::SafeHtml;
use preau_contract::shell::{ShellName, Slot};
use preau_contract::text::Text;

/// Query flag set after a password change, to say it worked.
pub(crate) const PASSWORD_CHANGED: (&str, &str) = ("mot-de-passe", "change");

pub(super) async fn page<P: Platform>(edge: &Edge<P>, cx: &Ctx<'_>) -> Handled {
    let s = guard::accepted(cx)?;
    let a = &s.account;
    let (places, buckets) = places(cx.site, a);
    let latest = latest(cx.site, a, &buckets);
    let role = SafeHtml::text(cx.site.t(Text::role(a.role)));
    let name = SafeHtml::text(&a.display_name);
    let token = SafeHtml::text(&edge.session_csrf(s));
    let notice = if form::query_has(cx.query, PASSWORD_CHANGED.0, PASSWORD_CHANGED.1) {
        respond::form_notice(cx.site.t(Text::PasswordChanged))
    } else {
        SafeHtml::empty()
    };
    let pending = super::moderation::pending(edge, cx.site, a).await?;
    let actions = actions(cx.site, a, pending);
    Ok(respond::page(
        cx.site,
        StatusCode::OK,
        ShellName::Space,
        cx.site.t(Text::SpaceTitle),
        &[
            (Slot::Name, &name),
            (Slot::Role, &role),
            (Slot::Places, &places),
            (Slot::Latest, &latest),
            (Slot::Csrf, &token),
            (Slot::Notice, &notice),
            (Slot::Actions, &actions),
        ],
    ))
}

/// Links to what this person may do besides reading: uploading photos and documents, for
/// moderators the comments waiting for them (`pending`), for a class's staff the pupils
/// without photo permission.
fn actions(site: &SiteData, a: &Account, pending: Option<i64>) -> SafeHtml {
    let upload = crate::uploads::may_upload(a);
    let class_list = !super::class_list::classes(site, a).is_empty();
    let write = !crate::writing::places_for(a, &site.manifest).is_empty();
    if !upload && !write && pending.is_none() && !class_list {
        return SafeHtml::empty();
    }
    let mut h = SafeHtml::trusted("<p class=\"actions\">");
    if write {
        h.push_markup("<a class=\"button\" href=\"");
        h.push_text(preau_contract::routes::WRITE);
        h.push_markup("\">");
        h.push_text(site.t(Text::WriteLink));
        h.push_markup("</a> ");
    }
    if upload {
        h.push_markup("<a class=\"button\" href=\"");
        h.push_text(preau_contract::routes::MEDIA_UPLOAD);
        h.push_markup("\">");
        h.push_text(site.t(Text::MediaLink));
        h.push_markup("</a> ");
    }
    if let Some(n) = pending {
        h.push_markup("<a class=\"button\" href=\"");
        h.push_text(preau_contract::routes::MODERATION);
        h.push_markup("\">");
        h.push_text(site.t(Text::ModerationLink));
        h.push_markup(" <span class=\"count\" data-pending=\"");
        h.push_text(&n.to_string());
        h.push_markup("\">(");
        h.push_text(
            &site
                .t(Text::ModerationPendingCount)
                .replace("{nombre}", &n.to_string()),
        );
        h.push_markup(")</span></a>");
    }
    if class_list {
        h.push_markup(" <a class=\"button\" href=\"");
        h.push_text(preau_contract::routes::CLASS_LIST);
        h.push_markup("\">");
        h.push_text(site.t(Text::ClassListLink));
        h.push_markup("</a>");
    }
    h.push_markup("</p>");
    h
}

/// The tiles of the person's schools and classes, and the keys of `manifest.recent` whose
/// posts they may see.
fn places(site: &SiteData, a: &Account) -> (SafeHtml, Vec<String>) {
    let m = &site.manifest;
    let mut html = SafeHtml::trusted("<ul class=\"tiles\">");
    let mut buckets: Vec<String> = Vec::new();
    let tile = |html: &mut SafeHtml, info: &PlaceInfo, strong: bool| {
        html.push_markup("<li><a href=\"");
        html.push_text(&info.path);
        html.push_markup(if strong { "\"><strong>" } else { "\">" });
        html.push_text(&info.title);
        html.push_markup(if strong {
            "</strong></a></li>"
        } else {
            "</a></li>"
        });
    };
    for scope in &a.scopes {
        match (&scope.school, &scope.class) {
            (None, _) => {
                for (id, info) in &m.schools {
                    tile(&mut html, info, true);
                    buckets.push(id.clone());
                }
                if a.role == Role::Admin {
                    buckets.extend(m.classes.keys().cloned());
                }
            }
            (Some(school), None) => {
                if let Some(info) = m.schools.get(school) {
                    tile(&mut html, info, true);
                }
                buckets.push(school.clone());
                let prefix = format!("{school}/");
                for (key, info) in m.classes.range(prefix.clone()..) {
                    let Some(class) = key.strip_prefix(&prefix) else {
                        break;
                    };
                    let access = Access {
                        visibility: Visibility::Class,
                        school: Some(school.clone()),
                        class: Some(class.to_string()),
                    };
                    if a.can_read(&access) {
                        tile(&mut html, info, false);
                        buckets.push(key.clone());
                    }
                }
            }
            (Some(school), Some(class)) => {
                let key = format!("{school}/{class}");
                if let Some(info) = m.classes.get(&key) {
                    tile(&mut html, info, true);
                }
                buckets.push(school.clone());
                buckets.push(key);
            }
        }
    }
    html.push_markup("</ul>");
    buckets.sort();
    buckets.dedup();
    (html, buckets)
}

/// The ten latest posts of those places that the person may open.
fn latest(site: &SiteData, a: &Account, buckets: &[String]) -> SafeHtml {
    let mut items: Vec<&RecentItem> = buckets
        .iter()
        .filter_map(|b| site.manifest.recent.get(b))
        .flatten()
        .filter(|i| a.can_read(&i.access))
        .collect();
    items.sort_by(|x, y| y.date.cmp(&x.date).then_with(|| x.path.cmp(&y.path)));
    items.dedup_by(|x, y| x.path == y.path);
    items.truncate(10);
    if items.is_empty() {
        let mut h = SafeHtml::trusted("<p>");
        h.push_text(site.t(Text::SpaceNothing));
        h.push_markup("</p>");
        return h;
    }
    let mut h = SafeHtml::trusted("<ul class=\"links\">");
    for i in items {
        h.push_markup("<li><a href=\"");
        h.push_text(&i.path);
        h.push_markup("\">");
        h.push_text(&i.title);
        h.push_markup("</a> <span class=\"meta\"><time datetime=\"");
        h.push_text(&i.date);
        h.push_markup("\">");
        h.push_text(&site.long_date(&i.date));
        h.push_markup("</time></span></li>");
    }
    h.push_markup("</ul>");
    h
}
