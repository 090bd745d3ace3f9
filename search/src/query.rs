//! From what a citizen typed to a tantivy query: all words required, exact spelling above
//! folded, title and number above body, phrases in quotes, document numbers in any spelling.

use crate::analyzer::{exact_term, folded_term, number_key, syllables};
use crate::schema::Fields;
use crate::SearchError;
use portico_engine::ContentFilters;
use std::ops::Bound;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, Occur, PhrasePrefixQuery, PhraseQuery, Query, RangeQuery,
    RegexQuery, TermQuery, TermSetQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::Term;

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 500;
/// Most syllables used from one query; more only slow things down.
const MAX_TERMS: usize = 32;

/// Filters and paging of a search, validated.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// Site slugs to search in (a site and its descendants, already expanded); empty = all.
    pub sites: Vec<String>,
    /// What lists are narrowed by too: kind, channel, document fields, years.
    pub content: ContentFilters,
}

fn term(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

fn boosted(q: Box<dyn Query>, by: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(q, by))
}

/// Splits out `"quoted phrases"`; an unbalanced quote is treated as a space.
fn split_phrases(q: &str) -> (Vec<String>, String) {
    let parts: Vec<&str> = q.split('"').collect();
    let balanced = parts.len() % 2 == 1;
    let mut phrases = Vec::new();
    let mut rest = String::new();
    for (i, part) in parts.iter().enumerate() {
        let inside = i % 2 == 1 && (balanced || i + 1 < parts.len());
        if inside {
            phrases.push((*part).to_owned());
        } else {
            rest.push(' ');
            rest.push_str(part);
        }
    }
    (phrases, rest)
}

/// Cleans what was typed: no control characters, not too long.
pub fn clean(q: &str) -> Result<String, SearchError> {
    let n = q.chars().count();
    if n > MAX_QUERY_CHARS {
        return Err(SearchError::invalid(
            "q",
            format!("the query is {n} characters long; at most {MAX_QUERY_CHARS} are allowed"),
        ));
    }
    Ok(q.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect())
}

/// The text part of a query, or `None` when nothing searchable was typed.
pub fn text_query(f: &Fields, q: &str) -> Option<Box<dyn Query>> {
    let (phrases, rest) = split_phrases(q);
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut folded_seq = Vec::new();
    for (from, to) in syllables(&rest).take(MAX_TERMS) {
        let syllable = &rest[from..to];
        let (ex, fo) = (exact_term(syllable), folded_term(syllable));
        // Exact spelling counts in the title, where it tells "lúa" from "lụa"; in the body
        // the folded words alone decide (an exact-spelling field for bodies and files doubled
        // the postings every syllable walks through: docs/BENCHMARKS.md, search in-process).
        let any = BooleanQuery::new(vec![
            (Occur::Should, boosted(term(f.title_exact, &ex), 3.0)),
            (Occur::Should, boosted(term(f.title_folded, &fo), 2.0)),
            (Occur::Should, boosted(term(f.body_folded, &fo), 2.0)),
            (Occur::Should, boosted(term(f.number, &fo), 4.0)),
            // The attached files' words find the item, below its own text.
            (Occur::Should, boosted(term(f.attachment_folded, &fo), 0.5)),
        ]);
        clauses.push((Occur::Must, Box::new(any)));
        folded_seq.push(fo);
    }
    // The whole query in the title, word after word: what a reader means by "the article
    // about X". Every adjacent pair in the title's pairs field, which needs no positions
    // (a phrase query over the title's positions cost a fifth of a search).
    if folded_seq.len() >= 2 {
        let pairs = folded_seq
            .windows(2)
            .map(|pair| -> (Occur, Box<dyn Query>) {
                (Occur::Must, term(f.title_bigram, &pair.join("_")))
            })
            .collect();
        clauses.push((
            Occur::Should,
            boosted(Box::new(BooleanQuery::new(pairs)), 6.0),
        ));
    }
    for pair in folded_seq.windows(2) {
        clauses.push((Occur::Should, boosted(term(f.bigram, &pair.join("_")), 3.0)));
    }
    for phrase in phrases.iter().filter(|p| !p.trim().is_empty()) {
        let words: Vec<String> = syllables(phrase)
            .take(MAX_TERMS)
            .map(|(a, b)| folded_term(&phrase[a..b]))
            .collect();
        let q: Box<dyn Query> = match words.as_slice() {
            [] => continue,
            [word] => Box::new(BooleanQuery::new(vec![
                (Occur::Should, boosted(term(f.title_folded, word), 2.0)),
                (Occur::Should, term(f.body_folded, word)),
                (Occur::Should, boosted(term(f.attachment_folded, word), 0.5)),
            ])),
            _ => {
                let on = |field: Field| -> Box<dyn Query> {
                    Box::new(PhraseQuery::new(
                        words
                            .iter()
                            .map(|w| Term::from_field_text(field, w))
                            .collect(),
                    ))
                };
                Box::new(BooleanQuery::new(vec![
                    (Occur::Should, boosted(on(f.title_folded), 3.0)),
                    (Occur::Should, on(f.body_folded)),
                    (Occur::Should, boosted(on(f.attachment_folded), 0.5)),
                ]))
            }
        };
        clauses.push((Occur::Must, q));
    }
    if clauses.iter().all(|(o, _)| *o != Occur::Must) {
        return None;
    }
    // A document number or procedure code typed with any separators goes first.
    let key = number_key(q);
    if key.chars().any(|c| c.is_ascii_digit()) && key.len() >= 2 {
        clauses.push((Occur::Should, boosted(term(f.number_key, &key), 30.0)));
    }
    Some(Box::new(BooleanQuery::new(clauses)))
}

