//! The editing form of each kind: which inputs it has (named like the API's fields), how a
//! posted form becomes the `fields` the engine validates, and how the engine's refusal
//! becomes a Vietnamese message next to the input it concerns.

use chrono::NaiveDate;
use portico_engine::{EngineError, InvalidKind, ItemKind};
use serde::Serialize;
use serde_json::{json, Map, Value};

/// How a field is typed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Input {
    /// One line.
    Text,
    /// A few lines of plain text.
    Long,
    /// CommonMark, with the toolbar.
    Markdown,
    /// A date typed as dd/mm/yyyy.
    Date,
    /// One of fixed values.
    Choice(&'static [&'static str]),
    /// A list of words, comma-separated.
    List,
    /// Files attached to a document: a name and an address per line.
    Attachments,
    /// A time typed as dd/mm/yyyy hh:mm, Vietnam's time (UTC+7).
    Time,
    /// Yes or no.
    Flag,
}

/// One input of a form.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FieldDef {
    pub(crate) name: &'static str,
    pub(crate) input: Input,
    pub(crate) required: bool,
}

const fn f(name: &'static str, input: Input, required: bool) -> FieldDef {
    FieldDef {
        name,
        input,
        required,
    }
}

const STATUSES: &[&str] = &[
    "in_force",
    "not_yet_in_force",
    "partly_expired",
    "expired",
    "unknown",
];
const FLAG: &[&str] = &["false", "true"];
const LEVELS: &[&str] = &["province", "district", "commune"];
const ONLINE: &[&str] = &["full", "partial", "none"];

const ARTICLE: &[FieldDef] = &[
    f("title", Input::Text, true),
    f("summary", Input::Long, false),
    f("body", Input::Markdown, false),
    f("cover", Input::Text, false),
    f("tags", Input::List, false),
    f("author_line", Input::Text, false),
    f("source", Input::Text, false),
];
const DOCUMENT: &[FieldDef] = &[
    f("number", Input::Text, true),
    f("doc_type", Input::Text, true),
    f("title", Input::Text, true),
    f("issuer", Input::Text, true),
    f("signer", Input::Text, false),
    f("issued_on", Input::Date, true),
    f("effective_on", Input::Date, false),
    f("status", Input::Choice(STATUSES), true),
    f("field", Input::Text, false),
    f("summary", Input::Long, false),
    f("body", Input::Markdown, false),
    f("attachments", Input::Attachments, false),
];
const PROCEDURE: &[FieldDef] = &[
    f("code", Input::Text, true),
    f("title", Input::Text, true),
    f("field", Input::Text, false),
    f("level", Input::Choice(LEVELS), true),
    f("agency", Input::Text, false),
    f("online_level", Input::Choice(ONLINE), true),
    f("online_url", Input::Text, false),
    f("steps", Input::Markdown, false),
    f("papers", Input::Markdown, false),
    f("duration", Input::Text, false),
    f("fees", Input::Text, false),
    f("legal_basis", Input::Markdown, false),
];
const QUESTION: &[FieldDef] = &[
    f("title", Input::Text, true),
    f("asker", Input::Text, false),
    f("field", Input::Text, false),
    f("asked_on", Input::Date, false),
    f("question", Input::Markdown, true),
    f("answer", Input::Markdown, true),
    f("answered_by", Input::Text, false),
];
const CONSULTATION: &[FieldDef] = &[
    f("title", Input::Text, true),
    f("agency", Input::Text, false),
    f("field", Input::Text, false),
    f("opens_at", Input::Time, true),
    f("closes_at", Input::Time, true),
    f("summary", Input::Long, false),
    f("body", Input::Markdown, true),
    f("attachments", Input::Attachments, false),
    f("report_published", Input::Flag, false),
];
const PAGE: &[FieldDef] = &[
    f("title", Input::Text, true),
    f("summary", Input::Long, false),
    f("body", Input::Markdown, false),
];

/// The inputs of a kind's form, in the order a person fills them.
pub(crate) fn of(kind: ItemKind) -> &'static [FieldDef] {
    match kind {
        ItemKind::Article => ARTICLE,
        ItemKind::Document => DOCUMENT,
        ItemKind::Procedure => PROCEDURE,
        ItemKind::Page => PAGE,
        ItemKind::Question => QUESTION,
        ItemKind::Consultation => CONSULTATION,
    }
}

