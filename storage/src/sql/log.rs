//! The audit log and the event log, written inside the caller's transaction.

use super::rows::{json, micros, name, time};
use super::{args, Db, Dialect, Value};
use portico_engine::{
    AuditEntry, AuditFilter, AuditRow, Event, EventKind, ItemId, NewEvent, SiteId, StoreError,
};

/// The PostgreSQL advisory lock that serialises appends to the event log (any constant
/// the application owns: "portic" in ASCII and a number; the leader and migration locks in
/// `pg` follow it).
const EVENT_LOG_LOCK: i64 = 0x0070_6f72_7469_6300;

pub(crate) fn append_audit(
    tx: &dyn Db,
    a: &AuditEntry,
    item: Option<ItemId>,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO audit (at, actor_id, site_id, item_id, action, from_state, to_state, revision, comment, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        args![
            micros(a.at),
            a.actor.map(|u| u.0),
            a.site_id.map(|s| s.0),
            item.or(a.item_id).map(|i| i.0),
            &a.action,
            a.from_state.map(|s| s.as_str()),
            a.to_state.map(|s| s.as_str()),
            a.revision.map(|r| r.0),
            &a.comment,
            &a.source,
        ],
    )?;
    Ok(())
}

/// Appends an event. On PostgreSQL, sequence numbers are handed out before commit, so two
/// writers could commit 8 after a follower has read 9 and moved its cursor past 8 for good.
/// Appends therefore take a transaction-scoped advisory lock first: the next writer gets
/// its number only after this transaction has committed (or rolled back), so the log
/// becomes visible in order. The lock is the last one a write transaction takes, so it
/// cannot be part of a deadlock, and it is held only from the append to the commit.
/// (SQLite has one writer at a time anyway.)
pub(crate) fn append_event(
    tx: &dyn Db,
    e: &NewEvent,
    at: i64,
    item: Option<ItemId>,
) -> Result<(), StoreError> {
    if tx.dialect() == Dialect::Postgres {
        tx.execute("SELECT pg_advisory_xact_lock(?1)", args![EVENT_LOG_LOCK])?;
    }
    tx.execute(
        "INSERT INTO events (at, kind, site_id, item_id, data) VALUES (?1, ?2, ?3, ?4, ?5)",
        args![
            at,
            e.kind.as_str(),
            e.site_id.map(|s| s.0),
            item.or(e.item_id).map(|i| i.0),
            e.data.to_string(),
        ],
    )?;
    Ok(())
}

pub(crate) fn events_after(c: &dyn Db, after: i64, limit: usize) -> Result<Vec<Event>, StoreError> {
    let rows = c.query(
        "SELECT seq, at, kind, site_id, item_id, data FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2 + 0",
        args![after, limit],
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let kind: String = r.get(2)?;
        out.push(Event {
            seq: r.get(0)?,
            at: time(r.get(1)?)?,
            kind: EventKind::parse(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("event kind '{kind}'")))?,
            site_id: r.get::<Option<i64>>(3)?.map(SiteId),
            item_id: r.get::<Option<i64>>(4)?.map(ItemId),
            data: json(&r.get::<String>(5)?)?,
        });
    }
    Ok(out)
}

pub(crate) fn history(c: &dyn Db, item: ItemId) -> Result<Vec<AuditRow>, StoreError> {
    audit_rows(c, "WHERE a.item_id = ?1 ORDER BY a.id", args![item.0])
}

/// How many audit entries record `action`.
pub(crate) fn audit_count(c: &dyn Db, action: &str) -> Result<u64, StoreError> {
    let n: i64 = c.value(
        "SELECT COUNT(*) FROM audit WHERE action = ?1",
        args![action],
    )?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Audit entries that pass `f`, newest first, with their ids.
pub(crate) fn audit_log(
    c: &dyn Db,
    f: &AuditFilter,
    before: Option<i64>,
    limit: usize,
) -> Result<Vec<(i64, AuditRow)>, StoreError> {
    let mut values: Vec<Value> = Vec::new();
    let mut conds: Vec<String> = Vec::new();
    let mut cond = |sql: &str, v: Value| {
        values.push(v);
        conds.push(format!("{sql} ?{}", values.len()));
    };
    if let Some(b) = before {
        cond("a.id <", b.into());
    }
    if let Some(u) = f.actor {
        cond("a.actor_id =", u.0.into());
    }
    if let Some(s) = f.site {
        cond("a.site_id =", s.0.into());
    }
    if let Some(t) = f.since {
        cond("a.at >=", micros(t).into());
    }
    if let Some(t) = f.until {
        cond("a.at <", micros(t).into());
    }
    if let Some(p) = &f.action {
        // A prefix: `LIKE` would read `_` and `%` in it as wildcards, and a range depends
        // on the database's collation.
        let n = p.chars().count();
        cond(&format!("substr(a.action, 1, {n}) ="), p.clone().into());
    }
    values.push(i64::try_from(limit).unwrap_or(i64::MAX).into());
    let filter = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    };
    let rows = audit_rows_with(
        c,
        ", a.id",
        &format!("{filter} ORDER BY a.id DESC LIMIT ?{}", values.len()),
        &values,
    )?;
    rows.into_iter()
        .map(|(row, r)| Ok((r.get::<i64>(11)?, row)))
        .collect()
}

