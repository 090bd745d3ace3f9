//! Webhook endpoints and their delivery log.

use super::backend;
use super::log::append_audit;
use super::rows::{micros, name, opt_time, time};
use portico_engine::{
    AuditEntry, Delivery, DeliveryAttempt, ItemId, ItemKind, NewWebhookRecord, SiteId, StoreError,
    UserId, Webhook, WebhookId,
};
use rusqlite::{params, Connection, OptionalExtension, Row};

/// How many deliveries of one endpoint the log keeps (the newest).
pub(crate) const KEEP_DELIVERIES: i64 = 1000;

const COLS: &str = "id, site_id, url, secret, kinds, descendants, cursor, created_at, created_by, \
                    last_success_at, last_failure_at, last_error, failing_since";

type RawHook = (
    i64,
    i64,
    String,
    String,
    String,
    bool,
    i64,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
);

fn raw(r: &Row<'_>) -> rusqlite::Result<RawHook> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
        r.get(11)?,
        r.get(12)?,
    ))
}

fn hook(raw: RawHook) -> Result<Webhook, StoreError> {
    let (id, site, url, secret, kinds, descendants, cursor, created, by, ok, fail, err, since) =
        raw;
    Ok(Webhook {
        id: WebhookId(id),
        site_id: SiteId(site),
        site: String::new(),
        url,
        secret,
        kinds: kinds
            .split(',')
            .filter(|k| !k.is_empty())
            .map(|k| name::<ItemKind>("webhook kind", k))
            .collect::<Result<_, _>>()?,
        descendants,
        cursor,
        created_at: time(created)?,
        created_by: UserId(by),
        last_success_at: opt_time(ok)?,
        last_failure_at: opt_time(fail)?,
        last_error: err,
        failing_since: opt_time(since)?,
    })
}

pub(crate) fn insert(
    tx: &Connection,
    h: &NewWebhookRecord,
    audit: &AuditEntry,
) -> Result<Webhook, StoreError> {
    let kinds = h
        .kinds
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(",");
    tx.execute(
        "INSERT INTO webhooks (site_id, url, secret, kinds, descendants, cursor, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            h.site_id.0,
            h.url,
            h.secret,
            kinds,
            h.descendants,
            h.cursor,
            micros(h.created_at),
            h.created_by.0
        ],
    )
    .map_err(backend)?;
    let id = WebhookId(tx.last_insert_rowid());
    append_audit(tx, audit, None)?;
    get(tx, id)?.ok_or_else(|| StoreError::Corrupt(format!("webhook {id} vanished")))
}

pub(crate) fn list(c: &Connection, site: Option<SiteId>) -> Result<Vec<Webhook>, StoreError> {
    let mut st = c
        .prepare_cached(&format!(
            "SELECT {COLS} FROM webhooks WHERE ?1 IS NULL OR site_id = ?1 ORDER BY id"
        ))
        .map_err(backend)?;
    let rows = st
        .query_map(params![site.map(|s| s.0)], raw)
        .map_err(backend)?;
    rows.map(|r| r.map_err(backend).and_then(hook)).collect()
}

pub(crate) fn get(c: &Connection, id: WebhookId) -> Result<Option<Webhook>, StoreError> {
    c.prepare_cached(&format!("SELECT {COLS} FROM webhooks WHERE id = ?1"))
        .map_err(backend)?
        .query_row(params![id.0], raw)
        .optional()
        .map_err(backend)?
        .map(hook)
        .transpose()
}

pub(crate) fn delete(tx: &Connection, id: WebhookId, audit: &AuditEntry) -> Result<(), StoreError> {
    let n = tx
        .execute("DELETE FROM webhooks WHERE id = ?1", params![id.0])
        .map_err(backend)?;
    if n == 0 {
        return Err(StoreError::NotFound(format!("webhook {id}")));
    }
    append_audit(tx, audit, None)
}

pub(crate) fn record(tx: &Connection, a: &DeliveryAttempt) -> Result<(), StoreError> {
    let at = micros(a.at);
    // The endpoint may have been removed while the attempt was in flight.
    if get(tx, a.webhook_id)?.is_none() {
        return Ok(());
    }
    tx.prepare_cached(
        "INSERT INTO webhook_deliveries (webhook_id, seq, item_id, change, attempts, first_attempt_at,
             last_attempt_at, delivered, last_status, last_error, last_duration_ms)
         VALUES (?1, ?2, ?3, ?4, 1, ?5, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (webhook_id, seq) DO UPDATE SET attempts = attempts + 1,
             last_attempt_at = excluded.last_attempt_at, delivered = excluded.delivered,
             last_status = excluded.last_status, last_error = excluded.last_error,
             last_duration_ms = excluded.last_duration_ms",
    )
    .and_then(|mut st| {
        st.execute(params![
            a.webhook_id.0,
            a.seq,
            a.item_id.0,
            a.change,
            at,
            a.succeeded(),
            a.status,
            a.error,
            a.duration_ms as i64
        ])
    })
    .map_err(backend)?;
    if a.succeeded() {
        // The log keeps the latest deliveries of each endpoint, not every one ever made.
        tx.prepare_cached(
            "DELETE FROM webhook_deliveries WHERE webhook_id = ?1 AND seq <
                 (SELECT seq FROM webhook_deliveries WHERE webhook_id = ?1
                  ORDER BY seq DESC LIMIT 1 OFFSET ?2 + 0)",
        )
        .and_then(|mut st| st.execute(params![a.webhook_id.0, KEEP_DELIVERIES - 1]))
        .map_err(backend)?;
        tx.execute(
            "UPDATE webhooks SET cursor = MAX(cursor, ?2), last_success_at = ?3, last_error = NULL,
                 failing_since = NULL WHERE id = ?1",
            params![a.webhook_id.0, a.seq, at],
        )
    } else {
        tx.execute(
            "UPDATE webhooks SET last_failure_at = ?2, last_error = ?3,
                 failing_since = COALESCE(failing_since, ?2) WHERE id = ?1",
            params![a.webhook_id.0, at, a.error],
        )
    }
    .map_err(backend)?;
    Ok(())
}

pub(crate) fn advance(tx: &Connection, id: WebhookId, seq: i64) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE webhooks SET cursor = MAX(cursor, ?2) WHERE id = ?1",
        params![id.0, seq],
    )
    .map_err(backend)?;
    Ok(())
}

pub(crate) fn deliveries(
    c: &Connection,
    id: WebhookId,
    limit: usize,
) -> Result<Vec<Delivery>, StoreError> {
    let mut st = c
        .prepare_cached(
            "SELECT seq, item_id, change, attempts, first_attempt_at, last_attempt_at, delivered,
                    last_status, last_error, last_duration_ms
             FROM webhook_deliveries WHERE webhook_id = ?1 ORDER BY seq DESC LIMIT ?2 + 0",
        )
        .map_err(backend)?;
    let rows = st
        .query_map(params![id.0, limit as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, u32>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, bool>(6)?,
                r.get::<_, Option<u16>>(7)?,
                r.get::<_, Option<String>>(8)?,
                r.get::<_, i64>(9)?,
            ))
        })
        .map_err(backend)?;
    rows.map(|r| {
        let (seq, item, change, attempts, first, last, delivered, status, error, ms) =
            r.map_err(backend)?;
        Ok(Delivery {
            seq,
            item_id: ItemId(item),
            change,
            attempts,
            first_attempt_at: time(first)?,
            last_attempt_at: time(last)?,
            delivered,
            last_status: status,
            last_error: error,
            last_duration_ms: ms.max(0) as u64,
        })
    })
    .collect()
}
