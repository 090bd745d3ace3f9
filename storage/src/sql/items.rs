//! Items and revisions.

use super::log::{append_audit, append_event};
use super::rows::{json, micros, name, opt_time, time};
use super::{args, duplicate, Db, Dialect, Row, Value};
use portico_engine::{
    ChannelId, ItemId, ItemListFilter, ItemRecord, ItemSort, ItemUpdate, ListCursor, ListFilter,
    ListOrder, NewItemRecord, NewRevision, RevisionNo, RevisionRecord, SiteId, State, StateCount,
    StoreError, UserId,
};

const ITEM_COLS: &str = "id, site_id, kind, slug, state, owner_id, created_by, current_rev,
    published_rev, live, scheduled_at, created_at, updated_at, first_published_at, published_at, title,
    source_item_id, source_changed";

/// How many columns `ITEM_COLS` has.
const ITEM_WIDTH: usize = 18;

/// The revision's fields without the long ones, as SQL over the JSON text `json`.
fn brief_of(dialect: Dialect, json: &str) -> String {
    match dialect {
        Dialect::Sqlite => {
            let paths: Vec<String> = portico_engine::LONG_FIELDS
                .iter()
                .map(|f| format!("'$.{f}'"))
                .collect();
            format!("json_remove({json}, {})", paths.join(", "))
        }
        Dialect::Postgres => {
            let keys: String = portico_engine::LONG_FIELDS
                .iter()
                .map(|f| format!(" - '{f}'"))
                .collect();
            format!("CAST(CAST(CAST({json} AS text) AS jsonb){keys} AS text)")
        }
    }
}

/// An item from a row whose first `ITEM_WIDTH` columns are `ITEM_COLS`.
fn item_row(r: &Row, channels: Vec<ChannelId>) -> Result<ItemRecord, StoreError> {
    Ok(ItemRecord {
        id: ItemId(r.get(0)?),
        site_id: SiteId(r.get(1)?),
        kind: name("kind", &r.get::<String>(2)?)?,
        slug: r.get(3)?,
        state: name("state", &r.get::<String>(4)?)?,
        owner_id: UserId(r.get(5)?),
        created_by: UserId(r.get(6)?),
        current_rev: RevisionNo(r.get(7)?),
        published_rev: r.get::<Option<u32>>(8)?.map(RevisionNo),
        live: r.get(9)?,
        scheduled_at: opt_time(r.get(10)?)?,
        created_at: time(r.get(11)?)?,
        updated_at: time(r.get(12)?)?,
        first_published_at: opt_time(r.get(13)?)?,
        published_at: opt_time(r.get(14)?)?,
        title: r.get(15)?,
        channels,
        source_item_id: r.get::<Option<i64>>(16)?.map(ItemId),
        source_changed: r.get(17)?,
    })
}

/// An item row with its channels read from `item_channels`.
fn finish(c: &dyn Db, r: &Row) -> Result<ItemRecord, StoreError> {
    let channels = c
        .column(
            "SELECT channel_id FROM item_channels WHERE item_id = ?1 ORDER BY position",
            args![r.get::<i64>(0)?],
        )?
        .into_iter()
        .map(ChannelId)
        .collect();
    item_row(r, channels)
}

fn finish_all(c: &dyn Db, rows: Vec<Row>) -> Result<Vec<ItemRecord>, StoreError> {
    rows.iter().map(|r| finish(c, r)).collect()
}

pub(crate) fn item(c: &dyn Db, id: ItemId) -> Result<Option<ItemRecord>, StoreError> {
    c.opt_row(
        &format!("SELECT {ITEM_COLS} FROM items WHERE id = ?1"),
        args![id.0],
    )?
    .map(|r| finish(c, &r))
    .transpose()
}

