//! Export and import: the whole network handed over in one `.tar` that needs no Portico to
//! read. Each table is `data/<table>.jsonl`, one JSON object per row with the columns as keys
//! (sorted, so SQLite and PostgreSQL write the same bytes), with `schema/<table>.json` (a
//! JSON Schema of a row); media originals are `media/originals/...`; `manifest.json` (last)
//! lists every other entry's path, size and SHA-256.
//!
//! Both read and write a page of rows at a time, so memory stays flat whatever the size.
//! Import writes the rows with their ids into an empty store, SQLite or PostgreSQL, so an
//! export of the imported store is the same archive entry for entry. Sessions (sign-in tokens)
//! and the nodes' follower cursors are not data: they are left out.

use crate::archive::{add_media, hex, Hashing, TarOut};
use crate::backup::{BackupError, Manifest};
use crate::blobs::ObjectBlobs;
use crate::sql::{Db, Dialect, Row, Value};
use crate::{PgStore, SqliteStore};
use portico_engine::{Blobs, StoreError};
use serde_json::{Map, Value as Json};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;

/// The format's name in the manifest.
pub const FORMAT: &str = "portico-export";
/// Version 1.
pub const VERSION: u32 = 1;
/// Rows per page read or written.
const PAGE: usize = 1000;

/// The tables, parents before children, each with its key columns (for paging in order).
pub const TABLES: &[(&str, &[&str])] = &[
    ("users", &["id"]),
    ("sites", &["id"]),
    ("site_domains", &["domain"]),
    ("channels", &["id"]),
    ("roles", &["user_id", "site_id", "role"]),
    ("api_tokens", &["id"]),
    ("items", &["id"]),
    ("item_channels", &["item_id", "channel_id"]),
    ("revisions", &["item_id", "rev"]),
    ("renderings", &["item_id", "rev"]),
    ("media", &["id"]),
    ("revision_media", &["media_id", "item_id", "rev"]),
    ("audit", &["id"]),
    ("events", &["seq"]),
    ("webhooks", &["id"]),
    ("webhook_deliveries", &["webhook_id", "seq"]),
    ("questions", &["id"]),
    ("comments", &["id"]),
    ("mail_outbox", &["id"]),
];

/// The rows of `table` that belong to one site's export (`?1` is the site's id): the site,
/// its channels, roles, items with everything about them, media, audit entries, events and
/// webhooks, and the accounts that appear in them (no one else's password hash leaves).
fn site_filter(table: &str) -> &'static str {
    match table {
        "users" => {
            "id IN (SELECT user_id FROM roles WHERE site_id = ?1
                    UNION SELECT owner_id FROM items WHERE site_id = ?1
                    UNION SELECT created_by FROM items WHERE site_id = ?1
                    UNION SELECT r.created_by FROM revisions r JOIN items i ON i.id = r.item_id WHERE i.site_id = ?1
                    UNION SELECT uploaded_by FROM media WHERE site_id = ?1
                    UNION SELECT actor_id FROM audit WHERE site_id = ?1 AND actor_id IS NOT NULL
                    UNION SELECT created_by FROM webhooks WHERE site_id = ?1
                    UNION SELECT moderated_by FROM comments WHERE site_id = ?1 AND moderated_by IS NOT NULL)"
        }
        "sites" => "id = ?1",
        "site_domains" | "channels" | "roles" | "items" | "media" | "audit" | "events"
        | "webhooks" | "questions" | "comments" => "site_id = ?1",
        "item_channels" | "revisions" | "renderings" => {
            "item_id IN (SELECT id FROM items WHERE site_id = ?1)"
        }
        "revision_media" => {
            "item_id IN (SELECT id FROM items WHERE site_id = ?1)
             AND media_id IN (SELECT id FROM media WHERE site_id = ?1)"
        }
        "webhook_deliveries" => "webhook_id IN (SELECT id FROM webhooks WHERE site_id = ?1)",
        // Tokens are credentials to the whole network: not handed over with one portal.
        _ => "1 = 0",
    }
}

/// The store an export reads or an import writes.
pub enum Store<'a> {
    Sqlite(&'a SqliteStore),
    Postgres(&'a PgStore),
}

impl Store<'_> {
    fn read<T>(&self, f: impl Fn(&dyn Db) -> Result<T, StoreError>) -> Result<T, StoreError> {
        match self {
            Store::Sqlite(s) => s.read(f),
            Store::Postgres(s) => s.read(f),
        }
    }

    fn write<T>(&self, f: impl Fn(&dyn Db) -> Result<T, StoreError>) -> Result<T, StoreError> {
        match self {
            Store::Sqlite(s) => s.write(f),
            Store::Postgres(s) => s.write(f),
        }
    }
}

