//! Keeps the search index fresh: rebuilds it first when it is missing or damaged (the server
//! answers meanwhile, with what the index has), then follows the event log.

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
    mut stop: watch::Receiver<bool>,
) {
    if index.needs_rebuild() {
        let (e, i) = (engine.clone(), index.clone());
        let started = std::time::Instant::now();
        match tokio::task::spawn_blocking(move || rebuild(&e, &i, |_, _| {})).await {
            Ok(Ok(n)) => tracing::info!(
                items = n,
                ms = started.elapsed().as_millis() as u64,
                "search index rebuilt"
            ),
            Ok(Err(err)) => {
                tracing::error!(error = %err, cause = ?std::error::Error::source(&err), "search index rebuild failed")
            }
            Err(join) => tracing::error!(error = %join, "search index rebuild panicked"),
        }
    }
    let follower = Arc::new(Mutex::new(Follower::new(&index)));
    loop {
        let (e, i, f) = (engine.clone(), index.clone(), follower.clone());
        let step = tokio::task::spawn_blocking(move || {
            let mut f = f.lock().unwrap_or_else(|p| p.into_inner());
            f.catch_up(&e, &i).map(|_| f.cursor())
        });
        match step.await {
            Ok(Ok(cursor)) => progress.set_indexed(cursor),
            Ok(Err(err)) => {
                tracing::error!(error = %err, cause = ?std::error::Error::source(&err), "search follower failed; retrying")
            }
            Err(join) => tracing::error!(error = %join, "search follower panicked; retrying"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
    }
}