#[allow(clippy::too_many_arguments)]
fn insert_revision(
    tx: &dyn Db,
    item: i64,
    rev: u32,
    based_on: Option<u32>,
    r: &NewRevision,
    at: i64,
    channels: &[ChannelId],
) -> Result<(), StoreError> {
    let c = &r.columns;
    tx.execute(
        &format!(
            "INSERT INTO revisions (item_id, rev, based_on, title, fields, number, doc_type, issuer,
                     field, issued_on, effect_status, code, level, created_by, created_at, channels,
                     brief)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, {})",
            brief_of(tx.dialect(), "?5")
        ),
        args![
            item,
            rev,
            based_on,
            &r.title,
            r.fields.to_string(),
            &c.number,
            &c.doc_type,
            &c.issuer,
            &c.field,
            &c.issued_on,
            &c.effect_status,
            &c.code,
            &c.level,
            r.created_by.0,
            at,
            channels_text(channels),
        ],
    )?;
    super::media::link_revision(tx, item, rev, &c.media)
}

/// Channel ids as stored in `revisions.channels` and aggregated for brief lists: "3,7".
fn parse_channels(text: &str) -> Result<Vec<ChannelId>, StoreError> {
    text.split(',')
        .filter(|c| !c.is_empty())
        .map(|c| {
            c.parse()
                .map(ChannelId)
                .map_err(|_| StoreError::Corrupt(format!("channel id '{c}'")))
        })
        .collect()
}

