//! `portico backup` and `portico restore`, and the scheduled backups `serve` takes.

use crate::cli::{BlobArgs, DataArgs};
use anyhow::{bail, Context, Result};
use portico_storage::backup::{self, StoreLocation};
use portico_storage::ObjectBlobs;
use std::path::Path;
use std::time::Instant;

/// Where the store of `data` is, for a backup.
pub fn location(data: &DataArgs) -> StoreLocation {
    match &data.store {
        Some(url) => StoreLocation::Postgres(url.clone()),
        None => StoreLocation::Sqlite(data.data.join("portico.db")),
    }
}

/// A small runtime for a command that reads or writes object storage.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

pub fn run_backup(data: &DataArgs, media: &BlobArgs, out: &Path) -> Result<()> {
    crate::store::existing(data)?;
    let blobs = ObjectBlobs::open(&media.blobs(&data.data)?)?;
    let rt = runtime()?;
    let started = Instant::now();
    let s = backup::write(&location(data), &blobs, rt.handle(), out)
        .with_context(|| format!("backing up into {}", out.display()))?;
    println!(
        "backup written: {} ({} store, {} media files, {:.1} MB) in {:.1} s",
        out.display(),
        s.store,
        s.media_files,
        mb(s.bytes),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

pub fn run_restore(data: &DataArgs, media: &BlobArgs, file: &Path) -> Result<()> {
    if !file.is_file() {
        bail!("no backup file at {}", file.display());
    }
    std::fs::create_dir_all(&data.data)
        .with_context(|| format!("cannot create the data folder {}", data.data.display()))?;
    let blobs = ObjectBlobs::open(&media.blobs(&data.data)?)?;
    let rt = runtime()?;
    let started = Instant::now();
    let s = backup::restore(file, &location(data), &blobs, rt.handle(), &data.data)
        .with_context(|| format!("restoring {}", file.display()))?;
    // Open once: migrations bring an older backup up to this version, and the check says
    // whether what came back is whole.
    let engine = crate::store::open(data)?;
    let problems = engine.check()?;
    if !problems.is_empty() {
        bail!(
            "the restored store has problems:\n  {}",
            problems.join("\n  ")
        );
    }
    println!(
        "restored {} ({} store, {} media files, {:.1} MB) in {:.1} s; the search index is rebuilt when the server starts",
        file.display(),
        s.store,
        s.media_files,
        mb(s.bytes),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Bytes as megabytes, for what a command prints.
pub(crate) fn mb(bytes: u64) -> f64 {
    // Display only; precision beyond 2^53 bytes does not matter.
    #[allow(clippy::as_conversions, reason = "a size shown to one decimal")]
    let b = bytes as f64;
    b / 1_048_576.0
}

/// What `serve --backup-every` runs: a backup of this node's store and media.
pub fn scheduled(
    data: &DataArgs,
    blobs: ObjectBlobs,
    every: std::time::Duration,
    dir: Option<std::path::PathBuf>,
    keep: usize,
    bucket: Option<(portico_storage::BlobConfig, String)>,
) -> Result<portico_api::backups::BackupSchedule> {
    let store = location(data);
    let runtime = tokio::runtime::Handle::current();
    let ship = match bucket {
        Some((config, prefix)) => {
            let to = ObjectBlobs::open(&config)?;
            let rt = runtime.clone();
            let ship: portico_api::backups::ShipBackup =
                std::sync::Arc::new(move |file: &Path, name: &str, keep: usize| {
                    rt.block_on(ship_backup(&to, &prefix, file, name, keep))
                });
            Some(ship)
        }
        None => None,
    };
    Ok(portico_api::backups::BackupSchedule {
        every,
        dir: dir.unwrap_or_else(|| data.data.join("backups")),
        ship,
        keep,
        write: std::sync::Arc::new(move |out: &Path| {
            backup::write(&store, &blobs, &runtime, out)
                .map(|s| s.bytes)
                .map_err(|e| e.to_string())
        }),
    })
}

/// Uploads a finished backup and deletes the oldest there beyond `keep`.
async fn ship_backup(
    to: &ObjectBlobs,
    prefix: &str,
    file: &Path,
    name: &str,
    keep: usize,
) -> Result<(), String> {
    let key = format!("{prefix}{name}");
    to.upload_file(&key, file)
        .await
        .map_err(|e| format!("sending the backup to {}: {e}", to.describe()))?;
    let names: Vec<String> = to
        .keys(prefix)
        .await
        .map_err(|e| format!("listing the backups in {}: {e}", to.describe()))?
        .into_iter()
        .filter_map(|(k, _)| k.strip_prefix(prefix).map(str::to_owned))
        .collect();
    for old in portico_api::backups::beyond_keep(names, keep) {
        portico_engine::Blobs::delete(to, &format!("{prefix}{old}"))
            .await
            .map_err(|e| format!("deleting an old backup: {e}"))?;
    }
    Ok(())
}

/// `portico restore --from-bucket`: fetches the backup (by name, or the newest for `latest`)
/// beside the data folder, restores it, and removes the download.
pub fn restore_from_bucket(
    data: &DataArgs,
    media: &BlobArgs,
    bucket: &str,
    prefix: &str,
    name: &Path,
) -> Result<()> {
    let from = ObjectBlobs::open(&media.bucket(bucket))?;
    let rt = runtime()?;
    let name = name.to_string_lossy().into_owned();
    let name = if name == "latest" {
        let mut names: Vec<String> = rt
            .block_on(from.keys(prefix))?
            .into_iter()
            .filter_map(|(k, _)| k.strip_prefix(prefix).map(str::to_owned))
            .filter(|n| portico_api::backups::is_scheduled(n))
            .collect();
        names.sort();
        names
            .pop()
            .with_context(|| format!("no backup under '{prefix}' in {}", from.describe()))?
    } else {
        name
    };
    let parent = data
        .data
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let download = tempfile_in(parent)?;
    println!("fetching {name} from {}", from.describe());
    rt.block_on(from.download_file(&format!("{prefix}{name}"), download.path()))
        .with_context(|| format!("fetching {name}"))?;
    drop(rt);
    run_restore(data, media, download.path())
}

/// A file beside the data folder that is removed when dropped.
fn tempfile_in(dir: &Path) -> Result<TempDownload> {
    let path = dir.join(format!(".portico-restore-{}.tar", std::process::id()));
    Ok(TempDownload(path))
}

struct TempDownload(std::path::PathBuf);

impl TempDownload {
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDownload {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