/// An input as a template draws it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct FormField {
    pub(crate) name: &'static str,
    pub(crate) input: &'static str,
    pub(crate) required: bool,
    pub(crate) choices: &'static [&'static str],
    /// The text in the input, as the person typed it or as stored (dates dd/mm/yyyy).
    pub(crate) value: String,
    /// The message next to the input, in Vietnamese.
    pub(crate) error: Option<String>,
}

fn input_name(i: Input) -> &'static str {
    match i {
        Input::Text => "text",
        Input::Long => "long",
        Input::Markdown => "markdown",
        Input::Date => "date",
        Input::Choice(_) => "choice",
        Input::List => "list",
        Input::Attachments => "attachments",
        Input::Time => "time",
        Input::Flag => "choice",
    }
}

/// A stored value as the text of its input.
fn shown(def: &FieldDef, v: Option<&Value>) -> String {
    let Some(v) = v else { return String::new() };
    match def.input {
        Input::Date => v
            .as_str()
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_default(),
        Input::List => v
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default(),
        Input::Attachments => v
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| {
                        format!(
                            "{} | {}",
                            x.get("name").and_then(Value::as_str).unwrap_or_default(),
                            x.get("href").and_then(Value::as_str).unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default(),
        Input::Time => v
            .as_str()
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            .map(|t| {
                t.with_timezone(&vietnam())
                    .format("%d/%m/%Y %H:%M")
                    .to_string()
            })
            .unwrap_or_default(),
        Input::Flag => match v.as_bool() {
            Some(true) => "true".to_owned(),
            _ => "false".to_owned(),
        },
        _ => v.as_str().map(str::to_owned).unwrap_or_default(),
    }
}

/// Vietnam's time (UTC+7, no daylight saving): how editors read and type times.
fn vietnam() -> chrono::FixedOffset {
    use chrono::Offset;
    chrono::FixedOffset::east_opt(7 * 3600).unwrap_or_else(|| chrono::Utc.fix())
}

/// `05/03/2024 08:00` (Vietnam's time) or an RFC 3339 time → RFC 3339.
pub(crate) fn parse_time(s: &str) -> Option<String> {
    let s = s.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.to_rfc3339());
    }
    let naive = ["%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(s, f).ok())
        .or_else(|| parse_date(s).and_then(|d| d.and_hms_opt(0, 0, 0)))?;
    naive
        .and_local_timezone(vietnam())
        .single()
        .map(|t| t.to_rfc3339())
}

/// The form of `kind` filled from stored fields.
pub(crate) fn from_stored(kind: ItemKind, fields: &Value) -> Vec<FormField> {
    of(kind)
        .iter()
        .map(|def| FormField {
            name: def.name,
            input: input_name(def.input),
            required: def.required,
            choices: match def.input {
                Input::Choice(c) => c,
                Input::Flag => FLAG,
                _ => &[],
            },
            value: shown(def, fields.get(def.name)),
            error: None,
        })
        .collect()
}

/// The form of `kind` as posted, to show again with messages.
pub(crate) fn from_posted(kind: ItemKind, posted: &[(String, String)]) -> Vec<FormField> {
    of(kind)
        .iter()
        .map(|def| FormField {
            name: def.name,
            input: input_name(def.input),
            required: def.required,
            choices: match def.input {
                Input::Choice(c) => c,
                Input::Flag => FLAG,
                _ => &[],
            },
            value: value_of(posted, def.name).to_owned(),
            error: None,
        })
        .collect()
}

/// The first value posted under `name`, or "".
pub(crate) fn value_of<'a>(posted: &'a [(String, String)], name: &str) -> &'a str {
    posted
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// Every value posted under `name`, in order.
pub(crate) fn values_of<'a>(posted: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    posted
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// `05/03/2024`, `5/3/2024` or `2024-03-05` → `2024-03-05`.
pub(crate) fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y-%m-%d"))
        .or_else(|_| NaiveDate::parse_from_str(s, "%d-%m-%Y"))
        .or_else(|_| NaiveDate::parse_from_str(s, "%d.%m.%Y"))
        .ok()
}

/// A field the form could not turn into a value: (field, catalogue key of the message).
pub(crate) type FormProblem = (&'static str, &'static str);

