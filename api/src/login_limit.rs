//! Sign-in limits, for every way of signing in (the JSON API and the editors' interface).
//!
//! Guessing is slowed per (username, client address): after a few free failures, each further
//! failure of that pair doubles a delay during which that pair is refused (`429` with
//! `Retry-After`). A looser cap per address across usernames stops one address from trying
//! many accounts. Nothing is counted per username alone, so a stranger elsewhere cannot lock a
//! user out: a correct password from an address that has not been failing always gets in, and
//! one person mistyping behind an office's NAT slows down only their own username there.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How sign-ins are limited.
#[derive(Debug, Clone)]
pub struct LoginLimits {
    /// Failures of one (username, address) pair that cost nothing; from the last of them on,
    /// the pair waits.
    pub free_failures: u32,
    /// The first delay; each further failure doubles it.
    pub first_delay: Duration,
    /// The longest delay.
    pub max_delay: Duration,
    /// Failures from one address, over all usernames, within `window`, before that address is
    /// refused until the window passes.
    pub per_address: u32,
    /// How long failures are remembered.
    pub window: Duration,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            free_failures: 5,
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(15 * 60),
            per_address: 100,
            window: Duration::from_secs(15 * 60),
        }
    }
}

/// Why a sign-in was refused before its password was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Limited {
    /// This username from this address failed too often just now.
    Pair { retry_after: Duration },
    /// This address failed too often, over all usernames.
    Address { retry_after: Duration },
}

impl Limited {
    /// Whole seconds to wait, at least one.
    pub(crate) fn seconds(self) -> u64 {
        let d = match self {
            Limited::Pair { retry_after } | Limited::Address { retry_after } => retry_after,
        };
        d.as_secs() + u64::from(d.subsec_nanos() > 0)
    }

    pub(crate) fn scope(self) -> &'static str {
        match self {
            Limited::Pair { .. } => "username_and_address",
            Limited::Address { .. } => "address",
        }
    }
}

/// What a failure did: `Some` when it started a limit (worth one audit entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Started {
    pub(crate) limited: Limited,
    pub(crate) failures: u32,
}

#[derive(Debug, Clone, Copy)]
struct Count {
    failures: u32,
    last: Instant,
    until: Option<Instant>,
}

/// The counters of one node.
pub(crate) struct LoginLimit {
    limits: LoginLimits,
    pairs: Mutex<HashMap<(String, IpAddr), Count>>,
    addresses: Mutex<HashMap<IpAddr, Count>>,
}

/// How many password checks run at once, and how many may wait for one.
///
/// A check is argon2 with 19 MiB of memory and tens of milliseconds of a core: unbounded, a
/// crowd of sign-ins (or of guesses from many addresses) would take every core and, at a
/// few thousand at once, the machine's memory. Past the queue a sign-in is told to come back
/// (`503` with `Retry-After`) instead of waiting without end.
pub(crate) struct HashGate {
    running: Arc<tokio::sync::Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
}

impl HashGate {
    /// As many checks at once as the machine has cores; `max_waiting` more in line.
    pub(crate) fn new(max_waiting: usize) -> HashGate {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        HashGate {
            running: Arc::new(tokio::sync::Semaphore::new(cores)),
            waiting: AtomicUsize::new(0),
            max_waiting,
        }
    }

    /// A place to check a password, once one is free; `None` when the line is full.
    pub(crate) async fn enter(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        if let Ok(p) = self.running.clone().try_acquire_owned() {
            return Some(p);
        }
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        let permit = self.running.clone().acquire_owned().await.ok();
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        permit
    }
}

/// Tables are swept of forgotten entries when they grow past this.
const SWEEP_AT: usize = 100_000;

impl LoginLimit {
    pub(crate) fn new(limits: LoginLimits) -> Self {
        LoginLimit {
            limits,
            pairs: Mutex::new(HashMap::new()),
            addresses: Mutex::new(HashMap::new()),
        }
    }

    fn key(username: &str, ip: IpAddr) -> (String, IpAddr) {
        (username.trim().to_lowercase(), ip)
    }

    /// Whether a sign-in as `username` from `ip` must wait.
    #[cfg(test)]
    pub(crate) fn check(&self, username: &str, ip: IpAddr) -> Option<Limited> {
        let addresses = self.addresses.lock().unwrap_or_else(|p| p.into_inner());
        let pairs = self.pairs.lock().unwrap_or_else(|p| p.into_inner());
        self.waiting(&addresses, &pairs, username, ip, Instant::now())
    }

