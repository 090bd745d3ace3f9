//! What a reader narrows published content by, typed once for the delivery API's lists, the
//! portal's registers, feeds and search, and parsed from a query string in one place, so the
//! allowed values are the enums' own and a bad one is the same `400` everywhere.

use crate::content::{EffectStatus, ItemKind, ProcedureLevel};
use crate::error::{EngineError, InvalidKind};

/// The longest text a filter takes, in characters.
const MAX_TEXT: usize = 300;

/// The oldest and newest years a filter accepts.
const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// Filters on published content; `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContentFilters {
    pub kind: Option<ItemKind>,
    /// A channel's slug (lists of one site only).
    pub channel: Option<String>,
    /// Documents: Quyết định, Kế hoạch... (as written, NFC).
    pub doc_type: Option<String>,
    /// Documents: the issuing body.
    pub issuer: Option<String>,
    /// Documents and procedures: the field (lĩnh vực).
    pub field: Option<String>,
    /// Documents: in force, expired...
    pub status: Option<EffectStatus>,
    /// Procedures: the level that carries them out.
    pub level: Option<ProcedureLevel>,
    /// Documents by their year of issue, other kinds by their first publication; inclusive.
    pub year_from: Option<i32>,
    pub year_to: Option<i32>,
    /// Words (`q`) that the item's number, title or address must all contain, with or
    /// without diacritics: the register's keyword box. Search has its own `q` and clears it.
    pub words: Option<String>,
}

fn param(field: &str, message: String) -> EngineError {
    EngineError::invalid(InvalidKind::Parameter, field.to_owned(), message)
}

impl ContentFilters {
    /// Reads `kind`, `channel`, `doc_type`, `issuer`, `field`, `status`, `level`, and the year
    /// as `year` (one) or `year_from` and `year_to`; empty values are absent. A value that
    /// cannot be used is an error naming its parameter.
    pub fn from_params<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Self, EngineError> {
        // Names and years exactly as given (empty: not given); texts trimmed.
        let value = |k: &str| get(k).filter(|v| !v.is_empty());
        let text = |k: &str| -> Result<Option<String>, EngineError> {
            match get(k).map(str::trim).filter(|v| !v.is_empty()) {
                Some(v) if v.chars().count() > MAX_TEXT => Err(param(
                    k,
                    format!("{k} is longer than {MAX_TEXT} characters"),
                )),
                v => Ok(v.map(crate::text::nfc)),
            }
        };
        fn named<T>(
            k: &str,
            v: Option<&str>,
            parse: fn(&str) -> Option<T>,
            all: &[&str],
        ) -> Result<Option<T>, EngineError> {
            v.map(|s| {
                parse(s)
                    .ok_or_else(|| param(k, format!("{k} '{s}' is not one of: {}", all.join(", "))))
            })
            .transpose()
        }
        let year = |k: &str| -> Result<Option<i32>, EngineError> {
            value(k)
                .map(|y| {
                    y.parse::<i32>()
                        .ok()
                        .filter(|y| YEARS.contains(y))
                        .ok_or_else(|| param(k, format!("{k} '{y}' is not a year")))
                })
                .transpose()
        };
        let one = year("year")?;
        let (year_from, year_to) = (year("year_from")?.or(one), year("year_to")?.or(one));
        if let (Some(a), Some(b)) = (year_from, year_to) {
            if a > b {
                return Err(param(
                    "year_to",
                    format!("year_to {b} is before year_from {a}"),
                ));
            }
        }
        Ok(ContentFilters {
            kind: named(
                "kind",
                value("kind"),
                ItemKind::parse,
                &ItemKind::ALL.map(ItemKind::as_str),
            )?,
            channel: text("channel")?,
            doc_type: text("doc_type")?,
            issuer: text("issuer")?,
            field: text("field")?,
            status: named(
                "status",
                value("status"),
                EffectStatus::parse,
                &EffectStatus::ALL.map(EffectStatus::as_str),
            )?,
            level: named(
                "level",
                value("level"),
                ProcedureLevel::parse,
                &ProcedureLevel::ALL.map(ProcedureLevel::as_str),
            )?,
            year_from,
            year_to,
            words: text("q")?,
        })
    }

    /// The filters as query-string parameters, in their canonical spelling (for links to
    /// the next page and for forms showing what is chosen). One year is written `year`.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let mut put = |k: &'static str, v: Option<String>| {
            if let Some(v) = v {
                out.push((k, v));
            }
        };
        put("kind", self.kind.map(|k| k.as_str().to_owned()));
        put("channel", self.channel.clone());
        put("doc_type", self.doc_type.clone());
        put("issuer", self.issuer.clone());
        put("field", self.field.clone());
        put("status", self.status.map(|s| s.as_str().to_owned()));
        put("level", self.level.map(|l| l.as_str().to_owned()));
        put("q", self.words.clone());
        match (self.year_from, self.year_to) {
            (Some(a), Some(b)) if a == b => put("year", Some(a.to_string())),
            (a, b) => {
                put("year_from", a.map(|y| y.to_string()));
                put("year_to", b.map(|y| y.to_string()));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn parse(q: &[(&str, &str)]) -> Result<ContentFilters, EngineError> {
        let m: HashMap<&str, &str> = q.iter().copied().collect();
        ContentFilters::from_params(|k| m.get(k).copied())
    }

    fn field(e: EngineError) -> String {
        match e {
            EngineError::Invalid { field, .. } => field.unwrap_or_default(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn values_are_typed_and_round_trip() {
        let f = parse(&[
            ("kind", "document"),
            ("status", "in_force"),
            ("level", ""),
            ("year", "2024"),
            ("doc_type", " Quyết định "),
        ])
        .unwrap();
        assert_eq!(f.kind, Some(ItemKind::Document));
        assert_eq!(f.status, Some(EffectStatus::InForce));
        assert_eq!((f.year_from, f.year_to), (Some(2024), Some(2024)));
        assert_eq!(f.level, None);
        let again: Vec<(&str, String)> = f.params();
        let m: HashMap<&str, &str> = again.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            ContentFilters::from_params(|k| m.get(k).copied()).unwrap(),
            f
        );
    }

    #[test]
    fn bad_values_name_their_parameter() {
        assert_eq!(field(parse(&[("kind", "podcast")]).unwrap_err()), "kind");
        assert_eq!(field(parse(&[("status", "valid")]).unwrap_err()), "status");
        assert_eq!(field(parse(&[("level", "village")]).unwrap_err()), "level");
        assert_eq!(field(parse(&[("year", "abc")]).unwrap_err()), "year");
        assert_eq!(
            field(parse(&[("year_from", "3000")]).unwrap_err()),
            "year_from"
        );
        assert_eq!(
            field(parse(&[("year_from", "2024"), ("year_to", "2020")]).unwrap_err()),
            "year_to"
        );
    }
}
