//! Front matter: split a content file into its metadata block and its Markdown body,
//! parse TOML (`+++`) or YAML (`---`), and check every key against the known ones.

use serde::Deserialize;
use serde_json::Value;

use crate::error::ContentError;
use crate::model::{Audience, Visibility};
use preau_contract::date::Date;
use std::path::Path;

/// Keys a front matter block may contain. Anything else is an error with a suggestion.
pub const KNOWN_KEYS: &[&str] = &[
    "title",
    "date",
    "draft",
    "visibility",
    "summary",
    "tags",
    "cover",
    "author",
    "comments",
    "moderation",
    "pupil_comments",
    "pupil_posts",
    "weight",
    "version",
    "audience",
    "extra",
];

/// Cover image of a page.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Cover {
    pub image: String,
    #[serde(default)]
    pub alt: Option<String>,
}

/// The metadata of one content file, as written by its author.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct FrontMatter {
    pub title: Option<String>,
    #[serde(default, deserialize_with = "de_date")]
    pub date: Option<Date>,
    #[serde(default)]
    pub draft: bool,
    pub visibility: Option<Visibility>,
    pub summary: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub cover: Option<Cover>,
    pub author: Option<String>,
    pub comments: Option<bool>,
    /// Class pages: how comments are moderated (`before`, `after`, `trusted`).
    pub moderation: Option<preau_contract::access::Moderation>,
    /// Class pages: may the class's pupils comment?
    pub pupil_comments: Option<bool>,
    /// Class pages: may the class's pupils propose posts (validated by a teacher)?
    pub pupil_posts: Option<bool>,
    pub weight: Option<i64>,
    pub version: Option<String>,
    pub audience: Option<Audience>,
    #[serde(default)]
    pub extra: serde_json::Map<String, Value>,
}

fn de_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
    let raw = String::deserialize(d)?;
    Date::parse(&raw)
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom(format!("date invalide « {raw} »")))
}

/// A parsed content file: its metadata, the body and the line where the body starts.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub meta: FrontMatter,
    pub body: String,
    pub body_line: usize,
    /// Byte offset of `body` in the text given to `parse` (what a full build reads again
    /// to render an item's body when it writes its page, see `model::Body`).
    pub body_offset: usize,
    /// 1-based line of each key of the front matter, to point errors at the right line.
    pub key_lines: std::collections::BTreeMap<String, usize>,
}

/// Split and parse a content file. All problems found are pushed to `errors`; `None` means
/// the file could not be used at all.
pub fn parse(file: &Path, text: &str, errors: &mut Vec<ContentError>) -> Option<Parsed> {
    let bom = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let text = &text[bom..];
    let (fence, kind) = if text.starts_with("+++") {
        ("+++", Format::Toml)
    } else if text.starts_with("---") {
        ("---", Format::Yaml)
    } else {
        errors.push(
            ContentError::new(file, Some(1), "le fichier ne commence pas par un bloc d'en-tête")
                .with_hint("commencez le fichier par +++ (TOML) ou --- (YAML), puis title = \"…\", puis la même ligne de fermeture"),
        );
        return None;
    };
    let after_open = &text[fence.len()..];
    let Some(nl) = after_open.find('\n') else {
        errors.push(ContentError::new(file, Some(1), "bloc d'en-tête non fermé"));
        return None;
    };
    let block_start = fence.len() + nl + 1;
    let rest = &text[block_start..];
    // The closing fence must be alone on its line.
    let mut offset = 0;
    let mut close = None;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == fence {
            close = Some((offset, offset + line.len()));
            break;
        }
        offset += line.len();
    }
    let Some((close_start, close_end)) = close else {
        errors.push(
            ContentError::new(file, Some(1), "bloc d'en-tête non fermé")
                .with_hint(format!("ajoutez une ligne {fence} après la dernière clé")),
        );
        return None;
    };
    let block = &rest[..close_start];
    let body = rest[close_end..].to_string();
    let body_line = crate::error::line_of(text, block_start + close_end);

    let value = match kind {
        Format::Toml => match toml::from_str::<toml::Table>(block) {
            Ok(table) => toml_to_json(toml::Value::Table(table)),
            Err(e) => {
                let line = e
                    .span()
                    .map(|s| crate::error::line_of(block, s.start) + 1)
                    .unwrap_or(1);
                errors.push(
                    ContentError::new(
                        file,
                        Some(line),
                        format!("en-tête TOML illisible : {}", e.message()),
                    )
                    .with_hint("vérifiez les guillemets autour du texte et le signe = entre la clé et la valeur"),
                );
                return None;
            }
        },
        Format::Yaml => match serde_yaml_ng::from_str::<Value>(block) {
            Ok(v) => v,
            Err(e) => {
                let line = e.location().map(|l| l.line() + 1).unwrap_or(1);
                errors.push(
                    ContentError::new(file, Some(line), format!("en-tête YAML illisible : {e}"))
                        .with_hint(
                            "vérifiez l'indentation et le signe : entre la clé et la valeur",
                        ),
                );
                return None;
            }
        },
    };
    let Value::Object(map) = value else {
        errors.push(ContentError::new(
            file,
            Some(2),
            "l'en-tête doit être une liste de clés",
        ));
        return None;
    };

    let mut ok = true;
    for key in map.keys() {
        if !KNOWN_KEYS.contains(&key.as_str()) {
            ok = false;
            let line = key_line(block, key).map(|l| l + 2);
            let mut err = ContentError::new(file, line, format!("clé inconnue « {key} »"));
            if let Some(best) = closest(key, KNOWN_KEYS) {
                err = err.with_hint(format!("vouliez-vous dire « {best} » ?"));
            } else {
                err = err.with_hint(format!("clés possibles : {}", KNOWN_KEYS.join(", ")));
            }
            errors.push(err);
        }
    }
    if !ok {
        return None;
    }
    // Check each key on its own so that every wrong value is reported, not just the first.
    let mut meta_ok = true;
    for (key, val) in &map {
        let mut single = serde_json::Map::new();
        single.insert(key.clone(), val.clone());
        if let Err(e) = serde_json::from_value::<FrontMatter>(Value::Object(single)) {
            meta_ok = false;
            let line = key_line(block, key).map(|l| l + 2);
            errors.push(
                ContentError::new(file, line, format!("valeur invalide pour « {key} » : {e}"))
                    .with_hint(value_hint(key)),
            );
        }
    }
    if !meta_ok {
        return None;
    }
    let key_lines = map
        .keys()
        .filter_map(|k| key_line(block, k).map(|l| (k.clone(), l + 2)))
        .collect();
    match serde_json::from_value::<FrontMatter>(Value::Object(map)) {
        Ok(meta) => Some(Parsed {
            meta,
            body,
            body_line,
            body_offset: bom + block_start + close_end,
            key_lines,
        }),
        Err(e) => {
            errors.push(ContentError::new(
                file,
                Some(2),
                format!("en-tête invalide : {e}"),
            ));
            None
        }
    }
}

