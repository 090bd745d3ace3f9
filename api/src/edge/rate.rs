//! Per-address request rate limits at the edge: a token bucket per client address (the
//! address a trusted proxy vouches for, or the peer's), refilled at `per_second` up to
//! `burst`. A client past its limit gets `429` with `Retry-After`; the count is in
//! `/_edge/metrics`. Buckets of addresses that went quiet are forgotten after a minute.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How fast one address may send requests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Requests per second, sustained.
    pub per_second: f64,
    /// Requests at once after a quiet spell.
    pub burst: f64,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The buckets of every address seen lately.
pub(crate) struct Limiter {
    limit: RateLimit,
    buckets: moka::sync::Cache<IpAddr, Arc<Mutex<Bucket>>>,
}

impl Limiter {
    pub(crate) fn new(limit: RateLimit) -> Limiter {
        Limiter {
            limit,
            buckets: moka::sync::Cache::builder()
                .max_capacity(1_000_000)
                .time_to_idle(Duration::from_secs(60))
                .build(),
        }
    }

    /// Takes one request from `ip`'s bucket: `Ok`, or how many seconds until it may send
    /// again.
    pub(crate) fn take(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        let burst = self.limit.burst.max(1.0);
        let bucket = self.buckets.get_with(ip, || {
            Arc::new(Mutex::new(Bucket {
                tokens: burst,
                at: now,
            }))
        });
        let mut b = bucket.lock().unwrap_or_else(|p| p.into_inner());
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.limit.per_second).min(burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - b.tokens) / self.limit.per_second.max(f64::MIN_POSITIVE);
            let d = Duration::from_secs_f64(wait.clamp(0.0, 3600.0));
            Err((d.as_secs() + u64::from(d.subsec_nanos() > 0)).max(1))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_burst_then_the_sustained_rate_per_address() {
        let l = Limiter::new(RateLimit {
            per_second: 2.0,
            burst: 3.0,
        });
        let t = Instant::now();
        let a: IpAddr = "203.0.113.1".parse().unwrap();
        let b: IpAddr = "203.0.113.2".parse().unwrap();
        for _ in 0..3 {
            assert!(l.take(a, t).is_ok());
        }
        assert_eq!(l.take(a, t), Err(1));
        assert!(l.take(b, t).is_ok(), "another address has its own bucket");
        // Half a second later: one more.
        let later = t + Duration::from_millis(500);
        assert!(l.take(a, later).is_ok());
        assert!(l.take(a, later).is_err());
    }
}