/// The posted form as the `fields` of a merge patch: every input of the kind is named, an
/// empty optional one as `null` (removed), so fields the form does not show (a document's
/// relations) survive an edit in the browser.
pub(crate) fn to_fields(kind: ItemKind, posted: &[(String, String)]) -> Result<Value, FormProblem> {
    let mut out = Map::new();
    for def in of(kind) {
        let raw = value_of(posted, def.name).trim();
        let value = match def.input {
            Input::Text | Input::Long | Input::Choice(_) => {
                if raw.is_empty() && !def.required {
                    Value::Null
                } else {
                    Value::String(raw.to_owned())
                }
            }
            // Markdown keeps its leading spaces (an indented code block) and line ends.
            Input::Markdown => {
                let text = value_of(posted, def.name).replace("\r\n", "\n");
                if text.trim().is_empty() {
                    Value::Null
                } else {
                    Value::String(text)
                }
            }
            Input::Date => {
                if raw.is_empty() {
                    if def.required {
                        return Err((def.name, "error.required"));
                    }
                    Value::Null
                } else {
                    match parse_date(raw) {
                        Some(d) => Value::String(d.format("%Y-%m-%d").to_string()),
                        None => return Err((def.name, "error.date")),
                    }
                }
            }
            Input::Time => {
                if raw.is_empty() {
                    if def.required {
                        return Err((def.name, "error.required"));
                    }
                    Value::Null
                } else {
                    match parse_time(raw) {
                        Some(t) => Value::String(t),
                        None => return Err((def.name, "error.time")),
                    }
                }
            }
            Input::Flag => Value::Bool(raw == "true"),
            Input::List => {
                let words: Vec<Value> = raw
                    .split([',', '\n'])
                    .map(str::trim)
                    .filter(|w| !w.is_empty())
                    .map(|w| Value::String(w.to_owned()))
                    .collect();
                if words.is_empty() {
                    Value::Null
                } else {
                    Value::Array(words)
                }
            }
            Input::Attachments => {
                let mut files = Vec::new();
                for line in raw.lines().map(str::trim).filter(|l| !l.is_empty()) {
                    let (name, href) = match line.rsplit_once('|') {
                        Some((n, h)) => (n.trim(), h.trim()),
                        None => (line.rsplit('/').next().unwrap_or(line), line),
                    };
                    files.push(json!({"name": name, "href": href}));
                }
                if files.is_empty() {
                    Value::Null
                } else {
                    Value::Array(files)
                }
            }
        };
        out.insert(def.name.to_owned(), value);
    }
    Ok(Value::Object(out))
}

/// For a new item: the patch without its `null`s.
pub(crate) fn without_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.into_iter().filter(|(_, v)| !v.is_null()).collect()),
        other => other,
    }
}

/// The input an engine refusal is about (`fields.attachments[0].href` → `attachments`) and
/// the catalogue key of its message.
pub(crate) fn problem_of(e: &EngineError) -> Option<(String, &'static str)> {
    let EngineError::Invalid { kind, field, .. } = e else {
        return None;
    };
    let field = field.as_deref().unwrap_or("");
    let field = field.strip_prefix("fields.").unwrap_or(field);
    let field = field.split(['.', '[']).next().unwrap_or(field).to_owned();
    let key = match kind {
        InvalidKind::Required => "error.required",
        InvalidKind::TooLong => "error.too_long",
        InvalidKind::InvalidDate => "error.date",
        _ => "error.invalid",
    };
    Some((field, key))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_document_form_becomes_fields_with_iso_dates_and_attachments() {
        let posted = form(&[
            ("number", "12/QĐ-UBND"),
            ("doc_type", "Quyết định"),
            ("title", "Về việc A"),
            ("issuer", "UBND tỉnh"),
            ("issued_on", "05/03/2024"),
            ("effective_on", ""),
            ("status", "in_force"),
            (
                "attachments",
                "Quyết định 12.pdf | /media/7\n\nhttps://x.vn/b.pdf",
            ),
        ]);
        let v = to_fields(ItemKind::Document, &posted).unwrap();
        assert_eq!(v["issued_on"], "2024-03-05");
        assert!(v["effective_on"].is_null());
        assert_eq!(v["attachments"][0]["href"], "/media/7");
        assert_eq!(v["attachments"][1]["name"], "b.pdf");
        let shown = from_stored(ItemKind::Document, &v);
        let issued = shown.iter().find(|f| f.name == "issued_on").unwrap();
        assert_eq!(issued.value, "05/03/2024");
        let bad = form(&[("issued_on", "31/02/2024")]);
        assert_eq!(
            to_fields(ItemKind::Document, &bad).unwrap_err(),
            ("issued_on", "error.date")
        );
    }

    #[test]
    fn a_refusal_names_its_input() {
        let e = EngineError::Invalid {
            kind: InvalidKind::Required,
            field: Some("fields.attachments[0].href".into()),
            message: "x".into(),
        };
        assert_eq!(
            problem_of(&e),
            Some(("attachments".to_owned(), "error.required"))
        );
    }
}
