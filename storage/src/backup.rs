//! Backups: one `.tar` file holding a consistent copy of the store and the media originals,
//! with `manifest.json` (last) listing every other entry's path, size and SHA-256; and
//! bringing one back into an empty data folder or database.
//!
//! The store's copy is taken while the server runs and writes: SQLite's `VACUUM INTO`
//! writes the database as one read transaction sees it; PostgreSQL's `pg_dump` reads one
//! repeatable-read snapshot. Media originals are immutable and named by their checksum, so
//! copying them after the store's snapshot gets every file the snapshot refers to (a file
//! deleted in between is the one exception; a restore reports it). Derived sizes and the
//! search index are rebuilt, not copied.
//!
//! Everything is written to `FILE.partial` and renamed at the end: a backup that failed or
//! was interrupted never looks like one that worked.

use crate::archive::{add_media, Hashing, TarOut};
use crate::blobs::ObjectBlobs;
use portico_engine::Blobs;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// The format's name and version in the manifest.
pub const FORMAT: &str = "portico-backup";
/// Version 1: `store/portico.db` or `store/postgres.dump`, `media/originals/...`.
pub const VERSION: u32 = 1;

/// The store a backup copies from or restores into.
#[derive(Debug, Clone)]
pub enum StoreLocation {
    /// The SQLite database file.
    Sqlite(PathBuf),
    /// A PostgreSQL URL.
    Postgres(String),
}

/// What went wrong, said so that an operator knows what to do.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("the SQLite snapshot failed: {0}")]
    Sqlite(String),
    #[error("{tool} failed: {message}")]
    Tool { tool: &'static str, message: String },
    #[error("{tool} is needed for PostgreSQL backups (Debian: apt-get install postgresql-client): {source}")]
    ToolMissing {
        tool: &'static str,
        source: std::io::Error,
    },
    #[error("media: {0}")]
    Media(String),
    #[error("this is not a Portico backup, or it is damaged: {0}")]
    Damaged(String),
    #[error("{0}")]
    NotEmpty(String),
    #[error("there is no site '{0}'")]
    NoSuchSite(String),
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> BackupError {
    let what = what.into();
    move |source| BackupError::Io { what, source }
}

/// One entry of the archive, as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// `manifest.json`: what the archive holds, readable without Portico.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// `sqlite` or `postgres`.
    pub store: String,
    pub entries: Vec<Entry>,
}

/// What a backup or restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    pub store: String,
    pub media_files: u64,
    /// The archive's size.
    pub bytes: u64,
}

/// Copies the store as one snapshot into `dir`; returns the file and its archive path.
fn snapshot(store: &StoreLocation, dir: &Path) -> Result<(PathBuf, &'static str), BackupError> {
    match store {
        StoreLocation::Sqlite(db) => {
            let to = dir.join("portico.db");
            let c = rusqlite::Connection::open_with_flags(
                db,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(|e| BackupError::Sqlite(format!("{}: {e}", db.display())))?;
            c.busy_timeout(std::time::Duration::from_secs(30))
                .map_err(|e| BackupError::Sqlite(e.to_string()))?;
            c.execute("VACUUM INTO ?1", [to.to_string_lossy().as_ref()])
                .map_err(|e| BackupError::Sqlite(e.to_string()))?;
            Ok((to, "store/portico.db"))
        }
        StoreLocation::Postgres(url) => {
            let to = dir.join("postgres.dump");
            let out = std::process::Command::new("pg_dump")
                .args(["--format=custom", "--no-owner", "--no-privileges", "--file"])
                .arg(&to)
                .arg(url)
                .output()
                .map_err(|source| BackupError::ToolMissing {
                    tool: "pg_dump",
                    source,
                })?;
            if !out.status.success() {
                return Err(BackupError::Tool {
                    tool: "pg_dump",
                    message: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
                });
            }
            Ok((to, "store/postgres.dump"))
        }
    }
}

/// Takes a backup into `out`. Runs on the calling thread (call it from the blocking pool or
/// a command); `runtime` reads the media.
pub fn write(
    store: &StoreLocation,
    blobs: &ObjectBlobs,
    runtime: &tokio::runtime::Handle,
    out: &Path,
) -> Result<BackupSummary, BackupError> {
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let work = tempfile::Builder::new()
        .prefix(".portico-backup-")
        .tempdir_in(dir)
        .map_err(io(format!("making a work folder in {}", dir.display())))?;
    let mut w = TarOut::create(out)?;
    let (db, name) = snapshot(store, work.path())?;
    w.add_file(name, &db)?;
    std::fs::remove_file(&db).map_err(io("removing the snapshot"))?;
    let (media_files, _) = add_media(&mut w, blobs, runtime, &|_| true, &mut |_| {})?;
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        version: VERSION,
        created_at: chrono::Utc::now(),
        store: match store {
            StoreLocation::Sqlite(_) => "sqlite",
            StoreLocation::Postgres(_) => "postgres",
        }
        .to_owned(),
        entries: w.entries.clone(),
    };
    let json = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| BackupError::Damaged(format!("manifest: {e}")))?;
    w.add("manifest.json", &json)?;
    let bytes = w.finish()?;
    Ok(BackupSummary {
        store: manifest.store,
        media_files,
        bytes,
    })
}

