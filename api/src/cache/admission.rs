//! Which answers are kept at first sight. Answers to an address with a query (a search, a
//! filtered list) are mostly asked for once: keeping each cost more than the search itself
//! (the entry, its place in the tag index under every portal it depends on, compressing it
//! twice), and filled the store with answers nobody asks for again, pushing out pages that
//! are. Such an answer is kept when it is asked for a second time (as CDNs' "cache on second
//! hit"); pages and feeds, asked for again and again, are kept the first time.
//!
//! What was asked is remembered in a fixed table of hashes: no allocation, no lock, a few
//! hundred kilobytes. Two addresses landing on one slot only make one of them wait for a
//! third asking; a stranger cannot learn anything from it, and the hash's keys are random per
//! process, so nobody can aim queries at one slot.

use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};

/// Addresses remembered: about this many recent first askings.
const SLOTS: usize = 1 << 16;

/// Remembers which answers were asked for once.
pub(crate) struct Doorkeeper {
    slots: Box<[AtomicU64]>,
    hasher: std::collections::hash_map::RandomState,
}

impl Doorkeeper {
    pub(crate) fn new() -> Doorkeeper {
        Doorkeeper {
            slots: (0..SLOTS).map(|_| AtomicU64::new(0)).collect(),
            hasher: std::collections::hash_map::RandomState::new(),
        }
    }

    /// Whether `key` was asked for before (and is still remembered); remembers it either way.
    pub(crate) fn seen_before(&self, key: &str) -> bool {
        let (slot, hash) = self.slot(key);
        slot.is_some_and(|s| s.swap(hash, Ordering::Relaxed) == hash)
    }

    /// Remembers that `key` was asked for: by someone who joined another's request for it,
    /// so that the answer is kept when that request lands (asked by many at once, it is
    /// clearly asked for again).
    pub(crate) fn remember(&self, key: &str) {
        let (slot, hash) = self.slot(key);
        if let Some(s) = slot {
            s.store(hash, Ordering::Relaxed);
        }
    }

    fn slot(&self, key: &str) -> (Option<&AtomicU64>, u64) {
        // Never 0, the empty slot's value.
        let hash = self.hasher.hash_one(key) | 1;
        let len = u64::try_from(self.slots.len()).unwrap_or(1);
        let at = usize::try_from(hash % len).unwrap_or(0);
        (self.slots.get(at), hash)
    }
}

/// Whether an answer waits for its second asking to be kept: one to an address with a query.
pub(crate) fn on_second_asking(query: Option<&str>) -> bool {
    query.is_some_and(|q| !q.is_empty())
}

#[cfg(test)]
mod tests {
    use super::Doorkeeper;

    #[test]
    fn an_address_is_known_from_its_second_asking_on() {
        let d = Doorkeeper::new();
        assert!(!d.seen_before("laocai.gov.vn/api/v1/public/search?q=dat+dai"));
        assert!(d.seen_before("laocai.gov.vn/api/v1/public/search?q=dat+dai"));
        assert!(d.seen_before("laocai.gov.vn/api/v1/public/search?q=dat+dai"));
        assert!(!d.seen_before("laocai.gov.vn/api/v1/public/search?q=dat"));
        // Many others in between push it out only by landing on its slot.
        let pushed = (0..1000)
            .filter(|i| !d.seen_before(&format!("/tim?q={i}")))
            .count();
        assert_eq!(pushed, 1000);
        assert!(d.seen_before("laocai.gov.vn/api/v1/public/search?q=dat"));
        d.remember("/tim?q=moi");
        assert!(d.seen_before("/tim?q=moi"));
    }
}
