//! What the engine needs from a database, as a trait that `storage` implements.
//!
//! Every method that changes something is one atomic unit: the change, its audit entry and
//! its events commit together or not at all. Item updates are compare-and-swap on the
//! current revision and state, so two concurrent saves can never both win.

use crate::event::{AuditEntry, Event, NewEvent};
use crate::ids::{ChannelId, ItemId, RevisionNo, SiteId, UserId};
use crate::media::{Media, MediaFile, MediaFilter, MediaId, MediaUse, NewMediaRecord};
use crate::policy::Role;
use crate::site::{Channel, Site, SiteKind};
use crate::user::User;
use crate::webhook::{Delivery, DeliveryAttempt, NewWebhookRecord, Webhook, WebhookId};
use crate::workflow::State;
use crate::ItemKind;
use chrono::{DateTime, Utc};

/// Result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;

/// How a store call can fail.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The compare-and-swap on an item's revision failed.
    #[error("stale revision: the current revision is {current}")]
    StaleRevision { current: u32 },
    /// The item's state changed between read and write.
    #[error("the item is now {current}")]
    StaleState { current: State },
    /// A unique value is taken.
    #[error("{message}")]
    Duplicate { field: String, message: String },
    /// The change would break the data's shape (a channel that still holds items...).
    #[error("{message}")]
    Refused { code: &'static str, message: String },
    /// What the call refers to does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// Stored data that cannot be read back (a bug or a damaged database).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// The database itself failed.
    #[error("database error")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The database cannot be reached (a database server down or cut off): worth retrying
    /// shortly, unlike [`StoreError::Backend`].
    #[error("the database cannot be reached")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

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

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUserRecord {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub network_admin: bool,
    pub at: DateTime<Utc>,
}

/// A user with their password hash, for login only.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub user: User,
    pub password_hash: String,
}

/// The values of a revision that lists and filters need, kept in columns beside the JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RevisionColumns {
    pub number: Option<String>,
    pub doc_type: Option<String>,
    pub issuer: Option<String>,
    pub field: Option<String>,
    pub issued_on: Option<String>,
    pub effect_status: Option<String>,
    pub code: Option<String>,
    pub level: Option<String>,
    /// The library files the revision refers to ([`crate::media_refs`]).
    pub media: Vec<MediaId>,
}

/// A revision to append.
#[derive(Debug, Clone)]
pub struct NewRevision {
    pub title: String,
    pub fields: serde_json::Value,
    pub columns: RevisionColumns,
    pub created_by: UserId,
}

/// An item as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemRecord {
    pub id: ItemId,
    pub site_id: SiteId,
    pub kind: ItemKind,
    pub slug: String,
    pub state: State,
    /// Who may edit the working copy while it is a draft.
    pub owner_id: UserId,
    pub created_by: UserId,
    pub current_rev: RevisionNo,
    /// The revision the public sees while `live`.
    pub published_rev: Option<RevisionNo>,
    pub live: bool,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub first_published_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    /// The working revision's title.
    pub title: String,
    pub channels: Vec<ChannelId>,
    /// For a copy proposed by a component portal: the item it was copied from.
    pub source_item_id: Option<ItemId>,
    /// The source was published anew since this copy was last published.
    pub source_changed: bool,
}

/// One revision as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct RevisionRecord {
    pub item_id: ItemId,
    pub rev: RevisionNo,
    pub based_on: Option<RevisionNo>,
    pub title: String,
    /// `Null` in listings, which leave the (possibly large) fields out.
    pub fields: serde_json::Value,
    /// The HTML rendered at publication, by field name; `Null` if never published.
    pub rendered: serde_json::Value,
    /// The channels this revision files the item under, the main one first. They reach the
    /// public (the item's `channels`) when the revision is published, not when it is saved;
    /// `None` for revisions written before channels were kept per revision.
    pub channels: Option<Vec<ChannelId>>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
}

/// An item to create, with its first revision.
#[derive(Debug, Clone)]
pub struct NewItemRecord {
    pub site_id: SiteId,
    pub kind: ItemKind,
    /// `draft`, or `in_review` for a proposal entering a parent portal's queue.
    pub state: State,
    pub source_item_id: Option<ItemId>,
    pub slug: String,
    pub created_by: UserId,
    pub channels: Vec<ChannelId>,
    pub revision: NewRevision,
    pub at: DateTime<Utc>,
    pub audit: AuditEntry,
    pub events: Vec<NewEvent>,
}

