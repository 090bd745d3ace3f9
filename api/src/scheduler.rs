//! Publishes scheduled items when due. It runs once at start-up first, so items that came
//! due while the process was down are published at once.

use crate::follow::Loop;
use crate::progress::Progress;
use portico_engine::Engine;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How often personal data past its retention period is looked for.
const ERASE_EVERY: Duration = Duration::from_secs(3600);

pub(crate) async fn run(
    engine: Engine,
    progress: Arc<Progress>,
    every: Duration,
    stop: watch::Receiver<bool>,
) {
    let mut task = Loop::new("scheduler", stop);
    // Personal data past its sites' retention periods is erased hourly (and at start-up).
    let mut erased_at: Option<std::time::Instant> = None;
    loop {
        let e = engine.clone();
        let erase = erased_at.is_none_or(|t| t.elapsed() >= ERASE_EVERY);
        // Only the leading node publishes; the others wait to take over.
        let outcome = task
            .blocking(move || {
                let lead = e.lead()?;
                if lead && erase {
                    e.erase_expired_personal_data()?;
                }
                Ok::<_, portico_engine::EngineError>((
                    lead,
                    if lead { e.publish_due()? } else { 0 },
                ))
            })
            .await;
        if erase && outcome.is_some_and(|(lead, _)| lead) {
            erased_at = Some(std::time::Instant::now());
        }
        progress.scheduler_runs.fetch_add(1, Ordering::Relaxed);
        progress
            .scheduler_ok
            .store(outcome.is_some(), Ordering::Relaxed);
        // Leading means holding the lock now: a node that cannot reach the store cannot say
        // it does (its session, and so its lock, may be gone), so `portico_leader` says 0.
        let leads = outcome.is_some_and(|(lead, _)| lead);
        if progress.scheduler_leads.swap(leads, Ordering::Relaxed) != leads {
            if leads {
                tracing::info!("this node leads now: it runs the scheduler and sends webhooks");
            } else {
                tracing::info!("this node no longer leads");
            }
        }
        match outcome {
            Some((_, published)) if published > 0 => {
                tracing::info!(published, "scheduler published due items");
                progress.wrote();
            }
            Some(_) => {}
            None => {
                progress.scheduler_failures.fetch_add(1, Ordering::Relaxed);
            }
        }
        if !task.sleep(every).await {
            return;
        }
    }
}
