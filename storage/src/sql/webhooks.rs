//! Webhook endpoints and their delivery log.

use super::log::append_audit;
use super::rows::{micros, name, opt_time, time};
use super::{args, Db, Row};
use portico_engine::{
    AuditEntry, Delivery, DeliveryAttempt, ItemId, ItemKind, NewWebhookRecord, SiteId, StoreError,
    UserId, Webhook, WebhookId,
};

/// How many deliveries of one endpoint the log keeps (the newest).
pub(crate) const KEEP_DELIVERIES: i64 = 1000;

const COLS: &str = "id, site_id, url, secret, kinds, descendants, cursor, created_at, created_by, \
                    last_success_at, last_failure_at, last_error, failing_since";

fn hook(r: &Row) -> Result<Webhook, StoreError> {
    let kinds: String = r.get(4)?;
    Ok(Webhook {
        id: WebhookId(r.get(0)?),
        site_id: SiteId(r.get(1)?),
        site: String::new(),
        url: r.get(2)?,
        secret: r.get(3)?,
        kinds: kinds
            .split(',')
            .filter(|k| !k.is_empty())
            .map(|k| name::<ItemKind>("webhook kind", k))
            .collect::<Result<_, _>>()?,
        descendants: r.get(5)?,
        cursor: r.get(6)?,
        created_at: time(r.get(7)?)?,
        created_by: UserId(r.get(8)?),
        last_success_at: opt_time(r.get(9)?)?,
        last_failure_at: opt_time(r.get(10)?)?,
        last_error: r.get(11)?,
        failing_since: opt_time(r.get(12)?)?,
        suspended: false,
    })
}

pub(crate) fn insert(
    tx: &dyn Db,
    h: &NewWebhookRecord,
    audit: &AuditEntry,
) -> Result<Webhook, StoreError> {
    let kinds = h
        .kinds
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let id: i64 = tx.value(
        "INSERT INTO webhooks (site_id, url, secret, kinds, descendants, cursor, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
        args![
            h.site_id.0,
            &h.url,
            &h.secret,
            kinds,
            h.descendants,
            h.cursor,
            micros(h.created_at),
            h.created_by.0
        ],
    )?;
    let id = WebhookId(id);
    append_audit(tx, audit, None)?;
    get(tx, id)?.ok_or_else(|| StoreError::Corrupt(format!("webhook {id} vanished")))
}

pub(crate) fn list(c: &dyn Db, site: Option<SiteId>) -> Result<Vec<Webhook>, StoreError> {
    c.query(
        &format!(
            "SELECT {COLS} FROM webhooks WHERE CAST(?1 AS BIGINT) IS NULL OR site_id = ?1 ORDER BY id"
        ),
        args![site.map(|s| s.0)],
    )?
    .iter()
    .map(hook)
    .collect()
}

pub(crate) fn get(c: &dyn Db, id: WebhookId) -> Result<Option<Webhook>, StoreError> {
    c.opt_row(
        &format!("SELECT {COLS} FROM webhooks WHERE id = ?1"),
        args![id.0],
    )?
    .map(|r| hook(&r))
    .transpose()
}

pub(crate) fn delete(tx: &dyn Db, id: WebhookId, audit: &AuditEntry) -> Result<(), StoreError> {
    let n = tx.execute("DELETE FROM webhooks WHERE id = ?1", args![id.0])?;
    if n == 0 {
        return Err(StoreError::NotFound(format!("webhook {id}")));
    }
    append_audit(tx, audit, None)
}

pub(crate) fn record(tx: &dyn Db, a: &DeliveryAttempt) -> Result<(), StoreError> {
    let at = micros(a.at);
    // The endpoint may have been removed while the attempt was in flight.
    if get(tx, a.webhook_id)?.is_none() {
        return Ok(());
    }
    tx.execute(
        "INSERT INTO webhook_deliveries (webhook_id, seq, item_id, change, attempts, first_attempt_at,
             last_attempt_at, delivered, last_status, last_error, last_duration_ms)
         VALUES (?1, ?2, ?3, ?4, 1, ?5, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (webhook_id, seq) DO UPDATE SET attempts = webhook_deliveries.attempts + 1,
             last_attempt_at = excluded.last_attempt_at, delivered = excluded.delivered,
             last_status = excluded.last_status, last_error = excluded.last_error,
             last_duration_ms = excluded.last_duration_ms",
        args![
            a.webhook_id.0,
            a.seq,
            a.item_id.0,
            &a.change,
            at,
            a.succeeded(),
            a.status,
            &a.error,
            a.duration_ms
        ],
    )?;
    if a.succeeded() {
        // The log keeps the latest deliveries of each endpoint, not every one ever made.
        tx.execute(
            "DELETE FROM webhook_deliveries WHERE webhook_id = ?1 AND seq <
                 (SELECT seq FROM webhook_deliveries WHERE webhook_id = ?1
                  ORDER BY seq DESC LIMIT 1 OFFSET ?2 + 0)",
            args![a.webhook_id.0, KEEP_DELIVERIES - 1],
        )?;
        tx.execute(
            "UPDATE webhooks SET cursor = CASE WHEN cursor > ?2 THEN cursor ELSE ?2 END,
                 last_success_at = ?3, last_error = NULL, failing_since = NULL WHERE id = ?1",
            args![a.webhook_id.0, a.seq, at],
        )?;
    } else {
        tx.execute(
            "UPDATE webhooks SET last_failure_at = ?2, last_error = ?3,
                 failing_since = COALESCE(failing_since, ?2) WHERE id = ?1",
            args![a.webhook_id.0, at, &a.error],
        )?;
    }
    Ok(())
}

/// Lets deliveries start again: the run of failures is forgotten (the last error stays).
pub(crate) fn resume(tx: &dyn Db, id: WebhookId, audit: &AuditEntry) -> Result<(), StoreError> {
    if tx.execute(
        "UPDATE webhooks SET failing_since = NULL WHERE id = ?1",
        args![id.0],
    )? == 0
    {
        return Err(StoreError::NotFound(format!("webhook {id}")));
    }
    append_audit(tx, audit, None)
}

pub(crate) fn advance(tx: &dyn Db, id: WebhookId, seq: i64) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE webhooks SET cursor = CASE WHEN cursor > ?2 THEN cursor ELSE ?2 END WHERE id = ?1",
        args![id.0, seq],
    )?;
    Ok(())
}

pub(crate) fn deliveries(
    c: &dyn Db,
    id: WebhookId,
    limit: usize,
) -> Result<Vec<Delivery>, StoreError> {
    c.query(
        "SELECT seq, item_id, change, attempts, first_attempt_at, last_attempt_at, delivered,
                last_status, last_error, last_duration_ms
         FROM webhook_deliveries WHERE webhook_id = ?1 ORDER BY seq DESC LIMIT ?2 + 0",
        args![id.0, limit],
    )?
    .iter()
    .map(|r| {
        Ok(Delivery {
            seq: r.get(0)?,
            item_id: ItemId(r.get(1)?),
            change: r.get(2)?,
            attempts: r.get(3)?,
            first_attempt_at: time(r.get(4)?)?,
            last_attempt_at: time(r.get(5)?)?,
            delivered: r.get(6)?,
            last_status: r.get(7)?,
            last_error: r.get(8)?,
            last_duration_ms: r.get::<i64>(9)?.max(0).unsigned_abs(),
        })
    })
    .collect()
}
