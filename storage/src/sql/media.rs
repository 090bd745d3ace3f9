//! The media library and which revisions refer to which files.

use super::log::{append_audit, append_event};
use super::rows::{micros, time};
use super::{args, Db, Dialect, Row, Value};
use portico_engine::{
    text::fold, AttachmentText, AuditEntry, FileText, FileToRead, ItemId, Media, MediaEvent,
    MediaFile, MediaFilter, MediaId, MediaType, MediaUse, NewMediaRecord, SiteId, State,
    StoreError, TextEvent, UserId,
};

const COLS: &str = "id, site_id, filename, title, type, size, checksum, width, height, public, \
                    uploaded_by, created_at, updated_at, alt";

fn media(r: &Row) -> Result<Media, StoreError> {
    let id: i64 = r.get(0)?;
    let t: String = r.get(4)?;
    let media_type = MediaType::parse(&t)
        .ok_or_else(|| StoreError::Corrupt(format!("media {id} has unknown type '{t}'")))?;
    Ok(Media {
        id: MediaId(id),
        site_id: SiteId(r.get(1)?),
        site: String::new(),
        filename: r.get(2)?,
        title: r.get(3)?,
        media_type,
        mime: media_type.mime(),
        size: r.get::<i64>(5)?.try_into().unwrap_or_default(),
        checksum: r.get(6)?,
        width: r.get(7)?,
        height: r.get(8)?,
        public: r.get(9)?,
        uploaded_by: UserId(r.get(10)?),
        created_at: time(r.get(11)?)?,
        updated_at: time(r.get(12)?)?,
        alt: r.get(13)?,
    })
}

fn folded(filename: &str, title: &str) -> String {
    fold(&format!("{filename} {title}"))
}

/// Appends the audit entry and the engine's `media_changed` event of a library write.
fn log(
    tx: &dyn Db,
    m: &Media,
    event: MediaEvent<'_>,
    audit: &AuditEntry,
) -> Result<(), StoreError> {
    append_audit(tx, audit, None)?;
    append_event(tx, &event(m), micros(audit.at), None)
}

pub(crate) fn insert(
    tx: &dyn Db,
    m: &NewMediaRecord,
    audit: &AuditEntry,
    event: MediaEvent<'_>,
) -> Result<Media, StoreError> {
    let f = &m.file;
    let id: i64 = tx.value(
        "INSERT INTO media (site_id, filename, title, folded, type, size, checksum, width, height,
                            public, uploaded_by, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10, ?11, ?11) RETURNING id",
        args![
            m.site_id.0,
            &m.filename,
            &m.title,
            folded(&m.filename, &m.title),
            f.media_type.as_str(),
            f.size,
            &f.checksum,
            f.width,
            f.height,
            m.uploaded_by.0,
            micros(m.at),
        ],
    )?;
    let stored = found(tx, MediaId(id))?;
    log(tx, &stored, event, audit)?;
    Ok(stored)
}

fn found(c: &dyn Db, id: MediaId) -> Result<Media, StoreError> {
    get(c, id)?.ok_or_else(|| StoreError::NotFound(format!("media {id}")))
}

pub(crate) fn get(c: &dyn Db, id: MediaId) -> Result<Option<Media>, StoreError> {
    c.opt_row(
        &format!("SELECT {COLS} FROM media WHERE id = ?1"),
        args![id.0],
    )?
    .map(|r| media(&r))
    .transpose()
}

pub(crate) fn list(c: &dyn Db, site: SiteId, f: &MediaFilter) -> Result<Vec<Media>, StoreError> {
    let words: Vec<&str> = f
        .query
        .as_deref()
        .map(|q| q.split_whitespace().take(8).collect())
        .unwrap_or_default();
    let mut sql = format!(
        "SELECT {COLS} FROM media WHERE site_id = ?1 AND (CAST(?2 AS TEXT) IS NULL OR type = ?2)
           AND (CAST(?3 AS BIGINT) IS NULL OR id < ?3)"
    );
    let contains = match c.dialect() {
        Dialect::Sqlite => "instr",
        Dialect::Postgres => "strpos",
    };
    for i in 0..words.len() {
        sql.push_str(&format!(" AND {contains}(folded, ?{}) > 0", i + 5));
    }
    sql.push_str(" ORDER BY id DESC LIMIT ?4 + 0");
    let mut args: Vec<Value> = vec![
        site.0.into(),
        f.media_type.map(|t| t.as_str()).into(),
        f.before.map(|b| b.0).into(),
        f.limit.into(),
    ];
    args.extend(words.iter().map(|w| (*w).into()));
    c.query(&sql, &args)?.iter().map(media).collect()
}

