//! Reading a password as words: folding case and accents, leetspeak, the login and the
//! holder's names inside it, and the list of common passwords.

use super::*;

/// The common passwords (one lowercase a-z core a line; see the file's header).
pub(super) const COMMON_LIST: &str = include_str!("common.txt");

pub(super) fn common_words() -> impl Iterator<Item = &'static [u8]> {
    COMMON_LIST
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::as_bytes)
}

/// Words of a display name that are not names: civilities, particles, "Famille Martin".
pub(super) const NOT_NAMES: &[&str] = &[
    "mme",
    "mlle",
    "mr",
    "mrs",
    "dr",
    "monsieur",
    "madame",
    "mademoiselle",
    "famille",
    "les",
    "des",
    "van",
    "von",
    "der",
    "den",
    "del",
    "dos",
    "das",
];

/// Lowercase, without accents (decomposed or not), ligatures spelt out, any white space
/// as a plain space.
pub(super) fn fold(s: &str) -> Vec<char> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        let base: &str = match c {
            '\u{300}'..='\u{36f}' => "",
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
            'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
            'ď' | 'đ' | 'ð' => "d",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
            'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
            'ĥ' | 'ħ' => "h",
            'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
            'ĵ' => "j",
            'ķ' => "k",
            'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
            'ñ' | 'ń' | 'ņ' | 'ň' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
            'ŕ' | 'ŗ' | 'ř' => "r",
            'ś' | 'ŝ' | 'ş' | 'š' => "s",
            'ţ' | 'ť' | 'ŧ' => "t",
            'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
            'ŵ' => "w",
            'ý' | 'ÿ' | 'ŷ' => "y",
            'ź' | 'ż' | 'ž' => "z",
            'œ' => "oe",
            'æ' => "ae",
            'ß' => "ss",
            'þ' => "th",
            c if c.is_whitespace() => " ",
            c => {
                out.push(c);
                continue;
            }
        };
        out.extend(base.chars());
    }
    out
}

/// Whether `c` (folded) may stand for the letter `w` in leetspeak.
pub(super) fn leet_eq(c: char, w: char) -> bool {
    c == w
        || match c {
            '0' => w == 'o',
            '1' | '!' | '|' => w == 'i' || w == 'l',
            '3' | '€' => w == 'e',
            '4' | '@' => w == 'a',
            '5' | '$' => w == 's',
            '7' => w == 't',
            _ => false,
        }
}

pub(super) fn is_leet_symbol(c: char) -> bool {
    matches!(c, '!' | '|' | '€' | '@' | '$')
}

pub(super) fn matches_word(chars: &[char], word: &[u8]) -> bool {
    chars.len() == word.len()
        && chars
            .iter()
            .zip(word)
            .all(|(&c, &w)| leet_eq(c, char::from(w)))
}

pub(super) fn contains(hay: &[char], needle: &[char]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

pub(super) fn alphanumeric(s: &[char]) -> Vec<char> {
    s.iter().copied().filter(|c| c.is_alphanumeric()).collect()
}

/// The whole login (with or without its dots and dashes), or a part of it of
/// [`MIN_LOGIN_PART`] characters or more, in any case and with or without accents.
pub(super) fn contains_login(password: &[char], login: &str) -> bool {
    let login = fold(login);
    if contains(password, &login) {
        return true;
    }
    let squeezed = alphanumeric(&login);
    if squeezed.len() >= MIN_LOGIN_PART && contains(&alphanumeric(password), &squeezed) {
        return true;
    }
    login
        .split(|c| !c.is_alphanumeric())
        .filter(|part| part.len() >= MIN_LOGIN_PART)
        .any(|part| contains(password, part))
}

/// A word of the user's names of [`MIN_NAME_PART`] letters or more, civilities aside.
pub(super) fn contains_name(password: &[char], user_inputs: &[&str]) -> bool {
    user_inputs.iter().any(|input| {
        fold(input)
            .split(|c| !c.is_alphabetic())
            .filter(|part| part.len() >= MIN_NAME_PART)
            .filter(|part| {
                let word: String = part.iter().collect();
                !NOT_NAMES.contains(&word.as_str())
            })
            .any(|part| contains(password, part))
    })
}

/// A common password once leading and/or trailing digits and symbols, inner spaces and
/// punctuation and leetspeak are seen through: "Azerty123456!", "M0t de p@sse", "4zerty".
pub(super) fn is_common(folded: &[char]) -> bool {
    let start = folded
        .iter()
        .position(|c| c.is_alphabetic())
        .unwrap_or(folded.len());
    let end = folded
        .iter()
        .rposition(|c| c.is_alphabetic())
        .map_or(0, |i| i + 1);
    let trims = [
        (0, folded.len()),
        (start, folded.len()),
        (0, end),
        (start, end),
    ];
    trims.iter().any(|&(from, to)| {
        let core: Vec<char> = folded
            .get(from..to.max(from))
            .unwrap_or(&[])
            .iter()
            .copied()
            .filter(|&c| c.is_alphanumeric() || is_leet_symbol(c))
            .collect();
        common_words().any(|w| matches_word(&core, w))
    })
}
