//! Media in the HTTP layer: the resize gate, and the table of derivatives being computed.
//! The processing itself is the `portico-media` crate.
//!
//! Derivatives live under `derived/<checksum>/` beside the originals, so the second request
//! for one never resizes again, after a restart or on another node. Concurrent requests for
//! one derivative wait for a single computation. Resizing runs on the blocking pool behind
//! a semaphore sized to the cores, so a burst of new sizes queues instead of thrashing.

pub use portico_media::*;

use portico_engine::Blobs;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The shared parts of media serving: object storage, the resize gate, and the table of
/// derivatives being computed.
pub struct MediaService {
    pub(crate) blobs: Arc<dyn Blobs>,
    pub(crate) config: MediaConfig,
    gate: tokio::sync::Semaphore,
    inflight: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl MediaService {
    /// Media over `blobs` with `config`.
    pub fn new(blobs: Arc<dyn Blobs>, config: MediaConfig) -> MediaService {
        MediaService {
            blobs,
            gate: tokio::sync::Semaphore::new(config.workers.max(1)),
            config,
            inflight: Mutex::new(HashMap::new()),
        }
    }

    /// Runs CPU-heavy media work (decoding, resizing, encoding) on the blocking pool, at most
    /// `workers` at a time.
    pub(crate) async fn cpu<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> Result<T, MediaError> + Send + 'static,
    ) -> Result<T, MediaError> {
        let _permit = self.gate.acquire().await.ok();
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|e| MediaError::Internal(format!("media worker failed: {e}")))?
    }

    /// The lock that makes concurrent requests for one derivative compute it once.
    pub(crate) fn lock_for(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = self.inflight.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(key.to_owned()).or_default().clone()
    }

    /// Forgets the lock of a derivative once it is stored (if nobody else holds it).
    pub(crate) fn release(&self, key: &str, lock: Arc<tokio::sync::Mutex<()>>) {
        let mut map = self.inflight.lock().unwrap_or_else(|p| p.into_inner());
        // Two references: the map's and ours. More means someone is waiting on it.
        if Arc::strong_count(&lock) <= 2 {
            map.remove(key);
        }
    }
}
