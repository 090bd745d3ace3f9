//! Scheduled backups: on the leading node only, every `every`, into a folder or an
//! object-storage bucket, keeping the newest `keep`. Writing one is the binary's (`portico_storage::backup`, which this crate
//! does not depend on); its state is in `/metrics` (`portico_backup_*`).

use crate::follow::Loop;
use crate::progress::Progress;
use portico_engine::Engine;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Writes one backup to the path given (called on the blocking pool) and returns its size.
pub type WriteBackup = Arc<dyn Fn(&Path) -> Result<u64, String> + Send + Sync>;

/// Sends a finished backup (the local file, its name) to a bucket and deletes the oldest
/// there beyond the number given; called on the blocking pool.
pub type ShipBackup = Arc<dyn Fn(&Path, &str, usize) -> Result<(), String> + Send + Sync>;

/// When and where the node takes backups.
#[derive(Clone)]
pub struct BackupSchedule {
    pub every: Duration,
    /// The folder backups are kept in, or, with `ship`, written to before they go.
    pub dir: PathBuf,
    /// To a bucket instead: the local file is removed once it is there.
    pub ship: Option<ShipBackup>,
    /// How many scheduled backups to keep; older ones are deleted after a new one is made.
    pub keep: usize,
    pub write: WriteBackup,
}

impl std::fmt::Debug for BackupSchedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackupSchedule")
            .field("every", &self.every)
            .field("dir", &self.dir)
            .field("keep", &self.keep)
            .field("to_bucket", &self.ship.is_some())
            .finish_non_exhaustive()
    }
}

/// The name of a scheduled backup: sortable by time, recognisable when rotating.
pub fn file_name(now: chrono::DateTime<chrono::Utc>) -> String {
    format!("portico-{}.tar", now.format("%Y%m%dT%H%M%SZ"))
}

/// Whether a name is one [`file_name`] made.
pub fn is_scheduled(name: &str) -> bool {
    name.starts_with("portico-") && name.ends_with(".tar")
}

/// The names among `names` to delete so that the newest `keep` (at least one) stay.
pub fn beyond_keep(mut names: Vec<String>, keep: usize) -> Vec<String> {
    names.retain(|n| is_scheduled(n));
    names.sort();
    let extra = names.len().saturating_sub(keep.max(1));
    names.into_iter().take(extra).collect()
}

/// Deletes the oldest scheduled backups beyond `keep` (only files this loop named).
fn rotate(dir: &Path, keep: usize) -> std::io::Result<()> {
    let names: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    for old in beyond_keep(names, keep) {
        std::fs::remove_file(dir.join(old))?;
    }
    Ok(())
}

pub(crate) async fn run(
    engine: Engine,
    schedule: BackupSchedule,
    progress: Arc<Progress>,
    stop: watch::Receiver<bool>,
) {
    let mut task = Loop::new("scheduled backup", stop);
    // The first one after one interval: a node that restarts often does not back up each
    // time it starts.
    if !task.sleep(schedule.every).await {
        return;
    }
    loop {
        let (e, s) = (engine.clone(), schedule.clone());
        let outcome = task
            .blocking(move || {
                if !e.lead().map_err(|e| e.to_string())? {
                    return Ok::<_, String>(None);
                }
                std::fs::create_dir_all(&s.dir)
                    .map_err(|e| format!("cannot create {}: {e}", s.dir.display()))?;
                let name = file_name(chrono::Utc::now());
                let out = s.dir.join(&name);
                let bytes = (s.write)(&out)?;
                match &s.ship {
                    Some(ship) => {
                        let sent = ship(&out, &name, s.keep);
                        // Sent or not, the staged copy goes: the bucket is where backups
                        // live, and a full disk must not follow a broken bucket.
                        if let Err(e) = std::fs::remove_file(&out) {
                            tracing::warn!(file = %out.display(), error = %e, "a staged backup could not be removed");
                        }
                        sent?;
                    }
                    None => {
                        rotate(&s.dir, s.keep).map_err(|e| format!("rotating backups: {e}"))?
                    }
                }
                Ok(Some((out, bytes)))
            })
            .await;
        match outcome {
            Some(Some((out, bytes))) => {
                progress
                    .backup_last_success
                    .store(chrono::Utc::now().timestamp(), Ordering::Relaxed);
                progress
                    .backup_last_bytes
                    .store(i64::try_from(bytes).unwrap_or(i64::MAX), Ordering::Relaxed);
                tracing::info!(file = %out.display(), bytes, "backup written");
            }
            Some(None) => {}
            None => {
                progress.backup_failures.fetch_add(1, Ordering::Relaxed);
            }
        }
        if !task.sleep(schedule.every).await {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_keeps_the_newest_of_its_own_files() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "portico-20261101T000000Z.tar",
            "portico-20261102T000000Z.tar",
            "portico-20261103T000000Z.tar",
            "notes.txt",
        ] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        rotate(dir.path(), 2).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "notes.txt",
                "portico-20261102T000000Z.tar",
                "portico-20261103T000000Z.tar"
            ]
        );
        assert_eq!(
            file_name("2026-11-30T07:05:09Z".parse().unwrap()),
            "portico-20261130T070509Z.tar"
        );
    }
}
