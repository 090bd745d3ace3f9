//! Media: photos and document files in object storage, and the library that says whose they
//! are and who may see them.
//!
//! The bytes live behind [`Blobs`] (object storage, shared by every node); the library rows
//! live in the [`crate::Store`]. A file is public only when an editor marked it so or when a
//! published revision refers to it, so that a scan attached to a draft stays private.

use crate::ids::{ItemId, SiteId, UserId};
use crate::names::named;
use crate::workflow::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::future::Future;
use std::pin::Pin;

/// A file in the media library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MediaId(pub i64);

impl fmt::Display for MediaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The kinds of file the library accepts, as sniffed from their bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaType {
    Jpeg,
    Png,
    Webp,
    Gif,
    Pdf,
    Docx,
    Xlsx,
    Pptx,
    Odt,
    Ods,
    Odp,
    /// Word 97–2003, still how many offices keep their documents.
    Doc,
    /// Scanners' format: kept and offered for download (browsers do not show it), read by OCR.
    Tiff,
}

named!(MediaType, "file type", {
    Jpeg => "jpeg",
    Png => "png",
    Webp => "webp",
    Gif => "gif",
    Pdf => "pdf",
    Docx => "docx",
    Xlsx => "xlsx",
    Pptx => "pptx",
    Odt => "odt",
    Ods => "ods",
    Odp => "odp",
    Doc => "doc",
    Tiff => "tiff",
});

impl MediaType {
    /// The `Content-Type` it is served with.
    pub fn mime(self) -> &'static str {
        match self {
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
            MediaType::Webp => "image/webp",
            MediaType::Gif => "image/gif",
            MediaType::Pdf => "application/pdf",
            MediaType::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            MediaType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            MediaType::Pptx => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            MediaType::Odt => "application/vnd.oasis.opendocument.text",
            MediaType::Ods => "application/vnd.oasis.opendocument.spreadsheet",
            MediaType::Odp => "application/vnd.oasis.opendocument.presentation",
            MediaType::Doc => "application/msword",
            MediaType::Tiff => "image/tiff",
        }
    }

    /// The file-name extension it is stored and downloaded with.
    pub fn ext(self) -> &'static str {
        match self {
            MediaType::Jpeg => "jpg",
            other => other.as_str(),
        }
    }

    /// The type a file name's extension claims, if it names one of ours.
    pub fn from_extension(name: &str) -> Option<MediaType> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "jpg" | "jpeg" | "jpe" | "jfif" => Some(MediaType::Jpeg),
            "tif" => Some(MediaType::Tiff),
            other => MediaType::parse(other),
        }
    }

    /// Whether derivatives (resized copies) can be made of it.
    pub fn is_image(self) -> bool {
        matches!(
            self,
            MediaType::Jpeg | MediaType::Png | MediaType::Webp | MediaType::Gif
        )
    }
}

/// A file of the library as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Media {
    pub id: MediaId,
    #[serde(skip)]
    pub site_id: SiteId,
    /// The site's slug (filled in by the engine).
    pub site: String,
    /// The name it was uploaded with, cleaned of any path.
    pub filename: String,
    /// What editors call it; searchable with the file name.
    pub title: String,
    /// What an image shows, for those who cannot see it (the `alt` of pages that show it).
    pub alt: String,
    #[serde(rename = "type")]
    pub media_type: MediaType,
    pub mime: &'static str,
    pub size: u64,
    /// SHA-256 of the stored bytes, hex; also names the blob, so identical uploads share it.
    pub checksum: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Marked public by an editor (a file used by a published item is public anyway).
    pub public: bool,
    #[serde(skip)]
    pub uploaded_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Media {
    /// Where the original is kept in object storage.
    pub fn original_key(&self) -> String {
        original_key(&self.checksum, self.media_type)
    }

    /// The folder of its derivatives in object storage.
    pub fn derived_prefix(&self) -> String {
        format!("derived/{}", self.checksum)
    }

    /// A short tag that changes when the file is replaced (for URLs and ETags).
    pub fn version(&self) -> &str {
        self.checksum.get(..16).unwrap_or(&self.checksum)
    }
}

/// Where an original with this checksum and type is kept.
pub fn original_key(checksum: &str, t: MediaType) -> String {
    format!("originals/{checksum}.{}", t.ext())
}

/// The stored bytes of an upload and what was learnt from them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaFile {
    pub media_type: MediaType,
    pub size: u64,
    pub checksum: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

/// A library row to insert.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMediaRecord {
    pub site_id: SiteId,
    pub filename: String,
    pub title: String,
    pub file: MediaFile,
    pub uploaded_by: UserId,
    pub at: DateTime<Utc>,
}