fn store_err(e: StoreError) -> BackupError {
    BackupError::Damaged(format!("the store: {e}"))
}

/// A column: its name, JSON type and whether it may be null.
#[derive(Debug, Clone)]
struct Column {
    name: String,
    kind: &'static str,
    nullable: bool,
}

fn columns(store: &Store<'_>, table: &str) -> Result<Vec<Column>, BackupError> {
    let rows = store
        .read(|c| {
            let sql = match c.dialect() {
                Dialect::Sqlite => {
                    "SELECT name, type, \"notnull\" = 0 AND pk = 0 FROM pragma_table_info(?1) ORDER BY cid"
                }
                Dialect::Postgres => {
                    "SELECT column_name::text, data_type::text, (CASE WHEN is_nullable = 'YES' THEN 1 ELSE 0 END)::bigint
                     FROM information_schema.columns
                     WHERE table_name = ?1 AND table_schema = current_schema() ORDER BY ordinal_position"
                }
            };
            Ok(c.query(sql, &[Value::Text(table.to_owned())])?)
        })
        .map_err(store_err)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let name: String = r.get(0).map_err(|e| store_err(e.into()))?;
        let ty: String = r.get(1).map_err(|e| store_err(e.into()))?;
        let nullable: i64 = r.get(2).map_err(|e| store_err(e.into()))?;
        let t = ty.to_ascii_lowercase();
        let kind = if t.contains("int") {
            "integer"
        } else if t.contains("real") || t.contains("double") || t.contains("numeric") {
            "number"
        } else {
            "string"
        };
        out.push(Column {
            name,
            kind,
            nullable: nullable != 0,
        });
    }
    // Sorted by name: the two databases may hold the columns in different orders.
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// A row's JSON Schema, for a reader who has only the archive.
fn schema(table: &str, cols: &[Column]) -> Json {
    let props: Map<String, Json> = cols
        .iter()
        .map(|c| {
            let ty = if c.nullable {
                serde_json::json!([c.kind, "null"])
            } else {
                serde_json::json!(c.kind)
            };
            (c.name.clone(), serde_json::json!({"type": ty}))
        })
        .collect();
    serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": format!("A row of {table}"),
        "type": "object",
        "properties": props,
        "required": cols.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
        "additionalProperties": false,
    })
}

fn to_json(v: &Value) -> Result<Json, BackupError> {
    Ok(match v {
        Value::Null => Json::Null,
        Value::Int(i) => Json::from(*i),
        Value::Real(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::Text(t) => Json::String(t.clone()),
        Value::Blob(_) => {
            return Err(BackupError::Damaged(
                "a binary column; this version exports text and numbers only".into(),
            ))
        }
    })
}

fn from_json(v: &Json) -> Result<Value, BackupError> {
    Ok(match v {
        Json::Null => Value::Null,
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Real(n.as_f64().unwrap_or_default()),
        },
        Json::String(s) => Value::Text(s.clone()),
        Json::Bool(b) => Value::Int(i64::from(*b)),
        other => {
            return Err(BackupError::Damaged(format!(
                "a column holds {other}, not a text, number or null"
            )))
        }
    })
}

/// What an export or import did, per table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransferSummary {
    pub rows: Vec<(String, u64)>,
    pub media_files: u64,
    pub media_bytes: u64,
}

