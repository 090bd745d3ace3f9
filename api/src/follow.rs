//! The one skeleton of every background loop (scheduler, search follower, cache purger,
//! webhook sender, an edge's invalidation stream): do a step, wait, stop when the server
//! stops, and keep store calls off the async threads.
//!
//! It also decides how a loop's failures reach the log: an outage (a database down, an
//! origin gone) is logged once when it starts and once when it ends, with how many steps
//! failed and for how long, instead of a line per step and per loop.

use std::fmt::Display;
use std::future::Future;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// A background loop's state: its name for the log, the stop signal, and the outage it is in.
pub(crate) struct Loop {
    name: &'static str,
    stop: watch::Receiver<bool>,
    /// An origin that is down is expected now and then: say it at WARN, not ERROR.
    expected: bool,
    outage: Option<Outage>,
}

struct Outage {
    since: Instant,
    failures: u64,
}

impl Loop {
    /// A loop named `name` (as the log shows it) that ends when `stop` turns true.
    pub(crate) fn new(name: &'static str, stop: watch::Receiver<bool>) -> Loop {
        Loop {
            name,
            stop,
            expected: false,
            outage: None,
        }
    }

    /// Failures are part of normal operation (a peer restarting): logged at WARN.
    pub(crate) fn expected_failures(mut self) -> Loop {
        self.expected = true;
        self
    }

    /// Runs blocking work (store calls) on the blocking pool; `None` when it failed.
    pub(crate) async fn blocking<T, E>(
        &mut self,
        work: impl FnOnce() -> Result<T, E> + Send + 'static,
    ) -> Option<T>
    where
        T: Send + 'static,
        E: Display + Send + 'static,
    {
        match tokio::task::spawn_blocking(work).await {
            Ok(r) => self.outcome(r),
            Err(join) => self.outcome::<T, _>(Err(format!("the step panicked: {join}"))),
        }
    }

    /// Takes the result of a step done in place; `None` when it failed.
    pub(crate) fn outcome<T, E: Display>(&mut self, result: Result<T, E>) -> Option<T> {
        match result {
            Ok(v) => {
                if let Some(o) = self.outage.take() {
                    tracing::info!(
                        task = self.name,
                        failures = o.failures,
                        seconds = o.since.elapsed().as_secs(),
                        "{} works again",
                        self.name
                    );
                }
                Some(v)
            }
            Err(err) => {
                match &mut self.outage {
                    Some(o) => {
                        o.failures = o.failures.saturating_add(1);
                        tracing::debug!(task = self.name, error = %err, "still failing");
                    }
                    None => {
                        if self.expected {
                            tracing::warn!(task = self.name, error = %err, "{} failed; retrying until it works", self.name);
                        } else {
                            tracing::error!(task = self.name, error = %err, "{} failed; retrying until it works", self.name);
                        }
                        self.outage = Some(Outage {
                            since: Instant::now(),
                            failures: 1,
                        });
                    }
                }
                None
            }
        }
    }

    /// Waits `pause`; `false` when the server stops meanwhile.
    pub(crate) async fn sleep(&mut self, pause: Duration) -> bool {
        tokio::select! {
            _ = tokio::time::sleep(pause) => true,
            _ = self.stop.changed() => false,
        }
    }

    /// Waits for `pause`, or less when `wake` is notified; false when the server stops.
    pub(crate) async fn sleep_or(&mut self, pause: Duration, wake: &tokio::sync::Notify) -> bool {
        tokio::select! {
            _ = tokio::time::sleep(pause) => true,
            _ = wake.notified() => true,
            _ = self.stop.changed() => false,
        }
    }

    /// Runs `work` unless the server stops first (`None` then).
    pub(crate) async fn unless_stopped<F: Future>(&mut self, work: F) -> Option<F::Output> {
        tokio::select! {
            r = work => Some(r),
            _ = self.stop.changed() => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn steps_run_until_stop_and_failures_are_counted_as_one_outage() {
        let (tx, rx) = watch::channel(false);
        let mut l = Loop::new("test", rx);
        assert_eq!(l.blocking(|| Ok::<_, String>(3)).await, Some(3));
        assert!(l.outage.is_none());
        assert_eq!(l.blocking(|| Err::<u8, _>("down")).await, None);
        assert_eq!(l.blocking(|| Err::<u8, _>("down")).await, None);
        assert_eq!(l.outage.as_ref().map(|o| o.failures), Some(2));
        assert_eq!(l.blocking(|| Ok::<_, String>(4)).await, Some(4));
        assert!(l.outage.is_none());
        assert!(l.sleep(Duration::from_millis(1)).await);
        tx.send(true).unwrap();
        assert!(!l.sleep(Duration::from_secs(60)).await);
    }

    #[tokio::test]
    async fn a_panicking_step_is_a_failure_not_a_crash() {
        let (_tx, rx) = watch::channel(false);
        let mut l = Loop::new("test", rx);
        let r: Option<u8> = l
            .blocking(|| -> Result<u8, String> { panic!("boom") })
            .await;
        assert_eq!(r, None);
        assert!(l.outage.is_some());
    }
}
