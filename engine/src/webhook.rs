//! Webhooks: endpoints that central portals register to be told of every published, updated
//! or withdrawn item, instead of polling the changes API.
//!
//! Each endpoint has its own cursor in the event log. Deliveries go out one at a time in log
//! order and the cursor moves only after the endpoint acknowledged with a 2xx, so every change
//! arrives at least once and the changes of one item arrive in order, across restarts.

use crate::content::ItemKind;
use crate::ids::{ItemId, SiteId, UserId};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::fmt;

/// A registered webhook endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct WebhookId(pub i64);

impl fmt::Display for WebhookId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An endpoint as stored, with its delivery state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Webhook {
    pub id: WebhookId,
    #[serde(skip)]
    pub site_id: SiteId,
    /// The site whose changes are sent (filled in by the engine).
    pub site: String,
    pub url: String,
    /// The HMAC key; shown once, when the endpoint is registered.
    #[serde(skip)]
    pub secret: String,
    /// Only items of these kinds; all kinds when empty.
    pub kinds: Vec<ItemKind>,
    /// Also the changes of every portal below the site.
    pub descendants: bool,
    /// The last event looked at: everything up to it was delivered or did not match.
    pub cursor: i64,
    pub created_at: DateTime<Utc>,
    #[serde(skip)]
    pub created_by: UserId,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_failure_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// When the current run of failures began; `None` while deliveries succeed.
    pub failing_since: Option<DateTime<Utc>>,
    /// Deliveries stopped: the endpoint kept failing longer than the operator allows. A site
    /// admin resumes it (filled in by the engine).
    pub suspended: bool,
}

/// An endpoint to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewWebhookRecord {
    pub site_id: SiteId,
    pub url: String,
    pub secret: String,
    pub kinds: Vec<ItemKind>,
    pub descendants: bool,
    pub cursor: i64,
    pub created_at: DateTime<Utc>,
    pub created_by: UserId,
}

/// The outcome of one attempt to deliver one change.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryAttempt {
    pub webhook_id: WebhookId,
    /// The event delivered.
    pub seq: i64,
    pub item_id: ItemId,
    /// `published` or `withdrawn`.
    pub change: String,
    pub at: DateTime<Utc>,
    /// The endpoint's HTTP status, when it answered at all.
    pub status: Option<u16>,
    /// Why the attempt failed; `None` on success.
    pub error: Option<String>,
    pub duration_ms: u64,
}

impl DeliveryAttempt {
    /// Whether the endpoint acknowledged the change.
    pub fn succeeded(&self) -> bool {
        self.error.is_none()
    }
}

/// One change's delivery to one endpoint, over all its attempts: the log admins read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delivery {
    pub seq: i64,
    pub item_id: ItemId,
    pub change: String,
    pub attempts: u32,
    pub first_attempt_at: DateTime<Utc>,
    pub last_attempt_at: DateTime<Utc>,
    pub delivered: bool,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub last_duration_ms: u64,
}