/// Restores `archive` into `store` (which must be empty) and `blobs`, after checking every
/// entry against the manifest. Nothing is put in place until the whole archive has been
/// read and checked.
pub fn restore(
    archive: &Path,
    store: &StoreLocation,
    blobs: &ObjectBlobs,
    runtime: &tokio::runtime::Handle,
    staging: &Path,
) -> Result<BackupSummary, BackupError> {
    if let StoreLocation::Sqlite(db) = store {
        if db.exists() {
            return Err(BackupError::NotEmpty(format!(
                "{} already holds a database; restore into an empty data folder",
                db.display()
            )));
        }
    }
    let work = tempfile::Builder::new()
        .prefix(".portico-restore-")
        .tempdir_in(staging)
        .map_err(io(format!("making a work folder in {}", staging.display())))?;
    let bytes = std::fs::metadata(archive).map(|m| m.len()).unwrap_or(0);
    let mut tar = crate::archive::open_archive(archive)?;
    let mut seen: BTreeMap<String, Entry> = BTreeMap::new();
    let mut manifest: Option<Manifest> = None;
    let entries = tar
        .entries()
        .map_err(|e| BackupError::Damaged(e.to_string()))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| BackupError::Damaged(e.to_string()))?;
        let path = entry
            .path()
            .map_err(|e| BackupError::Damaged(e.to_string()))?
            .to_string_lossy()
            .into_owned();
        if path == "manifest.json" {
            let mut json = Vec::new();
            entry
                .by_ref()
                .take(16 * 1024 * 1024)
                .read_to_end(&mut json)
                .map_err(|e| BackupError::Damaged(e.to_string()))?;
            manifest = Some(
                serde_json::from_slice(&json)
                    .map_err(|e| BackupError::Damaged(format!("manifest.json: {e}")))?,
            );
            continue;
        }
        // Only the paths this format writes, so a crafted archive cannot write elsewhere.
        let safe = (path == "store/portico.db"
            || path == "store/postgres.dump"
            || path.starts_with("media/originals/"))
            && !path.split('/').any(|p| p == ".." || p.is_empty());
        if !safe {
            return Err(BackupError::Damaged(format!("unexpected entry {path}")));
        }
        let target = work.path().join(&path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(io("staging the restore"))?;
        }
        let mut out = BufWriter::new(File::create(&target).map_err(io("staging the restore"))?);
        let mut hashing = Hashing::new(&mut entry);
        std::io::copy(&mut hashing, &mut out)
            .map_err(|e| BackupError::Damaged(format!("{path}: {e}")))?;
        out.flush().map_err(io("staging the restore"))?;
        seen.insert(path.clone(), hashing.entry(&path));
    }
    let manifest = manifest.ok_or_else(|| BackupError::Damaged("no manifest.json".into()))?;
    if manifest.format != FORMAT || manifest.version > VERSION {
        return Err(BackupError::Damaged(format!(
            "format {} version {}; this Portico reads {FORMAT} up to version {VERSION}",
            manifest.format, manifest.version
        )));
    }
    if manifest.entries.len() != seen.len() {
        return Err(BackupError::Damaged(format!(
            "the manifest lists {} entries, the archive holds {}",
            manifest.entries.len(),
            seen.len()
        )));
    }
    for e in &manifest.entries {
        if seen.get(&e.path) != Some(e) {
            return Err(BackupError::Damaged(format!(
                "{} does not match its size and SHA-256 in the manifest",
                e.path
            )));
        }
    }
    // Checked: now put the store in place, then the media.
    match store {
        StoreLocation::Sqlite(db) => {
            let from = work.path().join("store/portico.db");
            if !from.exists() {
                return Err(BackupError::Damaged(
                    "this backup holds a PostgreSQL dump; restore it with --store postgres://..."
                        .into(),
                ));
            }
            std::fs::copy(&from, db).map_err(io(format!("writing {}", db.display())))?;
        }
        StoreLocation::Postgres(url) => {
            let from = work.path().join("store/postgres.dump");
            if !from.exists() {
                return Err(BackupError::Damaged(
                    "this backup holds a SQLite database; restore it without --store".into(),
                ));
            }
            let out = std::process::Command::new("pg_restore")
                .args([
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--dbname",
                ])
                .arg(url)
                .arg(&from)
                .output()
                .map_err(|source| BackupError::ToolMissing {
                    tool: "pg_restore",
                    source,
                })?;
            if !out.status.success() {
                return Err(BackupError::Tool {
                    tool: "pg_restore",
                    message: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
                });
            }
        }
    }
    let mut media_files = 0u64;
    for e in manifest
        .entries
        .iter()
        .filter(|e| e.path.starts_with("media/"))
    {
        let key = e.path.trim_start_matches("media/");
        let bytes =
            std::fs::read(work.path().join(&e.path)).map_err(io("reading a staged file"))?;
        runtime
            .block_on(blobs.put(key, bytes.into()))
            .map_err(|err| BackupError::Media(err.to_string()))?;
        media_files += 1;
    }
    Ok(BackupSummary {
        store: manifest.store,
        media_files,
        bytes,
    })
}
