//! The interface text: every word a reader sees comes from one strings file per language
//! (`themes/<theme>/strings/fr.toml`), shared by the generated pages and the edge.

use preau_contract::date::Months;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Default)]
pub struct Strings {
    map: BTreeMap<String, String>,
}

impl Strings {
    pub fn load(path: &Path) -> Result<Strings, String> {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("{} : {e}", path.display()))?;
        Strings::parse(&text).map_err(|e| format!("{} : {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Strings, String> {
        let table: toml::Table = toml::from_str(text).map_err(|e| e.message().to_string())?;
        let mut map = BTreeMap::new();
        flatten("", &toml::Value::Table(table), &mut map)?;
        Ok(Strings { map })
    }

    /// The text for `key`; a missing key shows itself so that it is noticed, never panics.
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.map.get(key).map(String::as_str).unwrap_or(key)
    }

    /// The text for `key`, if the strings file has it.
    pub fn lookup(&self, key: &str) -> Option<&str> {
        self.map.get(key).map(String::as_str)
    }

    /// Keys the edge needs (`[edge]` table) that the file lacks.
    pub fn missing_edge_keys(&self) -> Vec<String> {
        preau_contract::text::Text::required_keys()
            .into_iter()
            .map(|k| format!("edge.{k}"))
            .filter(|k| !self.map.contains_key(k))
            .collect()
    }

    /// Month names for long dates (`[edge]` table, shared with the edge's pages).
    pub fn months(&self) -> Result<Months, String> {
        Months::from_strings(|k| self.lookup(&format!("edge.{k}")))
            .map_err(|k| format!("texte manquant dans le fichier de textes : edge.{k}"))
    }

    pub fn contains(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// All strings whose key starts with `prefix`, without the prefix (for the edge).
    pub fn with_prefix(&self, prefix: &str) -> BTreeMap<String, String> {
        self.map
            .iter()
            .filter_map(|(k, v)| k.strip_prefix(prefix).map(|k| (k.to_string(), v.clone())))
            .collect()
    }
}

fn flatten(
    prefix: &str,
    v: &toml::Value,
    out: &mut BTreeMap<String, String>,
) -> Result<(), String> {
    match v {
        toml::Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
            Ok(())
        }
        toml::Value::Table(t) => {
            for (k, v) in t {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out)?;
            }
            Ok(())
        }
        _ => Err(format!("« {prefix} » doit être du texte")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_tables_flatten_to_dotted_keys() {
        let s = Strings::parse("a = \"A\"\n[edge]\nb = \"B\"\n").unwrap();
        assert_eq!(s.get("a"), "A");
        assert_eq!(s.get("edge.b"), "B");
        assert_eq!(s.get("missing"), "missing");
        assert_eq!(
            s.with_prefix("edge.").get("b").map(String::as_str),
            Some("B")
        );
    }
}
