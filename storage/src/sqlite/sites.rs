//! Sites and channels.

use super::log::{append_audit, append_event};
use super::rows::{micros, name, time};
use super::{backend, is_unique_violation};
use portico_engine::{
    AuditEntry, Channel, ChannelChange, ChannelId, NewEvent, NewSiteRecord, Site, SiteId,
    StoreError,
};
use rusqlite::{params, Connection, OptionalExtension, Row};

const SITE_COLS: &str = "id, slug, name, kind, parent_id, theme, created_at";

/// id, slug, name, kind, parent_id, theme, created_at.
type SiteRow = (i64, String, String, String, Option<i64>, String, i64);

fn site_row(r: &Row<'_>) -> rusqlite::Result<SiteRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn domains_of(c: &Connection, id: i64) -> Result<Vec<String>, StoreError> {
    let mut st = c
        .prepare_cached("SELECT domain FROM site_domains WHERE site_id = ?1 ORDER BY domain")
        .map_err(backend)?;
    let rows = st
        .query_map(params![id], |r| r.get::<_, String>(0))
        .map_err(backend)?;
    rows.collect::<Result<_, _>>().map_err(backend)
}

fn to_site(
    c: &Connection,
    (id, slug, name_, kind, parent, theme, created): SiteRow,
) -> Result<Site, StoreError> {
    Ok(Site {
        id: SiteId(id),
        domains: domains_of(c, id)?,
        slug,
        name: name_,
        kind: name("site kind", &kind)?,
        parent_id: parent.map(SiteId),
        theme,
        created_at: time(created)?,
    })
}

pub(crate) fn insert_site(
    tx: &Connection,
    s: &NewSiteRecord,
    audit: &AuditEntry,
    event: &NewEvent,
) -> Result<Site, StoreError> {
    tx.execute(
        "INSERT INTO sites (slug, name, kind, parent_id, theme, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![s.slug, s.name, s.kind.as_str(), s.parent_id.map(|p| p.0), s.theme, micros(s.at)],
    )
    .map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Duplicate {
                field: "slug".into(),
                message: format!("a site with slug '{}' exists already", s.slug),
            }
        } else {
            backend(e)
        }
    })?;
    let id = tx.last_insert_rowid();
    for d in &s.domains {
        tx.execute(
            "INSERT INTO site_domains (domain, site_id) VALUES (?1, ?2)",
            params![d, id],
        )
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Duplicate {
                    field: "domains".into(),
                    message: format!("the domain '{d}' already serves another site"),
                }
            } else {
                backend(e)
            }
        })?;
    }
    let mut audit = audit.clone();
    audit.site_id = Some(SiteId(id));
    append_audit(tx, &audit, None)?;
    let mut event = event.clone();
    event.site_id = Some(SiteId(id));
    append_event(tx, &event, micros(s.at), None)?;
    site(tx, SiteId(id))?.ok_or_else(|| StoreError::NotFound("site".into()))
}

pub(crate) fn sites(c: &Connection) -> Result<Vec<Site>, StoreError> {
    let mut st = c
        .prepare_cached(&format!("SELECT {SITE_COLS} FROM sites ORDER BY id"))
        .map_err(backend)?;
    let rows: Vec<_> = st
        .query_map([], site_row)
        .map_err(backend)?
        .collect::<Result<_, _>>()
        .map_err(backend)?;
    // One query for all domains instead of one per site.
    let mut doms = c
        .prepare_cached("SELECT site_id, domain FROM site_domains ORDER BY domain")
        .map_err(backend)?;
    let domains: Vec<(i64, String)> = doms
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(backend)?
        .collect::<Result<_, _>>()
        .map_err(backend)?;
    rows.into_iter()
        .map(|(id, slug, name_, kind, parent, theme, created)| {
            Ok(Site {
                id: SiteId(id),
                domains: domains
                    .iter()
                    .filter(|(s, _)| *s == id)
                    .map(|(_, d)| d.clone())
                    .collect(),
                slug,
                name: name_,
                kind: name("site kind", &kind)?,
                parent_id: parent.map(SiteId),
                theme,
                created_at: time(created)?,
            })
        })
        .collect()
}

pub(crate) fn site_by_slug(c: &Connection, slug: &str) -> Result<Option<Site>, StoreError> {
    let row = c
        .prepare_cached(&format!("SELECT {SITE_COLS} FROM sites WHERE slug = ?1"))
        .and_then(|mut st| st.query_row(params![slug], site_row).optional())
        .map_err(backend)?;
    row.map(|r| to_site(c, r)).transpose()
}

