//! Items and revisions.

use super::log::{append_audit, append_event};
use super::rows::{json, micros, name, opt_time, time};
use super::{backend, is_unique_violation};
use portico_engine::{
    ChannelId, ItemId, ItemRecord, ItemUpdate, ListCursor, ListFilter, NewItemRecord, NewRevision,
    RevisionNo, RevisionRecord, SiteId, State, StoreError, UserId,
};
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};

const ITEM_COLS: &str = "id, site_id, kind, slug, state, owner_id, created_by, current_rev,
    published_rev, live, scheduled_at, created_at, updated_at, first_published_at, published_at, title,
    source_item_id, source_changed";

/// The raw row, converted outside rusqlite's closure so conversion errors keep their type.
struct RawItem {
    id: i64,
    site_id: i64,
    kind: String,
    slug: String,
    state: String,
    owner_id: i64,
    created_by: i64,
    current_rev: u32,
    published_rev: Option<u32>,
    live: bool,
    scheduled_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
    first_published_at: Option<i64>,
    published_at: Option<i64>,
    title: String,
    source_item_id: Option<i64>,
    source_changed: bool,
}

fn raw_item(r: &Row<'_>) -> rusqlite::Result<RawItem> {
    Ok(RawItem {
        id: r.get(0)?,
        site_id: r.get(1)?,
        kind: r.get(2)?,
        slug: r.get(3)?,
        state: r.get(4)?,
        owner_id: r.get(5)?,
        created_by: r.get(6)?,
        current_rev: r.get(7)?,
        published_rev: r.get(8)?,
        live: r.get(9)?,
        scheduled_at: r.get(10)?,
        created_at: r.get(11)?,
        updated_at: r.get(12)?,
        first_published_at: r.get(13)?,
        published_at: r.get(14)?,
        title: r.get(15)?,
        source_item_id: r.get(16)?,
        source_changed: r.get(17)?,
    })
}

/// SQL for the revision fields `json` without the long ones.
fn brief_of(json: &str) -> String {
    let paths: Vec<String> = portico_engine::LONG_FIELDS
        .iter()
        .map(|f| format!("'$.{f}'"))
        .collect();
    format!("json_remove({json}, {})", paths.join(", "))
}

fn finish(c: &Connection, r: RawItem) -> Result<ItemRecord, StoreError> {
    let mut st = c
        .prepare_cached("SELECT channel_id FROM item_channels WHERE item_id = ?1 ORDER BY position")
        .map_err(backend)?;
    let channels = st
        .query_map(params![r.id], |row| row.get::<_, i64>(0).map(ChannelId))
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    finish_with(r, channels)
}

fn finish_with(r: RawItem, channels: Vec<ChannelId>) -> Result<ItemRecord, StoreError> {
    Ok(ItemRecord {
        id: ItemId(r.id),
        site_id: SiteId(r.site_id),
        kind: name("kind", &r.kind)?,
        slug: r.slug,
        state: name("state", &r.state)?,
        owner_id: UserId(r.owner_id),
        created_by: UserId(r.created_by),
        current_rev: RevisionNo(r.current_rev),
        published_rev: r.published_rev.map(RevisionNo),
        live: r.live,
        scheduled_at: opt_time(r.scheduled_at)?,
        created_at: time(r.created_at)?,
        updated_at: time(r.updated_at)?,
        first_published_at: opt_time(r.first_published_at)?,
        published_at: opt_time(r.published_at)?,
        title: r.title,
        channels,
        source_item_id: r.source_item_id.map(ItemId),
        source_changed: r.source_changed,
    })
}

pub(crate) fn item(c: &Connection, id: ItemId) -> Result<Option<ItemRecord>, StoreError> {
    let raw = c
        .prepare_cached(&format!("SELECT {ITEM_COLS} FROM items WHERE id = ?1"))
        .and_then(|mut st| st.query_row(params![id.0], raw_item).optional())
        .map_err(backend)?;
    raw.map(|r| finish(c, r)).transpose()
}