/// The newest entries about items of `sites` (all when `None`), with the items' titles.
pub(crate) fn recent_item_activity(
    c: &dyn Db,
    sites: Option<&[SiteId]>,
    limit: usize,
) -> Result<Vec<(AuditRow, String)>, StoreError> {
    let mut values: Vec<Value> = Vec::new();
    let mut filter = String::new();
    if let Some(sites) = sites {
        if sites.is_empty() {
            return Ok(Vec::new());
        }
        let marks = (1..=sites.len())
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(",");
        // For a handful of sites the per-site index finds their entries; for many (an editor
        // of every portal) walking the log from its newest end and filtering is far cheaper
        // than gathering every entry of those sites to sort them: `+` keeps SQLite off the
        // index then (PostgreSQL's planner weighs it itself and ignores the `+`).
        let column = if sites.len() > 8 {
            "+a.site_id"
        } else {
            "a.site_id"
        };
        filter = format!("AND {column} IN ({marks})");
        values.extend(sites.iter().map(|s| Value::from(s.0)));
    }
    values.push(i64::try_from(limit).unwrap_or(i64::MAX).into());
    let rows = audit_rows_with(
        c,
        ", i.title",
        &format!(
            "JOIN items i ON i.id = a.item_id WHERE a.item_id IS NOT NULL {filter}
             ORDER BY a.id DESC LIMIT ?{}",
            values.len()
        ),
        &values,
    )?;
    rows.into_iter()
        .map(|(row, r)| Ok((row, r.get::<String>(11)?)))
        .collect()
}

fn audit_rows(c: &dyn Db, tail: &str, params: &[Value]) -> Result<Vec<AuditRow>, StoreError> {
    Ok(audit_rows_with(c, "", tail, params)?
        .into_iter()
        .map(|(row, _)| row)
        .collect())
}

/// Audit rows with `extra` columns after the eleven every row has, and the raw rows to read
/// them.
fn audit_rows_with(
    c: &dyn Db,
    extra: &str,
    tail: &str,
    params: &[Value],
) -> Result<Vec<(AuditRow, super::Row)>, StoreError> {
    let rows = c.query(
        &format!(
            "SELECT a.at, a.actor_id, a.site_id, a.item_id, a.action, a.from_state, a.to_state,
                    a.revision, a.comment, u.username, a.source{extra}
             FROM audit a LEFT JOIN users u ON u.id = a.actor_id {tail}"
        ),
        params,
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let row = AuditRow {
            entry: AuditEntry {
                at: time(r.get(0)?)?,
                actor: r.get::<Option<i64>>(1)?.map(portico_engine::UserId),
                site_id: r.get::<Option<i64>>(2)?.map(SiteId),
                item_id: r.get::<Option<i64>>(3)?.map(ItemId),
                action: r.get(4)?,
                from_state: r
                    .get::<Option<String>>(5)?
                    .map(|s| name("state", &s))
                    .transpose()?,
                to_state: r
                    .get::<Option<String>>(6)?
                    .map(|s| name("state", &s))
                    .transpose()?,
                revision: r.get::<Option<u32>>(7)?.map(portico_engine::RevisionNo),
                comment: r.get(8)?,
                source: r.get(10)?,
            },
            username: r.get(9)?,
        };
        out.push((row, r));
    }
    Ok(out)
}

pub(crate) fn last_event_seq(c: &dyn Db) -> Result<i64, StoreError> {
    Ok(c.value("SELECT COALESCE(MAX(seq), 0) FROM events", &[])?)
}

/// The newest event that changed the catalogue (sites, channels): two index probes on
/// `events_by_kind`, whatever the length of the log.
pub(crate) fn catalog_version(c: &dyn Db) -> Result<i64, StoreError> {
    Ok(c.value(
        "SELECT CASE WHEN a >= b AND a >= c THEN a WHEN b >= c THEN b ELSE c END FROM (SELECT
             COALESCE((SELECT MAX(seq) FROM events WHERE kind = 'site_created'), 0) AS a,
             COALESCE((SELECT MAX(seq) FROM events WHERE kind = 'channel_changed'), 0) AS b,
             COALESCE((SELECT MAX(seq) FROM events WHERE kind = 'site_changed'), 0) AS c) t",
        &[],
    )?)
}