pub(crate) fn site(c: &Connection, id: SiteId) -> Result<Option<Site>, StoreError> {
    let row = c
        .prepare_cached(&format!("SELECT {SITE_COLS} FROM sites WHERE id = ?1"))
        .and_then(|mut st| st.query_row(params![id.0], site_row).optional())
        .map_err(backend)?;
    row.map(|r| to_site(c, r)).transpose()
}

fn channel_row(r: &Row<'_>) -> rusqlite::Result<Channel> {
    Ok(Channel {
        id: ChannelId(r.get(0)?),
        site_id: SiteId(r.get(1)?),
        parent_id: r.get::<_, Option<i64>>(2)?.map(ChannelId),
        slug: r.get(3)?,
        name: r.get(4)?,
        position: r.get(5)?,
    })
}

pub(crate) fn channels(c: &Connection, site: SiteId) -> Result<Vec<Channel>, StoreError> {
    let mut st = c
        .prepare_cached(
            "SELECT id, site_id, parent_id, slug, name, position FROM channels
             WHERE site_id = ?1 ORDER BY COALESCE(parent_id, 0), position, id",
        )
        .map_err(backend)?;
    let rows = st
        .query_map(params![site.0], channel_row)
        .map_err(backend)?;
    rows.collect::<Result<_, _>>().map_err(backend)
}

fn channel(c: &Connection, id: i64) -> Result<Channel, StoreError> {
    c.query_row(
        "SELECT id, site_id, parent_id, slug, name, position FROM channels WHERE id = ?1",
        params![id],
        channel_row,
    )
    .optional()
    .map_err(backend)?
    .ok_or_else(|| StoreError::NotFound(format!("channel {id}")))
}

fn dup_channel(e: rusqlite::Error, slug: &str) -> StoreError {
    if is_unique_violation(&e) {
        StoreError::Duplicate {
            field: "slug".into(),
            message: format!("the site already has a channel with slug '{slug}'"),
        }
    } else {
        backend(e)
    }
}

pub(crate) fn insert_channel(
    tx: &Connection,
    ch: &ChannelChange,
    audit: &AuditEntry,
    event: &NewEvent,
) -> Result<Channel, StoreError> {
    tx.execute(
        "INSERT INTO channels (site_id, parent_id, slug, name, position) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![ch.site_id.0, ch.parent_id.map(|p| p.0), ch.slug, ch.name, ch.position],
    )
    .map_err(|e| dup_channel(e, &ch.slug))?;
    let id = tx.last_insert_rowid();
    append_audit(tx, audit, None)?;
    append_event(tx, event, micros(audit.at), None)?;
    channel(tx, id)
}

pub(crate) fn update_channel(
    tx: &Connection,
    id: ChannelId,
    ch: &ChannelChange,
    audit: &AuditEntry,
    event: &NewEvent,
) -> Result<Channel, StoreError> {
    let n = tx
        .execute(
            "UPDATE channels SET parent_id = ?2, name = ?3, position = ?4 WHERE id = ?1 AND site_id = ?5",
            params![id.0, ch.parent_id.map(|p| p.0), ch.name, ch.position, ch.site_id.0],
        )
        .map_err(|e| dup_channel(e, &ch.slug))?;
    if n == 0 {
        return Err(StoreError::NotFound(format!("channel '{}'", ch.slug)));
    }
    append_audit(tx, audit, None)?;
    append_event(tx, event, micros(audit.at), None)?;
    channel(tx, id.0)
}

pub(crate) fn delete_channel(
    tx: &Connection,
    id: ChannelId,
    audit: &AuditEntry,
    event: &NewEvent,
) -> Result<(), StoreError> {
    let count = |sql: &str| -> Result<i64, StoreError> {
        tx.query_row(sql, params![id.0], |r| r.get(0))
            .map_err(backend)
    };
    let items = count("SELECT COUNT(*) FROM item_channels WHERE channel_id = ?1")?;
    if items > 0 {
        return Err(StoreError::Refused {
            code: "channel_not_empty",
            message: format!("the channel holds {items} items; move them to another channel first"),
        });
    }
    let children = count("SELECT COUNT(*) FROM channels WHERE parent_id = ?1")?;
    if children > 0 {
        return Err(StoreError::Refused {
            code: "channel_not_empty",
            message: format!("the channel has {children} sub-channels; move or delete them first"),
        });
    }
    tx.execute("DELETE FROM channels WHERE id = ?1", params![id.0])
        .map_err(backend)?;
    append_audit(tx, audit, None)?;
    append_event(tx, event, micros(audit.at), None)?;
    Ok(())
}
