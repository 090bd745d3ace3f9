//! What the public may read: live items only, with their published revision, for the
//! delivery API and the search index. Nothing here takes an actor, and nothing here can
//! return a draft.

use super::views::PublicItem;
use super::Engine;
use crate::error::EngineError;
use crate::ids::{ItemId, SiteId};
use crate::site::{Channel, Site};
use crate::store::{ItemRecord, RevisionRecord};
use std::collections::HashMap;

impl Engine {
    /// A published item by slug; anything not live is not found, whatever its state.
    pub fn public_item(&self, site: &str, slug: &str) -> Result<PublicItem, EngineError> {
        let site = self.site_by_slug(site)?;
        let (item, rev) = self
            .store
            .live_item_by_slug(site.id, slug)?
            .ok_or_else(|| EngineError::not_found(format!("item '{slug}'")))?;
        let channels = self.store.channels(site.id)?;
        Ok(to_public(&site, &channels, item, rev))
    }

    /// A published item by id, or `None` when it is not live.
    pub fn public_item_by_id(&self, id: ItemId) -> Result<Option<PublicItem>, EngineError> {
        let Some((item, rev)) = self.store.live_item(id)? else {
            return Ok(None);
        };
        let site = self.site(item.site_id)?;
        let channels = self.store.channels(site.id)?;
        Ok(Some(to_public(&site, &channels, item, rev)))
    }

    /// Live items with ids above `after`, in id order: a page of a full scan (reindexing).
    pub fn public_items_after(
        &self,
        after: ItemId,
        limit: usize,
    ) -> Result<Vec<PublicItem>, EngineError> {
        let rows = self.store.live_items(after, limit)?;
        let mut sites: HashMap<SiteId, (Site, Vec<Channel>)> = HashMap::new();
        let mut out = Vec::with_capacity(rows.len());
        for (item, rev) in rows {
            let (site, channels) = match sites.entry(item.site_id) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    let site = self.site(item.site_id)?;
                    let channels = self.store.channels(site.id)?;
                    e.insert((site, channels))
                }
            };
            out.push(to_public(site, channels, item, rev));
        }
        Ok(out)
    }

    /// How many items the public can see, network-wide.
    pub fn live_count(&self) -> Result<u64, EngineError> {
        Ok(self.store.live_count()?)
    }

    /// The newest event's sequence number.
    pub fn last_event_seq(&self) -> Result<i64, EngineError> {
        Ok(self.store.last_event_seq()?)
    }

    /// A site's slug and the slugs of every site below it, for "this portal and its
    /// component portals" filters.
    pub fn site_and_descendants(&self, slug: &str) -> Result<Vec<String>, EngineError> {
        let root = self.site_by_slug(slug)?;
        let sites = self.store.sites()?;
        let mut out = vec![root.slug.clone()];
        let mut frontier = vec![root.id];
        while let Some(parent) = frontier.pop() {
            for s in sites.iter().filter(|s| s.parent_id == Some(parent)) {
                out.push(s.slug.clone());
                frontier.push(s.id);
            }
        }
        Ok(out)
    }
}

fn to_public(
    site: &Site,
    channels: &[Channel],
    item: ItemRecord,
    rev: RevisionRecord,
) -> PublicItem {
    PublicItem {
        id: item.id,
        site: site.slug.clone(),
        kind: item.kind,
        slug: item.slug,
        title: rev.title,
        channels: item
            .channels
            .iter()
            .filter_map(|id| {
                channels
                    .iter()
                    .find(|c| c.id == *id)
                    .map(|c| c.slug.clone())
            })
            .collect(),
        fields: rev.fields,
        html: rev.rendered,
        revision: rev.rev,
        first_published_at: item.first_published_at,
        published_at: item.published_at,
    }
}
