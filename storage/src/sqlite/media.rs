//! The media library and which revisions refer to which files.

use super::backend;
use super::log::{append_audit, append_event};
use super::rows::{micros, time};
use portico_engine::{
    text::fold, AuditEntry, EventKind, ItemId, Media, MediaFile, MediaFilter, MediaId, MediaType,
    MediaUse, NewEvent, NewMediaRecord, SiteId, State, StoreError, UserId,
};
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};

const COLS: &str = "id, site_id, filename, title, type, size, checksum, width, height, public, \
                    uploaded_by, created_at, updated_at";

type RawMedia = (
    i64,
    i64,
    String,
    String,
    String,
    i64,
    String,
    Option<u32>,
    Option<u32>,
    bool,
    i64,
    i64,
    i64,
);

fn raw(r: &Row<'_>) -> rusqlite::Result<RawMedia> {
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

fn media(raw: RawMedia) -> Result<Media, StoreError> {
    let (id, site, filename, title, t, size, checksum, width, height, public, by, created, updated) =
        raw;
    let media_type = MediaType::parse(&t)
        .ok_or_else(|| StoreError::Corrupt(format!("media {id} has unknown type '{t}'")))?;
    Ok(Media {
        id: MediaId(id),
        site_id: SiteId(site),
        site: String::new(),
        filename,
        title,
        media_type,
        mime: media_type.mime(),
        size: u64::try_from(size).unwrap_or_default(),
        checksum,
        width,
        height,
        public,
        uploaded_by: UserId(by),
        created_at: time(created)?,
        updated_at: time(updated)?,
    })
}

fn folded(filename: &str, title: &str) -> String {
    fold(&format!("{filename} {title}"))
}

/// Appends the audit entry and the `media_changed` event of a library write.
fn log(tx: &Connection, m: &Media, change: &str, audit: &AuditEntry) -> Result<(), StoreError> {
    append_audit(tx, audit, None)?;
    let event = NewEvent {
        kind: EventKind::MediaChanged,
        site_id: Some(m.site_id),
        item_id: None,
        data: serde_json::json!({"media": m.id, "change": change, "checksum": m.checksum}),
    };
    append_event(tx, &event, micros(audit.at), None)
}

pub(crate) fn insert(
    tx: &Connection,
    m: &NewMediaRecord,
    audit: &AuditEntry,
) -> Result<Media, StoreError> {
    let f = &m.file;
    tx.execute(
        "INSERT INTO media (site_id, filename, title, folded, type, size, checksum, width, height,
                            public, uploaded_by, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10, ?11, ?11)",
        params![
            m.site_id.0,
            m.filename,
            m.title,
            folded(&m.filename, &m.title),
            f.media_type.as_str(),
            i64::try_from(f.size).unwrap_or(i64::MAX),
            f.checksum,
            f.width,
            f.height,
            m.uploaded_by.0,
            micros(m.at),
        ],
    )
    .map_err(backend)?;
    let id = MediaId(tx.last_insert_rowid());
    let stored = found(tx, id)?;
    log(tx, &stored, "uploaded", audit)?;
    Ok(stored)
}

fn found(c: &Connection, id: MediaId) -> Result<Media, StoreError> {
    get(c, id)?.ok_or_else(|| StoreError::NotFound(format!("media {id}")))
}

pub(crate) fn get(c: &Connection, id: MediaId) -> Result<Option<Media>, StoreError> {
    c.prepare_cached(&format!("SELECT {COLS} FROM media WHERE id = ?1"))
        .map_err(backend)?
        .query_row(params![id.0], raw)
        .optional()
        .map_err(backend)?
        .map(media)
        .transpose()
}

pub(crate) fn list(
    c: &Connection,
    site: SiteId,
    f: &MediaFilter,
) -> Result<Vec<Media>, StoreError> {
    let words: Vec<&str> = f
        .query
        .as_deref()
        .map(|q| q.split_whitespace().take(8).collect())
        .unwrap_or_default();
    let mut sql = format!(
        "SELECT {COLS} FROM media WHERE site_id = ?1 AND (?2 IS NULL OR type = ?2)
           AND (?3 IS NULL OR id < ?3)"
    );
    for i in 0..words.len() {
        sql.push_str(&format!(" AND instr(folded, ?{}) > 0", i + 5));
    }
    sql.push_str(" ORDER BY id DESC LIMIT ?4 + 0");
    let mut args: Vec<rusqlite::types::Value> = vec![
        site.0.into(),
        f.media_type.map(|t| t.as_str().to_owned()).into(),
        f.before.map(|b| b.0).into(),
        i64::try_from(f.limit).unwrap_or(50).into(),
    ];
    args.extend(words.iter().map(|w| (*w).to_owned().into()));
    let mut st = c.prepare(&sql).map_err(backend)?;
    let rows = st.query_map(params_from_iter(args), raw).map_err(backend)?;
    rows.map(|r| r.map_err(backend).and_then(media)).collect()
}

