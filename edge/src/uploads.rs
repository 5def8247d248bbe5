//! The rules of uploads: who may put files where, who may delete them, the limits, and how
//! a file's own name is cleaned (it is shown, never used as a path). The feature itself is
//! `features::uploads`; the files are checked by `preau_media`.

use crate::accounts::{Account, Role};
use crate::store::uploads::Upload;
use preau_contract::access::Manifest;
use preau_contract::media::MediaScope;

/// Limits of uploads (configurable by the adapter).
#[derive(Debug, Clone)]
pub struct UploadConfig {
    /// Per file: bytes, pixels, sizes of the stored versions.
    pub media: preau_media::Limits,
    pub files_per_request: usize,
    /// Per account and rolling 24 hours.
    pub files_per_day: i64,
    pub bytes_per_day: i64,
    /// Largest upload request (all files of one form).
    pub request_bytes: usize,
}

impl Default for UploadConfig {
    fn default() -> Self {
        UploadConfig {
            media: preau_media::Limits {
                // The names the build writes into `srcset` (contract::media) must exist.
                variant_widths: preau_contract::media::VARIANT_WIDTHS.to_vec(),
                ..preau_media::Limits::default()
            },
            files_per_request: 20,
            files_per_day: 300,
            bytes_per_day: 1 << 30,
            request_bytes: 64 << 20,
        }
    }
}

impl UploadConfig {
    /// Apply a setting by name (`preau serve` flags, Worker variables): `max_mb` per file,
    /// `files_per_request`, `files_per_day`, `mb_per_day`. `Err` names what is wrong.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        let n: u64 = value
            .trim()
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("{name} : nombre entier positif attendu, pas « {value} »"))?;
        match name {
            "max_mb" => self.media.max_bytes = (n as usize).saturating_mul(1 << 20),
            "files_per_request" => self.files_per_request = n as usize,
            "files_per_day" => self.files_per_day = n as i64,
            "mb_per_day" => self.bytes_per_day = (n as i64).saturating_mul(1 << 20),
            _ => return Err(format!("réglage inconnu : {name}")),
        }
        Ok(())
    }
}

/// The settings `UploadConfig::set` knows, with the Worker variable of each.
pub const SETTINGS: &[(&str, &str)] = &[
    ("max_mb", "PREAU_UPLOAD_MAX_MB"),
    ("files_per_request", "PREAU_UPLOADS_PER_REQUEST"),
    ("files_per_day", "PREAU_UPLOADS_PER_DAY"),
    ("mb_per_day", "PREAU_UPLOAD_MB_PER_DAY"),
];

/// Roles that publish, and so may upload (parents, pupils and partners may not).
pub fn may_upload(a: &Account) -> bool {
    matches!(
        a.role,
        Role::Teacher | Role::Director | Role::Municipal | Role::Communication | Role::Admin
    )
}

/// May `a` put files into `scope`? Only into a place they belong to: a class they teach
/// (or direct), a school they work for as a whole, the town's public media for the
/// communication team and the administrators.
pub fn may_upload_into(a: &Account, scope: &MediaScope) -> bool {
    if !may_upload(a) {
        return false;
    }
    let town_wide = a.scopes.iter().any(|s| s.school.is_none());
    match scope {
        MediaScope::Town => town_wide && matches!(a.role, Role::Communication | Role::Admin),
        MediaScope::School(school) => {
            (town_wide && a.role == Role::Admin)
                || a.scopes
                    .iter()
                    .any(|s| s.school.as_deref() == Some(school) && s.class.is_none())
        }
        MediaScope::Class(..) => {
            matches!(a.role, Role::Teacher | Role::Director | Role::Admin)
                && a.can_read(&scope.access())
        }
    }
}

