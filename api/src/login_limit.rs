//! Slows down password guessing: too many failed logins for one user name or from one
//! client address within a window get `429` until the window passes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub(crate) struct LoginLimit {
    max: u32,
    window: Duration,
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginLimit {
    pub(crate) fn new(max: u32, window: Duration) -> Self {
        LoginLimit {
            max,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Seconds to wait when any of `keys` is over its limit.
    pub(crate) fn blocked(&self, keys: &[String]) -> Option<u64> {
        let map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        keys.iter().find_map(|k| {
            let (n, since) = map.get(k)?;
            let elapsed = since.elapsed();
            (*n >= self.max && elapsed < self.window)
                .then(|| (self.window - elapsed).as_secs().max(1))
        })
    }

    pub(crate) fn failed(&self, keys: &[String]) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            let window = self.window;
            map.retain(|_, (_, since)| since.elapsed() < window);
        }
        for k in keys {
            let e = map.entry(k.clone()).or_insert((0, Instant::now()));
            if e.1.elapsed() >= self.window {
                *e = (0, Instant::now());
            }
            e.0 += 1;
        }
    }

    pub(crate) fn succeeded(&self, user_key: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(user_key);
    }
}
