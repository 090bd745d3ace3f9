//! What the use cases return: shapes meant for clients, with slugs and names, not raw ids.

use crate::ids::{ItemId, RevisionNo};
use crate::workflow::{Action, State};
use crate::ItemKind;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// An item as its editors see it: the working revision and where it stands.
#[derive(Debug, Clone, Serialize)]
pub struct ItemView {
    pub id: ItemId,
    pub site: String,
    pub kind: ItemKind,
    pub slug: String,
    pub state: State,
    pub revision: RevisionNo,
    pub published_revision: Option<RevisionNo>,
    /// Whether the public sees `published_revision` now.
    pub live: bool,
    pub owner: Option<String>,
    pub channels: Vec<String>,
    pub title: String,
    pub fields: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub scheduled_at: Option<DateTime<Utc>>,
    /// The workflow actions this user may take now, for drawing buttons.
    pub actions: Vec<Action>,
    /// Whether this user may save a new revision now.
    pub can_edit: bool,
    /// The portals above this one that this user may propose the item to now (it is live
    /// and they may propose); empty otherwise.
    pub propose_to: Vec<String>,
    /// For a copy proposed by a component portal: where it came from.
    pub source: Option<SourceLink>,
    /// The source was published anew since this copy was last published: review it again.
    pub source_changed: bool,
}

/// Where a proposed copy came from.
#[derive(Debug, Clone, Serialize)]
pub struct SourceLink {
    pub id: ItemId,
    pub site: String,
    pub slug: String,
}

/// An item as the public sees it: only the published revision, nothing of the workflow.
#[derive(Debug, Clone, Serialize)]
pub struct PublicItem {
    pub id: ItemId,
    /// For cache tags; the public knows sites by slug.
    #[serde(skip)]
    pub site_id: crate::ids::SiteId,
    pub site: String,
    pub kind: ItemKind,
    pub slug: String,
    pub title: String,
    pub channels: Vec<String>,
    pub fields: serde_json::Value,
    /// The Markdown fields rendered to sanitised HTML at publication, by field name.
    pub html: serde_json::Value,
    pub revision: RevisionNo,
    pub first_published_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
}

/// A page of a public list.
#[derive(Debug, Clone, Serialize)]
pub struct PublicPage {
    /// Items without their long fields (body, steps...) and without HTML: enough for a list.
    pub items: Vec<PublicItem>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// One change for central portals.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub seq: i64,
    pub at: DateTime<Utc>,
    /// `published` (new or updated) or `withdrawn`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: ItemId,
    pub site: String,
    pub slug: String,
    /// The item as the public sees it now; `null` when it is no longer public.
    pub item: Option<PublicItem>,
}

/// A page of changes.
#[derive(Debug, Clone, Serialize)]
pub struct ChangesPage {
    pub changes: Vec<Change>,
    /// Pass as `after` next time; it moves even when nothing matched, so polling never
    /// rereads the same stretch of the log.
    pub next: i64,
    /// Whether more changes are waiting right now.
    pub more: bool,
}

/// A line of a review queue.
#[derive(Debug, Clone, Serialize)]
pub struct QueueEntry {
    pub id: ItemId,
    pub kind: ItemKind,
    pub slug: String,
    pub title: String,
    pub state: State,
    pub revision: RevisionNo,
    pub owner: Option<String>,
    pub updated_at: DateTime<Utc>,
    pub scheduled_at: Option<DateTime<Utc>>,
    /// Proposed by a component portal.
    pub proposed: bool,
    /// Its source changed since: review it again.
    pub source_changed: bool,
}

/// A line of an item's revision list.
#[derive(Debug, Clone, Serialize)]
pub struct RevisionSummary {
    pub revision: RevisionNo,
    pub based_on: Option<RevisionNo>,
    pub title: String,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Present when one revision is asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<serde_json::Value>,
}

/// A line of an item's audit trail.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    /// `None` when the system acted (the scheduler).
    pub user: Option<String>,
    pub action: String,
    pub from_state: Option<State>,
    pub to_state: Option<State>,
    pub revision: Option<RevisionNo>,
    pub comment: Option<String>,
}

impl From<crate::AuditRow> for HistoryEntry {
    fn from(row: crate::AuditRow) -> Self {
        HistoryEntry {
            at: row.entry.at,
            user: row.username,
            action: row.entry.action,
            from_state: row.entry.from_state,
            to_state: row.entry.to_state,
            revision: row.entry.revision,
            comment: row.entry.comment,
        }
    }
}