/// Writes the store (and the media) to `out`. `progress(table, rows so far)` is called per
/// page. A table's rows are written to a temporary file first (its size must be known for
/// the tar header), one page in memory at a time.
///
/// Without `secrets`, password hashes are left empty and API tokens out.
/// With `site` (a slug), only that portal: it becomes a network of its own (no parent), and
/// a copy whose source stays behind forgets its source.
pub fn export(
    store: &Store<'_>,
    blobs: &ObjectBlobs,
    runtime: &tokio::runtime::Handle,
    out: &Path,
    site: Option<&str>,
    secrets: bool,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<TransferSummary, BackupError> {
    let site_id: Option<i64> = match site {
        None => None,
        Some(slug) => Some(
            store
                .read(|c| {
                    Ok(c.query(
                        "SELECT id FROM sites WHERE slug = ?1",
                        &[Value::Text(slug.to_owned())],
                    )?
                    .first()
                    .map(|r| r.get::<i64>(0))
                    .transpose()?)
                })
                .map_err(store_err)?
                .ok_or_else(|| BackupError::NoSuchSite(slug.to_owned()))?,
        ),
    };
    let mut exported_items: std::collections::HashSet<i64> = std::collections::HashSet::new();
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut w = TarOut::create(out)?;
    let mut summary = TransferSummary::default();
    for (table, keys) in TABLES {
        let cols = columns(store, table)?;
        let schema_json = serde_json::to_vec_pretty(&schema(table, &cols))
            .map_err(|e| BackupError::Damaged(e.to_string()))?;
        w.add(&format!("schema/{table}.json"), &schema_json)?;
        let col_list = cols
            .iter()
            .map(|c| format!("\"{}\"", c.name))
            .collect::<Vec<_>>()
            .join(", ");
        let key_list = keys.join(", ");
        let key_at: Vec<usize> = keys
            .iter()
            .filter_map(|k| cols.iter().position(|c| c.name == *k))
            .collect();
        // Buffered: a row is a few hundred bytes, and a write call each made the export
        // spend its time in the kernel.
        let mut staged = std::io::BufWriter::with_capacity(
            1 << 20,
            tempfile::tempfile_in(dir).map_err(|source| BackupError::Io {
                what: "a temporary file for the export".into(),
                source,
            })?,
        );
        let mut line = Vec::with_capacity(4096);
        let mut size = 0u64;
        let mut after: Option<Vec<Value>> = None;
        let mut rows = 0u64;
        loop {
            let page: Vec<Row> = store
                .read(|c| {
                    let mut conds = Vec::new();
                    let mut args = Vec::new();
                    if let Some(id) = site_id {
                        args.push(Value::Int(id));
                        conds.push(site_filter(table).to_owned());
                    }
                    if let Some(last) = &after {
                        let first = args.len() + 1;
                        let marks = (first..first + last.len())
                            .map(|i| format!("?{i}"))
                            .collect::<Vec<_>>()
                            .join(", ");
                        conds.push(format!("({key_list}) > ({marks})"));
                        args.extend(last.iter().cloned());
                    }
                    let cond = if conds.is_empty() {
                        String::new()
                    } else {
                        format!("WHERE {}", conds.join(" AND "))
                    };
                    args.push(Value::Int(i64::try_from(PAGE).unwrap_or(1000)));
                    let sql = format!(
                        "SELECT {col_list} FROM {table} {cond} ORDER BY {key_list} LIMIT ?{}",
                        args.len()
                    );
                    Ok(c.query(&sql, &args)?)
                })
                .map_err(store_err)?;
            let n = page.len();
            for r in &page {
                let mut obj: Map<String, Json> = cols
                    .iter()
                    .zip(&r.0)
                    .map(|(c, v)| Ok((c.name.clone(), to_json(v)?)))
                    .collect::<Result<_, BackupError>>()?;
                if !secrets {
                    // Without secrets: accounts come without their passwords (they are set
                    // anew after the import), and no API token comes at all.
                    if *table == "api_tokens" {
                        continue;
                    }
                    if *table == "users" {
                        obj.insert("password_hash".into(), Json::String(String::new()));
                    }
                }
                if site_id.is_some() {
                    // One portal on its own: no parent, and no source left behind.
                    if *table == "sites" {
                        obj.insert("parent_id".into(), Json::Null);
                    }
                    if *table == "items" {
                        if let Some(id) = obj.get("id").and_then(Json::as_i64) {
                            exported_items.insert(id);
                        }
                        let source = obj.get("source_item_id").and_then(Json::as_i64);
                        if source.is_some_and(|s| !exported_items.contains(&s)) {
                            obj.insert("source_item_id".into(), Json::Null);
                        }
                    }
                }
                line.clear();
                serde_json::to_writer(&mut line, &obj)
                    .map_err(|e| BackupError::Damaged(e.to_string()))?;
                line.push(b'\n');
                size += u64::try_from(line.len()).unwrap_or(0);
                staged.write_all(&line).map_err(|source| BackupError::Io {
                    what: "writing the export".into(),
                    source,
                })?;
            }
            rows += u64::try_from(n).unwrap_or(0);
            progress(table, rows);
            after = page
                .last()
                .map(|r| key_at.iter().filter_map(|i| r.0.get(*i).cloned()).collect());
            if n < PAGE {
                break;
            }
        }
        use std::io::Seek;
        let mut staged = staged.into_inner().map_err(|e| BackupError::Io {
            what: "writing the export".into(),
            source: e.into_error(),
        })?;
        staged
            .seek(std::io::SeekFrom::Start(0))
            .map_err(|source| BackupError::Io {
                what: "reading the export back".into(),
                source,
            })?;
        w.add_reader(&format!("data/{table}.jsonl"), size, BufReader::new(staged))?;
        summary.rows.push(((*table).to_owned(), rows));
    }
    // With a site: only its files (named by their checksum).
    let sums: Option<std::collections::HashSet<String>> = match site_id {
        None => None,
        Some(id) => Some(
            store
                .read(|c| {
                    Ok(c.query(
                        "SELECT DISTINCT checksum FROM media WHERE site_id = ?1",
                        &[Value::Int(id)],
                    )?)
                })
                .map_err(store_err)?
                .iter()
                .filter_map(|r| r.get::<String>(0).ok())
                .collect(),
        ),
    };
    let keep = |k: &str| {
        sums.as_ref().is_none_or(|sums| {
            k.strip_prefix("originals/")
                .and_then(|n| n.split('.').next())
                .is_some_and(|sum| sums.contains(sum))
        })
    };
    let (files, bytes) = add_media(&mut w, blobs, runtime, &keep, &mut |n| progress("media", n))?;
    summary.media_files = files;
    summary.media_bytes = bytes;
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        version: VERSION,
        created_at: chrono::Utc::now(),
        store: match store {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
        .to_owned(),
        entries: w.entries.clone(),
    };
    let json =
        serde_json::to_vec_pretty(&manifest).map_err(|e| BackupError::Damaged(e.to_string()))?;
    w.add("manifest.json", &json)?;
    w.finish()?;
    Ok(summary)
}

/// Reads `archive` into an empty `store` and `blobs`, keeping ids. The manifest is read
/// first (it is the last entry, so the archive is read twice): every entry is checked as it
/// streams in, and a mismatch stops the import with a clear error.
pub fn import(
    archive: &Path,
    store: &Store<'_>,
    blobs: &ObjectBlobs,
    runtime: &tokio::runtime::Handle,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<TransferSummary, BackupError> {
    let open = || crate::archive::open_archive(archive);
    let damaged = |e: std::io::Error| BackupError::Damaged(e.to_string());
    // The manifest.
    let mut manifest: Option<Manifest> = None;
    let mut a = open()?;
    for entry in a.entries().map_err(damaged)? {
        let mut entry = entry.map_err(damaged)?;
        if entry.path().map_err(damaged)?.to_string_lossy() == "manifest.json" {
            let mut json = Vec::new();
            entry
                .by_ref()
                .take(64 * 1024 * 1024)
                .read_to_end(&mut json)
                .map_err(damaged)?;
            manifest = Some(
                serde_json::from_slice(&json)
                    .map_err(|e| BackupError::Damaged(format!("manifest.json: {e}")))?,
            );
        }
    }
    let manifest = manifest.ok_or_else(|| BackupError::Damaged("no manifest.json".into()))?;
    if manifest.format != FORMAT || manifest.version > VERSION {
        return Err(BackupError::Damaged(format!(
            "format {} version {}; this Portico imports {FORMAT} up to version {VERSION}",
            manifest.format, manifest.version
        )));
    }
    let expected = |path: &str| manifest.entries.iter().find(|e| e.path == path);
    // The store must be empty: ids are kept, so nothing may be there to collide with.
    let existing: i64 = store
        .read(|c| {
            Ok(c.query(
                "SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM sites)",
                &[],
            )?
            .first()
            .map(|r| r.get::<i64>(0))
            .transpose()?
            .unwrap_or(0))
        })
        .map_err(store_err)?;
    if existing > 0 {
        return Err(BackupError::NotEmpty(
            "the store already holds users or sites; import into an empty data folder or database"
                .into(),
        ));
    }
    let mut summary = TransferSummary::default();
    let mut a = open()?;
    // Tables come in the order they were written, parents first.
    for entry in a.entries().map_err(damaged)? {
        let entry = entry.map_err(damaged)?;
        let path = entry
            .path()
            .map_err(damaged)?
            .to_string_lossy()
            .into_owned();
        if path == "manifest.json" || path.starts_with("schema/") {
            continue;
        }
        let want = expected(&path)
            .cloned()
            .ok_or_else(|| BackupError::Damaged(format!("{path} is not in the manifest")))?;
        let mut hashing = Hashing::new(entry);
        if let Some(table) = path
            .strip_prefix("data/")
            .and_then(|p| p.strip_suffix(".jsonl"))
        {
            if !TABLES.iter().any(|(t, _)| *t == table) {
                return Err(BackupError::Damaged(format!("unknown table {table}")));
            }
            let rows = import_table(store, table, &mut hashing, progress)?;
            summary.rows.push((table.to_owned(), rows));
        } else if let Some(key) = path.strip_prefix("media/") {
            if !key.starts_with("originals/") || key.split('/').any(|p| p == "..") {
                return Err(BackupError::Damaged(format!("unexpected entry {path}")));
            }
            let mut bytes = Vec::new();
            hashing.read_to_end(&mut bytes).map_err(damaged)?;
            if hex(hashing.hash.clone()) != want.sha256 {
                return Err(BackupError::Damaged(format!(
                    "{path} does not match its SHA-256 in the manifest"
                )));
            }
            summary.media_bytes += u64::try_from(bytes.len()).unwrap_or(0);
            runtime
                .block_on(blobs.put(key, bytes.into()))
                .map_err(|e| BackupError::Media(e.to_string()))?;
            summary.media_files += 1;
            progress("media", summary.media_files);
            continue;
        } else {
            return Err(BackupError::Damaged(format!("unexpected entry {path}")));
        }
        // Whatever the table's reader left is read too, so the size and checksum cover it.
        std::io::copy(&mut hashing, &mut std::io::sink()).map_err(damaged)?;
        if hashing.size != want.size || hex(hashing.hash) != want.sha256 {
            return Err(BackupError::Damaged(format!(
                "{path} does not match its size and SHA-256 in the manifest; the import stopped part way, so drop this store and start again"
            )));
        }
    }
    finish(store)?;
    Ok(summary)
}

fn import_table(
    store: &Store<'_>,
    table: &str,
    input: &mut dyn Read,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<u64, BackupError> {
    let cols = columns(store, table)?;
    let names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
    let col_list = names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let marks = (1..=names.len())
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("INSERT INTO {table} ({col_list}) VALUES ({marks})");
    let mut rows = 0u64;
    let mut batch: Vec<Vec<Value>> = Vec::with_capacity(PAGE);
    let flush = |batch: &Vec<Vec<Value>>| -> Result<(), BackupError> {
        store
            .write(|c| {
                for row in batch {
                    c.execute(&sql, row)?;
                }
                Ok(())
            })
            .map_err(|e| BackupError::Damaged(format!("{table}: {e}")))
    };
    for line in BufReader::new(input).lines() {
        let line = line.map_err(|e| BackupError::Damaged(e.to_string()))?;
        if line.is_empty() {
            continue;
        }
        let obj: Map<String, Json> = serde_json::from_str(&line)
            .map_err(|e| BackupError::Damaged(format!("{table}: {e}")))?;
        if obj.len() != names.len() {
            return Err(BackupError::Damaged(format!(
                "{table}: a row has {} columns, this version's table {}",
                obj.len(),
                names.len()
            )));
        }
        let values = names
            .iter()
            .map(|n| {
                obj.get(*n)
                    .ok_or_else(|| BackupError::Damaged(format!("{table}: a row lacks {n}")))
                    .and_then(from_json)
            })
            .collect::<Result<Vec<_>, _>>()?;
        batch.push(values);
        if batch.len() >= PAGE {
            flush(&batch)?;
            rows += u64::try_from(batch.len()).unwrap_or(0);
            batch.clear();
            progress(table, rows);
        }
    }
    if !batch.is_empty() {
        flush(&batch)?;
        rows += u64::try_from(batch.len()).unwrap_or(0);
        progress(table, rows);
    }
    Ok(rows)
}

/// After rows were written with their ids: PostgreSQL's id sequences continue after them.
fn finish(store: &Store<'_>) -> Result<(), BackupError> {
    store
        .write(|c| {
            if c.dialect() == Dialect::Postgres {
                for (table, keys) in TABLES {
                    if let [key] = keys {
                        if *key == "id" || *key == "seq" {
                            c.query(
                                &format!(
                                    "SELECT setval(pg_get_serial_sequence('{table}', '{key}'), GREATEST((SELECT MAX({key}) FROM {table}), 1))
                                     WHERE pg_get_serial_sequence('{table}', '{key}') IS NOT NULL"
                                ),
                                &[],
                            )?;
                        }
                    }
                }
            }
            Ok(())
        })
        .map_err(store_err)
}
