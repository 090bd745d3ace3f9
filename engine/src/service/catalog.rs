//! A snapshot of the sites and their channels, shared by every request until they change.
//!
//! Every public page needs the site, its parent, the main portal and the channels; they
//! change a few times a year and are read thousands of times a second. A change made through
//! this engine drops the snapshot at once; one made through another node is noticed by
//! comparing the store's catalog version (two index probes), at most [`CHECK_EVERY`] apart.

use super::Engine;
use crate::error::EngineError;
use crate::ids::SiteId;
use crate::site::{Channel, Site};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a snapshot is used before the store's catalog version is compared again.
pub const CHECK_EVERY: Duration = Duration::from_millis(200);

/// The sites and channels as of one catalog version.
#[derive(Debug, Default)]
pub(crate) struct Catalog {
    version: i64,
    pub(crate) sites: Vec<Site>,
    channels: HashMap<SiteId, Vec<Channel>>,
}

impl Catalog {
    pub(crate) fn by_slug(&self, slug: &str) -> Option<&Site> {
        self.sites.iter().find(|s| s.slug == slug)
    }

    pub(crate) fn by_id(&self, id: SiteId) -> Option<&Site> {
        self.sites.iter().find(|s| s.id == id)
    }

    /// `root` and every site below it, root first.
    pub(crate) fn subtree(&self, root: SiteId) -> Vec<&Site> {
        let mut out: Vec<&Site> = self.by_id(root).into_iter().collect();
        let mut frontier = vec![root];
        while let Some(parent) = frontier.pop() {
            for s in self.sites.iter().filter(|s| s.parent_id == Some(parent)) {
                out.push(s);
                frontier.push(s.id);
            }
        }
        out
    }

    pub(crate) fn channels(&self, site: SiteId) -> &[Channel] {
        self.channels
            .get(&site)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}

/// Where an engine keeps its snapshot and when it last compared versions; clones of an
/// engine share it.
pub(crate) type CatalogCell = Arc<Mutex<Option<(Arc<Catalog>, Instant)>>>;

impl Engine {
    /// The channels of a site, from the snapshot.
    pub(crate) fn site_channels(&self, site: SiteId) -> Result<Vec<Channel>, EngineError> {
        Ok(self.catalog()?.channels(site).to_vec())
    }

    /// The current snapshot, reloaded when sites or channels changed since it was taken.
    pub(crate) fn catalog(&self) -> Result<Arc<Catalog>, EngineError> {
        let held = self
            .catalog
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some((c, checked)) = &held {
            if checked.elapsed() < CHECK_EVERY {
                return Ok(c.clone());
            }
        }
        let version = self.store.catalog_version()?;
        let now = Instant::now();
        if let Some((c, _)) = held.filter(|(c, _)| c.version == version) {
            *self.catalog.lock().unwrap_or_else(|p| p.into_inner()) = Some((c.clone(), now));
            return Ok(c);
        }
        let sites = self.store.sites()?;
        let mut channels = HashMap::with_capacity(sites.len());
        for s in &sites {
            channels.insert(s.id, self.store.channels(s.id)?);
        }
        // Read after the version: the snapshot is at least as new as its label.
        let fresh = Arc::new(Catalog {
            version,
            sites,
            channels,
        });
        *self.catalog.lock().unwrap_or_else(|p| p.into_inner()) = Some((fresh.clone(), now));
        Ok(fresh)
    }

    /// Drops the snapshot after this engine changed a site or a channel.
    pub(crate) fn forget_catalog(&self) {
        *self.catalog.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}