fn channels_text(channels: &[ChannelId]) -> String {
    channels
        .iter()
        .map(|c| c.0.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn set_channels(tx: &dyn Db, item: i64, channels: &[ChannelId]) -> Result<(), StoreError> {
    tx.execute("DELETE FROM item_channels WHERE item_id = ?1", args![item])?;
    for (i, c) in channels.iter().enumerate() {
        tx.execute(
            "INSERT INTO item_channels (item_id, channel_id, position) VALUES (?1, ?2, ?3)
             ON CONFLICT DO NOTHING",
            args![item, c.0, i],
        )?;
    }
    Ok(())
}

pub(crate) fn insert_item(tx: &dyn Db, n: &NewItemRecord) -> Result<ItemRecord, StoreError> {
    let at = micros(n.at);
    let id: i64 = tx
        .value(
            "INSERT INTO items (site_id, kind, slug, state, owner_id, created_by, current_rev,
                 live, created_at, updated_at, title, source_item_id)
             VALUES (?1, ?2, ?3, ?7, ?4, ?4, 1, 0, ?5, ?5, ?6, ?8) RETURNING id",
            args![
                n.site_id.0,
                n.kind.as_str(),
                &n.slug,
                n.created_by.0,
                at,
                &n.revision.title,
                n.state.as_str(),
                n.source_item_id.map(|i| i.0),
            ],
        )
        .map_err(|e| {
            duplicate(e, "slug", || {
                format!("the site already has an item with slug '{}'", n.slug)
            })
        })?;
    insert_revision(tx, id, 1, None, &n.revision, at, &n.channels)?;
    set_channels(tx, id, &n.channels)?;
    append_audit(tx, &n.audit, Some(ItemId(id)))?;
    for e in &n.events {
        append_event(tx, e, at, Some(ItemId(id)))?;
    }
    item(tx, ItemId(id))?.ok_or_else(|| StoreError::NotFound("item".into()))
}

pub(crate) fn update_item(tx: &dyn Db, u: &ItemUpdate) -> Result<ItemRecord, StoreError> {
    let at = micros(u.at);
    // On PostgreSQL several nodes write at once: the row lock makes the compare-and-swap
    // below atomic (SQLite has one writer at a time).
    let lock = match tx.dialect() {
        Dialect::Sqlite => "",
        Dialect::Postgres => " FOR UPDATE",
    };
    let current = tx.opt_row(
        &format!("SELECT current_rev, state, live, published_rev FROM items WHERE id = ?1{lock}"),
        args![u.item_id.0],
    )?;
    let Some(current) = current else {
        return Err(StoreError::NotFound(format!("item {}", u.item_id)));
    };
    let rev: u32 = current.get(0)?;
    if rev != u.expect_rev.0 {
        return Err(StoreError::StaleRevision { current: rev });
    }
    let state: State = name("state", &current.get::<String>(1)?)?;
    if state != u.expect_state {
        return Err(StoreError::StaleState { current: state });
    }
    let was_public = public_revision(current.get(2)?, current.get(3)?, rev);
    let new_rev = match &u.new_revision {
        Some(r) => {
            let no = rev + 1;
            let channels = match &u.channels {
                Some(c) => c.clone(),
                None => revision_channels(tx, u.item_id.0, rev)?,
            };
            insert_revision(tx, u.item_id.0, no, Some(rev), r, at, &channels)?;
            no
        }
        None => rev,
    };
    let title = u.new_revision.as_ref().map(|r| r.title.as_str());
    tx.execute(
        "UPDATE items SET state = ?2, owner_id = ?3, current_rev = ?4, published_rev = ?5,
             live = ?6, scheduled_at = ?7, first_published_at = ?8, published_at = ?9,
             updated_at = ?10, title = COALESCE(?11, title)
         WHERE id = ?1",
        args![
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
        ],
    )?;
    // The public item is filed under the channels of the revision it shows, so they change
    // only when that revision does (publish, withdraw, a new draft of an unpublished item).
    let public_rev = public_revision(u.live, u.published_rev.map(|r| r.0), new_rev);
    if let Some(public_rev) = public_rev.filter(|r| Some(*r) != was_public) {
        let channels = revision_channels(tx, u.item_id.0, public_rev)?;
        set_channels(tx, u.item_id.0, &channels)?;
    }
    if u.published_anew {
        tx.execute(
            "UPDATE items SET source_changed = 1 WHERE source_item_id = ?1",
            args![u.item_id.0],
        )?;
        tx.execute(
            "UPDATE items SET source_changed = 0 WHERE id = ?1",
            args![u.item_id.0],
        )?;
    }
    if let Some(html) = &u.rendered {
        tx.execute(
            "INSERT INTO renderings (item_id, rev, html) VALUES (?1, ?2, ?3)
             ON CONFLICT (item_id, rev) DO UPDATE SET html = excluded.html",
            args![u.item_id.0, u.expect_rev.0, html.to_string()],
        )?;
    }
    let mut audit = u.audit.clone();
    audit.revision = Some(RevisionNo(new_rev));
    append_audit(tx, &audit, Some(u.item_id))?;
    for e in &u.events {
        append_event(tx, e, at, Some(u.item_id))?;
    }
    item(tx, u.item_id)?.ok_or_else(|| StoreError::NotFound("item".into()))
}

/// The revision whose channels `item_channels` holds: the published one while the item is
/// live (a draft's new channels wait for approval), the current one otherwise.
fn public_revision(live: bool, published: Option<u32>, current: u32) -> Option<u32> {
    if live {
        published
    } else {
        Some(current)
    }
}

/// The channels a revision files the item under; for revisions older than that column, the
/// item's channels.
fn revision_channels(tx: &dyn Db, item: i64, rev: u32) -> Result<Vec<ChannelId>, StoreError> {
    let stored: Option<String> = tx
        .opt_row(
            "SELECT channels FROM revisions WHERE item_id = ?1 AND rev = ?2",
            args![item, rev],
        )?
        .map(|r| r.get(0))
        .transpose()?
        .flatten();
    match stored {
        Some(text) => parse_channels(&text),
        None => Ok(tx
            .column(
                "SELECT channel_id FROM item_channels WHERE item_id = ?1 ORDER BY position",
                args![item],
            )?
            .into_iter()
            .map(ChannelId)
            .collect()),
    }
}

pub(crate) fn slug_exists(c: &dyn Db, site: SiteId, slug: &str) -> Result<bool, StoreError> {
    Ok(c.exists(
        "SELECT 1 FROM items WHERE site_id = ?1 AND slug = ?2",
        args![site.0, slug],
    )?)
}

/// The revision columns `revision_at` reads before the fields and the rendered HTML.
const REVISION_COLS: &str =
    "r.item_id, r.rev, r.based_on, r.title, r.created_by, r.created_at, r.channels";

/// A revision whose columns (`REVISION_COLS`, then optionally fields and rendered HTML as
/// JSON text) start at `at` in the row.
fn revision_at(r: &Row, at: usize, with_fields: bool) -> Result<RevisionRecord, StoreError> {
    let (fields, rendered) = if with_fields {
        (
            r.get::<Option<String>>(at + 7)?,
            r.get::<Option<String>>(at + 8)?,
        )
    } else {
        (None, None)
    };
    let json_or_null = |v: Option<String>| match v {
        Some(s) => json(&s),
        None => Ok(serde_json::Value::Null),
    };
    Ok(RevisionRecord {
        item_id: ItemId(r.get(at)?),
        rev: RevisionNo(r.get(at + 1)?),
        based_on: r.get::<Option<u32>>(at + 2)?.map(RevisionNo),
        title: r.get(at + 3)?,
        fields: json_or_null(fields)?,
        rendered: json_or_null(rendered)?,
        channels: r
            .get::<Option<String>>(at + 6)?
            .map(|c| parse_channels(&c))
            .transpose()?,
        created_by: UserId(r.get(at + 4)?),
        created_at: time(r.get(at + 5)?)?,
    })
}

pub(crate) fn revision(
    c: &dyn Db,
    item: ItemId,
    rev: RevisionNo,
) -> Result<Option<RevisionRecord>, StoreError> {
    c.opt_row(
        &format!(
            "SELECT {REVISION_COLS}, r.fields, h.html
             FROM revisions r LEFT JOIN renderings h ON h.item_id = r.item_id AND h.rev = r.rev
             WHERE r.item_id = ?1 AND r.rev = ?2"
        ),
        args![item.0, rev.0],
    )?
    .map(|r| revision_at(&r, 0, true))
    .transpose()
}

pub(crate) fn revisions(c: &dyn Db, item: ItemId) -> Result<Vec<RevisionRecord>, StoreError> {
    c.query(
        &format!(
            "SELECT {REVISION_COLS} FROM revisions r WHERE r.item_id = ?1 ORDER BY r.rev DESC"
        ),
        args![item.0],
    )?
    .iter()
    .map(|r| revision_at(r, 0, false))
    .collect()
}

pub(crate) fn queue(
    c: &dyn Db,
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
    let mut values: Vec<Value> = vec![site.0.into(), limit.into()];
    values.extend(states.iter().map(|s| s.as_str().into()));
    let rows = c.query(&sql, &values)?;
    finish_all(c, rows)
}

/// Item rows with their channels read in one query for the whole page, not one per item.
fn finish_page(c: &dyn Db, rows: Vec<Row>) -> Result<Vec<ItemRecord>, StoreError> {
    let ids = rows
        .iter()
        .map(|r| r.get::<i64>(0))
        .collect::<Result<Vec<_>, _>>()?;
    let mut channels: std::collections::HashMap<i64, Vec<ChannelId>> = Default::default();
    if !ids.is_empty() {
        let marks = (1..=ids.len())
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(",");
        let values: Vec<Value> = ids.iter().map(|&id| id.into()).collect();
        for r in c.query(
            &format!(
                "SELECT item_id, channel_id FROM item_channels WHERE item_id IN ({marks})
                 ORDER BY item_id, position"
            ),
            &values,
        )? {
            channels
                .entry(r.get(0)?)
                .or_default()
                .push(ChannelId(r.get(1)?));
        }
    }
    rows.iter()
        .map(|r| item_row(r, channels.remove(&r.get::<i64>(0)?).unwrap_or_default()))
        .collect()
}

pub(crate) fn list_items(
    c: &dyn Db,
    site: SiteId,
    f: &ItemListFilter,
    limit: usize,
) -> Result<Vec<ItemRecord>, StoreError> {
    let mut sql = format!("SELECT {ITEM_COLS} FROM items WHERE site_id = ?1");
    let mut args: Vec<Value> = vec![site.0.into()];
    let arg = |args: &mut Vec<Value>, v: Value| {
        args.push(v);
        format!("?{}", args.len())
    };
    if let Some(k) = f.kind {
        sql += &format!(" AND kind = {}", arg(&mut args, k.as_str().into()));
    }
    if let Some(s) = f.state {
        sql += &format!(" AND state = {}", arg(&mut args, s.as_str().into()));
    }
    if let Some(o) = f.owner {
        sql += &format!(" AND owner_id = {}", arg(&mut args, o.0.into()));
    }
    if let Some(ch) = f.channel {
        sql += &format!(
            " AND id IN (SELECT item_id FROM item_channels WHERE channel_id = {})",
            arg(&mut args, ch.0.into())
        );
    }
    if let Some(t) = f.text.as_deref().filter(|t| !t.trim().is_empty()) {
        let pattern = |s: &str| format!("%{}%", s.replace(['%', '_', '\\'], ""));
        let lower = arg(&mut args, pattern(&t.to_lowercase()).into());
        let slug = portico_engine::text::slugify(t, 200);
        if slug.is_empty() {
            sql += &format!(" AND LOWER(title) LIKE {lower}");
        } else {
            let slug = arg(&mut args, pattern(&slug).into());
            sql += &format!(" AND (LOWER(title) LIKE {lower} OR slug LIKE {slug})");
        }
    }
    let (col, order, cmp) = match f.sort {
        ItemSort::Newest => ("updated_at", "DESC", "<"),
        ItemSort::Oldest => ("updated_at", "ASC", ">"),
        ItemSort::Created => ("created_at", "DESC", "<"),
    };
    if let Some(after) = f.after {
        let key = arg(&mut args, after.key.into());
        let id = arg(&mut args, after.id.0.into());
        sql += &format!(" AND ({col} {cmp} {key} OR ({col} = {key} AND id {cmp} {id}))");
    }
    let limit = arg(&mut args, limit.into());
    sql += &format!(" ORDER BY {col} {order}, id {order} LIMIT {limit} + 0");
    let rows = c.query(&sql, &args)?;
    finish_page(c, rows)
}

pub(crate) fn waiting_counts(
    c: &dyn Db,
    sites: Option<&[SiteId]>,
) -> Result<Vec<StateCount>, StoreError> {
    let mut sql = "SELECT site_id, state, COUNT(*) FROM items
         WHERE state IN ('draft', 'in_review', 'in_approval', 'scheduled')"
        .to_owned();
    let mut values: Vec<Value> = Vec::new();
    if let Some(sites) = sites {
        if sites.is_empty() {
            return Ok(Vec::new());
        }
        let marks = (1..=sites.len())
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(",");
        sql += &format!(" AND site_id IN ({marks})");
        values.extend(sites.iter().map(|s| Value::from(s.0)));
    }
    sql += " GROUP BY site_id, state ORDER BY site_id, state";
    c.query(&sql, &values)?
        .iter()
        .map(|r| {
            Ok(StateCount {
                site: SiteId(r.get(0)?),
                state: name("state", &r.get::<String>(1)?)?,
                count: u64::try_from(r.get::<i64>(2)?).unwrap_or(0),
            })
        })
        .collect()
}

pub(crate) fn due_scheduled(c: &dyn Db, now: i64, limit: usize) -> Result<Vec<ItemId>, StoreError> {
    Ok(c.column(
        "SELECT id FROM items WHERE state = 'scheduled' AND scheduled_at <= ?1
             ORDER BY scheduled_at LIMIT ?2 + 0",
        args![now, limit],
    )?
    .into_iter()
    .map(ItemId)
    .collect())
}

pub(crate) fn live_item_by_slug(
    c: &dyn Db,
    site: SiteId,
    slug: &str,
) -> Result<Option<(ItemRecord, RevisionRecord)>, StoreError> {
    let row = c.opt_row(
        &format!(
            "SELECT {ITEM_COLS} FROM items WHERE site_id = ?1 AND slug = ?2 AND live = 1
             AND published_rev IS NOT NULL"
        ),
        args![site.0, slug],
    )?;
    let Some(row) = row else { return Ok(None) };
    with_published(c, finish(c, &row)?)
}

fn with_published(
    c: &dyn Db,
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
    c: &dyn Db,
    id: ItemId,
) -> Result<Option<(ItemRecord, RevisionRecord)>, StoreError> {
    match item(c, id)? {
        Some(i) if i.live => with_published(c, i),
        _ => Ok(None),
    }
}

/// Live rows with their published revisions (rows that lost it meanwhile are skipped).
fn live_pairs(c: &dyn Db, rows: Vec<Row>) -> Result<Vec<(ItemRecord, RevisionRecord)>, StoreError> {
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        if let Some(pair) = with_published(c, finish(c, r)?)? {
            out.push(pair);
        }
    }
    Ok(out)
}

