//! Runs a query: ranked (or dated) hits with highlighted snippets, the total, and facet
//! counts for every filter.

use crate::facets::Facets;
use crate::index::SearchIndex;
use crate::query::{self, Filters};
use crate::SearchError;
use serde::Serialize;
use std::collections::BTreeMap;
use tantivy::collector::{Count, TopDocs};
use tantivy::schema::Value;
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, DocId, Order, Score, SegmentReader, TantivyDocument};

/// How hits are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Best match first; newer first among equals.
    #[default]
    Relevance,
    /// Newest first.
    Date,
}

/// What to search for.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub q: String,
    pub filters: Filters,
    pub sort: Sort,
    /// 1-based.
    pub page: usize,
    pub per_page: usize,
    /// Whether to count facets: they cost a pass over every hit, so lists that show no
    /// filter counts leave them out.
    pub facets: bool,
}

/// One hit.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub id: i64,
    pub site: String,
    pub kind: String,
    pub slug: String,
    /// The item's first channel, for building its page's address.
    pub channel: Option<String>,
    pub title: String,
    /// The title with matches in `<b>`; HTML-escaped.
    pub title_html: String,
    /// A fragment of the text with matches in `<b>`, in their original spelling; HTML-escaped.
    pub snippet_html: String,
    /// The snippet is from the text of an attached file (the item's own text has no match).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub snippet_in_attachment: bool,
    pub summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doc_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    pub year: u64,
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
    pub score: f32,
}

/// One facet value and how many hits have it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

/// What a search found.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    pub hits: Vec<Hit>,
    pub facets: BTreeMap<String, Vec<FacetCount>>,
}

/// Deepest result reachable by paging.
pub const MAX_DEPTH: usize = 10_000;

/// Chunks of attached text a snippet is looked for in (about 800 KB).
const MAX_SNIPPET_CHUNKS: usize = 200;

fn text_of(doc: &TantivyDocument, field: tantivy::schema::Field) -> Option<String> {
    doc.get_first(field)
        .and_then(|v| v.as_str())
        .map(str::to_owned)
}

/// Recency weight in (1.0, 1.1]: equal matches rank newer first without drowning relevance.
fn recency(published_at: i64, now: i64) -> f32 {
    let days = ((now - published_at) / 86_400_000_000).clamp(0, i64::from(u16::MAX));
    let age_days = f32::from(u16::try_from(days).unwrap_or(u16::MAX));
    1.0 + 0.1 / (1.0 + age_days / 365.0)
}

