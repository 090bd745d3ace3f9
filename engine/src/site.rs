//! Sites (portals) in a tree and their channels (chuyên mục).

use crate::ids::{ChannelId, SiteId};
use crate::names::named;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What sort of body a portal belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteKind {
    /// The provincial main portal.
    Main,
    /// The People's Council office.
    Council,
    /// A Party body.
    Party,
    /// A department, district or town.
    Department,
    /// A district or town (kept apart from departments where the network wants it).
    District,
    /// A union or mass organisation.
    Union,
    /// A commune or ward.
    Commune,
}

named!(SiteKind, "site kind", {
    Main => "main",
    Council => "council",
    Party => "party",
    Department => "department",
    District => "district",
    Union => "union",
    Commune => "commune",
});

/// A portal of the network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Site {
    pub id: SiteId,
    pub slug: String,
    pub name: String,
    pub kind: SiteKind,
    /// `None` only for the main portal at the root of the tree.
    pub parent_id: Option<SiteId>,
    /// Host names that serve this site at their root.
    pub domains: Vec<String>,
    pub theme: String,
    pub created_at: DateTime<Utc>,
}

/// A channel (chuyên mục) of one site; channels nest and have an order among siblings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Channel {
    pub id: ChannelId,
    pub site_id: SiteId,
    pub parent_id: Option<ChannelId>,
    pub slug: String,
    pub name: String,
    pub position: i64,
}
