//! Following an origin's invalidation stream (`/_portico/invalidations`, long-poll).
//!
//! The cursor survives the origin's downtime, so the purges it missed arrive once it is back;
//! when the origin says the cursor is not in its log (`reset`), everything is flushed.

use super::origins::Origins;
use crate::cache::HttpCache;
use crate::follow::Loop;
use serde::Deserialize;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

#[derive(Deserialize)]
struct Answer {
    last: i64,
    #[serde(default)]
    reset: bool,
    #[serde(default)]
    purges: Vec<Purge>,
}

#[derive(Deserialize)]
struct Purge {
    tags: Vec<String>,
}

/// Long-polls origin `i` until `stop`.
pub(super) async fn follow(
    origins: Arc<Origins>,
    i: usize,
    cache: Arc<HttpCache>,
    token: Option<String>,
    stop: watch::Receiver<bool>,
) {
    let Some(token) = token else {
        tracing::warn!(
            "no --token: the edge cannot follow invalidations and relies on max-age alone"
        );
        return;
    };
    let Some(origin) = origins.get(i) else {
        return;
    };
    let mut task = Loop::new("invalidation stream", stop).expected_failures();
    let mut pause = Duration::from_millis(200);
    loop {
        let cursor = origin.cursor.load(Ordering::Acquire);
        let mut url = origin.base.clone();
        url.set_path("/_portico/invalidations");
        if cursor >= 0 {
            url.set_query(Some(&format!("after={cursor}&wait=20")));
        }
        let call = async {
            match origins
                .client()
                .get(url)
                .bearer_auth(&token)
                .timeout(Duration::from_secs(30))
                .send()
                .await
            {
                Ok(r) if r.status().is_success() => {
                    r.json::<Answer>().await.map_err(|e| e.to_string())
                }
                Ok(r) => Err(format!("{} answered {}", origin.base, r.status())),
                Err(e) => Err(format!("{}: {e}", origin.base)),
            }
        };
        let Some(answer) = task.unless_stopped(call).await else {
            return;
        };
        if let Some(a) = task.outcome(answer) {
            pause = Duration::from_millis(200);
            if a.reset {
                tracing::warn!(origin = %origin.base, "origin's log does not hold our position: flushing the cache");
                cache.flush();
            } else if cursor >= 0 {
                for p in &a.purges {
                    cache.purge(&p.tags);
                }
            }
            origin.cursor.store(a.last, Ordering::Release);
            continue;
        }
        if !task.sleep(pause).await {
            return;
        }
        pause = (pause * 2).min(Duration::from_secs(2));
    }
}
