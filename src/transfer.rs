//! `portico export` and `portico import`: the whole network handed over as one archive.

use crate::backup::{mb, runtime};
use crate::cli::{BlobArgs, DataArgs};
use anyhow::{bail, Context, Result};
use portico_storage::transfer::{self, Store};
use portico_storage::{Durability, ObjectBlobs, PgStore, SqliteStore};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// The store, opened once for the whole command: the rows are read or written through it,
/// and the check and the search index after an import use it too (SQLite without mapping
/// the file, so memory stays that of the pages in hand).
enum Opened {
    Sqlite(Arc<SqliteStore>),
    Postgres(Arc<PgStore>),
}

impl Opened {
    fn open(data: &DataArgs) -> Result<Opened> {
        std::fs::create_dir_all(&data.data)
            .with_context(|| format!("cannot create the data folder {}", data.data.display()))?;
        Ok(match &data.store {
            Some(url) => Opened::Postgres(Arc::new(PgStore::connect(url)?)),
            None => Opened::Sqlite(Arc::new(
                SqliteStore::open(&data.data.join("portico.db"), Durability::Normal)?
                    .without_mmap(),
            )),
        })
    }

    fn store(&self) -> Store<'_> {
        match self {
            Opened::Sqlite(s) => Store::Sqlite(s),
            Opened::Postgres(s) => Store::Postgres(s),
        }
    }

    fn engine(&self) -> portico_engine::Engine {
        let store: Arc<dyn portico_engine::Store> = match self {
            Opened::Sqlite(s) => s.clone(),
            Opened::Postgres(s) => s.clone(),
        };
        portico_engine::Engine::new(store, Arc::new(portico_engine::SystemClock))
            .with_renderer(Arc::new(portico_themes::MarkdownRenderer))
    }
}

fn bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar
}

pub fn run_export(
    data: &DataArgs,
    media: &BlobArgs,
    out: &Path,
    site: Option<&str>,
    secrets: bool,
) -> Result<()> {
    crate::store::existing(data)?;
    let opened = Opened::open(data)?;
    let blobs = ObjectBlobs::open(&media.blobs(&data.data)?)?;
    let rt = runtime()?;
    let started = Instant::now();
    let bar = bar();
    let s = transfer::export(
        &opened.store(),
        &blobs,
        rt.handle(),
        out,
        site,
        secrets,
        &mut |what, n| {
            bar.set_message(format!("{what}: {n}"));
            bar.tick();
        },
    )
    .with_context(|| format!("exporting into {}", out.display()))?;
    bar.finish_and_clear();
    let rows: u64 = s.rows.iter().map(|(_, n)| n).sum();
    println!(
        "exported {rows} rows of {} tables and {} media files ({:.1} MB) into {} in {:.1} s",
        s.rows.len(),
        s.media_files,
        mb(s.media_bytes),
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

pub fn run_import(data: &DataArgs, media: &BlobArgs, file: &Path) -> Result<()> {
    if !file.is_file() {
        bail!("no export file at {}", file.display());
    }
    let opened = Opened::open(data)?;
    let blobs = ObjectBlobs::open(&media.blobs(&data.data)?)?;
    let rt = runtime()?;
    let started = Instant::now();
    let bar = bar();
    let s = transfer::import(
        file,
        &opened.store(),
        &blobs,
        rt.handle(),
        &mut |what, n| {
            bar.set_message(format!("{what}: {n}"));
            bar.tick();
        },
    )
    .with_context(|| format!("importing {}", file.display()))?;
    bar.finish_and_clear();
    let engine = opened.engine();
    let problems = engine.check()?;
    if !problems.is_empty() {
        bail!(
            "the imported store has problems:\n  {}",
            problems.join("\n  ")
        );
    }
    let rows: u64 = s.rows.iter().map(|(_, n)| n).sum();
    println!(
        "imported {rows} rows and {} media files ({:.1} MB) in {:.1} s; rebuilding the search index...",
        s.media_files,
        mb(s.media_bytes),
        started.elapsed().as_secs_f64()
    );
    crate::reindex::rebuild(&engine, data)
}
