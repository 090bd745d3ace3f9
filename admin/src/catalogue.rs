//! The interface's words, one catalogue per language (`i18n/vi.json` today; an English one
//! can follow under the same keys). Templates ask for `t("key")`; code asks [`Catalogue::get`].

use std::collections::HashMap;

/// The Vietnamese catalogue, as shipped.
const VI: &str = include_str!("../i18n/vi.json");

/// Interface text by key.
#[derive(Debug)]
pub(crate) struct Catalogue(HashMap<String, String>);

impl Catalogue {
    /// The Vietnamese catalogue. Its JSON is part of the build and checked by a unit test, so
    /// an unreadable one can only be a bug; it then shows keys instead of words.
    pub(crate) fn vi() -> Catalogue {
        Catalogue(serde_json::from_str(VI).unwrap_or_default())
    }

    /// The text of `key`, or the key itself when it is missing (a unit test keeps every key
    /// that templates and code use in the catalogue).
    pub(crate) fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.0.get(key).map(String::as_str).unwrap_or(key)
    }

    #[cfg(test)]
    pub(crate) fn has(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn the_catalogue_parses_and_holds_every_key_the_templates_use() {
        let map: HashMap<String, String> = serde_json::from_str(VI).unwrap();
        let c = Catalogue::vi();
        assert_eq!(c.0.len(), map.len());
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut missing = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for part in text.split("t(\"").skip(1) {
                let key = &part[..part.find('"').unwrap()];
                if !key.ends_with('.') && !c.has(key) {
                    missing.push(key.to_owned());
                }
            }
        }
        for src in [
            "fields.rs",
            "pages/editor.rs",
            "pages/items.rs",
            "pages/auth.rs",
            "pages/mod.rs",
        ] {
            let path = format!("{}/src/{src}", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(path).unwrap();
            for part in text.split("msg(\"").skip(1) {
                let key = &part[..part.find('"').unwrap()];
                if !c.has(key) {
                    missing.push(key.to_owned());
                }
            }
        }
        assert!(missing.is_empty(), "keys missing from vi.json: {missing:?}");
    }
}
