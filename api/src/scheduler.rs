//! Publishes scheduled items when due. It runs once at start-up first, so items that came
//! due while the process was down are published at once.

use portico_engine::Engine;
use std::time::Duration;
use tokio::sync::watch;

pub(crate) async fn run(engine: Engine, every: Duration, mut stop: watch::Receiver<bool>) {
    loop {
        let e = engine.clone();
        match tokio::task::spawn_blocking(move || e.publish_due()).await {
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
