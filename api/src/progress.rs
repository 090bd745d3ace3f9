//! How far each follower of the event log has come, for readiness, metrics and the
//! invalidation stream's long poll.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use tokio::sync::watch;

/// Cursors of the followers on this node; `-1` until a follower has started.
pub struct Progress {
    head: AtomicI64,
    indexed: AtomicI64,
    /// The cursor of the webhook endpoint furthest behind; -1 with none (or not leading).
    delivered: AtomicI64,
    purged: watch::Sender<i64>,
    /// Scheduler runs, failures, and whether the last one succeeded.
    pub scheduler_runs: AtomicU64,
    pub scheduler_failures: AtomicU64,
    pub scheduler_ok: AtomicBool,
    /// Whether this node leads (runs the scheduler and sends webhooks).
    pub scheduler_leads: AtomicBool,
    /// Scheduled backups: when the last one was written (unix seconds, 0: never), its
    /// size, and how many failed.
    pub backup_last_success: AtomicI64,
    pub backup_last_bytes: AtomicI64,
    pub backup_failures: AtomicU64,
    /// Files whose text was read for search on this node (it leads).
    pub files_read: AtomicU64,
    stopping: watch::Sender<bool>,
    /// Wakes the search follower: this node just wrote (events to index now, not at the
    /// next poll).
    pub(crate) wake_indexer: tokio::sync::Notify,
    /// Wakes the cache purger: the search index just took events in.
    pub(crate) wake_purger: tokio::sync::Notify,
    /// Wakes the file text reader: a document may have been published with new files.
    pub(crate) wake_reader: tokio::sync::Notify,
}

impl Default for Progress {
    fn default() -> Self {
        Progress {
            head: AtomicI64::new(-1),
            indexed: AtomicI64::new(-1),
            delivered: AtomicI64::new(-1),
            purged: watch::channel(-1).0,
            scheduler_runs: AtomicU64::new(0),
            scheduler_failures: AtomicU64::new(0),
            scheduler_ok: AtomicBool::new(true),
            scheduler_leads: AtomicBool::new(false),
            backup_last_success: AtomicI64::new(0),
            backup_last_bytes: AtomicI64::new(0),
            backup_failures: AtomicU64::new(0),
            files_read: AtomicU64::new(0),
            stopping: watch::channel(false).0,
            wake_indexer: tokio::sync::Notify::new(),
            wake_purger: tokio::sync::Notify::new(),
            wake_reader: tokio::sync::Notify::new(),
        }
    }
}

/// What the search index had taken in when a search began: whether its answer may be kept
/// by a cache depends on the purges sent by the time it is done.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IndexView {
    indexed: i64,
}

impl IndexView {
    /// Marks `resp` `no-store` when the purger has already gone past events this search's
    /// index had not taken in (it does, after a grace period, when the index is slow): the
    /// purges for them were sent, so a cache keeping this answer would keep what they
    /// removed (a withdrawn document) with nothing left to remove it. Such answers are
    /// served, just not kept, until the index catches up.
    pub(crate) fn seal(
        self,
        progress: &Progress,
        mut resp: axum::response::Response,
    ) -> axum::response::Response {
        if self.indexed < progress.purged() {
            resp.headers_mut().insert(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            );
        }
        resp
    }
}

impl Progress {
    /// Taken before a search reads the index (see [`IndexView::seal`]).
    pub(crate) fn index_view(&self) -> IndexView {
        IndexView {
            indexed: self.indexed(),
        }
    }

    /// The last event in the log, as last seen.
    pub fn head(&self) -> i64 {
        self.head.load(Ordering::Acquire)
    }
    pub(crate) fn set_head(&self, seq: i64) {
        self.head.fetch_max(seq, Ordering::AcqRel);
    }
    /// The last event the search index has taken in.
    pub fn indexed(&self) -> i64 {
        self.indexed.load(Ordering::Acquire)
    }
    pub(crate) fn set_indexed(&self, seq: i64) {
        let before = self.indexed.swap(seq, Ordering::AcqRel);
        self.set_head(seq);
        if before != seq {
            self.wake_purger.notify_one();
        }
    }

    /// Says that this node committed events: its followers take them in at once. (The
    /// others' followers still find them at their next poll.)
    pub(crate) fn wrote(&self) {
        self.wake_indexer.notify_one();
        self.wake_purger.notify_one();
        self.wake_reader.notify_one();
    }
    /// The cursor of the webhook endpoint furthest behind, if this node sends any.
    pub fn delivered(&self) -> Option<i64> {
        Some(self.delivered.load(Ordering::Acquire)).filter(|c| *c >= 0)
    }
    pub(crate) fn set_delivered(&self, cursor: Option<i64>) {
        self.delivered
            .store(cursor.unwrap_or(-1), Ordering::Release);
    }
    /// The last event whose purge this node's cache has applied.
    pub fn purged(&self) -> i64 {
        *self.purged.borrow()
    }
    pub(crate) fn set_purged(&self, seq: i64) {
        self.purged.send_if_modified(|v| {
            let moved = *v != seq;
            *v = seq;
            moved
        });
    }
    /// Marks the node as shutting down: long polls answer at once, so that the graceful
    /// shutdown need not wait for them.
    pub(crate) fn stop(&self) {
        self.stopping.send_replace(true);
    }
    pub(crate) fn watch_stopping(&self) -> watch::Receiver<bool> {
        self.stopping.subscribe()
    }
    /// Wakes when the purge cursor moves.
    pub(crate) fn watch_purged(&self) -> watch::Receiver<i64> {
        self.purged.subscribe()
    }
}
