//! Document intake for the HTTP layer: a file's text (DOCX, PDF, or a scan) and its fields,
//! through `portico_intake`, off the async threads and a few files at a time so that OCR
//! cannot take every core from the readers of the portals.

use crate::error::ApiError;
use portico_engine::ErrorCode;
use portico_intake::{DocxLimits, PdfError, PdfLimits};
use serde::Serialize;
use serde_json::{json, Value};

/// Files read at once; the rest wait.
fn gate() -> &'static tokio::sync::Semaphore {
    static GATE: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    GATE.get_or_init(|| tokio::sync::Semaphore::new(2))
}

/// What a file gave.
#[derive(Debug, Serialize)]
pub(crate) struct Intake {
    /// The fields read with enough confidence (the others are absent: never a guess).
    pub fields: Value,
    pub confidence: Value,
    pub found_at: Value,
    pub pages: usize,
    pub ocr_pages: Vec<usize>,
    pub text_chars: usize,
    pub warnings: Vec<String>,
    /// The text itself, kept with the file when it is stored (not part of the answer).
    #[serde(skip)]
    pub reading: portico_intake::Reading,
}

/// The kinds of file read.
enum Kind {
    Docx,
    Doc,
    Pdf,
    Picture,
}

fn kind(bytes: &[u8]) -> Option<Kind> {
    if bytes.starts_with(b"PK\x03\x04") {
        Some(Kind::Docx)
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Some(Kind::Doc)
    } else if bytes.starts_with(b"%PDF-") {
        Some(Kind::Pdf)
    } else if bytes.starts_with(b"\x89PNG")
        || bytes.starts_with(&[0xFF, 0xD8, 0xFF])
        || bytes.starts_with(b"II*\0")
        || bytes.starts_with(b"MM\0*")
    {
        Some(Kind::Picture)
    } else {
        None
    }
}

/// Files one user may have read or waiting to be read at once.
const PER_USER: usize = 2;
/// Files waiting or being read at once, in all: each holds its bytes in memory meanwhile.
const IN_ALL: usize = 10;

/// Who has files in line.
fn line() -> &'static std::sync::Mutex<Line> {
    static LINE: std::sync::OnceLock<std::sync::Mutex<Line>> = std::sync::OnceLock::new();
    LINE.get_or_init(Default::default)
}

#[derive(Default)]
struct Line {
    total: usize,
    by_user: std::collections::HashMap<String, usize>,
}

/// A file's place in line; given back when it is read (or its reader gives up).
struct Place(String);

impl Place {
    fn take(user: &str) -> Option<Place> {
        let mut l = line().lock().unwrap_or_else(|p| p.into_inner());
        let mine = l.by_user.get(user).copied().unwrap_or(0);
        if l.total >= IN_ALL || mine >= PER_USER {
            return None;
        }
        l.total += 1;
        l.by_user.insert(user.to_owned(), mine + 1);
        Some(Place(user.to_owned()))
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut l = line().lock().unwrap_or_else(|p| p.into_inner());
        l.total = l.total.saturating_sub(1);
        if let Some(n) = l.by_user.get_mut(&self.0) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                l.by_user.remove(&self.0);
            }
        }
    }
}

/// Reads `bytes` (named `name`) for `user` and extracts the fields. Files wait their turn
/// for the two readers, but only so many: past [`PER_USER`] files of one user or [`IN_ALL`]
/// in all, the answer is `503 intake_busy` at once rather than another upload held in memory.
pub(crate) async fn read(user: &str, name: String, bytes: Vec<u8>) -> Result<Intake, ApiError> {
    let Some(_place) = Place::take(user) else {
        return Err(ApiError::Busy(ErrorCode::IntakeBusy, 10));
    };
    let _permit = gate().acquire().await.ok();
    match crate::handlers::off_thread(move || read_blocking(&name, &bytes)).await {
        Ok(r) => r,
        Err(e) => Err(ApiError::internal(format!("intake task failed: {e}"))),
    }
}

/// Reads the text of `bytes` (named `name`), for the search index: the same readers and the
/// same few-at-a-time gate as [`read`].
pub(crate) async fn read_text(
    name: String,
    bytes: bytes::Bytes,
) -> Result<portico_intake::Reading, ApiError> {
    let _permit = gate().acquire().await.ok();
    match crate::handlers::off_thread(move || reading(&name, &bytes)).await {
        Ok(r) => r,
        Err(e) => Err(ApiError::internal(format!("intake task failed: {e}"))),
    }
}

