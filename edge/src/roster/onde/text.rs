//! Text of an ONDE file: its encoding (UTF-8 with or without BOM, else Windows-1252) and
//! the normalised forms header names and people's names are compared by; dates and yes/no
//! cells as ONDE writes them.

/// Text of a file: UTF-8 (BOM dropped) when it is valid UTF-8, else Windows-1252.
pub fn decode(bytes: &[u8]) -> (String, &'static str) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), "UTF-8"),
        Err(_) => {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            (text.into_owned(), "Windows-1252")
        }
    }
}

/// Lower case, no accents, `œ` → `oe`, typographic apostrophes → `'`, spaces collapsed and
/// trimmed: how header names (and people's names, for matching) are compared.
pub fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => out.push('a'),
            'ç' => out.push('c'),
            'è' | 'é' | 'ê' | 'ë' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' => out.push('i'),
            'ñ' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' => out.push('o'),
            'ù' | 'ú' | 'û' | 'ü' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            '’' | '‘' | '`' | '´' => out.push('\''),
            c if c.is_whitespace() => out.push(' '),
            c => out.push(c),
        }
    }
    out.split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A person's name key: normalised, and hyphens count as spaces (`Jean-Marc` = `Jean Marc`).
pub fn name_key(s: &str) -> String {
    normalise(&s.replace('-', " "))
}

/// `dd/mm/yyyy` → `yyyy-mm-dd`, checking the day exists.
pub fn parse_date(s: &str) -> Option<String> {
    let mut it = s.trim().split('/');
    let (d, m, y) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || d.len() > 2 || m.len() > 2 || y.len() != 4 {
        return None;
    }
    let (d, m, y): (u32, u32, u32) = (d.parse().ok()?, m.parse().ok()?, y.parse().ok()?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if d == 0 || d > days || !(1900..=2100).contains(&y) {
        return None;
    }
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

pub(super) fn parse_yes_no(s: &str) -> Option<bool> {
    match normalise(s).as_str() {
        "oui" | "o" | "yes" | "1" | "vrai" => Some(true),
        // An empty cell means the permission was not given.
        "non" | "n" | "no" | "0" | "faux" | "" => Some(false),
        _ => None,
    }
}