/// The filters as query clauses.
pub fn filter_clauses(f: &Fields, filters: &Filters) -> Vec<(Occur, Box<dyn Query>)> {
    let mut out: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if !filters.sites.is_empty() {
        let terms = filters
            .sites
            .iter()
            .map(|s| Term::from_field_text(f.site, s));
        out.push((Occur::Must, Box::new(TermSetQuery::new(terms))));
    }
    let c = &filters.content;
    for (field, value) in [
        (f.kind, c.kind.map(|k| k.as_str())),
        (f.channel, c.channel.as_deref()),
        (f.doc_type, c.doc_type.as_deref()),
        (f.issuer, c.issuer.as_deref()),
        (f.field, c.field.as_deref()),
        (f.status, c.status.map(|s| s.as_str())),
        (f.level, c.level.map(|l| l.as_str())),
    ] {
        if let Some(v) = value {
            out.push((Occur::Must, term(field, v)));
        }
    }
    if c.year_from.is_some() || c.year_to.is_some() {
        let bound = |y: Option<i32>| match y.and_then(|y| u64::try_from(y).ok()) {
            Some(y) => Bound::Included(Term::from_field_u64(f.year, y)),
            None => Bound::Unbounded,
        };
        out.push((
            Occur::Must,
            Box::new(RangeQuery::new(bound(c.year_from), bound(c.year_to))),
        ));
    }
    out
}

/// The whole query: text (or everything) and the filters.
pub fn build(f: &Fields, q: &str, filters: &Filters) -> Box<dyn Query> {
    let mut clauses = filter_clauses(f, filters);
    match text_query(f, q) {
        Some(t) => clauses.push((Occur::Must, t)),
        None => clauses.push((Occur::Must, Box::new(AllQuery))),
    }
    Box::new(BooleanQuery::new(clauses))
}

/// Title completion: the typed syllables in order in the title, the last one as a prefix;
/// all folded, so `quyet di` completes `Quyết định...`.
pub fn suggest_query(f: &Fields, q: &str, filters: &Filters) -> Option<Box<dyn Query>> {
    let words: Vec<String> = syllables(q)
        .take(MAX_TERMS)
        .map(|(a, b)| folded_term(&q[a..b]))
        .collect();
    let (last, complete) = words.split_last()?;
    let mut clauses = filter_clauses(f, filters);
    // Folded syllables are ASCII letters and digits only, so they are safe inside a regex.
    let prefix: String = last.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    if prefix.is_empty() {
        return None;
    }
    if complete.is_empty() {
        let re = RegexQuery::from_pattern(&format!("{prefix}.*"), f.title_folded).ok()?;
        clauses.push((Occur::Must, Box::new(re)));
    } else {
        // The typed words in order, the last one still being typed.
        let terms = complete
            .iter()
            .chain(std::iter::once(&prefix))
            .map(|w| Term::from_field_text(f.title_folded, w))
            .collect();
        let mut q = PhrasePrefixQuery::new(terms);
        q.set_max_expansions(200);
        clauses.push((Occur::Must, Box::new(q)));
    }
    Some(Box::new(BooleanQuery::new(clauses)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_and_unbalanced_quotes() {
        let (p, rest) = split_phrases(r#"quyết định "kiến trúc chính quyền" 2018"#);
        assert_eq!(p, ["kiến trúc chính quyền"]);
        assert!(rest.contains("quyết định") && rest.contains("2018"));
        let (p, rest) = split_phrases(r#"kiến "trúc"#);
        assert!(p.is_empty());
        assert!(rest.contains("trúc"));
    }

    #[test]
    fn control_characters_and_length() {
        assert_eq!(clean("a\u{0}b").unwrap(), "a b");
        assert!(clean(&"x".repeat(501)).is_err());
    }
}