pub(crate) fn live_items(
    c: &dyn Db,
    after: ItemId,
    limit: usize,
) -> Result<Vec<(ItemRecord, RevisionRecord)>, StoreError> {
    let rows = c.query(
        &format!(
            "SELECT {ITEM_COLS} FROM items WHERE live = 1 AND id > ?1 ORDER BY id LIMIT ?2 + 0"
        ),
        args![after.0, limit],
    )?;
    live_pairs(c, rows)
}

/// The SQL that lists an item's channels, comma-separated, in the editor's order.
fn channel_list(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => {
            "(SELECT group_concat(channel_id, ',' ORDER BY position) FROM item_channels
              WHERE item_id = i.id)"
        }
        Dialect::Postgres => {
            "(SELECT string_agg(CAST(channel_id AS text), ',' ORDER BY position)
              FROM item_channels WHERE item_id = i.id)"
        }
    }
}

pub(crate) fn live_issuers(c: &dyn Db, site: SiteId) -> Result<Vec<String>, StoreError> {
    c.column(
        "SELECT DISTINCT r.issuer FROM items i
         JOIN revisions r ON r.item_id = i.id AND r.rev = i.published_rev
         WHERE i.live = 1 AND i.site_id = ?1 AND i.kind = 'document' AND r.issuer IS NOT NULL
         ORDER BY r.issuer LIMIT 300",
        args![site.0],
    )
    .map_err(Into::into)
}

