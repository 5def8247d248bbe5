//! UTC time helpers on plain Unix seconds, so the core never reads a clock itself.

use time::OffsetDateTime;

/// `YYYY-MM-DD` of a Unix time, in UTC.
pub fn date_of_unix(secs: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
}

/// RFC 3339 UTC timestamp of a Unix time: `2026-11-28T15:41:00Z`.
pub fn rfc3339(secs: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        date_of_unix(secs),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Parse `YYYY-MM-DD` (UTC midnight) into Unix seconds.
pub fn parse_date(s: &str) -> Option<i64> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(s.trim(), &fmt).ok()?;
    Some(d.midnight().assume_utc().unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        let t = parse_date("2026-11-28").unwrap();
        assert_eq!(date_of_unix(t), "2026-11-28");
        assert_eq!(rfc3339(t + 3661), "2026-11-28T01:01:01Z");
        assert!(parse_date("28/11/2026").is_none());
    }
}