/// An item that refers to a file, and whether the public sees that reference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MediaUse {
    pub item_id: ItemId,
    pub site: String,
    #[serde(skip)]
    pub site_id: SiteId,
    pub title: String,
    pub state: State,
    /// The published revision refers to the file, so the file is public.
    pub published: bool,
}

/// One page of the library.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MediaFilter {
    /// Words of the file name or title, matched folded (without diacritics).
    pub query: Option<String>,
    pub media_type: Option<MediaType>,
    /// Only ids below this one (the library is listed newest first).
    pub before: Option<MediaId>,
    pub limit: usize,
}

/// The media ids an item's fields refer to: `/media/{id}` anywhere in a string (cover,
/// attachments, images in the body) or a bare number in `cover`.
pub fn media_refs(fields: &serde_json::Value) -> Vec<MediaId> {
    fn walk(v: &serde_json::Value, key: Option<&str>, out: &mut Vec<MediaId>) {
        match v {
            serde_json::Value::String(s) => {
                if key == Some("cover") {
                    if let Ok(id) = s.trim().parse::<i64>() {
                        out.push(MediaId(id));
                    }
                }
                let mut rest = s.as_str();
                while let Some(at) = rest.find("/media/") {
                    rest = &rest[at + "/media/".len()..];
                    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
                    if let Ok(id) = rest[..digits].parse::<i64>() {
                        out.push(MediaId(id));
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, key, out)),
            serde_json::Value::Object(o) => o.iter().for_each(|(k, x)| walk(x, Some(k), out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(fields, None, &mut out);
    out.sort_unstable();
    out.dedup();
    out
}

/// Why object storage failed.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("object storage: {0}")]
    Backend(String),
}

/// What a [`Blobs`] call returns: a boxed future, so that the trait stays object-safe and
/// the engine needs no async runtime.
pub type BlobFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, BlobError>> + Send + 'a>>;

/// Object storage as the media library needs it: whole objects by key.
pub trait Blobs: Send + Sync + 'static {
    /// Stores `bytes` at `key`, replacing what was there.
    fn put<'a>(&'a self, key: &'a str, bytes: bytes::Bytes) -> BlobFuture<'a, ()>;
    /// The object at `key`, or `None`.
    fn get<'a>(&'a self, key: &'a str) -> BlobFuture<'a, Option<bytes::Bytes>>;
    /// Whether an object is at `key`.
    fn exists<'a>(&'a self, key: &'a str) -> BlobFuture<'a, bool>;
    /// Removes the object at `key` (no error if there was none).
    fn delete<'a>(&'a self, key: &'a str) -> BlobFuture<'a, ()>;
    /// Removes every object under `prefix/`.
    fn delete_prefix<'a>(&'a self, prefix: &'a str) -> BlobFuture<'a, ()>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_are_found_in_cover_body_and_attachments() {
        let fields = serde_json::json!({
            "title": "x",
            "cover": "7",
            "body": "![ảnh](/media/12/content) và [tải về](/media/3) /media/abc",
            "attachments": [{"name": "QĐ.pdf", "href": "/media/12"}],
        });
        assert_eq!(
            media_refs(&fields),
            vec![MediaId(3), MediaId(7), MediaId(12)]
        );
        assert!(media_refs(&serde_json::json!({"body": "no media"})).is_empty());
    }

    #[test]
    fn extensions_name_types() {
        assert_eq!(MediaType::from_extension("Ảnh.JPEG"), Some(MediaType::Jpeg));
        assert_eq!(MediaType::from_extension("qd.pdf"), Some(MediaType::Pdf));
        assert_eq!(MediaType::from_extension("x.exe"), None);
        assert_eq!(MediaType::from_extension("noext"), None);
    }
}

/// The text read from a file (a PDF, a DOCX, a scan), kept by the file's checksum: read once
/// per file however many library rows share it. Derived data: losing it costs a new reading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileText {
    pub checksum: String,
    /// The text, pages separated by form feeds (`\f`).
    pub text: String,
    pub pages: u32,
    /// Pages whose text came from OCR.
    pub ocr_pages: u32,
    /// What the reading could not do (pages past the cap, a damaged file); an unreadable file
    /// keeps its warning and no text, so it is not read again and again.
    pub warnings: Vec<String>,
    pub read_at: DateTime<Utc>,
}

/// A file whose text is wanted and not yet read: one used by a published document or
/// consultation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileToRead {
    pub checksum: String,
    pub media_type: MediaType,
    pub filename: String,
}

/// The text of one file a published item uses, as the search index takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentText {
    pub filename: String,
    pub text: String,
}

impl MediaType {
    /// Whether the file's text can be read (and so is worth indexing with the item using it).
    pub fn has_text(self) -> bool {
        matches!(
            self,
            MediaType::Pdf
                | MediaType::Docx
                | MediaType::Doc
                | MediaType::Jpeg
                | MediaType::Png
                | MediaType::Tiff
        )
    }
}
