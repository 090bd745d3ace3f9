//! The audit log and the event log, written inside the caller's transaction.

use super::backend;
use super::rows::{json, micros, name, time};
use portico_engine::{
    AuditEntry, AuditRow, Event, EventKind, ItemId, NewEvent, SiteId, StoreError,
};
use rusqlite::{params, Connection};

pub(crate) fn append_audit(
    tx: &Connection,
    a: &AuditEntry,
    item: Option<ItemId>,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO audit (at, actor_id, site_id, item_id, action, from_state, to_state, revision, comment)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )
    .and_then(|mut st| {
        st.execute(params![
            micros(a.at),
            a.actor.map(|u| u.0),
            a.site_id.map(|s| s.0),
            item.or(a.item_id).map(|i| i.0),
            a.action,
            a.from_state.map(|s| s.as_str()),
            a.to_state.map(|s| s.as_str()),
            a.revision.map(|r| r.0),
            a.comment,
        ])
    })
    .map_err(backend)?;
    Ok(())
}

pub(crate) fn append_event(
    tx: &Connection,
    e: &NewEvent,
    at: i64,
    item: Option<ItemId>,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO events (at, kind, site_id, item_id, data) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .and_then(|mut st| {
        st.execute(params![
            at,
            e.kind.as_str(),
            e.site_id.map(|s| s.0),
            item.or(e.item_id).map(|i| i.0),
            e.data.to_string(),
        ])
    })
    .map_err(backend)?;
    Ok(())
}

pub(crate) fn events_after(
    c: &Connection,
    after: i64,
    limit: usize,
) -> Result<Vec<Event>, StoreError> {
    let mut st = c
        .prepare_cached(
            "SELECT seq, at, kind, site_id, item_id, data FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2 + 0",
        )
        .map_err(backend)?;
    let rows = st
        .query_map(params![after, limit as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, Option<i64>>(4)?,
                r.get::<_, String>(5)?,
            ))
        })
        .map_err(backend)?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, at, kind, site, item, data) = row.map_err(backend)?;
        out.push(Event {
            seq,
            at: time(at)?,
            kind: EventKind::parse(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("event kind '{kind}'")))?,
            site_id: site.map(SiteId),
            item_id: item.map(ItemId),
            data: json(&data)?,
        });
    }
    Ok(out)
}

pub(crate) fn history(c: &Connection, item: ItemId) -> Result<Vec<AuditRow>, StoreError> {
    let mut st = c
        .prepare_cached(
            "SELECT a.at, a.actor_id, a.site_id, a.item_id, a.action, a.from_state, a.to_state,
                    a.revision, a.comment, u.username
             FROM audit a LEFT JOIN users u ON u.id = a.actor_id
             WHERE a.item_id = ?1 ORDER BY a.id",
        )
        .map_err(backend)?;
    let rows = st
        .query_map(params![item.0], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, Option<u32>>(7)?,
                r.get::<_, Option<String>>(8)?,
                r.get::<_, Option<String>>(9)?,
            ))
        })
        .map_err(backend)?;
    let mut out = Vec::new();
    for row in rows {
        let (at, actor, site, item, action, from, to, rev, comment, username) =
            row.map_err(backend)?;
        out.push(AuditRow {
            entry: AuditEntry {
                at: time(at)?,
                actor: actor.map(portico_engine::UserId),
                site_id: site.map(SiteId),
                item_id: item.map(ItemId),
                action,
                from_state: from.map(|s| name("state", &s)).transpose()?,
                to_state: to.map(|s| name("state", &s)).transpose()?,
                revision: rev.map(portico_engine::RevisionNo),
                comment,
            },
            username,
        });
    }
    Ok(out)
}
