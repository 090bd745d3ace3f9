//! Keeps the search index fresh: rebuilds it first when it is missing or damaged (the server
//! answers meanwhile, with what the index has), then follows the event log.

use crate::follow::Loop;
use crate::progress::Progress;
use portico_engine::Engine;
use portico_search::follower::{rebuild, Follower};
use portico_search::SearchIndex;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

pub(crate) async fn run(
    engine: Engine,
    index: Arc<SearchIndex>,
    progress: Arc<Progress>,
    every: Duration,
    stop: watch::Receiver<bool>,
) {
    let mut task = Loop::new("search follower", stop);
    if index.needs_rebuild() {
        let (e, i) = (engine.clone(), index.clone());
        let started = std::time::Instant::now();
        if let Some(n) = task.blocking(move || rebuild(&e, &i, |_, _| {})).await {
            tracing::info!(
                items = n,
                ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                "search index rebuilt"
            );
        }
    }
    let follower = Arc::new(Mutex::new(Follower::new(&index)));
    loop {
        let (e, i, f) = (engine.clone(), index.clone(), follower.clone());
        let step = task.blocking(move || {
            let mut f = f.lock().unwrap_or_else(|p| p.into_inner());
            f.catch_up(&e, &i).map(|_| f.cursor())
        });
        if let Some(cursor) = step.await {
            progress.set_indexed(cursor);
        }
        if !task.sleep_or(every, &progress.wake_indexer).await {
            return;
        }
    }
}