    fn waiting(
        &self,
        addresses: &HashMap<IpAddr, Count>,
        pairs: &HashMap<(String, IpAddr), Count>,
        username: &str,
        ip: IpAddr,
        now: Instant,
    ) -> Option<Limited> {
        let waiting = |c: Option<&Count>| {
            c.and_then(|c| c.until)
                .and_then(|u| u.checked_duration_since(now))
                .filter(|d| !d.is_zero())
        };
        waiting(addresses.get(&ip))
            .map(|retry_after| Limited::Address { retry_after })
            .or_else(|| {
                waiting(pairs.get(&Self::key(username, ip)))
                    .map(|retry_after| Limited::Pair { retry_after })
            })
    }

    /// A sign-in about to check its password: refused while this pair or address must wait,
    /// otherwise counted as a failure at once, in the same step. Guesses sent in parallel
    /// therefore meet the limit as guesses sent one after another do, instead of all
    /// passing the check before the first of them has failed. A correct password takes its
    /// count back ([`LoginLimit::succeeded`]); `Started` says the attempt began a limit
    /// (worth auditing when the password turns out wrong).
    pub(crate) fn attempt(&self, username: &str, ip: IpAddr) -> Result<Option<Started>, Limited> {
        let now = Instant::now();
        let mut addresses = self.addresses.lock().unwrap_or_else(|p| p.into_inner());
        let mut pairs = self.pairs.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(limited) = self.waiting(&addresses, &pairs, username, ip, now) {
            return Err(limited);
        }
        Ok(self.count(&mut addresses, &mut pairs, username, ip, now))
    }

    /// Counts a failed sign-in; says when it started a limit.
    #[cfg(test)]
    pub(crate) fn failed(&self, username: &str, ip: IpAddr) -> Option<Started> {
        let mut addresses = self.addresses.lock().unwrap_or_else(|p| p.into_inner());
        let mut pairs = self.pairs.lock().unwrap_or_else(|p| p.into_inner());
        self.count(&mut addresses, &mut pairs, username, ip, Instant::now())
    }

    fn count(
        &self,
        addresses: &mut HashMap<IpAddr, Count>,
        pairs: &mut HashMap<(String, IpAddr), Count>,
        username: &str,
        ip: IpAddr,
        now: Instant,
    ) -> Option<Started> {
        let l = &self.limits;
        let pair = {
            sweep(pairs, now, l.window);
            let c = bump(pairs.entry(Self::key(username, ip)), now, l.window);
            let over = c.failures.saturating_add(1).saturating_sub(l.free_failures);
            (over > 0).then(|| {
                let delay = l
                    .first_delay
                    .saturating_mul(2u32.saturating_pow(over.saturating_sub(1).min(30)))
                    .min(l.max_delay);
                c.until = Some(now + delay);
                Started {
                    limited: Limited::Pair { retry_after: delay },
                    failures: c.failures,
                }
            })
        };
        let address = {
            sweep(addresses, now, l.window);
            let c = bump(addresses.entry(ip), now, l.window);
            (c.failures == l.per_address).then(|| {
                c.until = Some(now + l.window);
                Started {
                    limited: Limited::Address {
                        retry_after: l.window,
                    },
                    failures: c.failures,
                }
            })
        };
        // Audit the start of a limit once: the first delay of a pair, the cap of an address.
        address.or(pair.filter(|p| p.failures == l.free_failures))
    }

    /// An attempt whose password was never judged (no place to check it, the store failed):
    /// its count is taken back, and nothing else of the pair's or the address's history.
    pub(crate) fn unjudged(&self, username: &str, ip: IpAddr) {
        let mut addresses = self.addresses.lock().unwrap_or_else(|p| p.into_inner());
        let mut pairs = self.pairs.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = pairs.get_mut(&Self::key(username, ip)) {
            c.failures = c.failures.saturating_sub(1);
        }
        if let Some(c) = addresses.get_mut(&ip) {
            c.failures = c.failures.saturating_sub(1);
        }
    }

    /// A correct password: the pair starts afresh, and the failure [`LoginLimit::attempt`]
    /// counted for the address is taken back (the address's other failures stay, so an
    /// address that tries many accounts is not reset by one it owns).
    pub(crate) fn succeeded(&self, username: &str, ip: IpAddr) {
        let mut addresses = self.addresses.lock().unwrap_or_else(|p| p.into_inner());
        let mut pairs = self.pairs.lock().unwrap_or_else(|p| p.into_inner());
        pairs.remove(&Self::key(username, ip));
        if let Some(c) = addresses.get_mut(&ip) {
            c.failures = c.failures.saturating_sub(1);
            if c.failures < self.limits.per_address {
                c.until = None;
            }
        }
    }
}

