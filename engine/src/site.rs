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
    /// What the portal's theme shows of it: mark, colour, the footer the law asks for, the
    /// home page's blocks.
    pub settings: SiteSettings,
}

/// A portal's own look and the facts Decree 42/2022/NĐ-CP asks a state agency's portal to
/// show; every field optional, the theme falls back to its defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SiteSettings {
    /// The portal's logo, shown instead of the emblem: a library file (`/media/12`).
    pub logo: Option<String>,
    /// A picture behind the header: a library file.
    pub banner: Option<String>,
    /// The header's colour, `#rrggbb`.
    pub color: Option<String>,
    /// Cơ quan chủ quản: the body that owns the portal.
    pub agency: Option<String>,
    /// Người chịu trách nhiệm chính: the person responsible.
    pub responsible: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// Giấy phép: the licence number and date.
    pub licence: Option<String>,
    /// The province's public-service portal (Cổng dịch vụ công), linked from procedures.
    pub public_service_url: Option<String>,
    /// Channels shown as blocks on the home page, in order; every top channel when empty.
    pub home_channels: Vec<String>,
    /// Items per home block (1 to 12; 5 when absent).
    pub home_items: Option<u8>,
    /// Days the agency has to answer a citizen's question (15 when absent).
    pub answer_days: Option<u16>,
    /// Days a sender's email, phone and name are kept before they are erased (365 when
    /// absent).
    pub retention_days: Option<u16>,
    /// Whether a question waits for its asker to confirm their email before staff see it
    /// (needs mail to be configured).
    pub confirm_questions: bool,
    /// Where staff are told of new questions and comments (none: only the dashboard's count).
    pub notify_email: Option<String>,
}

impl SiteSettings {
    /// Days to answer a question.
    pub fn answer_days(&self) -> u16 {
        self.answer_days.unwrap_or(15)
    }

    /// Days personal data is kept.
    pub fn retention_days(&self) -> u16 {
        self.retention_days.unwrap_or(365)
    }
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
