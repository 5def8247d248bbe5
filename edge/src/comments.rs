//! The rules of comments: who may comment and who moderates a post, what a new comment's
//! status is in each moderation mode, the limits, and the content rules (plain text, NFC,
//! no bidi overrides or invisible characters, 1 to 2,000 characters, http(s) links). The
//! SQL is in `store::comments`, the pages in `features::comments` and `features::moderation`.

use crate::accounts::{Account, Role};
use preau_contract::access::{Access, CommentRule, Moderation, Visibility};
use preau_contract::html::SafeHtml;
use unicode_normalization::UnicodeNormalization;

/// Longest comment, in characters, after normalising.
pub const MAX_CHARS: usize = 2000;
/// Per person: at most this many comments…
pub const USER_LIMIT: i64 = 5;
/// …in this many seconds.
pub const USER_WINDOW: i64 = 600;
/// Per post: a class of 30 families all reacting on the same evening is never refused.
pub const PAGE_LIMIT: i64 = 300;
pub const PAGE_WINDOW: i64 = 3600;

/// Where a comment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    Approved,
    Rejected,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Status {
        match s {
            "approved" => Status::Approved,
            "rejected" => Status::Rejected,
            _ => Status::Pending,
        }
    }
}

/// The class a post belongs to, as `school/class` (the moderation scope).
pub fn scope_of(access: &Access) -> Option<String> {
    match (&access.school, &access.class) {
        (Some(s), Some(c)) => Some(format!("{s}/{c}")),
        _ => None,
    }
}

/// The access rule of a class, from its `school/class` scope.
pub fn class_access(scope: &str) -> Option<Access> {
    let (school, class) = scope.split_once('/')?;
    Some(Access {
        visibility: Visibility::Class,
        school: Some(school.into()),
        class: Some(class.into()),
    })
}

/// Moderates the comments of a class: its teachers, the school's director (and the admin).
pub fn moderates(a: &Account, scope: &str) -> bool {
    matches!(a.role, Role::Teacher | Role::Director | Role::Admin)
        && class_access(scope).is_some_and(|c| a.can_read(&c))
}

/// May comment on a post open to comments: any reader of the post among families and the
/// class's staff; pupils only where the class allows it.
pub fn may_comment(a: &Account, access: &Access, rule: &CommentRule) -> bool {
    if access.is_public() || !a.can_read(access) {
        return false;
    }
    match a.role {
        Role::Pupil => rule.pupils,
        Role::Parent | Role::Teacher | Role::Director | Role::Admin => true,
        _ => false,
    }
}

/// The status of a new comment. `trusted_author`: a moderator already approved one of the
/// author's comments in this class.
pub fn initial_status(rule: &CommentRule, moderator: bool, trusted_author: bool) -> Status {
    if moderator {
        return Status::Approved;
    }
    match rule.moderation {
        Moderation::Before => Status::Pending,
        Moderation::After => Status::Approved,
        Moderation::Trusted if trusted_author => Status::Approved,
        Moderation::Trusted => Status::Pending,
    }
}

/// Why a text cannot be a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextError {
    Empty,
    TooLong,
}

/// Characters that change the direction of text or are invisible, used to disguise text.
fn disguising(c: char) -> bool {
    matches!(c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
        | '\u{200B}' | '\u{200C}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}'
        | '\u{180E}' | '\u{034F}' | '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}'
        | '\u{E0000}'..='\u{E007F}' | '\u{FFF9}'..='\u{FFFB}')
        || (c.is_control() && c != '\n' && c != '\t')
}

/// The stored form of a comment: line breaks unified, NFC, disguising characters removed,
/// trimmed, at most two empty lines in a row; 1 to `MAX_CHARS` characters.
pub fn normalise(raw: &str) -> Result<String, TextError> {
    let unified = raw.replace("\r\n", "\n").replace('\r', "\n");
    let clean: String = unified
        .nfc()
        .filter(|c| !disguising(*c))
        .map(|c| if c == '\t' { ' ' } else { c })
        .collect();
    let mut out = String::with_capacity(clean.len());
    let mut blank = 0;
    for line in clean.trim().split('\n') {
        let line = line.trim_end();
        blank = if line.is_empty() { blank + 1 } else { 0 };
        if blank > 2 {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(line);
    }
    match out.chars().count() {
        0 => Err(TextError::Empty),
        n if n > MAX_CHARS => Err(TextError::TooLong),
        _ => Ok(out),
    }
}

/// A stored comment as markup: every character escaped, line breaks as `<br>`, and
/// `http://` or `https://` addresses as links that pass no trust.
pub fn render(body: &str) -> SafeHtml {
    let mut h = SafeHtml::empty();
    for (i, line) in body.split('\n').enumerate() {
        if i > 0 {
            h.push_markup("<br>");
        }
        push_line(&mut h, line);
    }
    h
}

fn push_line(h: &mut SafeHtml, line: &str) {
    let mut rest = line;
    while let Some(start) = find_url(rest) {
        h.push_text(&rest[..start]);
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | '`'))
            .unwrap_or(tail.len());
        let mut url = &tail[..end];
        while let Some(last) = url.chars().last() {
            if matches!(last, '.' | ',' | ';' | ':' | '!' | '?' | ')' | ']') {
                url = &url[..url.len() - last.len_utf8()];
            } else {
                break;
            }
        }
        let scheme_len = if url.starts_with("https://") { 8 } else { 7 };
        if url.len() <= scheme_len {
            h.push_text(url);
        } else {
            h.push_markup("<a href=\"");
            h.push_text(url);
            h.push_markup("\" rel=\"nofollow ugc noopener\">");
            h.push_text(url);
            h.push_markup("</a>");
        }
        rest = &tail[url.len()..];
    }
    h.push_text(rest);
}

/// Start of the next `http://` or `https://` (lower case, as written) in `s`.
fn find_url(s: &str) -> Option<usize> {
    let a = s.find("http://");
    let b = s.find("https://");
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_normalised() {
        assert_eq!(
            normalise("  Bravo\r\n\r\n\r\n\r\n !  "),
            Ok("Bravo\n\n\n !".into())
        );
        assert_eq!(normalise("e\u{301}te\u{202E}"), Ok("éte".into()));
        assert_eq!(normalise(" \u{200B}\u{FEFF} "), Err(TextError::Empty));
        assert_eq!(normalise(&"a".repeat(2000)).map(|s| s.len()), Ok(2000));
        assert_eq!(normalise(&"é".repeat(2001)), Err(TextError::TooLong));
    }

    #[test]
    fn only_http_links_become_markup() {
        assert_eq!(
            render("Voir https://ecole.fr/a?b=1&c=2. <b>\nok").as_str(),
            "Voir <a href=\"https://ecole.fr/a?b=1&amp;c=2\" rel=\"nofollow ugc noopener\">https://ecole.fr/a?b=1&amp;c=2</a>. &lt;b&gt;<br>ok"
        );
        assert_eq!(
            render("javascript:alert(1) http://\"onmouseover=x").as_str(),
            "javascript:alert(1) http://&quot;onmouseover=x"
        );
    }
}
