//! Webhook endpoints and their delivery log.

use super::StoreResult;
use crate::event::AuditEntry;
use crate::ids::SiteId;
use crate::webhook::{Delivery, DeliveryAttempt, NewWebhookRecord, Webhook, WebhookId};

/// Webhook endpoints and their delivery log.
pub trait WebhookStore {
    /// Registers a webhook endpoint, with its audit entry.
    fn insert_webhook(&self, hook: &NewWebhookRecord, audit: &AuditEntry) -> StoreResult<Webhook>;
    /// The endpoints of one site, or of every site.
    fn webhooks(&self, site: Option<SiteId>) -> StoreResult<Vec<Webhook>>;
    /// One endpoint.
    fn webhook(&self, id: WebhookId) -> StoreResult<Option<Webhook>>;
    /// Removes an endpoint and its delivery log, with an audit entry.
    fn delete_webhook(&self, id: WebhookId, audit: &AuditEntry) -> StoreResult<()>;
    /// Logs an attempt; a successful one also moves the endpoint's cursor past its event.
    fn record_delivery(&self, attempt: &DeliveryAttempt) -> StoreResult<()>;
    /// Lets a suspended endpoint's deliveries start again (clears its run of failures), with
    /// an audit entry.
    fn resume_webhook(&self, id: WebhookId, audit: &AuditEntry) -> StoreResult<()>;
    /// Moves the endpoint's cursor over events that did not concern it (never backwards).
    fn advance_webhook(&self, id: WebhookId, seq: i64) -> StoreResult<()>;
    /// The endpoint's delivery log, newest first.
    fn deliveries(&self, id: WebhookId, limit: usize) -> StoreResult<Vec<Delivery>>;
}
