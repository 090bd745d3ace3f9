//! Sites and channels.

use super::log::{append_audit, append_event};
use super::rows::{micros, name, time};
use super::{args, duplicate, Db, Row};
use portico_engine::{
    AuditEntry, Channel, ChannelChange, ChannelId, ErrorCode, NewEvent, NewSiteRecord, Site,
    SiteId, StoreError,
};

const SITE_COLS: &str = "id, slug, name, kind, parent_id, theme, created_at, settings";

/// A site row (columns as in `SITE_COLS`) with its domains.
fn to_site(r: &Row, domains: Vec<String>) -> Result<Site, StoreError> {
    Ok(Site {
        id: SiteId(r.get(0)?),
        domains,
        slug: r.get(1)?,
        name: r.get(2)?,
        kind: name("site kind", &r.get::<String>(3)?)?,
        parent_id: r.get::<Option<i64>>(4)?.map(SiteId),
        theme: r.get(5)?,
        created_at: time(r.get(6)?)?,
        // Written by this code only; a hand-edited value that no longer reads is ignored
        // rather than taking the portal down.
        settings: serde_json::from_str(&r.get::<String>(7)?).unwrap_or_default(),
    })
}

fn with_domains(c: &dyn Db, r: Option<Row>) -> Result<Option<Site>, StoreError> {
    let Some(r) = r else { return Ok(None) };
    let domains = c.column(
        "SELECT domain FROM site_domains WHERE site_id = ?1 ORDER BY domain",
        args![r.get::<i64>(0)?],
    )?;
    to_site(&r, domains).map(Some)
}

pub(crate) fn update_settings(
    tx: &dyn Db,
    site: SiteId,
    settings: &portico_engine::SiteSettings,
    audit: &AuditEntry,
    event: &NewEvent,
) -> Result<Site, StoreError> {
    let json = serde_json::to_string(settings)
        .map_err(|e| StoreError::Corrupt(format!("site settings: {e}")))?;
    let n = tx.execute(
        "UPDATE sites SET settings = ?2 WHERE id = ?1",
        args![site.0, json],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound(format!("site {site}")));
    }
    append_audit(tx, audit, None)?;
    append_event(tx, event, micros(audit.at), None)?;
    let row = tx.opt_row(
        &format!("SELECT {SITE_COLS} FROM sites WHERE id = ?1"),
        args![site.0],
    )?;
    with_domains(tx, row)?.ok_or_else(|| StoreError::NotFound(format!("site {site}")))
}

