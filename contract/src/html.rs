//! HTML escaping, and a type for markup that is already safe to insert. Text from outside
//! (titles, names, logins, anything a visitor typed) is a `&str` and gets escaped; markup
//! built by the edge from escaped parts is a `SafeHtml`. Shell slots take `SafeHtml` only,
//! so forgetting to escape is a type error, not an injection.

use std::fmt;

/// Escape text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    escape_into(&mut out, s);
    out
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

/// Markup that may be inserted as is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SafeHtml(String);

impl SafeHtml {
    /// Text, escaped.
    pub fn text(s: &str) -> SafeHtml {
        SafeHtml(escape(s))
    }

    /// Markup that the caller vouches for: written in the code, or rendered by the theme.
    /// Never call this on anything a visitor or a content file supplied.
    pub fn trusted(markup: impl Into<String>) -> SafeHtml {
        SafeHtml(markup.into())
    }

    pub fn empty() -> SafeHtml {
        SafeHtml(String::new())
    }

    /// Append markup.
    pub fn push(&mut self, other: &SafeHtml) {
        self.0.push_str(&other.0);
    }

    /// Append markup written in the code (a literal tag).
    pub fn push_markup(&mut self, markup: &'static str) {
        self.0.push_str(markup);
    }

    /// Append text, escaped.
    pub fn push_text(&mut self, text: &str) {
        escape_into(&mut self.0, text);
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for SafeHtml {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<a href=\"x\">l'été & co</a>"),
            "&lt;a href=&quot;x&quot;&gt;l&#39;été &amp; co&lt;/a&gt;"
        );
        let mut h = SafeHtml::trusted("<p>");
        h.push_text("<script>");
        h.push_markup("</p>");
        assert_eq!(h.as_str(), "<p>&lt;script&gt;</p>");
        assert_eq!(SafeHtml::text("@@CSRF@@").as_str(), "@@CSRF@@");
    }
}
