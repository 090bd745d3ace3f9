//! The index on disk: opening (and starting afresh when it is missing or damaged), applying
//! changes with the event-log cursor they bring the index up to, and rebuilding.
//!
//! The cursor lives in tantivy's commit payload, so the index and "how far it has read" can
//! never disagree: a crash between the two is impossible, and a deleted index starts at 0.

use crate::analyzer;
use crate::document::IndexDoc;
use crate::schema::Fields;
use crate::SearchError;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use tantivy::directory::MmapDirectory;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, Term};

/// The writer's memory budget; segments are flushed when it fills.
const WRITER_BUDGET: usize = 64 * 1024 * 1024;

#[derive(Serialize, Deserialize, Default)]
struct Payload {
    cursor: i64,
    complete: bool,
}

/// The search index of the whole network.
pub struct SearchIndex {
    index: Index,
    fields: Fields,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    stale: AtomicBool,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it when missing. A damaged index is moved aside and
    /// a new empty one is made; either way [`SearchIndex::needs_rebuild`] then says so.
    pub fn open(dir: &Path) -> Result<SearchIndex, SearchError> {
        std::fs::create_dir_all(dir)?;
        let (schema, _) = Fields::schema();
        let opened = MmapDirectory::open(dir)
            .map_err(|e| SearchError::Index(e.into()))
            .and_then(|d| Index::open_or_create(d, schema.clone()).map_err(SearchError::Index));
        let index = match opened {
            Ok(i) if i.schema() == schema => i,
            other => {
                let why = match other {
                    Ok(_) => "its schema is from another version".to_owned(),
                    Err(e) => e.to_string(),
                };
                tracing::warn!(dir = %dir.display(), reason = %why, "search index unusable; starting a new one");
                let aside = dir.with_extension(format!("damaged-{}", std::process::id()));
                let _ = std::fs::remove_dir_all(&aside);
                std::fs::rename(dir, &aside)?;
                std::fs::create_dir_all(dir)?;
                Index::create_in_dir(dir, schema).map_err(SearchError::Index)?
            }
        };
        Self::from_index(index)
    }

    /// An index in memory, for tests and benchmarks.
    pub fn in_memory() -> Result<SearchIndex, SearchError> {
        let (schema, _) = Fields::schema();
        Self::from_index(Index::create_in_ram(schema))
    }

    fn from_index(mut index: Index) -> Result<SearchIndex, SearchError> {
        analyzer::register(&index);
        // Segments are searched in parallel, one thread a core: a lone query uses the machine.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        if cores > 1 {
            index
                .set_multithread_executor(cores)
                .map_err(SearchError::Index)?;
        }
        let (_, fields) = Fields::schema();
        let writer = index.writer(WRITER_BUDGET).map_err(|e| match e {
            tantivy::TantivyError::LockFailure(..) => SearchError::Locked,
            other => SearchError::Index(other),
        })?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(SearchError::Index)?;
        let payload = read_payload(&index);
        Ok(SearchIndex {
            stale: AtomicBool::new(!payload.complete),
            index,
            fields,
            reader,
            writer: Mutex::new(writer),
        })
    }

    /// Whether the index must be rebuilt from the store (new, damaged, or a rebuild broke off).
    pub fn needs_rebuild(&self) -> bool {
        self.stale.load(Ordering::SeqCst)
    }

    /// The last event sequence number the index reflects.
    pub fn cursor(&self) -> i64 {
        read_payload(&self.index).cursor
    }

    /// The field handles.
    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    /// A searcher on the last commit.
    pub fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// Replaces or adds `upserts`, removes `deletes`, and commits with the new cursor.
    pub fn apply(
        &self,
        upserts: &[IndexDoc],
        deletes: &[i64],
        cursor: i64,
    ) -> Result<(), SearchError> {
        let mut w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        for id in deletes.iter().chain(upserts.iter().map(|d| &d.id)) {
            w.delete_term(Term::from_field_i64(self.fields.id, *id));
        }
        for d in upserts {
            w.add_document(d.to_tantivy(&self.fields))
                .map_err(SearchError::Index)?;
        }
        self.commit(&mut w, cursor, !self.needs_rebuild())
    }

    /// Replaces the whole index with `batches` (read from the store page by page), then
    /// commits with `cursor`, the event sequence read *before* the first page: events after
    /// it are applied again by the follower, which is harmless.
    pub fn rebuild<I>(
        &self,
        batches: I,
        cursor: i64,
        mut progress: impl FnMut(usize),
    ) -> Result<usize, SearchError>
    where
        I: IntoIterator<Item = Result<Vec<IndexDoc>, SearchError>>,
    {
        let mut w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        w.delete_all_documents().map_err(SearchError::Index)?;
        let mut n = 0;
        for batch in batches {
            for d in batch? {
                w.add_document(d.to_tantivy(&self.fields))
                    .map_err(SearchError::Index)?;
                n += 1;
            }
            progress(n);
        }
        self.commit(&mut w, cursor, true)?;
        self.stale.store(false, Ordering::SeqCst);
        Ok(n)
    }

    fn commit(&self, w: &mut IndexWriter, cursor: i64, complete: bool) -> Result<(), SearchError> {
        let payload = serde_json::to_string(&Payload { cursor, complete }).unwrap_or_default();
        let mut prepared = w.prepare_commit().map_err(SearchError::Index)?;
        prepared.set_payload(&payload);
        prepared.commit().map_err(SearchError::Index)?;
        self.reader.reload().map_err(SearchError::Index)?;
        Ok(())
    }
}

fn read_payload(index: &Index) -> Payload {
    index
        .load_metas()
        .ok()
        .and_then(|m| m.payload)
        .and_then(|p| serde_json::from_str(&p).ok())
        .unwrap_or_default()
}
