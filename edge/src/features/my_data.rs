//! "Mes données" for every signed-in person: the page `/espace/mes-donnees/` and the same
//! data as a JSON download. Only being signed in is needed, not the current charter: the
//! right of access does not depend on accepting a new version.

use crate::app::{Ctx, Edge, Handled};
use crate::guard;
use crate::my_data::{self, PersonalData};
use crate::respond;
use crate::site::SiteData;
use http::header::{HeaderValue, CONTENT_DISPOSITION, CONTENT_TYPE};
use http::StatusCode;
use preau_contract::html::SafeHtml;
use preau_contract::shell::{ShellName, Slot};
use preau_contract::text::Text;

pub(super) async fn page<P: crate::store::Platform>(edge: &Edge<P>, cx: &Ctx<'_>) -> Handled {
    let s = guard::signed_in(cx)?;
    let data = my_data::collect(&edge.platform, &s.account, cx.now).await?;
    let results = render(cx.site, &data);
    Ok(respond::page(
        cx.site,
        StatusCode::OK,
        ShellName::MyData,
        cx.site.t(Text::MyDataTitle),
        &[(Slot::Results, &results)],
    ))
}

pub(super) async fn json<P: crate::store::Platform>(edge: &Edge<P>, cx: &Ctx<'_>) -> Handled {
    let s = guard::signed_in(cx)?;
    let data = my_data::collect(&edge.platform, &s.account, cx.now).await?;
    let body = serde_json::to_vec_pretty(&data).unwrap_or_default();
    let mut r = http::Response::new(body);
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r.headers_mut().insert(
        CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"mes-donnees.json\""),
    );
    respond::private(&mut r);
    Ok(r)
}

/// A section with a heading and either its rows or "Aucune donnée".
fn section(h: &mut SafeHtml, site: &SiteData, title: Text, rows: Vec<Vec<String>>) {
    h.push_markup("<section class=\"my-data\"><h2>");
    h.push_text(site.t(title));
    h.push_markup("</h2>");
    if rows.is_empty() {
        h.push_markup("<p>");
        h.push_text(site.t(Text::MyDataNone));
        h.push_markup("</p>");
    } else {
        h.push_markup("<ul>");
        for row in rows {
            h.push_markup("<li>");
            h.push_text(&row.join(" — "));
            h.push_markup("</li>");
        }
        h.push_markup("</ul>");
    }
    h.push_markup("</section>");
}

fn render(site: &SiteData, d: &PersonalData) -> SafeHtml {
    let mut h = SafeHtml::empty();
    let a = &d.account;
    let mut account = vec![
        vec![a.display_name.clone(), a.login.clone()],
        vec![preau_contract::access::Role::parse(&a.role)
            .map_or(a.role.clone(), |r| site.t(Text::role(r)).to_string())],
    ];
    account.extend(a.scopes.iter().map(|s| vec![s.clone()]));
    section(&mut h, site, Text::MyDataAccount, account);
    let roster = d
        .roster
        .iter()
        .map(|r| {
            let mut row = vec![format!("{} {} {}", r.first_name, r.usage_name, r.last_name)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")];
            row.extend(r.email.clone());
            row.extend(r.photo_allowed.map(|p| {
                site.t(if p {
                    Text::MyDataPhotoYes
                } else {
                    Text::MyDataPhotoNo
                })
                .to_string()
            }));
            row
        })
        .collect();
    section(&mut h, site, Text::MyDataRoster, roster);
    let linked = d.linked_people.iter().map(|n| vec![n.clone()]).collect();
    section(&mut h, site, Text::MyDataLinked, linked);
    let charters = d
        .charter_acceptances
        .iter()
        .map(|c| vec![c.audience.clone(), c.version.clone(), c.accepted_at.clone()])
        .collect();
    section(&mut h, site, Text::MyDataCharters, charters);
    let comments = d
        .comments
        .iter()
        .map(|c| {
            vec![
                c.written_at.clone(),
                c.page.clone(),
                c.status.clone(),
                c.text.clone(),
            ]
        })
        .collect();
    section(&mut h, site, Text::MyDataComments, comments);
    let uploads = d
        .uploads
        .iter()
        .map(|u| vec![u.uploaded_at.clone(), u.scope.clone(), u.name.clone()])
        .collect();
    section(&mut h, site, Text::MyDataUploads, uploads);
    let letters = d
        .activation_letters
        .iter()
        .map(|l| {
            let mut row = vec![l.created_at.clone()];
            match &l.used_at {
                Some(at) => row.push(format!("{} {at}", site.t(Text::MyDataLetterUsed))),
                None => row.push(format!(
                    "{} {}",
                    site.t(Text::MyDataLetterUnused),
                    l.expires_at
                )),
            }
            row
        })
        .collect();
    section(&mut h, site, Text::MyDataLetters, letters);
    let posts = d
        .editor_posts
        .iter()
        .map(|p| {
            let mut row = vec![
                p.updated_at.clone(),
                p.blog.clone(),
                p.title.clone(),
                p.state.clone(),
                p.path.clone(),
            ];
            row.extend(p.note.clone());
            row
        })
        .collect();
    section(&mut h, site, Text::MyDataPosts, posts);
    let activity = d
        .activity
        .iter()
        .map(|e| {
            vec![
                e.at.clone(),
                e.action.clone(),
                e.outcome.clone(),
                e.client.clone(),
            ]
        })
        .collect();
    section(&mut h, site, Text::MyDataActivity, activity);
    h
}
