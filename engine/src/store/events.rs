//! The event log that followers read, the store's self-check, and leadership among nodes.

use super::AuditRow;
use super::StoreResult;
use crate::event::{AuditEntry, Event};
use crate::ids::{SiteId, UserId};
use chrono::{DateTime, Utc};

/// Which entries of the audit log to read; every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<UserId>,
    pub site: Option<SiteId>,
    /// Entries whose action starts with this: `user.`, `auth.sign_in`, `role.grant`.
    pub action: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// The event log that followers read, the store's self-check, and leadership among nodes.
pub trait EventLog {
    /// The last event's sequence number, 0 when there are none.
    fn last_event_seq(&self) -> StoreResult<i64>;
    /// Events with `seq > after`, in order.
    fn events_after(&self, after: i64, limit: usize) -> StoreResult<Vec<Event>>;
    /// Records an entry that goes with no change (a sign-in limit that started, ...).
    fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()>;
    /// How many audit entries record `action`.
    fn audit_count(&self, action: &str) -> StoreResult<u64>;
    /// Audit entries that pass `filter`, newest first, each with its place in the log;
    /// `before` continues after the last entry of a previous page.
    fn audit_log(
        &self,
        filter: &AuditFilter,
        before: Option<i64>,
        limit: usize,
    ) -> StoreResult<Vec<(i64, AuditRow)>>;
    /// The newest audit entries about items of the given sites (every site when `None`),
    /// newest first, each with the item's working title.
    fn recent_item_activity(
        &self,
        sites: Option<&[SiteId]>,
        limit: usize,
    ) -> StoreResult<Vec<(AuditRow, String)>>;
    /// Checks the stored data against its invariants; returns what is wrong.
    fn check(&self) -> StoreResult<Vec<String>>;
    /// Whether this process leads the nodes that share the store: the one node that runs the
    /// scheduler and sends webhooks. Leadership is taken when free and kept until the process
    /// ends (a lock the operating system or the database releases when the holder dies), so a
    /// dead leader's place is taken at the next call on another node.
    fn lead(&self) -> StoreResult<bool>;
}