pub(crate) fn replace(
    tx: &dyn Db,
    id: MediaId,
    f: &MediaFile,
    audit: &AuditEntry,
    event: MediaEvent<'_>,
) -> Result<Media, StoreError> {
    let n = tx.execute(
        "UPDATE media SET type = ?2, size = ?3, checksum = ?4, width = ?5, height = ?6,
                          updated_at = ?7
         WHERE id = ?1",
        args![
            id.0,
            f.media_type.as_str(),
            f.size,
            &f.checksum,
            f.width,
            f.height,
            micros(audit.at)
        ],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound(format!("media {id}")));
    }
    let m = found(tx, id)?;
    log(tx, &m, event, audit)?;
    Ok(m)
}

pub(crate) fn update(
    tx: &dyn Db,
    id: MediaId,
    public: bool,
    title: &str,
    alt: &str,
    audit: &AuditEntry,
    event: MediaEvent<'_>,
) -> Result<Media, StoreError> {
    let before = found(tx, id)?;
    tx.execute(
        "UPDATE media SET public = ?2, title = ?3, folded = ?4, updated_at = ?5, alt = ?6
         WHERE id = ?1",
        args![
            id.0,
            public,
            title,
            folded(&before.filename, title),
            micros(audit.at),
            alt
        ],
    )?;
    let m = found(tx, id)?;
    log(tx, &m, event, audit)?;
    Ok(m)
}

pub(crate) fn delete(
    tx: &dyn Db,
    id: MediaId,
    audit: &AuditEntry,
    event: MediaEvent<'_>,
) -> Result<(), StoreError> {
    let m = found(tx, id)?;
    tx.execute("DELETE FROM media WHERE id = ?1", args![id.0])?;
    log(tx, &m, event, audit)
}

/// Records which files a newly written revision refers to.
pub(crate) fn link_revision(
    tx: &dyn Db,
    item: i64,
    rev: u32,
    media: &[MediaId],
) -> Result<(), StoreError> {
    for m in media {
        tx.execute(
            "INSERT INTO revision_media (media_id, item_id, rev) VALUES (?1, ?2, ?3)
             ON CONFLICT DO NOTHING",
            args![m.0, item, rev],
        )?;
    }
    Ok(())
}

pub(crate) fn uses(c: &dyn Db, id: MediaId) -> Result<Vec<MediaUse>, StoreError> {
    c.query(
        "SELECT i.id, i.site_id, i.title, i.state,
                MAX(CASE WHEN i.live = 1 AND rm.rev = i.published_rev THEN 1 ELSE 0 END)
         FROM revision_media rm JOIN items i ON i.id = rm.item_id
         WHERE rm.media_id = ?1
           AND (rm.rev = i.current_rev OR (i.live = 1 AND rm.rev = i.published_rev))
         GROUP BY i.id ORDER BY i.id LIMIT 1000",
        args![id.0],
    )?
    .iter()
    .map(|r| {
        Ok(MediaUse {
            item_id: ItemId(r.get(0)?),
            site: String::new(),
            site_id: SiteId(r.get(1)?),
            title: r.get(2)?,
            state: super::rows::name::<State>("item state", &r.get::<String>(3)?)?,
            published: r.get(4)?,
        })
    })
    .collect()
}

pub(crate) fn published(c: &dyn Db, id: MediaId) -> Result<bool, StoreError> {
    Ok(c.exists(
        "SELECT 1 FROM revision_media rm JOIN items i ON i.id = rm.item_id
         WHERE rm.media_id = ?1 AND i.live = 1 AND rm.rev = i.published_rev
         LIMIT 1",
        args![id.0],
    )?)
}

pub(crate) fn checksum_uses(c: &dyn Db, checksum: &str) -> Result<u64, StoreError> {
    let n: i64 = c.value(
        "SELECT COUNT(*) FROM media WHERE checksum = ?1",
        args![checksum],
    )?;
    Ok(u64::try_from(n).unwrap_or_default())
}

