//! The media library.

use super::StoreResult;
use crate::event::{AuditEntry, NewEvent};
use crate::ids::{ItemId, SiteId};
use crate::media::{
    AttachmentText, FileText, FileToRead, Media, MediaFile, MediaFilter, MediaId, MediaUse,
    NewMediaRecord,
};

/// The `media_changed` event of a library write, made by the engine from the row as written
/// (an upload's id is known only then).
pub type MediaEvent<'a> = &'a dyn Fn(&Media) -> NewEvent;

/// The event telling every node that a live item's files have their text now.
pub type TextEvent<'a> = &'a dyn Fn(SiteId, ItemId) -> NewEvent;

/// The media library.
pub trait MediaStore {
    /// Adds a file to the library. This and the other media writes append their audit entry
    /// and the engine's `media_changed` event in the same transaction.
    fn insert_media(
        &self,
        m: &NewMediaRecord,
        audit: &AuditEntry,
        event: MediaEvent<'_>,
    ) -> StoreResult<Media>;
    /// One library file.
    fn media(&self, id: MediaId) -> StoreResult<Option<Media>>;
    /// A site's library, newest first.
    fn list_media(&self, site: SiteId, filter: &MediaFilter) -> StoreResult<Vec<Media>>;
    /// Points the file at new bytes (a replacement).
    fn replace_media(
        &self,
        id: MediaId,
        file: &MediaFile,
        audit: &AuditEntry,
        event: MediaEvent<'_>,
    ) -> StoreResult<Media>;
    /// Changes the editor's public mark, the title and the alternative text.
    fn update_media(
        &self,
        id: MediaId,
        public: bool,
        title: &str,
        alt: &str,
        audit: &AuditEntry,
        event: MediaEvent<'_>,
    ) -> StoreResult<Media>;
    /// Removes the file from the library.
    fn delete_media(
        &self,
        id: MediaId,
        audit: &AuditEntry,
        event: MediaEvent<'_>,
    ) -> StoreResult<()>;
    /// The items whose working copy or published revision refers to the file.
    fn media_uses(&self, id: MediaId) -> StoreResult<Vec<MediaUse>>;
    /// Whether a published revision refers to the file.
    fn media_published(&self, id: MediaId) -> StoreResult<bool>;
    /// How many library rows keep bytes with this checksum (identical uploads share a blob).
    fn media_checksum_uses(&self, checksum: &str) -> StoreResult<u64>;
    /// The kept text of the file with this checksum, if it was read.
    fn file_text(&self, checksum: &str) -> StoreResult<Option<FileText>>;
    /// Keeps a file's text (replacing an earlier reading) and, in the same transaction,
    /// appends `event` for every live item whose published revision uses a file with this
    /// checksum: an item published while the file was being read is not missed. Returns how
    /// many events were appended.
    fn put_file_text(&self, text: &FileText, event: TextEvent<'_>) -> StoreResult<usize>;
    /// Files used by the published revision of a live document or consultation, of a type
    /// whose text can be read, with no kept text yet; oldest use first.
    fn files_awaiting_text(&self, limit: usize) -> StoreResult<Vec<FileToRead>>;
    /// The kept texts of the files the published revision of a live item uses.
    fn published_file_texts(&self, item: ItemId) -> StoreResult<Vec<AttachmentText>>;
}
