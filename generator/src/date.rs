//! Calendar dates of posts (no time zone: a class outing happens on a day, not an instant).

use serde::{Serialize, Serializer};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// Parse `YYYY-MM-DD`, optionally followed by a time (`T10:00:00`, ignored).
    pub fn parse(s: &str) -> Option<Date> {
        let s = s.trim();
        let head = s.get(..10)?;
        let rest = &s[10..];
        if !(rest.is_empty() || rest.starts_with('T') || rest.starts_with(' ')) {
            return None;
        }
        let b = head.as_bytes();
        if b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let year: u16 = head[..4].parse().ok()?;
        let month: u8 = head[5..7].parse().ok()?;
        let day: u8 = head[8..10].parse().ok()?;
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// `YYYY-MM-DD-` at the start of a file name: the date and the rest of the name.
    pub fn split_prefix(name: &str) -> Option<(Date, &str)> {
        let date = Date::parse(name.get(..10)?)?;
        let rest = name.get(10..)?.strip_prefix('-')?;
        Some((date, rest))
    }

    /// "3 octobre 2026", worded as the edge's pages word it.
    pub fn french(&self) -> String {
        preau_edge::time::french_date(&self.to_string()).unwrap_or_else(|| self.to_string())
    }

    /// RFC 3339 timestamp at midnight UTC, for feeds.
    pub fn rfc3339(&self) -> String {
        format!("{self}T00:00:00Z")
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats() {
        let d = Date::parse("2026-10-01").unwrap();
        assert_eq!(d.french(), "1er octobre 2026");
        assert_eq!(d.to_string(), "2026-10-01");
        assert!(Date::parse("2026-02-30").is_none());
        assert!(Date::parse("2026-1-3").is_none());
        assert!(Date::parse("2026-10-03T08:00:00").is_some());
        assert!(Date::parse("2026-10-03x").is_none());
    }

    #[test]
    fn splits_file_name_prefix() {
        let (d, rest) = Date::split_prefix("2026-10-03-sortie-ferme").unwrap();
        assert_eq!(d.day, 3);
        assert_eq!(rest, "sortie-ferme");
        assert!(Date::split_prefix("sortie").is_none());
    }
}