pub(crate) fn insert_site(
    tx: &dyn Db,
    s: &NewSiteRecord,
    audit: &AuditEntry,
    event: &NewEvent,
) -> Result<Site, StoreError> {
    let id: i64 = tx
        .value(
            "INSERT INTO sites (slug, name, kind, parent_id, theme, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
            args![
                &s.slug,
                &s.name,
                s.kind.as_str(),
                s.parent_id.map(|p| p.0),
                &s.theme,
                micros(s.at)
            ],
        )
        .map_err(|e| {
            duplicate(e, "slug", || {
                format!("a site with slug '{}' exists already", s.slug)
            })
        })?;
    for d in &s.domains {
        tx.execute(
            "INSERT INTO site_domains (domain, site_id) VALUES (?1, ?2)",
            args![d, id],
        )
        .map_err(|e| {
            duplicate(e, "domains", || {
                format!("the domain '{d}' already serves another site")
            })
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

pub(crate) fn sites(c: &dyn Db) -> Result<Vec<Site>, StoreError> {
    let rows = c.query(&format!("SELECT {SITE_COLS} FROM sites ORDER BY id"), &[])?;
    // One query for all domains instead of one per site.
    let domains = c.query(
        "SELECT site_id, domain FROM site_domains ORDER BY domain",
        &[],
    )?;
    let domains: Vec<(i64, String)> = domains
        .iter()
        .map(|r| Ok((r.get(0)?, r.get(1)?)))
        .collect::<Result<_, StoreError>>()?;
    rows.iter()
        .map(|r| {
            let id: i64 = r.get(0)?;
            let mine = domains
                .iter()
                .filter(|(s, _)| *s == id)
                .map(|(_, d)| d.clone())
                .collect();
            to_site(r, mine)
        })
        .collect()
}

pub(crate) fn site_by_slug(c: &dyn Db, slug: &str) -> Result<Option<Site>, StoreError> {
    let row = c.opt_row(
        &format!("SELECT {SITE_COLS} FROM sites WHERE slug = ?1"),
        args![slug],
    )?;
    with_domains(c, row)
}

pub(crate) fn site(c: &dyn Db, id: SiteId) -> Result<Option<Site>, StoreError> {
    let row = c.opt_row(
        &format!("SELECT {SITE_COLS} FROM sites WHERE id = ?1"),
        args![id.0],
    )?;
    with_domains(c, row)
}

const CHANNEL_COLS: &str = "id, site_id, parent_id, slug, name, position";

fn channel_row(r: &Row) -> Result<Channel, StoreError> {
    Ok(Channel {
        id: ChannelId(r.get(0)?),
        site_id: SiteId(r.get(1)?),
        parent_id: r.get::<Option<i64>>(2)?.map(ChannelId),
        slug: r.get(3)?,
        name: r.get(4)?,
        position: r.get(5)?,
    })
}

pub(crate) fn channels(c: &dyn Db, site: SiteId) -> Result<Vec<Channel>, StoreError> {
    c.query(
        &format!(
            "SELECT {CHANNEL_COLS} FROM channels
             WHERE site_id = ?1 ORDER BY COALESCE(parent_id, 0), position, id"
        ),
        args![site.0],
    )?
    .iter()
    .map(channel_row)
    .collect()
}

fn channel(c: &dyn Db, id: i64) -> Result<Channel, StoreError> {
    let row = c.opt_row(
        &format!("SELECT {CHANNEL_COLS} FROM channels WHERE id = ?1"),
        args![id],
    )?;
    match row {
        Some(r) => channel_row(&r),
        None => Err(StoreError::NotFound(format!("channel {id}"))),
    }
}

fn dup_slug(slug: &str) -> impl FnOnce() -> String + '_ {
    move || format!("the site already has a channel with slug '{slug}'")
}

pub(crate) fn insert_channel(
    tx: &dyn Db,
    ch: &ChannelChange,
    audit: &AuditEntry,
    event: &NewEvent,
) -> Result<Channel, StoreError> {
    let id: i64 = tx
        .value(
            "INSERT INTO channels (site_id, parent_id, slug, name, position)
             VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
            args![
                ch.site_id.0,
                ch.parent_id.map(|p| p.0),
                &ch.slug,
                &ch.name,
                ch.position
            ],
        )
        .map_err(|e| duplicate(e, "slug", dup_slug(&ch.slug)))?;
    append_audit(tx, audit, None)?;
    append_event(tx, event, micros(audit.at), None)?;
    channel(tx, id)
}

pub(crate) fn update_channel(
    tx: &dyn Db,
    id: ChannelId,
    ch: &ChannelChange,
    audit: &AuditEntry,
    event: &NewEvent,
) -> Result<Channel, StoreError> {
    let n = tx
        .execute(
            "UPDATE channels SET parent_id = ?2, name = ?3, position = ?4 WHERE id = ?1 AND site_id = ?5",
            args![id.0, ch.parent_id.map(|p| p.0), &ch.name, ch.position, ch.site_id.0],
        )
        .map_err(|e| duplicate(e, "slug", dup_slug(&ch.slug)))?;
    if n == 0 {
        return Err(StoreError::NotFound(format!("channel '{}'", ch.slug)));
    }
    append_audit(tx, audit, None)?;
    append_event(tx, event, micros(audit.at), None)?;
    channel(tx, id.0)
}

pub(crate) fn delete_channel(
    tx: &dyn Db,
    id: ChannelId,
    audit: &AuditEntry,
    event: &NewEvent,
) -> Result<(), StoreError> {
    let items: i64 = tx.value(
        "SELECT COUNT(*) FROM item_channels WHERE channel_id = ?1",
        args![id.0],
    )?;
    if items > 0 {
        return Err(StoreError::Refused {
            code: ErrorCode::ChannelNotEmpty,
            message: format!("the channel holds {items} items; move them to another channel first"),
        });
    }
    let children: i64 = tx.value(
        "SELECT COUNT(*) FROM channels WHERE parent_id = ?1",
        args![id.0],
    )?;
    if children > 0 {
        return Err(StoreError::Refused {
            code: ErrorCode::ChannelNotEmpty,
            message: format!("the channel has {children} sub-channels; move or delete them first"),
        });
    }
    tx.execute("DELETE FROM channels WHERE id = ?1", args![id.0])?;
    append_audit(tx, audit, None)?;
    append_event(tx, event, micros(audit.at), None)?;
    Ok(())
}