pub(crate) fn replace(
    tx: &Connection,
    id: MediaId,
    f: &MediaFile,
    audit: &AuditEntry,
) -> Result<Media, StoreError> {
    let n = tx
        .execute(
            "UPDATE media SET type = ?2, size = ?3, checksum = ?4, width = ?5, height = ?6,
                              updated_at = ?7
             WHERE id = ?1",
            params![
                id.0,
                f.media_type.as_str(),
                i64::try_from(f.size).unwrap_or(i64::MAX),
                f.checksum,
                f.width,
                f.height,
                micros(audit.at)
            ],
        )
        .map_err(backend)?;
    if n == 0 {
        return Err(StoreError::NotFound(format!("media {id}")));
    }
    let m = found(tx, id)?;
    log(tx, &m, "replaced", audit)?;
    Ok(m)
}

pub(crate) fn update(
    tx: &Connection,
    id: MediaId,
    public: bool,
    title: &str,
    audit: &AuditEntry,
) -> Result<Media, StoreError> {
    let before = found(tx, id)?;
    tx.execute(
        "UPDATE media SET public = ?2, title = ?3, folded = ?4, updated_at = ?5 WHERE id = ?1",
        params![
            id.0,
            public,
            title,
            folded(&before.filename, title),
            micros(audit.at)
        ],
    )
    .map_err(backend)?;
    let m = found(tx, id)?;
    let change = match (before.public, public) {
        (false, true) => "made_public",
        (true, false) => "made_private",
        _ => "updated",
    };
    log(tx, &m, change, audit)?;
    Ok(m)
}

pub(crate) fn delete(tx: &Connection, id: MediaId, audit: &AuditEntry) -> Result<(), StoreError> {
    let m = found(tx, id)?;
    tx.execute("DELETE FROM media WHERE id = ?1", params![id.0])
        .map_err(backend)?;
    log(tx, &m, "deleted", audit)
}

/// Records which files a newly written revision refers to.
pub(crate) fn link_revision(
    tx: &Connection,
    item: i64,
    rev: u32,
    media: &[MediaId],
) -> Result<(), StoreError> {
    if media.is_empty() {
        return Ok(());
    }
    let mut st = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO revision_media (media_id, item_id, rev) VALUES (?1, ?2, ?3)",
        )
        .map_err(backend)?;
    for m in media {
        st.execute(params![m.0, item, rev]).map_err(backend)?;
    }
    Ok(())
}

pub(crate) fn uses(c: &Connection, id: MediaId) -> Result<Vec<MediaUse>, StoreError> {
    let mut st = c
        .prepare_cached(
            "SELECT i.id, i.site_id, i.title, i.state,
                    max(i.live = 1 AND rm.rev = i.published_rev) AS published
             FROM revision_media rm JOIN items i ON i.id = rm.item_id
             WHERE rm.media_id = ?1
               AND (rm.rev = i.current_rev OR (i.live = 1 AND rm.rev = i.published_rev))
             GROUP BY i.id ORDER BY i.id LIMIT 1000",
        )
        .map_err(backend)?;
    let rows = st
        .query_map(params![id.0], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, bool>(4)?,
            ))
        })
        .map_err(backend)?;
    rows.map(|r| {
        let (item, site, title, state, published) = r.map_err(backend)?;
        Ok(MediaUse {
            item_id: ItemId(item),
            site: String::new(),
            site_id: SiteId(site),
            title,
            state: super::rows::name::<State>("item state", &state)?,
            published,
        })
    })
    .collect()
}

pub(crate) fn published(c: &Connection, id: MediaId) -> Result<bool, StoreError> {
    c.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM revision_media rm JOIN items i ON i.id = rm.item_id
                        WHERE rm.media_id = ?1 AND i.live = 1 AND rm.rev = i.published_rev)",
    )
    .and_then(|mut st| st.query_row(params![id.0], |r| r.get(0)))
    .map_err(backend)
}

pub(crate) fn checksum_uses(c: &Connection, checksum: &str) -> Result<u64, StoreError> {
    c.prepare_cached("SELECT count(*) FROM media WHERE checksum = ?1")
        .and_then(|mut st| st.query_row(params![checksum], |r| r.get::<_, i64>(0)))
        .map(|n| u64::try_from(n).unwrap_or_default())
        .map_err(backend)
}
