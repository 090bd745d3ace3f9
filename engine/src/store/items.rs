//! Items, their revisions and audit trail, and the public lists of what is live.

use super::StoreResult;
use crate::event::{AuditEntry, NewEvent};
use crate::ids::{ChannelId, ItemId, RevisionNo, SiteId, UserId};
use crate::media::MediaId;
use crate::workflow::State;
use crate::ItemKind;
use chrono::{DateTime, Utc};

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
    pub effect_status: Option<crate::EffectStatus>,
    pub level: Option<crate::ProcedureLevel>,
    /// Documents issued in these years (inclusive); other kinds first published in them.
    pub year_from: Option<i32>,
    pub year_to: Option<i32>,
    /// For lists: leave out the long fields ([`crate::LONG_FIELDS`]) and the rendered HTML,
    /// which lists never show and which dominate the cost of loading a page of items.
    pub brief: bool,
    /// Folded words (`quyet`, `3055`) that the item's address, made from its number and
    /// title, must all contain.
    pub words: Vec<String>,
    /// The order of the list and the meaning of its cursor.
    pub order: ListOrder,
}

/// How a public list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ListOrder {
    /// Newest first publication first: news.
    #[default]
    FirstPublished,
    /// Newest issue date first: the document register (documents are often published days
    /// or years after they were signed).
    IssuedOn,
}

/// Where a page of a public list starts: after this (sort key, item id). The key is the first
/// publication in microseconds, or in [`ListOrder::IssuedOn`] the issue date as `yyyymmdd`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListCursor {
    pub key: i64,
    pub id: ItemId,
}

/// How the editors' item list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ItemSort {
    /// Last changed first: what someone is working on now.
    #[default]
    Newest,
    /// Least recently changed first: what has waited longest.
    Oldest,
    /// Newest created first.
    Created,
}

/// Where a page of the editors' item list starts: after this (sort key, item id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemListCursor {
    /// `updated_at` or `created_at` (by the sort) in microseconds since 1970.
    pub key: i64,
    pub id: ItemId,
}

/// What the editors' item list of one site may be narrowed by; `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemListFilter {
    pub kind: Option<ItemKind>,
    pub state: Option<State>,
    pub channel: Option<ChannelId>,
    pub owner: Option<UserId>,
    /// Words of the title, as typed (matched case-insensitively), and the same folded to a
    /// slug so that text typed without diacritics finds its item.
    pub text: Option<String>,
    pub sort: ItemSort,
    pub after: Option<ItemListCursor>,
}

/// How many items of a site are in one state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateCount {
    pub site: SiteId,
    pub state: State,
    pub count: u64,
}

/// One audit entry with the name of who acted, for history views.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRow {
    pub entry: AuditEntry,
    pub username: Option<String>,
}

/// Items, their revisions and audit trail, and the public lists of what is live.
pub trait ItemStore {
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
    /// A page of a site's items for its editors, any state, by `filter`.
    fn list_items(
        &self,
        site: SiteId,
        filter: &ItemListFilter,
        limit: usize,
    ) -> StoreResult<Vec<ItemRecord>>;
    /// How many items wait in each unfinished state (draft, in review, in approval,
    /// scheduled), per site, for the given sites (every site when `None`): one query for a
    /// dashboard, however many sites a user works on.
    fn waiting_counts(&self, sites: Option<&[SiteId]>) -> StoreResult<Vec<StateCount>>;
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
    /// The issuers of a site's published documents, alphabetically (at most 300), for the
    /// register's filter.
    fn live_issuers(&self, site: SiteId) -> StoreResult<Vec<String>>;
    /// Live items matching `filter`, in its order, after `cursor`.
    fn list_live(
        &self,
        filter: &ListFilter,
        cursor: Option<ListCursor>,
        limit: usize,
    ) -> StoreResult<Vec<(ItemRecord, RevisionRecord)>>;
}
