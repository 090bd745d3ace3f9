//! Publishes scheduled items when due. It runs once at start-up first, so items that came
//! due while the process was down are published at once.

use crate::progress::Progress;
use portico_engine::Engine;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

pub(crate) async fn run(
    engine: Engine,
    progress: Arc<Progress>,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let e = engine.clone();
        // Only the leading node publishes; the others wait to take over.
        let outcome = tokio::task::spawn_blocking(move || {
            let lead = e.lead()?;
            Ok::<_, portico_engine::EngineError>((lead, if lead { e.publish_due()? } else { 0 }))
        })
        .await;
        if let Ok(Ok((lead, _))) = &outcome {
            progress.scheduler_leads.store(*lead, Ordering::Relaxed);
        }
        let outcome = outcome.map(|r| r.map(|(_, n)| n));
        progress.scheduler_runs.fetch_add(1, Ordering::Relaxed);
        let ok = matches!(outcome, Ok(Ok(_)));
        progress.scheduler_ok.store(ok, Ordering::Relaxed);
        if !ok {
            progress.scheduler_failures.fetch_add(1, Ordering::Relaxed);
        }
        match outcome {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => tracing::info!(published = n, "scheduler published due items"),
            Ok(Err(err)) => tracing::error!(error = %err, "scheduler failed; retrying"),
            Err(join) => tracing::error!(error = %join, "scheduler task panicked; retrying"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
    }
}
