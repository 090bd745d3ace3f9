//! Scheduled backups: on the leading node only, every `every`, into a folder, keeping the
//! newest `keep`. Writing one is the binary's (`portico_storage::backup`, which this crate
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

/// When and where the node takes backups.
#[derive(Clone)]
pub struct BackupSchedule {
    pub every: Duration,
    pub dir: PathBuf,
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
            .finish_non_exhaustive()
    }
}

/// The name of a scheduled backup: sortable by time, recognisable when rotating.
fn file_name(now: chrono::DateTime<chrono::Utc>) -> String {
    format!("portico-{}.tar", now.format("%Y%m%dT%H%M%SZ"))
}

/// Deletes the oldest scheduled backups beyond `keep` (only files this loop named).
fn rotate(dir: &Path, keep: usize) -> std::io::Result<()> {
    let mut ours: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("portico-") && n.ends_with(".tar"))
        })
        .collect();
    ours.sort();
    let extra = ours.len().saturating_sub(keep.max(1));
    for old in ours.into_iter().take(extra) {
        std::fs::remove_file(old)?;
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
                let out = s.dir.join(file_name(chrono::Utc::now()));
                let bytes = (s.write)(&out)?;
                rotate(&s.dir, s.keep).map_err(|e| format!("rotating backups: {e}"))?;
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
