//! The event log (what followers must hear about) and the audit log (who did what, when, why).
//!
//! Both are written by the store in the same transaction as the change they describe, so a
//! crash can lose neither a change's event nor its audit entry without losing the change.

use crate::ids::{ItemId, RevisionNo, SiteId, UserId};
use crate::workflow::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What happened, for followers (search indexer, cache purger, webhooks, edges).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    SiteCreated,
    ChannelChanged,
    ItemCreated,
    /// A new revision was saved (not yet public).
    ItemSaved,
    /// The working copy moved in the workflow.
    ItemStateChanged,
    /// A revision became the public one.
    ItemPublished,
    /// The public revision was withdrawn.
    ItemUnpublished,
    RoleChanged,
    UserCreated,
    /// A library file was uploaded, replaced, made public or private, or deleted.
    MediaChanged,
}

impl EventKind {
    /// The stable name used in the store and the changes API.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::SiteCreated => "site_created",
            EventKind::ChannelChanged => "channel_changed",
            EventKind::ItemCreated => "item_created",
            EventKind::ItemSaved => "item_saved",
            EventKind::ItemStateChanged => "item_state_changed",
            EventKind::ItemPublished => "item_published",
            EventKind::ItemUnpublished => "item_unpublished",
            EventKind::RoleChanged => "role_changed",
            EventKind::UserCreated => "user_created",
            EventKind::MediaChanged => "media_changed",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<EventKind> {
        use EventKind::*;
        [
            SiteCreated,
            ChannelChanged,
            ItemCreated,
            ItemSaved,
            ItemStateChanged,
            ItemPublished,
            ItemUnpublished,
            RoleChanged,
            UserCreated,
            MediaChanged,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// An event to append with a change.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub kind: EventKind,
    pub site_id: Option<SiteId>,
    pub item_id: Option<ItemId>,
    pub data: serde_json::Value,
}

/// An event as stored, with its place in the log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub kind: EventKind,
    pub site_id: Option<SiteId>,
    pub item_id: Option<ItemId>,
    pub data: serde_json::Value,
}

/// One line of the append-only audit log: a workflow step or an admin action.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    /// `None` when the system acted (the scheduler).
    pub actor: Option<UserId>,
    pub site_id: Option<SiteId>,
    pub item_id: Option<ItemId>,
    /// `create`, `save`, a workflow action, `channel.create`, `role.grant`...
    pub action: String,
    pub from_state: Option<State>,
    pub to_state: Option<State>,
    pub revision: Option<RevisionNo>,
    pub comment: Option<String>,
}
