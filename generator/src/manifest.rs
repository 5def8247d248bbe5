//! The access manifest: every output file with its visibility and scope, the charter
//! versions, and what "Mon espace" lists. Written under `_preau/`, which is never served.

use crate::model::*;
use preau_contract::access::{CharterInfo, CommentRule, Manifest, PlaceInfo, RecentItem};

/// Everything of the manifest except `files`, which the build fills as it writes.
pub fn skeleton(site: &Site) -> Manifest {
    let mut m = Manifest::default();
    for (aud, &i) in &site.charters {
        let p = &site.pages[i];
        m.charters.insert(
            *aud,
            CharterInfo {
                version: p.meta.version.clone().unwrap_or_default(),
                path: p.url.clone(),
                title: p.title.clone(),
            },
        );
    }
    for (s, &i) in &site.schools {
        m.schools.insert(
            s.clone(),
            PlaceInfo {
                title: site.pages[i].title.clone(),
                path: site.pages[i].url.clone(),
            },
        );
    }
    for (key, &i) in &site.section_index {
        if let SectionKey::Class(s, c) = key {
            m.classes.insert(
                format!("{s}/{c}"),
                PlaceInfo {
                    title: site.pages[i].title.clone(),
                    path: site.pages[i].url.clone(),
                },
            );
            if site.pages[i].meta.pupil_posts == Some(true) {
                m.pupil_posts.insert(format!("{s}/{c}"));
            }
        }
    }
    for i in 0..site.pages.len() {
        if let Some(rule) = comment_rule(site, i) {
            m.comments.insert(site.pages[i].url.clone(), rule);
        }
    }
    for (key, items) in &site.sections {
        let bucket = match key {
            SectionKey::Class(s, c) => format!("{s}/{c}"),
            SectionKey::SchoolNews(s) | SectionKey::Periscolaire(s) => s.clone(),
            _ => continue,
        };
        let list = m.recent.entry(bucket).or_default();
        for &i in items.iter().take(5) {
            let p = &site.pages[i];
            list.push(RecentItem {
                title: p.title.clone(),
                path: p.url.clone(),
                date: p.date.map(|d| d.to_string()).unwrap_or_default(),
                access: p.access.clone(),
            });
        }
        list.sort_by(|a, b| b.date.cmp(&a.date));
    }
    m
}

/// The comments of page `i`: only class posts that are not public, with comments neither
/// turned off on the post (`comments = false`) nor on its class (`comments = false` in the
/// class's `_index.md`, which also sets `moderation` and `pupil_comments`).
pub fn comment_rule(site: &Site, i: usize) -> Option<CommentRule> {
    let page = &site.pages[i];
    let Place::Item(key @ SectionKey::Class(..)) = &page.place else {
        return None;
    };
    if page.access.is_public() || page.meta.comments == Some(false) {
        return None;
    }
    let class = site.section_index.get(key).map(|&c| &site.pages[c].meta);
    if class.and_then(|m| m.comments) == Some(false) {
        return None;
    }
    Some(CommentRule {
        moderation: class.and_then(|m| m.moderation).unwrap_or_default(),
        pupils: class.and_then(|m| m.pupil_comments).unwrap_or(false),
    })
}
