//! Keeps the index in step with the engine's event log, and rebuilds it from the store.
//!
//! The follower reads events after the index's cursor; for every item published or withdrawn
//! it asks the engine for the item's public view now (so a burst of changes to one item costs
//! one update) and replaces or removes it. Only public data ever reaches the index: drafts
//! have no public view.

use crate::{IndexDoc, SearchError, SearchIndex};
use portico_engine::{Engine, EventKind, ItemId, ItemKind, PublicItem};
use std::collections::BTreeSet;

/// Events read per step.
const BATCH: usize = 1000;

/// An item's index entry, with the kept text of the files it attaches (documents and
/// consultations; other kinds attach pictures, not texts).
fn entry(engine: &Engine, item: &PublicItem) -> Result<IndexDoc, SearchError> {
    if !matches!(item.kind, ItemKind::Document | ItemKind::Consultation) {
        return Ok(IndexDoc::from_public(item));
    }
    let texts = engine
        .published_file_texts(item.id)
        .map_err(SearchError::Engine)?;
    Ok(IndexDoc::with_attachments(item, &texts))
}

/// Follows the event log from the index's cursor.
pub struct Follower {
    cursor: i64,
}

impl Follower {
    /// A follower starting where the index stands.
    pub fn new(index: &SearchIndex) -> Follower {
        Follower {
            cursor: index.cursor(),
        }
    }

    /// The last event read.
    pub fn cursor(&self) -> i64 {
        self.cursor
    }

    /// Applies every event there is; returns how many items changed in the index.
    pub fn catch_up(&mut self, engine: &Engine, index: &SearchIndex) -> Result<usize, SearchError> {
        let mut changed = 0;
        loop {
            let events = engine
                .events_after(self.cursor, BATCH)
                .map_err(SearchError::Engine)?;
            let Some(last) = events.last().map(|e| e.seq) else {
                return Ok(changed);
            };
            let ids: BTreeSet<ItemId> = events
                .iter()
                .filter(|e| {
                    matches!(
                        e.kind,
                        EventKind::ItemPublished
                            | EventKind::ItemUnpublished
                            | EventKind::FileTextRead
                    )
                })
                .filter_map(|e| e.item_id)
                .collect();
            if !ids.is_empty() {
                let mut upserts = Vec::new();
                let mut deletes = Vec::new();
                for id in ids {
                    match engine.public_item_by_id(id).map_err(SearchError::Engine)? {
                        Some(item) => upserts.push(entry(engine, &item)?),
                        None => deletes.push(id.0),
                    }
                }
                changed += upserts.len() + deletes.len();
                index.apply(&upserts, &deletes, last)?;
            }
            // Events that change nothing public (drafts, reviews) only move the cursor in
            // memory; it is committed with the next real change, and re-reading them after a
            // restart is harmless.
            self.cursor = last;
        }
    }
}

/// Rebuilds the whole index from the store; `progress(done, total)` is called per page.
pub fn rebuild(
    engine: &Engine,
    index: &SearchIndex,
    mut progress: impl FnMut(usize, u64),
) -> Result<usize, SearchError> {
    let cursor = engine.last_event_seq().map_err(SearchError::Engine)?;
    let total = engine.live_count().map_err(SearchError::Engine)?;
    let mut after = ItemId(0);
    let mut done = false;
    let pages = std::iter::from_fn(|| {
        if done {
            return None;
        }
        match engine.public_items_after(after, BATCH) {
            Ok(items) if items.is_empty() => {
                done = true;
                None
            }
            Ok(items) => {
                after = items.last().map(|i| i.id).unwrap_or(after);
                Some(items.iter().map(|i| entry(engine, i)).collect())
            }
            Err(e) => {
                done = true;
                Some(Err(SearchError::Engine(e)))
            }
        }
    });
    index.rebuild(pages, cursor, |n| progress(n, total))
}