/// A change to an item, applied only if the item still has `expect_rev` and `expect_state`.
#[derive(Debug, Clone)]
pub struct ItemUpdate {
    pub item_id: ItemId,
    pub expect_rev: RevisionNo,
    pub expect_state: State,
    /// Appended as revision `expect_rev + 1`, based on `expect_rev`.
    pub new_revision: Option<NewRevision>,
    pub channels: Option<Vec<ChannelId>>,
    pub state: State,
    pub owner_id: UserId,
    pub published_rev: Option<RevisionNo>,
    pub live: bool,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub first_published_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    pub at: DateTime<Utc>,
    pub audit: AuditEntry,
    pub events: Vec<NewEvent>,
    /// HTML rendered from the revision being published (`expect_rev`), stored beside it.
    pub rendered: Option<serde_json::Value>,
    /// Publishing: flag every copy proposed from this item for re-review, and clear this
    /// item's own flag.
    pub published_anew: bool,
}

/// What a public list may be narrowed by; `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    pub site: Option<SiteId>,
    pub kind: Option<ItemKind>,
    pub channel: Option<ChannelId>,
    pub doc_type: Option<String>,
    pub issuer: Option<String>,
    pub field: Option<String>,
    pub effect_status: Option<String>,
    pub level: Option<String>,
    /// Documents issued in this year; other kinds first published in it.
    pub year: Option<i32>,
    /// For lists: leave out the long fields ([`crate::LONG_FIELDS`]) and the rendered HTML,
    /// which lists never show and which dominate the cost of loading a page of items.
    pub brief: bool,
}

/// Where a page of a public list starts: after this (first publication time, item id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListCursor {
    pub first_published_at: i64,
    pub id: ItemId,
}

/// One audit entry with the name of who acted, for history views.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRow {
    pub entry: AuditEntry,
    pub username: Option<String>,
}

