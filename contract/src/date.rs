//! Calendar dates (no time zone: a class outing happens on a day, not an instant), and
//! their long French form with the month names taken from the strings file.

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

    /// "3 octobre 2026": the long form, in the words of the strings file.
    pub fn long(&self, months: &Months) -> String {
        let day = if self.day == 1 {
            months.first_day.clone()
        } else {
            self.day.to_string()
        };
        let month = months
            .names
            .get(usize::from(self.month).saturating_sub(1))
            .map(String::as_str)
            .unwrap_or("");
        format!("{day} {month} {}", self.year)
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

/// Month names and the word for the first day of a month ("1er"), from the strings file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Months {
    pub names: [String; 12],
    pub first_day: String,
}

impl Months {
    /// Strings-file keys (in the `[edge]` table): `month_1` … `month_12` and `day_first`.
    pub fn keys() -> Vec<String> {
        let mut k: Vec<String> = (1..=12).map(|m| format!("month_{m}")).collect();
        k.push("day_first".into());
        k
    }

    /// Month numbers instead of names: what a theme without month names gets while its
    /// error is reported.
    pub fn numeric() -> Months {
        Months {
            names: std::array::from_fn(|i| format!("{:02}", i + 1)),
            first_day: "1".into(),
        }
    }

    /// Read the names with `get` (a strings lookup); `None` names the first missing key.
    pub fn from_strings<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Months, String> {
        let mut names: [String; 12] = Default::default();
        for (i, name) in names.iter_mut().enumerate() {
            let key = format!("month_{}", i + 1);
            *name = get(&key).ok_or(key)?.to_string();
        }
        let first_day = get("day_first").ok_or("day_first")?.to_string();
        Ok(Months { names, first_day })
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
        let fr = [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ];
        let months = Months::from_strings(|k| match k {
            "day_first" => Some("1er"),
            k => k
                .strip_prefix("month_")
                .and_then(|n| n.parse::<usize>().ok())
                .and_then(|n| fr.get(n - 1).copied()),
        })
        .unwrap();
        assert_eq!(d.long(&months), "1er octobre 2026");
        assert_eq!(
            Date::parse("2026-02-19").unwrap().long(&months),
            "19 février 2026"
        );
        assert_eq!(
            Months::from_strings(|k| (k != "month_3").then_some("x")),
            Err("month_3".to_string())
        );
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