enum Format {
    Toml,
    Yaml,
}

fn value_hint(key: &str) -> &'static str {
    match key {
        "date" => "écrivez la date sous la forme 2026-10-03",
        "visibility" => "valeurs possibles : public, school, class, staff",
        "audience" => "valeurs possibles : parents, eleves, personnel",
        "tags" => "une liste entre crochets : [\"sortie\", \"sciences\"]",
        "cover" => "cover = { image = \"photo.svg\", alt = \"description de l'image\" }",
        "draft" | "comments" | "pupil_comments" | "pupil_posts" => "true ou false",
        "moderation" => "valeurs possibles : before, after, trusted",
        "weight" => "un nombre entier",
        _ => "du texte entre guillemets",
    }
}

/// Closest known key by edit distance, if it is close enough to be a typo.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// 0-based line of `key` inside the front matter block.
fn key_line(block: &str, key: &str) -> Option<usize> {
    block.lines().position(|l| {
        let l = l.trim_start();
        l.strip_prefix(key)
            .or_else(|| l.strip_prefix(&format!("\"{key}\"")))
            .map(|r| {
                let r = r.trim_start();
                r.starts_with('=') || r.starts_with(':')
            })
            .unwrap_or(false)
    })
}

fn toml_to_json(v: toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => Value::from(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => {
            Value::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> (Option<Parsed>, Vec<ContentError>) {
        let mut errors = Vec::new();
        let p = parse(Path::new("x.md"), text, &mut errors);
        (p, errors)
    }

    #[test]
    fn toml_front_matter_is_parsed() {
        let text = "+++\ntitle = \"Sortie\"\ndate = 2026-10-03\ntags = [\"sortie\"]\n+++\nCorps\n";
        let (p, e) = run(text);
        assert!(e.is_empty(), "{e:?}");
        let p = p.unwrap();
        assert_eq!(p.meta.title.as_deref(), Some("Sortie"));
        assert_eq!(p.meta.date, Date::parse("2026-10-03"));
        assert_eq!(p.body.trim(), "Corps");
        assert_eq!(p.body_line, 6);
        assert_eq!(&text[p.body_offset..], p.body);
        let with_bom = format!("\u{feff}{text}");
        let p = run(&with_bom).0.unwrap();
        assert_eq!(&with_bom[p.body_offset..], p.body);
    }

    #[test]
    fn yaml_front_matter_is_parsed() {
        let (p, e) = run("---\ntitle: Sortie\nvisibility: school\n---\nCorps\n");
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(p.unwrap().meta.visibility, Some(Visibility::School));
    }

    #[test]
    fn unknown_key_suggests_closest() {
        let (p, e) = run("+++\ntitle = \"a\"\ntitel = \"b\"\n+++\n");
        assert!(p.is_none());
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].line, Some(3));
        assert!(e[0].hint.as_deref().unwrap().contains("title"));
    }

    #[test]
    fn every_bad_value_is_reported() {
        let (_, e) = run("+++\ntitle = \"a\"\ndate = \"hier\"\nvisibility = \"secret\"\n+++\n");
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(e[0].line, Some(3));
        assert_eq!(e[1].line, Some(4));
    }

    #[test]
    fn missing_fence_is_an_error() {
        let (p, e) = run("title = \"a\"\n");
        assert!(p.is_none());
        assert_eq!(e[0].line, Some(1));
    }
}