/// Counts one more failure, starting afresh when the last one is older than the window.
fn bump<K>(
    entry: std::collections::hash_map::Entry<'_, K, Count>,
    now: Instant,
    window: Duration,
) -> &mut Count {
    let fresh = Count {
        failures: 0,
        last: now,
        until: None,
    };
    let c = entry.or_insert(fresh);
    if now.duration_since(c.last) >= window {
        *c = fresh;
    }
    c.failures = c.failures.saturating_add(1);
    c.last = now;
    c
}

fn sweep<K: std::hash::Hash + Eq>(map: &mut HashMap<K, Count>, now: Instant, window: Duration) {
    if map.len() > SWEEP_AT {
        map.retain(|_, c| now.duration_since(c.last) < window || c.until.is_some_and(|u| u > now));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit() -> LoginLimit {
        LoginLimit::new(LoginLimits {
            free_failures: 3,
            first_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(60),
            per_address: 20,
            window: Duration::from_secs(600),
        })
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn delays_grow_per_username_and_address_only() {
        let l = limit();
        let a = ip("203.0.113.5");
        for _ in 0..2 {
            assert_eq!(l.check("admin", a), None);
            assert_eq!(l.failed("admin", a), None);
        }
        assert_eq!(l.check("admin", a), None);
        let started = l.failed("admin", a).unwrap();
        assert_eq!(
            started.limited,
            Limited::Pair {
                retry_after: Duration::from_secs(2)
            }
        );
        assert!(matches!(l.check("Admin ", a), Some(Limited::Pair { .. })));
        // The next failure doubles the delay and is not audited again.
        assert_eq!(l.failed("admin", a), None);
        match l.check("admin", a) {
            Some(Limited::Pair { retry_after }) => assert!(retry_after > Duration::from_secs(3)),
            other => panic!("{other:?}"),
        }
        // The same user from elsewhere, and another user from here, are not held up.
        assert_eq!(l.check("admin", ip("198.51.100.7")), None);
        assert_eq!(l.check("editor", a), None);
    }

    #[test]
    fn one_address_trying_many_usernames_hits_the_looser_cap() {
        let l = limit();
        let a = ip("2001:db8::1");
        let mut started = None;
        for i in 0..20 {
            started = started.or(l
                .failed(&format!("user{i}"), a)
                .filter(|s| matches!(s.limited, Limited::Address { .. })));
        }
        assert_eq!(started.map(|s| s.failures), Some(20));
        assert!(matches!(
            l.check("someone-else", a),
            Some(Limited::Address { .. })
        ));
        assert_eq!(l.check("someone-else", ip("2001:db8::2")), None);
    }

    #[test]
    fn success_clears_the_pair() {
        let l = limit();
        let a = ip("192.0.2.1");
        for _ in 0..3 {
            l.failed("editor", a);
        }
        assert!(l.check("editor", a).is_some());
        l.succeeded("editor", a);
        assert_eq!(l.check("editor", a), None);
    }

    #[test]
    fn guesses_in_parallel_meet_the_limit_as_guesses_in_a_row_do() {
        let l = std::sync::Arc::new(limit());
        let a = ip("203.0.113.77");
        // Fifty guesses at once, none of which has finished its password check.
        let admitted: usize = std::thread::scope(|s| {
            let handles: Vec<_> = (0..50)
                .map(|_| s.spawn(|| l.attempt("admin", a).is_ok()))
                .collect();
            handles
                .into_iter()
                .map(|h| usize::from(h.join().unwrap()))
                .sum()
        });
        assert_eq!(admitted, 3, "as many as the free failures, no more");
        // A correct password among them gives its count back.
        let l = limit();
        assert!(l.attempt("editor", a).is_ok());
        l.succeeded("editor", a);
        assert_eq!(l.check("editor", a), None);
    }

    #[tokio::test]
    async fn password_checks_past_the_line_are_told_to_come_back() {
        let gate = Arc::new(HashGate::new(3));
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        let mut held = Vec::new();
        for _ in 0..cores {
            held.push(gate.enter().await.unwrap());
        }
        // Three wait in line; the fourth is refused at once.
        let waiting: Vec<_> = (0..3)
            .map(|_| {
                let g = gate.clone();
                tokio::spawn(async move { g.enter().await.is_some() })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(gate.enter().await.is_none());
        held.clear();
        for w in waiting {
            assert!(w.await.unwrap());
        }
        assert!(gate.enter().await.is_some());
    }
}
