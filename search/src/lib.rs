//! Full-text search for Portico: the tantivy index, Vietnamese analysis, queries, facets and
//! snippets (see DESIGN.md, "Search").
//!
//! Empty on purpose: the search issue fills it. Nothing in Portico offers search until then,
//! and no route pretends to.