pub(crate) fn list_live(
    c: &dyn Db,
    f: &ListFilter,
    cursor: Option<ListCursor>,
    limit: usize,
) -> Result<Vec<(ItemRecord, RevisionRecord)>, StoreError> {
    let item_cols = ITEM_COLS
        .split(',')
        .map(|c| format!("i.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    // A brief list comes in one query: the item, its channels and its revision without the
    // long fields (dropped when the revision was written).
    let brief_cols = if f.brief {
        format!(
            ", {}, {REVISION_COLS}, COALESCE(r.brief, r.fields), NULL",
            channel_list(c.dialect())
        )
    } else {
        String::new()
    };
    let mut sql = format!(
        "SELECT {item_cols}{brief_cols} FROM items i
         JOIN revisions r ON r.item_id = i.id AND r.rev = i.published_rev
         WHERE i.live = 1"
    );
    let mut args: Vec<Value> = Vec::new();
    fn cond(sql: &mut String, args: &mut Vec<Value>, sql_part: &str, v: Value) {
        args.push(v);
        sql.push_str(&format!(" AND {sql_part} ?{}", args.len()));
    }
    if let Some(s) = f.site {
        cond(&mut sql, &mut args, "i.site_id =", s.0.into());
    }
    if let Some(k) = f.kind {
        cond(&mut sql, &mut args, "i.kind =", k.as_str().into());
    }
    if let Some(ch) = f.channel {
        // Checked per candidate through the (item, channel) key as the site's index is
        // walked newest first; `IN (SELECT ...)` would first gather the whole channel, which
        // grows with the years of a portal's news.
        let part =
            "EXISTS (SELECT 1 FROM item_channels ic WHERE ic.item_id = i.id AND ic.channel_id =";
        cond(&mut sql, &mut args, part, ch.0.into());
        sql.push(')');
    }
    let status = f.effect_status.map(|s| s.as_str().to_owned());
    let level = f.level.map(|l| l.as_str().to_owned());
    for (col, v) in [
        ("r.doc_type", &f.doc_type),
        ("r.issuer", &f.issuer),
        ("r.field", &f.field),
        ("r.effect_status", &status),
        ("r.level", &level),
    ] {
        if let Some(v) = v {
            cond(&mut sql, &mut args, &format!("{col} ="), v.into());
        }
    }
    if f.year_from.is_some() || f.year_to.is_some() {
        // Documents by their year of issue, everything else by first publication (UTC).
        let (first, last) = (f.year_from.unwrap_or(0), f.year_to.unwrap_or(9998));
        let start = |y: i32| {
            chrono::NaiveDate::from_ymd_opt(y, 1, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc().timestamp_micros())
        };
        args.push(format!("{first:04}").into());
        args.push(format!("{last:04}").into());
        args.push(start(first).unwrap_or(i64::MIN).into());
        args.push(start(last.saturating_add(1)).unwrap_or(i64::MAX).into());
        let n = args.len();
        sql.push_str(&format!(
            " AND (CASE WHEN r.issued_on IS NOT NULL
                        THEN substr(r.issued_on, 1, 4) >= ?{} AND substr(r.issued_on, 1, 4) <= ?{}
                   ELSE i.first_published_at >= ?{} AND i.first_published_at < ?{} END)",
            n - 3,
            n - 2,
            n - 1,
            n
        ));
    }
    for w in &f.words {
        // Words are folded to a-z and 0-9 (`text::slugify`), so hold no LIKE wildcards.
        cond(&mut sql, &mut args, "i.slug LIKE", format!("%{w}%").into());
    }
    let (key, order) = match f.order {
        ListOrder::FirstPublished => (
            "i.first_published_at",
            "i.first_published_at DESC, i.id DESC",
        ),
        ListOrder::IssuedOn => ("r.issued_on", "r.issued_on DESC, i.id DESC"),
    };
    if let Some(cur) = cursor {
        let key_value: Value = match f.order {
            ListOrder::FirstPublished => cur.key.into(),
            // `20240305` back to the column's `2024-03-05`.
            ListOrder::IssuedOn => format!(
                "{:04}-{:02}-{:02}",
                cur.key / 10_000,
                cur.key / 100 % 100,
                cur.key % 100
            )
            .into(),
        };
        args.push(key_value);
        args.push(cur.id.0.into());
        let n = args.len();
        sql.push_str(&format!(
            " AND ({key} < ?{a} OR ({key} = ?{a} AND i.id < ?{b}))",
            a = n - 1,
            b = n
        ));
    }
    args.push(limit.into());
    sql.push_str(&format!(" ORDER BY {order} LIMIT ?{} + 0", args.len()));
    let rows = c.query(&sql, &args)?;
    if !f.brief {
        return live_pairs(c, rows);
    }
    rows.iter()
        .map(|r| {
            let channels =
                parse_channels(&r.get::<Option<String>>(ITEM_WIDTH)?.unwrap_or_default())?;
            Ok((
                item_row(r, channels)?,
                revision_at(r, ITEM_WIDTH + 1, true)?,
            ))
        })
        .collect()
}

pub(crate) fn copies_of(c: &dyn Db, source: ItemId) -> Result<Vec<ItemRecord>, StoreError> {
    let rows = c.query(
        &format!("SELECT {ITEM_COLS} FROM items WHERE source_item_id = ?1 ORDER BY id"),
        args![source.0],
    )?;
    finish_all(c, rows)
}

pub(crate) fn item_by_slug(
    c: &dyn Db,
    site: SiteId,
    slug: &str,
) -> Result<Option<ItemRecord>, StoreError> {
    c.opt_row(
        &format!("SELECT {ITEM_COLS} FROM items WHERE site_id = ?1 AND slug = ?2"),
        args![site.0, slug],
    )?
    .map(|r| finish(c, &r))
    .transpose()
}

pub(crate) fn live_count(c: &dyn Db) -> Result<u64, StoreError> {
    let n: i64 = c.value("SELECT COUNT(*) FROM items WHERE live = 1", &[])?;
    Ok(u64::try_from(n).unwrap_or_default())
}
