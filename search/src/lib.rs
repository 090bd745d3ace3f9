//! Full-text search for Portico: one tantivy index for the whole network, Vietnamese analysis
//! (`analyzer.rs`), queries with filters, facets and snippets, and a follower that keeps the
//! index in step with the engine's event log.
//!
//! The index is derived data: it can always be rebuilt from the store
//! ([`follower::rebuild`], `portico reindex`), and it is rebuilt by itself when it is missing
//! or damaged.

// Unit tests build values from loop counters; the library code is held to the lint.
#![cfg_attr(test, allow(clippy::as_conversions))]

pub mod analyzer;
mod document;
mod facets;
pub mod follower;
mod index;
mod query;
mod schema;
mod search;

pub use document::IndexDoc;
pub use index::SearchIndex;
pub use query::{Filters, MAX_QUERY_CHARS};
pub use schema::Fields;
pub use search::{FacetCount, Hit, SearchRequest, SearchResults, Sort, MAX_DEPTH};

/// How search can fail.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The request is wrong; `field` names the parameter.
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// Another process holds the index (a server running while `portico reindex` runs).
    #[error("the search index is in use by another process; stop the server first")]
    Locked,
    /// tantivy failed.
    #[error("search index error")]
    Index(#[source] tantivy::TantivyError),
    /// The engine failed while feeding the index.
    #[error("reading the store for the index failed")]
    Engine(#[source] portico_engine::EngineError),
    /// The file system failed.
    #[error("search index I/O")]
    Io(#[from] std::io::Error),
}

impl SearchError {
    pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        SearchError::Invalid {
            field,
            message: message.into(),
        }
    }
}