impl SearchIndex {
    /// Searches.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResults, SearchError> {
        let q = query::clean(&req.q)?;
        let per_page = req.per_page.clamp(1, 50);
        let page = req.page.max(1);
        let offset = (page - 1) * per_page;
        if offset + per_page > MAX_DEPTH {
            return Err(SearchError::invalid(
                "page",
                format!(
                    "results beyond the first {MAX_DEPTH} cannot be paged to; narrow the search"
                ),
            ));
        }
        let f = self.fields();
        let query = query::build(f, &q, &req.filters);
        let searcher = self.searcher();
        let top = TopDocs::with_limit(per_page).and_offset(offset);
        let now = chrono::Utc::now().timestamp_micros();
        let aggs = req.facets.then_some(Facets);
        let (docs, total, facets): (Vec<(f32, DocAddress)>, usize, _) = match req.sort {
            Sort::Relevance => {
                let tweaked = top.tweak_score(move |segment: &SegmentReader| {
                    let col = segment
                        .fast_fields()
                        .i64("published_at")
                        .ok()
                        .map(|c| c.first_or_default_col(0));
                    move |doc: DocId, score: Score| match &col {
                        Some(c) => score * recency(c.get_val(doc), now),
                        None => score,
                    }
                });
                searcher
                    .search(&query, &(tweaked, Count, aggs))
                    .map_err(SearchError::Index)?
            }
            Sort::Date => {
                let dated = top.order_by_fast_field::<i64>("published_at", Order::Desc);
                let (d, c, a) = searcher
                    .search(&query, &(dated, Count, aggs))
                    .map_err(SearchError::Index)?;
                (d.into_iter().map(|(_, a)| (0.0, a)).collect(), c, a)
            }
        };
        let body_snippets = SnippetGenerator::create(&searcher, &*query, f.body_folded)
            .map_err(SearchError::Index)?;
        // Built only when a hit's own text has no match: most searches never need it.
        let attachment_snippets = std::sync::OnceLock::new();
        let mut title_snippets = SnippetGenerator::create(&searcher, &*query, f.title_folded)
            .map_err(SearchError::Index)?;
        title_snippets.set_max_num_chars(600);
        // Reading and highlighting the hits are independent: spread over the cores.
        let hit = |(score, addr): (f32, DocAddress)| -> tantivy::Result<Hit> {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let title = text_of(&doc, f.title_folded).unwrap_or_default();
            let title_html = title_snippets.snippet_from_doc(&doc).to_html();
            // The snippet comes from the opening of the text, the part the index stores.
            let body = doc
                .get_first(f.body_start)
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            let mut snippet = body_snippets.snippet(body);
            // Words found only in an attached file: the snippet comes from the chunk of its
            // text that has them.
            let mut in_attachment = false;
            if snippet.is_empty() {
                if let Some(s) = doc
                    .get_all(f.attachment_folded)
                    .filter_map(|v| v.as_str())
                    .take(MAX_SNIPPET_CHUNKS)
                    .filter_map(|chunk| {
                        attachment_snippets
                            .get_or_init(|| {
                                SnippetGenerator::create(&searcher, &*query, f.attachment_folded)
                                    .ok()
                            })
                            .as_ref()
                            .map(|g| g.snippet(chunk))
                    })
                    .find(|s| !s.is_empty())
                {
                    snippet = s;
                    in_attachment = true;
                }
            }
            let published = doc.get_first(f.published_at).and_then(|v| v.as_i64());
            Ok(Hit {
                title_html: if title_html.is_empty() {
                    escape(&title)
                } else {
                    title_html
                },
                snippet_html: snippet.to_html(),
                snippet_in_attachment: in_attachment,
                summary: text_of(&doc, f.summary).unwrap_or_default(),
                doc_type: text_of(&doc, f.doc_type),
                issuer: text_of(&doc, f.issuer),
                published_at: published.and_then(chrono::DateTime::from_timestamp_micros),
                score,
                ..Hit::from_doc(&doc, f, title)
            })
        };
        let hits = searcher
            .index()
            .search_executor()
            .map(hit, docs.into_iter())
            .map_err(SearchError::Index)?;
        Ok(SearchResults {
            total,
            page,
            per_page,
            hits,
            facets: facets.unwrap_or_default(),
        })
    }

    /// Title completions for what is being typed.
    pub fn suggest(
        &self,
        q: &str,
        filters: &Filters,
        limit: usize,
    ) -> Result<Vec<Hit>, SearchError> {
        let q = query::clean(q)?;
        let Some(query) = query::suggest_query(self.fields(), &q, filters) else {
            return Ok(Vec::new());
        };
        let searcher = self.searcher();
        let docs = searcher
            .search(&query, &TopDocs::with_limit(limit.clamp(1, 20)))
            .map_err(SearchError::Index)?;
        let f = self.fields();
        docs.into_iter()
            .map(|(_, addr)| {
                let doc: TantivyDocument = searcher.doc(addr).map_err(SearchError::Index)?;
                let title = text_of(&doc, f.title_folded).unwrap_or_default();
                Ok(Hit::from_doc(&doc, f, title))
            })
            .collect()
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl Hit {
    /// A hit with what every answer shows of a document: ids, addresses, the title (escaped as
    /// its HTML), numbers, year and publication; no snippet, summary or score.
    fn from_doc(doc: &TantivyDocument, f: &crate::schema::Fields, title: String) -> Hit {
        Hit {
            id: doc
                .get_first(f.id)
                .and_then(|v| v.as_i64())
                .unwrap_or_default(),
            site: text_of(doc, f.site).unwrap_or_default(),
            kind: text_of(doc, f.kind).unwrap_or_default(),
            slug: text_of(doc, f.slug).unwrap_or_default(),
            channel: text_of(doc, f.channel),
            title_html: escape(&title),
            title,
            snippet_html: String::new(),
            snippet_in_attachment: false,
            summary: String::new(),
            number: text_of(doc, f.number),
            code: text_of(doc, f.code),
            doc_type: None,
            issuer: None,
            year: doc
                .get_first(f.year)
                .and_then(|v| v.as_u64())
                .unwrap_or_default(),
            published_at: doc
                .get_first(f.published_at)
                .and_then(|v| v.as_i64())
                .and_then(chrono::DateTime::from_timestamp_micros),
            score: 0.0,
        }
    }
}
