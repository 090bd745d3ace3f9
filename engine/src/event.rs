//! The event log (what followers must hear about) and the audit log (who did what, when, why).
//!
//! Both are written by the store in the same transaction as the change they describe, so a
//! crash can lose neither a change's event nor its audit entry without losing the change.

use crate::content::ItemKind;
use crate::ids::{ChannelId, ItemId, RevisionNo, SiteId, UserId};
use crate::media::{Media, MediaId};
use crate::policy::Role;
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
    /// A site's settings changed (look, footer facts, home blocks).
    SiteChanged,
    /// A comment on a consultation became public or stopped being public, or the agency
    /// answered one: the consultation's page and comment list change. Says only the
    /// comment's id, never who sent it.
    CommentsChanged,
    /// The text of a file a live item uses was read: the item's search entry gains it.
    FileTextRead,
}

crate::names::named!(EventKind, "event kind", {
    SiteCreated => "site_created",
    ChannelChanged => "channel_changed",
    ItemCreated => "item_created",
    ItemSaved => "item_saved",
    ItemStateChanged => "item_state_changed",
    ItemPublished => "item_published",
    ItemUnpublished => "item_unpublished",
    RoleChanged => "role_changed",
    UserCreated => "user_created",
    MediaChanged => "media_changed",
    SiteChanged => "site_changed",
    CommentsChanged => "comments_changed",
    FileTextRead => "file_text_read",
});

/// An event to append with a change. Its `data` is one of the payloads below, written only by
/// the constructors here (so every reader knows its shape).
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub kind: EventKind,
    pub site_id: Option<SiteId>,
    pub item_id: Option<ItemId>,
    pub data: serde_json::Value,
}

/// What item events say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemPayload {
    pub kind: ItemKind,
    pub slug: String,
    pub state: State,
    /// Publish and withdraw: the channels whose lists change (left and entered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<Vec<ChannelId>>,
    /// A copy proposed to a parent portal: the item it was copied from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ItemId>,
}

/// What happened to a library file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaChange {
    Uploaded,
    Replaced,
    MadePublic,
    MadePrivate,
    Updated,
    Deleted,
}

/// What `media_changed` events say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaPayload {
    pub media: MediaId,
    pub change: MediaChange,
    pub checksum: String,
}

fn payload(p: &impl Serialize) -> serde_json::Value {
    // These payloads hold strings, numbers and enums: serialising cannot fail.
    serde_json::to_value(p).unwrap_or(serde_json::Value::Null)
}

impl NewEvent {
    /// An item was created, saved or moved through the workflow.
    pub fn item(kind: EventKind, site: SiteId, item: Option<ItemId>, p: &ItemPayload) -> Self {
        NewEvent {
            kind,
            site_id: Some(site),
            item_id: item,
            data: payload(p),
        }
    }

    /// The public comments of a consultation changed.
    pub fn comments_changed(site: SiteId, item: ItemId, comment: i64) -> Self {
        NewEvent {
            kind: EventKind::CommentsChanged,
            site_id: Some(site),
            item_id: Some(item),
            data: serde_json::json!({ "comment": comment }),
        }
    }

    /// The text of a file the live `item` uses was read.
    pub fn file_text_read(site: SiteId, item: ItemId, checksum: &str) -> Self {
        NewEvent {
            kind: EventKind::FileTextRead,
            site_id: Some(site),
            item_id: Some(item),
            data: serde_json::json!({ "checksum": checksum }),
        }
    }

    /// A library file changed.
    pub fn media(m: &Media, change: MediaChange) -> Self {
        NewEvent {
            kind: EventKind::MediaChanged,
            site_id: Some(m.site_id),
            item_id: None,
            data: payload(&MediaPayload {
                media: m.id,
                change,
                checksum: m.checksum.clone(),
            }),
        }
    }

    /// A portal was created.
    pub fn site_created(slug: &str) -> Self {
        NewEvent {
            kind: EventKind::SiteCreated,
            site_id: None,
            item_id: None,
            data: serde_json::json!({ "slug": slug }),
        }
    }

    /// The settings of `site` changed.
    pub fn site_changed(site: SiteId) -> Self {
        NewEvent {
            kind: EventKind::SiteChanged,
            site_id: Some(site),
            item_id: None,
            data: serde_json::json!({ "what": "settings" }),
        }
    }

    /// A channel of `site` was created, changed or removed (`action`).
    pub fn channel_changed(site: SiteId, channel: &str, action: &str) -> Self {
        NewEvent {
            kind: EventKind::ChannelChanged,
            site_id: Some(site),
            item_id: None,
            data: serde_json::json!({ "channel": channel, "action": action }),
        }
    }

    /// An account was created.
    pub fn user_created(username: &str) -> Self {
        NewEvent {
            kind: EventKind::UserCreated,
            site_id: None,
            item_id: None,
            data: serde_json::json!({ "username": username }),
        }
    }

    /// A role was granted or revoked on `site`.
    pub fn role_changed(site: SiteId, username: &str, role: Role, granted: bool) -> Self {
        NewEvent {
            kind: EventKind::RoleChanged,
            site_id: Some(site),
            item_id: None,
            data: serde_json::json!({ "username": username, "role": role, "granted": granted }),
        }
    }
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

impl Event {
    /// What an item event says; `None` for other events (or a payload from a later version).
    pub fn item_payload(&self) -> Option<ItemPayload> {
        serde_json::from_value(self.data.clone()).ok()
    }

    /// What a `media_changed` event says.
    pub fn media_payload(&self) -> Option<MediaPayload> {
        (self.kind == EventKind::MediaChanged)
            .then(|| serde_json::from_value(self.data.clone()).ok())
            .flatten()
    }
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
    /// Where the act came from: the client's address as the HTTP layer saw it (`None` for
    /// the CLI and the system).
    pub source: Option<String>,
}