/// A reading as the store keeps it: pages separated by form feeds.
pub(crate) fn file_text(checksum: &str, r: &portico_intake::Reading) -> portico_engine::FileText {
    portico_engine::FileText {
        checksum: checksum.to_owned(),
        text: r
            .text
            .pages
            .iter()
            .map(|p| p.join("\n"))
            .collect::<Vec<_>>()
            .join("\u{c}"),
        pages: u32::try_from(r.pages).unwrap_or(u32::MAX),
        ocr_pages: u32::try_from(r.ocr_pages.len()).unwrap_or(u32::MAX),
        warnings: r.warnings.clone(),
        read_at: chrono::Utc::now(),
    }
}

fn unsupported(m: impl Into<String>) -> ApiError {
    ApiError::http(ErrorCode::UnsupportedFile, m)
}

fn read_blocking(name: &str, bytes: &[u8]) -> Result<Intake, ApiError> {
    let r = reading(name, bytes)?;
    let e = portico_intake::extract(&r.text);
    Ok(fields_of(r, &e))
}

/// The text of a DOCX, a PDF or a scan.
fn reading(name: &str, bytes: &[u8]) -> Result<portico_intake::Reading, ApiError> {
    let limits = PdfLimits::default();
    let mut reading = match kind(bytes) {
        Some(Kind::Docx) => {
            let text = portico_intake::docx_text(bytes, DocxLimits::default())
                .map_err(|e| ApiError::http(ErrorCode::CorruptFile, format!("{name}: {e}")))?;
            portico_intake::Reading {
                text,
                pages: 1,
                ..Default::default()
            }
        }
        Some(k) => {
            // The tools read files: a private temporary copy, removed after.
            let dir = tempfile::tempdir().map_err(ApiError::internal)?;
            let path = dir.path().join(match k {
                Kind::Pdf => "file.pdf",
                Kind::Doc => "file.doc",
                _ => "file.img",
            });
            std::fs::write(&path, bytes).map_err(ApiError::internal)?;
            let r = match k {
                Kind::Pdf => portico_intake::pdf_text(&path, &limits),
                Kind::Doc => portico_intake::doc_text(&path, &limits),
                _ => portico_intake::picture_text(&path, &limits),
            };
            drop(dir);
            r.map_err(|e| match e {
                PdfError::Missing(..) => ApiError::internal(e.to_string()),
                PdfError::TooManyPixels(..) => {
                    ApiError::http(ErrorCode::ImageTooLarge, e.to_string())
                }
                PdfError::Io(m) => ApiError::internal(m),
                other => ApiError::http(ErrorCode::CorruptFile, format!("{name}: {other}")),
            })?
        }
        None => {
            return Err(unsupported(format!(
                "{name}: send a DOCX or DOC, a PDF, or a scan as JPEG, PNG or TIFF"
            )))
        }
    };
    portico_intake::to_unicode(&mut reading);
    Ok(reading)
}

/// What the API answers for a reading and its fields.
fn fields_of(reading: portico_intake::Reading, e: &portico_intake::Extracted) -> Intake {
    let mut fields = serde_json::Map::new();
    let mut confidence = serde_json::Map::new();
    let mut found_at = serde_json::Map::new();
    for (k, f) in [
        ("number", &e.number),
        ("doc_type", &e.doc_type),
        ("issuer", &e.issuer),
        ("signer", &e.signer),
        ("signer_title", &e.signer_title),
        ("issued_on", &e.issued_on),
        ("effective_on", &e.effective_on),
        ("title", &e.title),
    ] {
        if let Some(v) = &f.value {
            fields.insert(k.into(), json!(v));
        }
        confidence.insert(k.into(), json!((f.confidence * 100.0).round() / 100.0));
        if let Some(at) = f.found_at {
            found_at.insert(k.into(), json!({"page": at.page, "line": at.line}));
        }
    }
    Intake {
        fields: Value::Object(fields),
        confidence: Value::Object(confidence),
        found_at: Value::Object(found_at),
        pages: reading.pages,
        ocr_pages: reading.ocr_pages.clone(),
        text_chars: reading.text.chars(),
        warnings: reading.warnings.clone(),
        reading,
    }
}

#[cfg(test)]
mod line_tests {
    use super::{Place, IN_ALL, PER_USER};

    #[test]
    fn the_line_of_files_is_bounded_per_user_and_in_all() {
        let mine: Vec<_> = (0..PER_USER)
            .filter_map(|_| Place::take("tac-gia"))
            .collect();
        assert_eq!(mine.len(), PER_USER);
        assert!(Place::take("tac-gia").is_none(), "one user's line is full");
        let others: Vec<_> = (0..IN_ALL)
            .filter_map(|i| Place::take(&format!("nguoi-{i}")))
            .collect();
        assert_eq!(others.len(), IN_ALL - PER_USER, "the whole line is full");
        drop(mine);
        assert!(Place::take("tac-gia").is_some(), "places are given back");
    }
}
