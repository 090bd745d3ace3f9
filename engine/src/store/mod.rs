//! What the engine needs from a database, as traits per area that `storage` implements;
//! [`Store`] is all of them, what the engine holds.
//!
//! Every method that changes something is one atomic unit: the change, its audit entry and
//! its events commit together or not at all. Item updates are compare-and-swap on the
//! current revision and state, so two concurrent saves can never both win.

mod events;
mod items;
mod media;
mod memory;
mod participation;
mod sites;
mod users;
mod webhooks;

pub use events::{AuditFilter, EventLog};
pub use items::{
    AuditRow, ItemListCursor, ItemListFilter, ItemRecord, ItemSort, ItemStore, ItemUpdate,
    ListCursor, ListFilter, ListOrder, NewItemRecord, NewRevision, RevisionColumns, RevisionRecord,
    StateCount,
};
pub use media::{MediaEvent, MediaStore, TextEvent};
pub use memory::MemoryStore;
pub use participation::ParticipationStore;
pub use sites::{ChannelChange, NewSiteRecord, SiteStore};
pub use users::{
    AccountChange, NewApiTokenRecord, NewUserRecord, ProfileChange, ProviderStanding, UserRecord,
    UserStore,
};
pub use webhooks::WebhookStore;

use crate::workflow::State;

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
    Refused {
        code: crate::ErrorCode,
        message: String,
    },
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

/// The persistence the engine needs: every area's trait, on one value the engine holds.
pub trait Store:
    SiteStore
    + UserStore
    + ItemStore
    + EventLog
    + WebhookStore
    + MediaStore
    + ParticipationStore
    + Send
    + Sync
    + 'static
{
}

impl<T> Store for T where
    T: SiteStore
        + UserStore
        + ItemStore
        + EventLog
        + WebhookStore
        + MediaStore
        + ParticipationStore
        + Send
        + Sync
        + 'static
{
}

static STATEMENTS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Called by a store for each statement it sends to its database. What a page costs in
/// round trips is an operator's question (`/metrics`) and the benchmarks'.
pub fn count_statement() {
    STATEMENTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// Statements sent to the database by this process so far.
pub fn statements() -> u64 {
    STATEMENTS.load(std::sync::atomic::Ordering::Relaxed)
}