fn insert_revision(
    tx: &Connection,
    item: i64,
    rev: u32,
    based_on: Option<u32>,
    r: &NewRevision,
    at: i64,
) -> Result<(), StoreError> {
    let c = &r.columns;
    tx.prepare_cached(&format!(
        "INSERT INTO revisions (item_id, rev, based_on, title, fields, number, doc_type, issuer,
                 field, issued_on, effect_status, code, level, created_by, created_at, brief)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, {})",
        brief_of("?5")
    ))
    .and_then(|mut st| {
        st.execute(params![
            item,
            rev,
            based_on,
            r.title,
            r.fields.to_string(),
            c.number,
            c.doc_type,
            c.issuer,
            c.field,
            c.issued_on,
            c.effect_status,
            c.code,
            c.level,
            r.created_by.0,
            at,
        ])
    })
    .map_err(backend)?;
    super::media::link_revision(tx, item, rev, &c.media)
}

fn set_channels(tx: &Connection, item: i64, channels: &[ChannelId]) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM item_channels WHERE item_id = ?1",
        params![item],
    )
    .map_err(backend)?;
    let mut st = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO item_channels (item_id, channel_id, position) VALUES (?1, ?2, ?3)",
        )
        .map_err(backend)?;
    for (i, c) in channels.iter().enumerate() {
        st.execute(params![item, c.0, i as i64]).map_err(backend)?;
    }
    Ok(())
}

pub(crate) fn insert_item(tx: &Connection, n: &NewItemRecord) -> Result<ItemRecord, StoreError> {
    let at = micros(n.at);
    tx.prepare_cached(
        "INSERT INTO items (site_id, kind, slug, state, owner_id, created_by, current_rev,
             live, created_at, updated_at, title, source_item_id)
         VALUES (?1, ?2, ?3, ?7, ?4, ?4, 1, 0, ?5, ?5, ?6, ?8)",
    )
    .and_then(|mut st| {
        st.execute(params![
            n.site_id.0,
            n.kind.as_str(),
            n.slug,
            n.created_by.0,
            at,
            n.revision.title,
            n.state.as_str(),
            n.source_item_id.map(|i| i.0),
        ])
    })
    .map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Duplicate {
                field: "slug".into(),
                message: format!("the site already has an item with slug '{}'", n.slug),
            }
        } else {
            backend(e)
        }
    })?;
    let id = tx.last_insert_rowid();
    insert_revision(tx, id, 1, None, &n.revision, at)?;
    set_channels(tx, id, &n.channels)?;
    append_audit(tx, &n.audit, Some(ItemId(id)))?;
    for e in &n.events {
        append_event(tx, e, at, Some(ItemId(id)))?;
    }
    item(tx, ItemId(id))?.ok_or_else(|| StoreError::NotFound("item".into()))
}

