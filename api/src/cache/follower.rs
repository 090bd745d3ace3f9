//! The purger: follows the event log and drops the cached responses each change made wrong,
//! then tells the invalidation stream (and so every edge) how far it has come. It runs even
//! with the cache off, for the edges.
//!
//! It purges an event only once the search index has taken it in (or after a grace period,
//! should the index be stuck), so that a search answer cached right after a purge already
//! shows the change. Search answers made while it has gone past the index are not kept by any
//! cache (`progress::IndexView`): nothing would purge them later.

use super::purge_tags;
use super::HttpCache;
use crate::follow::Loop;
use crate::progress::Progress;
use portico_engine::Engine;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Runs until `stop`; the cache starts empty, so it starts at the log's head.
pub(crate) async fn run(
    engine: Engine,
    cache: Option<Arc<HttpCache>>,
    progress: Arc<Progress>,
    every: Duration,
    search_grace: Duration,
    stop: watch::Receiver<bool>,
) {
    let grace = chrono::TimeDelta::from_std(search_grace).unwrap_or(chrono::TimeDelta::MAX);
    let mut task = Loop::new("cache purger", stop);
    let mut cursor = loop {
        let e = engine.clone();
        if let Some(seq) = task.blocking(move || e.last_event_seq()).await {
            break seq;
        }
        if !task.sleep(every).await {
            return;
        }
    };
    progress.set_purged(cursor);
    loop {
        let e = engine.clone();
        let read = task.blocking(move || {
            let head = e.last_event_seq()?;
            let events = e.events_after(cursor, 1000)?;
            Ok::<_, portico_engine::EngineError>((head, events))
        });
        if let Some((head, events)) = read.await {
            progress.set_head(head);
            let indexed = progress.indexed();
            let now = chrono::Utc::now();
            for ev in events {
                if ev.seq > indexed && now - ev.at < grace {
                    break;
                }
                let tags = purge_tags(&ev);
                if let (false, Some(cache)) = (tags.is_empty(), &cache) {
                    let n = cache.purge(&tags);
                    tracing::debug!(seq = ev.seq, ?tags, entries = n, "purged");
                }
                cursor = ev.seq;
            }
            progress.set_purged(cursor);
        }
        if !task.sleep_or(every, &progress.wake_purger).await {
            return;
        }
    }
}