/// The persistence the engine needs.
pub trait Store: Send + Sync + 'static {
    /// Creates a site; the slug must be free.
    fn insert_site(
        &self,
        site: &NewSiteRecord,
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

    /// Creates a user; the username must be free.
    fn insert_user(
        &self,
        user: &NewUserRecord,
        audit: &AuditEntry,
        event: &NewEvent,
    ) -> StoreResult<User>;
    /// A user with their password hash, by username.
    fn user_by_name(&self, username: &str) -> StoreResult<Option<UserRecord>>;
    /// A user by id.
    fn user(&self, id: UserId) -> StoreResult<Option<User>>;
    /// Every user.
    fn users(&self) -> StoreResult<Vec<User>>;
    /// Every role a user holds.
    fn roles_of(&self, user: UserId) -> StoreResult<Vec<(SiteId, Role)>>;
    /// Every role held on a site.
    fn site_roles(&self, site: SiteId) -> StoreResult<Vec<(User, Role)>>;
    /// Grants (`granted`) or revokes a role; returns whether anything changed.
    fn set_role(
        &self,
        user: UserId,
        site: SiteId,
        role: Role,
        granted: bool,
        audit: &AuditEntry,
        event: &NewEvent,
    ) -> StoreResult<bool>;

    /// Stores a token's hash.
    fn insert_token(&self, hash: &str, user: UserId, expires_at: DateTime<Utc>) -> StoreResult<()>;
    /// The user a token (by hash) belongs to, if it has not expired at `now`.
    fn token_user(&self, hash: &str, now: DateTime<Utc>) -> StoreResult<Option<UserId>>;
    /// Forgets a token.
    fn delete_token(&self, hash: &str) -> StoreResult<()>;

    /// Creates an item with revision 1.
    fn insert_item(&self, item: &NewItemRecord) -> StoreResult<ItemRecord>;
    /// One item.
    fn item(&self, id: ItemId) -> StoreResult<Option<ItemRecord>>;
    /// Applies a compare-and-swap change to an item.
    fn update_item(&self, update: &ItemUpdate) -> StoreResult<ItemRecord>;
    /// An item by slug, in any state (for telling withdrawn from never published).
    fn item_by_slug(&self, site: SiteId, slug: &str) -> StoreResult<Option<ItemRecord>>;
    /// The copies proposed from `source`, on any site.
    fn copies_of(&self, source: ItemId) -> StoreResult<Vec<ItemRecord>>;
    /// Whether a slug is taken on a site.
    fn slug_exists(&self, site: SiteId, slug: &str) -> StoreResult<bool>;
    /// One revision with its fields.
    fn revision(&self, item: ItemId, rev: RevisionNo) -> StoreResult<Option<RevisionRecord>>;
    /// Every revision of an item, newest first, without fields.
    fn revisions(&self, item: ItemId) -> StoreResult<Vec<RevisionRecord>>;
    /// The audit trail of an item, oldest first.
    fn history(&self, item: ItemId) -> StoreResult<Vec<AuditRow>>;
    /// Items of a site in the given states, oldest change first (first come, first served).
    fn queue(&self, site: SiteId, states: &[State], limit: usize) -> StoreResult<Vec<ItemRecord>>;
    /// Scheduled items whose time has come.
    fn due_scheduled(&self, now: DateTime<Utc>, limit: usize) -> StoreResult<Vec<ItemId>>;
    /// A live item by slug with its published revision.
    fn live_item_by_slug(
        &self,
        site: SiteId,
        slug: &str,
    ) -> StoreResult<Option<(ItemRecord, RevisionRecord)>>;

    /// A live item with its published revision, by id.
    fn live_item(&self, id: ItemId) -> StoreResult<Option<(ItemRecord, RevisionRecord)>>;
    /// Live items with ids above `after`, in id order, with their published revisions.
    fn live_items(
        &self,
        after: ItemId,
        limit: usize,
    ) -> StoreResult<Vec<(ItemRecord, RevisionRecord)>>;
    /// How many items are live.
    fn live_count(&self) -> StoreResult<u64>;
    /// Live items matching `filter`, newest first publication first, after `cursor`.
    fn list_live(
        &self,
        filter: &ListFilter,
        cursor: Option<ListCursor>,
        limit: usize,
    ) -> StoreResult<Vec<(ItemRecord, RevisionRecord)>>;
    /// The last event's sequence number, 0 when there are none.
    fn last_event_seq(&self) -> StoreResult<i64>;
    /// The sequence number of the last change to sites or channels (`site_created`,
    /// `channel_changed` events), so that a snapshot of them can be reused until it moves.
    fn catalog_version(&self) -> StoreResult<i64>;

    /// Events with `seq > after`, in order.
    fn events_after(&self, after: i64, limit: usize) -> StoreResult<Vec<Event>>;
    /// Checks the stored data against its invariants; returns what is wrong.
    fn check(&self) -> StoreResult<Vec<String>>;

    /// Registers a webhook endpoint, with its audit entry.
    fn insert_webhook(&self, hook: &NewWebhookRecord, audit: &AuditEntry) -> StoreResult<Webhook>;
    /// The endpoints of one site, or of every site.
    fn webhooks(&self, site: Option<SiteId>) -> StoreResult<Vec<Webhook>>;
    /// One endpoint.
    fn webhook(&self, id: WebhookId) -> StoreResult<Option<Webhook>>;
    /// Removes an endpoint and its delivery log, with an audit entry.
    fn delete_webhook(&self, id: WebhookId, audit: &AuditEntry) -> StoreResult<()>;
    /// Logs an attempt; a successful one also moves the endpoint's cursor past its event.
    fn record_delivery(&self, attempt: &DeliveryAttempt) -> StoreResult<()>;
    /// Moves the endpoint's cursor over events that did not concern it (never backwards).
    fn advance_webhook(&self, id: WebhookId, seq: i64) -> StoreResult<()>;
    /// The endpoint's delivery log, newest first.
    fn deliveries(&self, id: WebhookId, limit: usize) -> StoreResult<Vec<Delivery>>;

    /// Adds a file to the library. This and the other media writes append their audit entry
    /// and a `media_changed` event in the same transaction.
    fn insert_media(&self, m: &NewMediaRecord, audit: &AuditEntry) -> StoreResult<Media>;
    /// One library file.
    fn media(&self, id: MediaId) -> StoreResult<Option<Media>>;
    /// A site's library, newest first.
    fn list_media(&self, site: SiteId, filter: &MediaFilter) -> StoreResult<Vec<Media>>;
    /// Points the file at new bytes (a replacement).
    fn replace_media(
        &self,
        id: MediaId,
        file: &MediaFile,
        audit: &AuditEntry,
    ) -> StoreResult<Media>;
    /// Changes the editor's public mark and the title.
    fn update_media(
        &self,
        id: MediaId,
        public: bool,
        title: &str,
        audit: &AuditEntry,
    ) -> StoreResult<Media>;
    /// Removes the file from the library.
    fn delete_media(&self, id: MediaId, audit: &AuditEntry) -> StoreResult<()>;
    /// The items whose working copy or published revision refers to the file.
    fn media_uses(&self, id: MediaId) -> StoreResult<Vec<MediaUse>>;
    /// Whether a published revision refers to the file.
    fn media_published(&self, id: MediaId) -> StoreResult<bool>;
    /// How many library rows keep bytes with this checksum (identical uploads share a blob).
    fn media_checksum_uses(&self, checksum: &str) -> StoreResult<u64>;

    /// Whether this process leads the nodes that share the store: the one node that runs the
    /// scheduler and sends webhooks. Leadership is taken when free and kept until the process
    /// ends (a lock the operating system or the database releases when the holder dies), so a
    /// dead leader's place is taken at the next call on another node.
    fn lead(&self) -> StoreResult<bool>;
}