pub(crate) fn update_item(tx: &Connection, u: &ItemUpdate) -> Result<ItemRecord, StoreError> {
    let at = micros(u.at);
    let current: Option<(u32, String)> = tx
        .query_row(
            "SELECT current_rev, state FROM items WHERE id = ?1",
            params![u.item_id.0],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(backend)?;
    let Some((rev, state)) = current else {
        return Err(StoreError::NotFound(format!("item {}", u.item_id)));
    };
    if rev != u.expect_rev.0 {
        return Err(StoreError::StaleRevision { current: rev });
    }
    let state: State = name("state", &state)?;
    if state != u.expect_state {
        return Err(StoreError::StaleState { current: state });
    }
    let new_rev = match &u.new_revision {
        Some(r) => {
            let no = rev + 1;
            insert_revision(tx, u.item_id.0, no, Some(rev), r, at)?;
            no
        }
        None => rev,
    };
    let title = u.new_revision.as_ref().map(|r| r.title.as_str());
    tx.prepare_cached(
        "UPDATE items SET state = ?2, owner_id = ?3, current_rev = ?4, published_rev = ?5,
             live = ?6, scheduled_at = ?7, first_published_at = ?8, published_at = ?9,
             updated_at = ?10, title = COALESCE(?11, title)
         WHERE id = ?1",
    )
    .and_then(|mut st| {
        st.execute(params![
            u.item_id.0,
            u.state.as_str(),
            u.owner_id.0,
            new_rev,
            u.published_rev.map(|r| r.0),
            u.live,
            u.scheduled_at.map(micros),
            u.first_published_at.map(micros),
            u.published_at.map(micros),
            at,
            title,
        ])
    })
    .map_err(backend)?;
    if let Some(ch) = &u.channels {
        set_channels(tx, u.item_id.0, ch)?;
    }
    if u.published_anew {
        tx.prepare_cached("UPDATE items SET source_changed = 1 WHERE source_item_id = ?1")
            .and_then(|mut st| st.execute(params![u.item_id.0]))
            .map_err(backend)?;
        tx.prepare_cached("UPDATE items SET source_changed = 0 WHERE id = ?1")
            .and_then(|mut st| st.execute(params![u.item_id.0]))
            .map_err(backend)?;
    }
    if let Some(html) = &u.rendered {
        tx.prepare_cached(
            "INSERT OR REPLACE INTO renderings (item_id, rev, html) VALUES (?1, ?2, ?3)",
        )
        .and_then(|mut st| st.execute(params![u.item_id.0, u.expect_rev.0, html.to_string()]))
        .map_err(backend)?;
    }
    let mut audit = u.audit.clone();
    audit.revision = Some(RevisionNo(new_rev));
    append_audit(tx, &audit, Some(u.item_id))?;
    for e in &u.events {
        append_event(tx, e, at, Some(u.item_id))?;
    }
    item(tx, u.item_id)?.ok_or_else(|| StoreError::NotFound("item".into()))
}

pub(crate) fn slug_exists(c: &Connection, site: SiteId, slug: &str) -> Result<bool, StoreError> {
    c.prepare_cached("SELECT 1 FROM items WHERE site_id = ?1 AND slug = ?2")
        .and_then(|mut st| st.exists(params![site.0, slug]))
        .map_err(backend)
}

/// A revision row, its fields JSON and its rendered HTML JSON (when selected).
type RevisionRow = (RevisionRecordRaw, Option<String>, Option<String>);

fn revision_row(r: &Row<'_>, with_fields: bool) -> rusqlite::Result<RevisionRow> {
    revision_row_at(r, 0, with_fields)
}

/// A revision whose columns start at `at` in the row.
fn revision_row_at(r: &Row<'_>, at: usize, with_fields: bool) -> rusqlite::Result<RevisionRow> {
    Ok((
        RevisionRecordRaw {
            item_id: r.get(at)?,
            rev: r.get(at + 1)?,
            based_on: r.get(at + 2)?,
            title: r.get(at + 3)?,
            created_by: r.get(at + 4)?,
            created_at: r.get(at + 5)?,
        },
        if with_fields {
            Some(r.get(at + 6)?)
        } else {
            None
        },
        if with_fields { r.get(at + 7)? } else { None },
    ))
}

struct RevisionRecordRaw {
    item_id: i64,
    rev: u32,
    based_on: Option<u32>,
    title: String,
    created_by: i64,
    created_at: i64,
}

fn to_revision((r, fields, rendered): RevisionRow) -> Result<RevisionRecord, StoreError> {
    Ok(RevisionRecord {
        item_id: ItemId(r.item_id),
        rev: RevisionNo(r.rev),
        based_on: r.based_on.map(RevisionNo),
        title: r.title,
        fields: match fields {
            Some(f) => json(&f)?,
            None => serde_json::Value::Null,
        },
        rendered: match rendered {
            Some(h) => json(&h)?,
            None => serde_json::Value::Null,
        },
        created_by: UserId(r.created_by),
        created_at: time(r.created_at)?,
    })
}

pub(crate) fn revision(
    c: &Connection,
    item: ItemId,
    rev: RevisionNo,
) -> Result<Option<RevisionRecord>, StoreError> {
    c.prepare_cached(
        "SELECT r.item_id, r.rev, r.based_on, r.title, r.created_by, r.created_at, r.fields, h.html
         FROM revisions r LEFT JOIN renderings h ON h.item_id = r.item_id AND h.rev = r.rev
         WHERE r.item_id = ?1 AND r.rev = ?2",
    )
    .and_then(|mut st| {
        st.query_row(params![item.0, rev.0], |r| revision_row(r, true))
            .optional()
    })
    .map_err(backend)?
    .map(to_revision)
    .transpose()
}

pub(crate) fn revisions(c: &Connection, item: ItemId) -> Result<Vec<RevisionRecord>, StoreError> {
    let mut st = c
        .prepare_cached(
            "SELECT item_id, rev, based_on, title, created_by, created_at
             FROM revisions WHERE item_id = ?1 ORDER BY rev DESC",
        )
        .map_err(backend)?;
    let rows: Vec<_> = st
        .query_map(params![item.0], |r| revision_row(r, false))
        .map_err(backend)?
        .collect::<Result<_, _>>()
        .map_err(backend)?;
    rows.into_iter().map(to_revision).collect()
}

pub(crate) fn queue(
    c: &Connection,
    site: SiteId,
    states: &[State],
    limit: usize,
) -> Result<Vec<ItemRecord>, StoreError> {
    if states.is_empty() {
        return Ok(Vec::new());
    }
    let marks = (0..states.len())
        .map(|i| format!("?{}", i + 3))
        .collect::<Vec<_>>()
        .join(",");
    let sql = format!(
        "SELECT {ITEM_COLS} FROM items WHERE site_id = ?1 AND state IN ({marks})
         ORDER BY updated_at, id LIMIT ?2 + 0"
    );
    let mut values: Vec<rusqlite::types::Value> = vec![site.0.into(), (limit as i64).into()];
    values.extend(states.iter().map(|s| s.as_str().to_owned().into()));
    let mut st = c.prepare_cached(&sql).map_err(backend)?;
    let raws: Vec<RawItem> = st
        .query_map(params_from_iter(values), raw_item)
        .map_err(backend)?
        .collect::<Result<_, _>>()
        .map_err(backend)?;
    raws.into_iter().map(|r| finish(c, r)).collect()
}

pub(crate) fn due_scheduled(
    c: &Connection,
    now: i64,
    limit: usize,
) -> Result<Vec<ItemId>, StoreError> {
    let mut st = c
        .prepare_cached(
            "SELECT id FROM items WHERE state = 'scheduled' AND scheduled_at <= ?1
             ORDER BY scheduled_at LIMIT ?2 + 0",
        )
        .map_err(backend)?;
    let rows = st
        .query_map(params![now, limit as i64], |r| {
            r.get::<_, i64>(0).map(ItemId)
        })
        .map_err(backend)?;
    rows.collect::<Result<_, _>>().map_err(backend)
}

pub(crate) fn live_item_by_slug(
    c: &Connection,
    site: SiteId,
    slug: &str,
) -> Result<Option<(ItemRecord, RevisionRecord)>, StoreError> {
    let raw = c
        .prepare_cached(&format!(
            "SELECT {ITEM_COLS} FROM items WHERE site_id = ?1 AND slug = ?2 AND live = 1
             AND published_rev IS NOT NULL"
        ))
        .and_then(|mut st| st.query_row(params![site.0, slug], raw_item).optional())
        .map_err(backend)?;
    let Some(raw) = raw else { return Ok(None) };
    let item = finish(c, raw)?;
    let Some(rev_no) = item.published_rev else {
        return Ok(None);
    };
    let rev = revision(c, item.id, rev_no)?.ok_or_else(|| {
        StoreError::Corrupt(format!("item {} lacks its published revision", item.id))
    })?;
    Ok(Some((item, rev)))
}

fn with_published(
    c: &Connection,
    item: ItemRecord,
) -> Result<Option<(ItemRecord, RevisionRecord)>, StoreError> {
    let Some(rev_no) = item.published_rev else {
        return Ok(None);
    };
    let rev = revision(c, item.id, rev_no)?.ok_or_else(|| {
        StoreError::Corrupt(format!("item {} lacks its published revision", item.id))
    })?;
    Ok(Some((item, rev)))
}

pub(crate) fn live_item(
    c: &Connection,
    id: ItemId,
) -> Result<Option<(ItemRecord, RevisionRecord)>, StoreError> {
    match item(c, id)? {
        Some(i) if i.live => with_published(c, i),
        _ => Ok(None),
    }
}

/// Live rows with their published revisions (rows that lost it meanwhile are skipped).
fn live_pairs(
    c: &Connection,
    raws: Vec<RawItem>,
) -> Result<Vec<(ItemRecord, RevisionRecord)>, StoreError> {
    let mut out = Vec::with_capacity(raws.len());
    for r in raws {
        if let Some(pair) = with_published(c, finish(c, r)?)? {
            out.push(pair);
        }
    }
    Ok(out)
}

pub(crate) fn live_items(
    c: &Connection,
    after: ItemId,
    limit: usize,
) -> Result<Vec<(ItemRecord, RevisionRecord)>, StoreError> {
    let mut st = c
        .prepare_cached(&format!(
            "SELECT {ITEM_COLS} FROM items WHERE live = 1 AND id > ?1 ORDER BY id LIMIT ?2 + 0"
        ))
        .map_err(backend)?;
    let raws: Vec<RawItem> = st
        .query_map(params![after.0, limit as i64], raw_item)
        .map_err(backend)?
        .collect::<Result<_, _>>()
        .map_err(backend)?;
    live_pairs(c, raws)
}

pub(crate) fn list_live(
    c: &Connection,
    f: &ListFilter,
    cursor: Option<ListCursor>,
    limit: usize,
) -> Result<Vec<(ItemRecord, RevisionRecord)>, StoreError> {
    use rusqlite::types::Value as V;
    let item_cols = ITEM_COLS
        .split(',')
        .map(|c| format!("i.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    // A brief list comes in one query: the item, its channels and its revision without the
    // long fields (dropped when the revision was written).
    let brief_cols = if f.brief {
        ", (SELECT group_concat(channel_id, ',' ORDER BY position) FROM item_channels
            WHERE item_id = i.id),
         r.item_id, r.rev, r.based_on, r.title, r.created_by, r.created_at,
         COALESCE(r.brief, r.fields), NULL"
            .to_owned()
    } else {
        String::new()
    };
    let mut sql = format!(
        "SELECT {item_cols}{brief_cols} FROM items i
         JOIN revisions r ON r.item_id = i.id AND r.rev = i.published_rev
         WHERE i.live = 1"
    );
    let mut args: Vec<V> = Vec::new();
    fn cond(sql: &mut String, args: &mut Vec<V>, sql_part: &str, v: V) {
        args.push(v);
        sql.push_str(&format!(" AND {sql_part} ?{}", args.len()));
    }
    if let Some(s) = f.site {
        cond(&mut sql, &mut args, "i.site_id =", V::Integer(s.0));
    }
    if let Some(k) = f.kind {
        cond(
            &mut sql,
            &mut args,
            "i.kind =",
            V::Text(k.as_str().to_owned()),
        );
    }
    if let Some(ch) = f.channel {
        let part = "i.id IN (SELECT item_id FROM item_channels WHERE channel_id =";
        cond(&mut sql, &mut args, part, V::Integer(ch.0));
        sql.push(')');
    }
    for (col, v) in [
        ("r.doc_type", &f.doc_type),
        ("r.issuer", &f.issuer),
        ("r.field", &f.field),
        ("r.effect_status", &f.effect_status),
        ("r.level", &f.level),
    ] {
        if let Some(v) = v {
            cond(&mut sql, &mut args, &format!("{col} ="), V::Text(v.clone()));
        }
    }
    if let Some(y) = f.year {
        // Documents by their year of issue, everything else by first publication (UTC).
        let (from, to) = (
            chrono::NaiveDate::from_ymd_opt(y, 1, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc().timestamp_micros())
                .unwrap_or(i64::MIN),
            chrono::NaiveDate::from_ymd_opt(y + 1, 1, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc().timestamp_micros())
                .unwrap_or(i64::MAX),
        );
        args.push(V::Text(format!("{y:04}")));
        args.push(V::Integer(from));
        args.push(V::Integer(to));
        let n = args.len();
        sql.push_str(&format!(
            " AND (CASE WHEN r.issued_on IS NOT NULL THEN substr(r.issued_on, 1, 4) = ?{}
                   ELSE i.first_published_at >= ?{} AND i.first_published_at < ?{} END)",
            n - 2,
            n - 1,
            n
        ));
    }
    if let Some(cur) = cursor {
        args.push(V::Integer(cur.first_published_at));
        args.push(V::Integer(cur.id.0));
        let n = args.len();
        sql.push_str(&format!(
            " AND (i.first_published_at, i.id) < (?{}, ?{})",
            n - 1,
            n
        ));
    }
    args.push(V::Integer(limit as i64));
    sql.push_str(&format!(
        " ORDER BY i.first_published_at DESC, i.id DESC LIMIT ?{} + 0",
        args.len()
    ));
    let mut st = c.prepare_cached(&sql).map_err(backend)?;
    if !f.brief {
        let raws: Vec<RawItem> = st
            .query_map(params_from_iter(args), raw_item)
            .map_err(backend)?
            .collect::<Result<_, _>>()
            .map_err(backend)?;
        return live_pairs(c, raws);
    }
    let rows: Vec<(RawItem, Option<String>, RevisionRow)> = st
        .query_map(params_from_iter(args), |r| {
            Ok((raw_item(r)?, r.get(18)?, revision_row_at(r, 19, true)?))
        })
        .map_err(backend)?
        .collect::<Result<_, _>>()
        .map_err(backend)?;
    rows.into_iter()
        .map(|(raw, channels, rev)| {
            let channels = channels
                .unwrap_or_default()
                .split(',')
                .filter(|c| !c.is_empty())
                .map(|c| {
                    c.parse()
                        .map(ChannelId)
                        .map_err(|_| StoreError::Corrupt(format!("channel id '{c}'")))
                })
                .collect::<Result<_, _>>()?;
            Ok((finish_with(raw, channels)?, to_revision(rev)?))
        })
        .collect()
}

pub(crate) fn copies_of(c: &Connection, source: ItemId) -> Result<Vec<ItemRecord>, StoreError> {
    let mut st = c
        .prepare_cached(&format!(
            "SELECT {ITEM_COLS} FROM items WHERE source_item_id = ?1 ORDER BY id"
        ))
        .map_err(backend)?;
    let raws: Vec<RawItem> = st
        .query_map(params![source.0], raw_item)
        .map_err(backend)?
        .collect::<Result<_, _>>()
        .map_err(backend)?;
    raws.into_iter().map(|r| finish(c, r)).collect()
}

pub(crate) fn item_by_slug(
    c: &Connection,
    site: SiteId,
    slug: &str,
) -> Result<Option<ItemRecord>, StoreError> {
    let raw = c
        .prepare_cached(&format!(
            "SELECT {ITEM_COLS} FROM items WHERE site_id = ?1 AND slug = ?2"
        ))
        .and_then(|mut st| st.query_row(params![site.0, slug], raw_item).optional())
        .map_err(backend)?;
    raw.map(|r| finish(c, r)).transpose()
}
