//! Sites (portals) in a tree and their channels (chuyên mục).

use crate::ids::{ChannelId, SiteId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

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

impl SiteKind {
    /// All kinds.
    pub const ALL: [SiteKind; 7] = [
        SiteKind::Main,
        SiteKind::Council,
        SiteKind::Party,
        SiteKind::Department,
        SiteKind::District,
        SiteKind::Union,
        SiteKind::Commune,
    ];

    /// The stable name used in the API and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            SiteKind::Main => "main",
            SiteKind::Council => "council",
            SiteKind::Party => "party",
            SiteKind::Department => "department",
            SiteKind::District => "district",
            SiteKind::Union => "union",
            SiteKind::Commune => "commune",
        }
    }
}

impl fmt::Display for SiteKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SiteKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        SiteKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown site kind '{s}'; expected one of: {}",
                    SiteKind::ALL.map(SiteKind::as_str).join(", ")
                )
            })
    }
}

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
