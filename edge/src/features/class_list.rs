//! `/espace/classe/`: for a class's teachers and the school's director, the pupils of their
//! classes whose families did not allow photos (from the last ONDE import), so that they
//! know who must not appear in what they publish. First name and the initial of the family
//! name only: enough to tell two Léa apart, no more than the page needs.

use crate::accounts::{Account, Role};
use crate::app::{Ctx, Edge, Halt, Handled};
use crate::guard;
use crate::respond;
use crate::site::SiteData;
use crate::store::roster::{self as sql, ClassPupil};
use crate::store::Platform;
use http::StatusCode;
use preau_contract::html::SafeHtml;
use preau_contract::shell::{ShellName, Slot};
use preau_contract::text::Text;
use std::collections::BTreeMap;

/// The classes (`school/class`) whose list this person sees: a teacher's own classes, every
/// class of a director's school.
pub(crate) fn classes(site: &SiteData, a: &Account) -> Vec<String> {
    if !matches!(a.role, Role::Teacher | Role::Director) {
        return Vec::new();
    }
    site.manifest
        .classes
        .keys()
        .filter(|key| {
            let (school, class) = key.split_once('/').unwrap_or((key.as_str(), ""));
            a.scopes.iter().any(|s| {
                s.school.as_deref() == Some(school)
                    && match (&s.class, a.role) {
                        (Some(c), _) => c == class,
                        (None, Role::Director) => true,
                        (None, _) => false,
                    }
            })
        })
        .cloned()
        .collect()
}

pub(super) async fn page<P: Platform>(edge: &Edge<P>, cx: &Ctx<'_>) -> Handled {
    let s = guard::accepted(cx)?;
    let mine = classes(cx.site, &s.account);
    if mine.is_empty() {
        return Err(Halt::from(respond::notice(
            cx.site,
            StatusCode::FORBIDDEN,
            Text::ClassListForbidden,
        )));
    }
    let mut by_class: BTreeMap<&str, Vec<ClassPupil>> =
        mine.iter().map(|c| (c.as_str(), Vec::new())).collect();
    let mut schools: Vec<&str> = mine.iter().filter_map(|c| c.split('/').next()).collect();
    schools.dedup();
    for school in schools {
        for p in sql::school_pupils(&edge.platform, school).await? {
            if let Some(list) = by_class.get_mut(p.class.as_str()) {
                list.push(p);
            }
        }
    }
    let results = lists(cx.site, &by_class);
    Ok(respond::page(
        cx.site,
        StatusCode::OK,
        ShellName::ClassList,
        cx.site.t(Text::ClassListTitle),
        &[(Slot::Results, &results)],
    ))
}

/// One section per class: the pupils without permission, or why there are none to show.
fn lists(site: &SiteData, by_class: &BTreeMap<&str, Vec<ClassPupil>>) -> SafeHtml {
    let mut h = SafeHtml::empty();
    for (class, pupils) in by_class {
        h.push_markup("<section class=\"class-list\"><h2>");
        let title = site.manifest.classes.get(*class).map(|c| c.title.as_str());
        h.push_text(title.unwrap_or(class));
        h.push_markup("</h2>");
        let refused: Vec<&ClassPupil> = pupils.iter().filter(|p| !p.photo_allowed).collect();
        if pupils.is_empty() {
            h.push_markup("<p>");
            h.push_text(site.t(Text::ClassListNoRoster));
            h.push_markup("</p>");
        } else if refused.is_empty() {
            h.push_markup("<p>");
            h.push_text(site.t(Text::ClassListAllAllowed));
            h.push_markup("</p>");
        } else {
            h.push_markup("<ul class=\"no-photo\">");
            for p in refused {
                h.push_markup("<li>");
                h.push_text(&p.first_name);
                if let Some(initial) = p.family_name.chars().next() {
                    h.push_text(&format!(" {initial}."));
                }
                h.push_markup("</li>");
            }
            h.push_markup("</ul>");
        }
        // The year-end archive is made by the command line (it reads the content and the
        // data folder); the page says what to ask for, with the class's exact name.
        h.push_markup("<p class=\"archive\">");
        h.push_text(site.t(Text::ClassListArchive));
        h.push_markup(" <code>");
        h.push_text(&format!(
            "preau archive {class} --output {}.zip",
            class.replace('/', "-")
        ));
        h.push_markup("</code></p>");
        h.push_markup("</section>");
    }
    h
}
