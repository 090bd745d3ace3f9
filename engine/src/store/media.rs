//! The media library.

use super::StoreResult;
use crate::event::{AuditEntry, NewEvent};
use crate::ids::SiteId;
use crate::media::{Media, MediaFile, MediaFilter, MediaId, MediaUse, NewMediaRecord};

/// The `media_changed` event of a library write, made by the engine from the row as written
/// (an upload's id is known only then).
pub type MediaEvent<'a> = &'a dyn Fn(&Media) -> NewEvent;

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
}