/// May `a` delete this upload? Its uploader, the school's director, an administrator.
pub fn may_delete(a: &Account, upload: &Upload, scope: &MediaScope) -> bool {
    if upload.uploader_id == a.id || a.role == Role::Admin {
        return true;
    }
    let school = match scope {
        MediaScope::School(s) | MediaScope::Class(s, _) => s,
        MediaScope::Town => return false,
    };
    a.role == Role::Director
        && a.scopes
            .iter()
            .any(|s| s.school.as_deref() == Some(school.as_str()))
}

/// The places `a` may upload into, with their readable names, in the manifest's order.
pub fn scopes_for(a: &Account, m: &Manifest, town_label: &str) -> Vec<(MediaScope, String)> {
    let mut out = Vec::new();
    if may_upload_into(a, &MediaScope::Town) {
        out.push((MediaScope::Town, town_label.to_string()));
    }
    for (id, school) in &m.schools {
        let scope = MediaScope::School(id.clone());
        if may_upload_into(a, &scope) {
            out.push((scope, school.title.clone()));
        }
        let prefix = format!("{id}/");
        for (key, class) in m.classes.range(prefix.clone()..) {
            let Some(c) = key.strip_prefix(&prefix) else {
                break;
            };
            let scope = MediaScope::Class(id.clone(), c.to_string());
            if may_upload_into(a, &scope) {
                out.push((scope, format!("{} — {}", class.title, school.title)));
            }
        }
    }
    out
}

/// The name as shown: its last path part, without control characters, at most 100
/// characters; "fichier" when nothing is left.
pub fn clean_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| {
            !c.is_control() && !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    let short: String = trimmed.chars().take(100).collect();
    if short.is_empty() {
        "fichier".into()
    } else {
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::Scope;

    fn acc(role: Role, scopes: &[&str]) -> Account {
        Account {
            id: 1,
            login: "x".into(),
            display_name: "X".into(),
            role,
            scopes: scopes
                .iter()
                .map(|s| {
                    if *s == "*" {
                        Scope::town()
                    } else {
                        Scope::parse(s).unwrap()
                    }
                })
                .collect(),
            disabled: false,
            password_changed_at: 0,
        }
    }

    #[test]
    fn uploads_go_only_where_one_belongs() {
        let ce1 = MediaScope::Class("jm".into(), "ce1".into());
        let cp = MediaScope::Class("jm".into(), "cp".into());
        let jm = MediaScope::School("jm".into());
        assert!(may_upload_into(&acc(Role::Teacher, &["jm/ce1"]), &ce1));
        assert!(!may_upload_into(&acc(Role::Teacher, &["jm/ce1"]), &cp));
        assert!(!may_upload_into(&acc(Role::Teacher, &["jm/ce1"]), &jm));
        assert!(may_upload_into(&acc(Role::Director, &["jm"]), &cp));
        assert!(may_upload_into(&acc(Role::Director, &["jm"]), &jm));
        assert!(may_upload_into(&acc(Role::Municipal, &["jm"]), &jm));
        assert!(!may_upload_into(&acc(Role::Municipal, &["jm"]), &ce1));
        assert!(may_upload_into(
            &acc(Role::Communication, &["*"]),
            &MediaScope::Town
        ));
        assert!(!may_upload_into(&acc(Role::Communication, &["*"]), &ce1));
        assert!(!may_upload_into(
            &acc(Role::Teacher, &["jm/ce1"]),
            &MediaScope::Town
        ));
        for role in [Role::Parent, Role::Pupil, Role::Partner] {
            assert!(!may_upload_into(&acc(role, &["jm/ce1"]), &ce1), "{role:?}");
        }
    }

    #[test]
    fn names_are_cleaned_for_display() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\Users\\x\\photo.jpg"), "photo.jpg");
        assert_eq!(clean_name("a\u{0}b\u{1b}[31m.jpg"), "ab[31m.jpg");
        assert_eq!(clean_name("..."), "fichier");
        assert_eq!(clean_name("évasion\u{202e}gpj.exe"), "évasiongpj.exe");
        assert_eq!(clean_name(&"é".repeat(300)).chars().count(), 100);
        assert_eq!(clean_name("фото класса.jpg"), "фото класса.jpg");
    }
}
