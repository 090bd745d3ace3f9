//! Word-level comparison of two revisions, field by field, for the inline and the
//! side-by-side views.

use serde::Serialize;
use serde_json::Value;
use similar::{ChangeTag, TextDiff};

/// A run of words that is in both versions, only in the older or only in the newer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Segment {
    /// `same`, `del` or `add`.
    pub(crate) kind: &'static str,
    pub(crate) text: String,
}

/// One field compared.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct FieldDiff {
    pub(crate) name: String,
    pub(crate) changed: bool,
    /// Both versions in one flow, removals and additions marked.
    pub(crate) inline: Vec<Segment>,
    /// The older version with its removals marked.
    pub(crate) left: Vec<Segment>,
    /// The newer version with its additions marked.
    pub(crate) right: Vec<Segment>,
}

/// A field's value as text to compare.
fn text_of(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| match x {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(", "),
        Some(other) => other.to_string(),
    }
}

/// Words of `old` and `new` marked as kept, removed or added. A change of several words
/// reads as one removal followed by one addition: the spaces between changed words go into
/// both, instead of cutting them into word-by-word pairs.
pub(crate) fn words(old: &str, new: &str) -> Vec<Segment> {
    fn push(out: &mut Vec<Segment>, kind: &'static str, text: &str) {
        if text.is_empty() {
            return;
        }
        match out.last_mut() {
            Some(last) if last.kind == kind => last.text.push_str(text),
            _ => out.push(Segment {
                kind,
                text: text.to_owned(),
            }),
        }
    }
    let diff = TextDiff::from_words(old, new);
    let mut out: Vec<Segment> = Vec::new();
    let (mut del, mut add, mut gap) = (String::new(), String::new(), String::new());
    for change in diff.iter_all_changes() {
        let v = change.value();
        let in_change = !del.is_empty() || !add.is_empty();
        match change.tag() {
            ChangeTag::Equal if in_change && v.trim().is_empty() => gap.push_str(v),
            ChangeTag::Equal => {
                push(&mut out, "del", &std::mem::take(&mut del));
                push(&mut out, "add", &std::mem::take(&mut add));
                push(&mut out, "same", &std::mem::take(&mut gap));
                push(&mut out, "same", v);
            }
            tag => {
                if !gap.is_empty() {
                    del.push_str(&gap);
                    add.push_str(&gap);
                    gap.clear();
                }
                if tag == ChangeTag::Delete {
                    del.push_str(v);
                } else {
                    add.push_str(v);
                }
            }
        }
    }
    push(&mut out, "del", &del);
    push(&mut out, "add", &add);
    push(&mut out, "same", &gap);
    out
}

/// Every field of either version, in `order` first and then the rest by name.
pub(crate) fn fields(old: &Value, new: &Value, order: &[&str]) -> Vec<FieldDiff> {
    let mut names: Vec<String> = order.iter().map(|s| (*s).to_owned()).collect();
    let mut rest: Vec<String> = [old, new]
        .iter()
        .filter_map(|v| v.as_object())
        .flat_map(|m| m.keys().cloned())
        .filter(|k| !names.contains(k))
        .collect();
    rest.sort();
    rest.dedup();
    names.extend(rest);
    names
        .into_iter()
        .map(|name| {
            let (a, b) = (text_of(old.get(&name)), text_of(new.get(&name)));
            let inline = words(&a, &b);
            FieldDiff {
                changed: a != b,
                left: inline.iter().filter(|s| s.kind != "add").cloned().collect(),
                right: inline.iter().filter(|s| s.kind != "del").cloned().collect(),
                inline,
                name,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn changed_words_are_marked_and_runs_merged() {
        let s = words(
            "Ủy ban nhân dân tỉnh Lào Cai",
            "Ủy ban nhân dân huyện Bảo Thắng",
        );
        let kinds: Vec<&str> = s.iter().map(|x| x.kind).collect();
        assert_eq!(kinds.first(), Some(&"same"));
        assert!(s.iter().any(|x| x.kind == "del" && x.text.contains("tỉnh")));
        assert!(s
            .iter()
            .any(|x| x.kind == "add" && x.text.contains("Bảo Thắng")));
        let joined_new: String = s
            .iter()
            .filter(|x| x.kind != "del")
            .map(|x| x.text.as_str())
            .collect();
        assert_eq!(joined_new, "Ủy ban nhân dân huyện Bảo Thắng");
    }

    #[test]
    fn every_field_is_compared_in_the_forms_order() {
        let old = serde_json::json!({"title": "A", "body": "x y"});
        let new = serde_json::json!({"title": "A", "body": "x z", "tags": ["t"]});
        let d = fields(&old, &new, &["title", "body"]);
        let names: Vec<&str> = d.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["title", "body", "tags"]);
        assert!(!d[0].changed && d[1].changed && d[2].changed);
    }
}
