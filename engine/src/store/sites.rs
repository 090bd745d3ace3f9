//! Sites (portals) and their channels.

use super::StoreResult;
use crate::event::{AuditEntry, NewEvent};
use crate::ids::{ChannelId, SiteId};
use crate::site::{Channel, Site, SiteKind};
use chrono::{DateTime, Utc};

/// A site to create.
#[derive(Debug, Clone)]
pub struct NewSiteRecord {
    pub slug: String,
    pub name: String,
    pub kind: SiteKind,
    pub parent_id: Option<SiteId>,
    pub domains: Vec<String>,
    pub theme: String,
    pub at: DateTime<Utc>,
}

/// A channel's values, for create and update.
#[derive(Debug, Clone)]
pub struct ChannelChange {
    pub site_id: SiteId,
    pub parent_id: Option<ChannelId>,
    pub slug: String,
    pub name: String,
    pub position: i64,
}

/// Sites (portals) and their channels.
pub trait SiteStore {
    /// Creates a site; the slug must be free.
    fn insert_site(
        &self,
        site: &NewSiteRecord,
        audit: &AuditEntry,
        event: &NewEvent,
    ) -> StoreResult<Site>;
    /// Replaces a site's settings.
    fn update_site_settings(
        &self,
        site: SiteId,
        settings: &crate::site::SiteSettings,
        audit: &AuditEntry,
        event: &NewEvent,
    ) -> StoreResult<Site>;
    /// Every site, in creation order.
    fn sites(&self) -> StoreResult<Vec<Site>>;
    /// One site by its slug.
    fn site_by_slug(&self, slug: &str) -> StoreResult<Option<Site>>;
    /// One site by id.
    fn site(&self, id: SiteId) -> StoreResult<Option<Site>>;
    /// A site's channels, ordered by parent and position.
    fn channels(&self, site: SiteId) -> StoreResult<Vec<Channel>>;
    /// Creates a channel; its slug must be free on the site.
    fn insert_channel(
        &self,
        ch: &ChannelChange,
        audit: &AuditEntry,
        event: &NewEvent,
    ) -> StoreResult<Channel>;
    /// Renames, moves or re-orders a channel.
    fn update_channel(
        &self,
        id: ChannelId,
        ch: &ChannelChange,
        audit: &AuditEntry,
        event: &NewEvent,
    ) -> StoreResult<Channel>;
    /// Deletes a channel that holds no items and no sub-channels.
    fn delete_channel(
        &self,
        id: ChannelId,
        audit: &AuditEntry,
        event: &NewEvent,
    ) -> StoreResult<()>;
    /// The sequence number of the last change to sites or channels (`site_created`,
    /// `channel_changed` events), so that a snapshot of them can be reused until it moves.
    fn catalog_version(&self) -> StoreResult<i64>;
}
