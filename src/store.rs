//! Opening the store a command works on: SQLite in the data folder or a PostgreSQL URL.

use crate::cli::{DataArgs, DurabilityArg};
use anyhow::{bail, Context, Result};
use portico_engine::{Engine, SystemClock};
use portico_storage::{Durability, PgStore, SqliteStore};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Opens the store and the engine on it. Not on an async thread: the PostgreSQL client
/// runs a small runtime of its own.
pub fn open(data: &DataArgs) -> Result<Engine> {
    std::fs::create_dir_all(&data.data)
        .with_context(|| format!("cannot create the data folder {}", data.data.display()))?;
    let store: Arc<dyn portico_engine::Store> = match &data.store {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Arc::new(PgStore::connect(url)?)
        }
        Some(other) => bail!(
            "--store {}: only PostgreSQL URLs (postgres://user:password@host:port/database) \
             are known; leave it out for SQLite in the data folder",
            other.split('@').next_back().unwrap_or_default()
        ),
        None => {
            let durability = match data.durability {
                DurabilityArg::Normal => Durability::Normal,
                DurabilityArg::Full => Durability::Full,
            };
            Arc::new(SqliteStore::open(&db_path(&data.data), durability)?)
        }
    };
    Ok(Engine::new(store, Arc::new(SystemClock))
        .with_renderer(Arc::new(portico_themes::MarkdownRenderer)))
}

/// Where the store is, for messages (never the password).
pub fn store_label(data: &DataArgs) -> String {
    match &data.store {
        Some(url) => format!(
            "PostgreSQL at {}",
            url.split('@').next_back().unwrap_or_default()
        ),
        None => format!("SQLite in {}", db_path(&data.data).display()),
    }
}

/// `check` and `reindex` read an existing store: refuse an empty data folder rather than
/// create a database in it.
pub fn existing(data: &DataArgs) -> Result<()> {
    if data.store.is_none() && !db_path(&data.data).exists() {
        bail!("no Portico database in {}", data.data.display());
    }
    Ok(())
}

fn db_path(data: &Path) -> PathBuf {
    data.join("portico.db")
}

/// Removes the SQLite database (with its journal files) and the search index, for a demo
/// network to be built anew.
pub fn remove_sqlite(data: &DataArgs) -> Result<()> {
    let db = db_path(&data.data);
    for suffix in ["", "-wal", "-shm"] {
        let mut p = db.clone().into_os_string();
        p.push(suffix);
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e).with_context(|| format!("removing {}", PathBuf::from(p).display()))
            }
        }
    }
    let index = data.index_path();
    if index.exists() {
        std::fs::remove_dir_all(&index).with_context(|| format!("removing {}", index.display()))?;
    }
    Ok(())
}