/// Texts read from files, by checksum.
pub(crate) fn file_text(c: &dyn Db, checksum: &str) -> Result<Option<FileText>, StoreError> {
    c.query(
        "SELECT checksum, text, pages, ocr_pages, warnings, read_at FROM file_texts
         WHERE checksum = ?1",
        args![checksum],
    )?
    .first()
    .map(|r| {
        let warnings: String = r.get(4)?;
        Ok(FileText {
            checksum: r.get(0)?,
            text: r.get(1)?,
            pages: u32::try_from(r.get::<i64>(2)?).unwrap_or_default(),
            ocr_pages: u32::try_from(r.get::<i64>(3)?).unwrap_or_default(),
            warnings: serde_json::from_str(&warnings).unwrap_or_default(),
            read_at: time(r.get(5)?)?,
        })
    })
    .transpose()
}

/// The live items whose published revision uses a file with this checksum.
const LIVE_USERS: &str = "SELECT DISTINCT i.site_id, i.id
     FROM media m
     JOIN revision_media rm ON rm.media_id = m.id
     JOIN items i ON i.id = rm.item_id AND i.live = 1 AND rm.rev = i.published_rev
     WHERE m.checksum = ?1
     ORDER BY i.id";

pub(crate) fn put_file_text(
    tx: &dyn Db,
    t: &FileText,
    event: TextEvent<'_>,
) -> Result<usize, StoreError> {
    tx.execute(
        "INSERT INTO file_texts (checksum, text, pages, ocr_pages, warnings, read_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (checksum) DO UPDATE SET text = excluded.text, pages = excluded.pages,
             ocr_pages = excluded.ocr_pages, warnings = excluded.warnings,
             read_at = excluded.read_at",
        args![
            &t.checksum,
            &t.text,
            i64::from(t.pages),
            i64::from(t.ocr_pages),
            serde_json::to_string(&t.warnings).unwrap_or_else(|_| "[]".to_owned()),
            micros(t.read_at),
        ],
    )?;
    let users = tx.query(LIVE_USERS, args![&t.checksum])?;
    for r in &users {
        let (site, item) = (SiteId(r.get(0)?), ItemId(r.get(1)?));
        append_event(tx, &event(site, item), micros(t.read_at), None)?;
    }
    Ok(users.len())
}

pub(crate) fn files_awaiting_text(c: &dyn Db, limit: usize) -> Result<Vec<FileToRead>, StoreError> {
    let readable: Vec<String> = MediaType::ALL
        .into_iter()
        .filter(|t| t.has_text())
        .map(|t| format!("'{}'", t.as_str()))
        .collect();
    let rows = c.query(
        &format!(
            "SELECT m.checksum, MIN(m.type), MIN(m.filename), MIN(rm.item_id)
             FROM media m
             JOIN revision_media rm ON rm.media_id = m.id
             JOIN items i ON i.id = rm.item_id AND i.live = 1 AND rm.rev = i.published_rev
             WHERE i.kind IN ('document', 'consultation') AND m.type IN ({})
               AND NOT EXISTS (SELECT 1 FROM file_texts t WHERE t.checksum = m.checksum)
             GROUP BY m.checksum ORDER BY MIN(rm.item_id) LIMIT ?1",
            readable.join(", ")
        ),
        args![i64::try_from(limit).unwrap_or(i64::MAX)],
    )?;
    rows.iter()
        .map(|r| {
            let t: String = r.get(1)?;
            Ok(FileToRead {
                checksum: r.get(0)?,
                media_type: MediaType::parse(&t)
                    .ok_or_else(|| StoreError::Corrupt(format!("unknown media type '{t}'")))?,
                filename: r.get(2)?,
            })
        })
        .collect()
}

pub(crate) fn published_file_texts(
    c: &dyn Db,
    item: ItemId,
) -> Result<Vec<AttachmentText>, StoreError> {
    c.query(
        "SELECT m.filename, t.text
         FROM items i
         JOIN revision_media rm ON rm.item_id = i.id AND rm.rev = i.published_rev
         JOIN media m ON m.id = rm.media_id
         JOIN file_texts t ON t.checksum = m.checksum
         WHERE i.id = ?1 AND i.live = 1 AND t.text <> ''
         ORDER BY m.id",
        args![item.0],
    )?
    .iter()
    .map(|r| {
        Ok(AttachmentText {
            filename: r.get(0)?,
            text: r.get(1)?,
        })
    })
    .collect()
}
