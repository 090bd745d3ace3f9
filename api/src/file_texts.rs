//! Reads the text of the files published documents and consultations attach, so search
//! finds a phrase that exists only in a scanned decision. Runs on the leading node alone (a
//! scan's OCR is minutes of CPU: one node pays it, every node's index gets it through the
//! `file_text_read` events), a file at a time through intake's gate, and once per file: the
//! text is kept by checksum, and a file that cannot be read keeps its warning instead.

use crate::follow::Loop;
use crate::progress::Progress;
use portico_engine::{Blobs, Engine, FileToRead};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Files looked up per step.
const BATCH: usize = 8;

/// The pause after a reading failed for a reason of ours (a tool missing, storage down).
const STALLED: Duration = Duration::from_secs(30);

pub(crate) async fn run(
    engine: Engine,
    blobs: Arc<dyn Blobs>,
    progress: Arc<Progress>,
    every: Duration,
    stop: watch::Receiver<bool>,
) {
    let mut task = Loop::new("file text reader", stop);
    loop {
        let e = engine.clone();
        let due = task
            .blocking(move || {
                if e.lead()? {
                    e.files_awaiting_text(BATCH)
                } else {
                    Ok(Vec::new())
                }
            })
            .await
            .unwrap_or_default();
        let mut busy = due.len() == BATCH;
        let mut stalled = false;
        for file in due {
            let Some(text) = read(&blobs, &file).await else {
                // Object storage down, or a reader missing: not the file's fault, so it is
                // tried again, after a pause rather than at once.
                stalled = true;
                busy = false;
                break;
            };
            let e = engine.clone();
            if task
                .blocking(move || e.keep_file_text(text))
                .await
                .is_some()
            {
                progress.files_read.fetch_add(1, Ordering::Relaxed);
                progress.wrote();
            }
        }
        if stalled {
            if !task.sleep(STALLED).await {
                return;
            }
        } else if !busy && !task.sleep_or(every, &progress.wake_reader).await {
            return;
        }
    }
}

/// The file's text, or its warning when it cannot be read; `None` when its bytes could not
/// be fetched (a passing outage, not the file's fault).
async fn read(blobs: &Arc<dyn Blobs>, file: &FileToRead) -> Option<portico_engine::FileText> {
    let key = portico_engine::original_key(&file.checksum, file.media_type);
    let bytes = match blobs.get(&key).await {
        Ok(Some(b)) => b,
        Ok(None) => {
            return Some(failed(
                file,
                "the file's bytes are missing from object storage",
            ));
        }
        Err(e) => {
            tracing::warn!(file = %file.filename, error = %e, "could not fetch a file to read");
            return None;
        }
    };
    let started = std::time::Instant::now();
    match crate::intake::read_text(file.filename.clone(), bytes).await {
        Ok(r) => {
            tracing::info!(
                file = %file.filename,
                pages = r.pages,
                ocr_pages = r.ocr_pages.len(),
                ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                "read a file's text for search"
            );
            Some(crate::intake::file_text(&file.checksum, &r))
        }
        // The file's own fault (damaged, encrypted, too large): kept, with why.
        Err(crate::error::ApiError::Http { code, message, .. }) if code.status() < 500 => {
            tracing::info!(file = %file.filename, error = %message, "a file's text cannot be read");
            Some(failed(file, &message))
        }
        // Ours (a reader not installed): tried again later, once fixed.
        Err(e) => {
            tracing::warn!(file = %file.filename, error = ?e, "could not read a file's text");
            None
        }
    }
}

/// A file that gave no text: kept with why, so it is not read again at every step.
fn failed(file: &FileToRead, why: &str) -> portico_engine::FileText {
    portico_engine::FileText {
        checksum: file.checksum.clone(),
        text: String::new(),
        pages: 0,
        ocr_pages: 0,
        warnings: vec![why.to_owned()],
        read_at: chrono::Utc::now(),
    }
}
