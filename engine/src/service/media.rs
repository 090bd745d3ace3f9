//! The media library's use cases: who may upload, replace, delete and publish files, and
//! which files the public may see.

use super::Engine;
use crate::error::{EngineError, InvalidKind};
use crate::event::{MediaChange, NewEvent};
use crate::ids::ItemId;
use crate::media::{
    AttachmentText, FileText, FileToRead, Media, MediaFile, MediaFilter, MediaId, MediaType,
    MediaUse, NewMediaRecord,
};
use crate::policy::{Actor, Permission};
use crate::site::Site;
use crate::ErrorCode;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// Longest kept file name and title, in characters.
const MAX_NAME: usize = 200;
/// Most files one library page lists.
pub const MAX_MEDIA_PAGE: usize = 200;

/// What an editor may change of a library file without replacing its bytes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaPatch {
    /// Public before any published item uses it (e.g. a logo), or private again.
    #[serde(default)]
    pub public: Option<bool>,
    #[serde(default)]
    pub title: Option<String>,
    /// What the image shows, for screen readers (at most 500 characters).
    #[serde(default)]
    pub alt: Option<String>,
}

/// A library file with the items that use it.
#[derive(Debug, Clone, Serialize)]
pub struct MediaDetail {
    #[serde(flatten)]
    pub media: Media,
    /// Whether the public can fetch it now.
    pub visible: bool,
    pub used_by: Vec<MediaUse>,
}

/// The name a file keeps: no folders, no control characters, NFC, at most 200 characters.
fn clean_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let name: String = base
        .nfc()
        .filter(|c| !c.is_control())
        .take(MAX_NAME)
        .collect();
    let name = name.trim().trim_start_matches('.').trim().to_owned();
    if name.is_empty() {
        "file".to_owned()
    } else {
        name
    }
}

fn clean_title(raw: &str) -> Result<String, EngineError> {
    let t: String = raw.nfc().filter(|c| !c.is_control()).collect();
    if t.chars().count() > MAX_NAME {
        return Err(EngineError::invalid(
            InvalidKind::TooLong,
            "title".to_owned(),
            format!("title is longer than {MAX_NAME} characters"),
        ));
    }
    Ok(t.trim().to_owned())
}

impl Engine {
    fn media_audit(
        &self,
        actor: &Actor,
        action: &str,
        m_site: &Site,
        comment: String,
    ) -> crate::AuditEntry {
        let mut audit = self.audit(Some(actor), action);
        audit.site_id = Some(m_site.id);
        audit.comment = Some(comment);
        audit
    }

    /// Checks, before any byte of an upload is read, that the actor may upload to the site.
    pub fn authorize_upload(&self, actor: &Actor, site: &str) -> Result<Site, EngineError> {
        let site = self.site_by_slug(site)?;
        self.allow(actor, &site, Permission::UploadMedia)?;
        Ok(site)
    }

    /// Adds a file whose bytes are already in object storage to the site's library.
    pub fn add_media(
        &self,
        actor: &Actor,
        site: &str,
        filename: &str,
        title: Option<&str>,
        file: MediaFile,
    ) -> Result<Media, EngineError> {
        let site = self.authorize_upload(actor, site)?;
        let filename = clean_name(filename);
        let title = match title.map(clean_title).transpose()? {
            Some(t) if !t.is_empty() => t,
            _ => filename
                .rsplit_once('.')
                .map_or(filename.as_str(), |(stem, _)| stem)
                .to_owned(),
        };
        let audit = self.media_audit(actor, "media.upload", &site, filename.clone());
        let record = NewMediaRecord {
            site_id: site.id,
            filename,
            title,
            file,
            uploaded_by: actor.user_id,
            at: audit.at,
        };
        let mut m = self.store.insert_media(&record, &audit, &|m| {
            NewEvent::media(m, MediaChange::Uploaded)
        })?;
        m.site.clone_from(&site.slug);
        Ok(m)
    }

    fn media_of(&self, id: MediaId) -> Result<(Media, Site), EngineError> {
        let mut m = self
            .store
            .media(id)?
            .ok_or_else(|| EngineError::not_found(format!("media {id}")))?;
        let site = self.site(m.site_id)?;
        m.site.clone_from(&site.slug);
        Ok((m, site))
    }

    /// A site's library, newest first, narrowed by words of the name or title and by type.
    pub fn media_library(
        &self,
        actor: &Actor,
        site: &str,
        mut filter: MediaFilter,
    ) -> Result<Vec<Media>, EngineError> {
        let site = self.site_by_slug(site)?;
        self.allow(actor, &site, Permission::ViewSite)?;
        filter.limit = filter.limit.clamp(1, MAX_MEDIA_PAGE);
        filter.query = filter
            .query
            .map(|q| crate::text::fold(q.trim()))
            .filter(|q| !q.is_empty());
        let mut list = self.store.list_media(site.id, &filter)?;
        for m in &mut list {
            m.site.clone_from(&site.slug);
        }
        Ok(list)
    }

    /// One file with the items that use it; anyone with a role on its site.
    pub fn media_detail(&self, actor: &Actor, id: MediaId) -> Result<MediaDetail, EngineError> {
        let (media, site) = self.media_of(id)?;
        self.allow(actor, &site, Permission::ViewSite)?;
        let mut used_by = self.store.media_uses(id)?;
        for u in &mut used_by {
            u.site = self.site(u.site_id)?.slug;
        }
        let visible = media.public || used_by.iter().any(|u| u.published);
        Ok(MediaDetail {
            media,
            visible,
            used_by,
        })
    }

    /// A file and its site, once the actor is allowed to replace, delete or change it.
    fn managed_media(&self, actor: &Actor, id: MediaId) -> Result<(Media, Site), EngineError> {
        let (m, site) = self.media_of(id)?;
        let uploader = m.uploaded_by;
        self.allow(actor, &site, Permission::ManageMedia { uploader })?;
        Ok((m, site))
    }

    /// Checks, before any byte of a replacement is read, that the actor may replace the file.
    pub fn authorize_replace(&self, actor: &Actor, id: MediaId) -> Result<Media, EngineError> {
        Ok(self.managed_media(actor, id)?.0)
    }

    /// Points the file at new bytes; returns the file as it was and as it is now, so that
    /// the caller can drop the old bytes and derivatives.
    pub fn replace_media(
        &self,
        actor: &Actor,
        id: MediaId,
        file: MediaFile,
    ) -> Result<(Media, Media), EngineError> {
        let (old, site) = self.managed_media(actor, id)?;
        if old.media_type.is_image() != file.media_type.is_image() {
            return Err(EngineError::invalid(
                InvalidKind::InvalidValue,
                "file".to_owned(),
                format!(
                    "a {} can only be replaced by an image of the same kind of use; upload a {} as a new file",
                    if old.media_type.is_image() { "photo" } else { "document" },
                    file.media_type
                ),
            ));
        }
        let mut audit = self.media_audit(actor, "media.replace", &site, old.filename.clone());
        audit.comment = Some(format!(
            "{} ({} → {})",
            old.filename,
            old.version(),
            &file.checksum[..16.min(file.checksum.len())]
        ));
        let mut new = self.store.replace_media(id, &file, &audit, &|m| {
            NewEvent::media(m, MediaChange::Replaced)
        })?;
        new.site.clone_from(&site.slug);
        Ok((old, new))
    }

    /// Changes the public mark (editors and above) or the title.
    pub fn update_media(
        &self,
        actor: &Actor,
        id: MediaId,
        patch: MediaPatch,
    ) -> Result<Media, EngineError> {
        let (m, site) = self.managed_media(actor, id)?;
        let public = match patch.public {
            Some(p) if p != m.public => {
                self.allow(actor, &site, Permission::PublishMedia)?;
                p
            }
            _ => m.public,
        };
        let title = match patch.title {
            Some(t) => clean_title(&t)?,
            None => m.title.clone(),
        };
        let alt = match patch.alt {
            Some(a) => {
                let a = crate::text::nfc(a.trim());
                if a.chars().count() > 500 || a.chars().any(char::is_control) {
                    return Err(EngineError::invalid(
                        InvalidKind::InvalidValue,
                        "alt".to_owned(),
                        "the alternative text is one line of at most 500 characters",
                    ));
                }
                a
            }
            None => m.alt.clone(),
        };
        let (action, change) = match (m.public, public) {
            (false, true) => ("media.make_public", MediaChange::MadePublic),
            (true, false) => ("media.make_private", MediaChange::MadePrivate),
            _ => ("media.update", MediaChange::Updated),
        };
        let audit = self.media_audit(actor, action, &site, m.filename.clone());
        let mut m = self
            .store
            .update_media(id, public, &title, &alt, &audit, &|m| {
                NewEvent::media(m, change)
            })?;
        m.site.clone_from(&site.slug);
        Ok(m)
    }

    /// Removes a file from the library; refused while a published item shows it. Returns the
    /// removed file and whether its bytes are now unused (so the caller may delete them).
    pub fn delete_media(&self, actor: &Actor, id: MediaId) -> Result<(Media, bool), EngineError> {
        let (m, site) = self.managed_media(actor, id)?;
        let uses = self.store.media_uses(id)?;
        if let Some(u) = uses.iter().find(|u| u.published) {
            return Err(EngineError::conflict(
                ErrorCode::MediaInUse,
                format!(
                    "file {id} is shown by the published item {} ('{}'); unpublish the item or remove the file from it first",
                    u.item_id, u.title
                ),
            ));
        }
        let audit = self.media_audit(actor, "media.delete", &site, m.filename.clone());
        self.store
            .delete_media(id, &audit, &|m| NewEvent::media(m, MediaChange::Deleted))?;
        let orphan = self.store.media_checksum_uses(&m.checksum)? == 0;
        Ok((m, orphan))
    }

    /// Whether bytes with this checksum are still kept by some library file.
    pub fn media_bytes_in_use(&self, checksum: &str) -> Result<bool, EngineError> {
        Ok(self.store.media_checksum_uses(checksum)? > 0)
    }

    /// A file the public may fetch: marked public or used by a published revision. Anything
    /// else, drafts' files included, is "not found", as if it did not exist.
    pub fn public_media(&self, id: MediaId) -> Result<Media, EngineError> {
        let not_found = || EngineError::not_found(format!("media {id}"));
        let m = self.store.media(id)?.ok_or_else(not_found)?;
        if m.public || self.store.media_published(id)? {
            Ok(m)
        } else {
            Err(not_found())
        }
    }

    /// A file for which the actor may make signed derivative URLs (any role on its site).
    pub fn media_for_signing(&self, actor: &Actor, id: MediaId) -> Result<Media, EngineError> {
        let (m, site) = self.media_of(id)?;
        self.allow(actor, &site, Permission::ViewSite)?;
        Ok(m)
    }
}

/// Longest kept text of one file, in bytes (about 600 pages of dense text): past it the text
/// is cut at a character boundary and the reading says so.
pub const MAX_FILE_TEXT: usize = 2 * 1024 * 1024;

impl Engine {
    /// Files used by published documents and consultations whose text is not read yet (for
    /// the node that reads them; not a permission-checked path).
    pub fn files_awaiting_text(&self, limit: usize) -> Result<Vec<FileToRead>, EngineError> {
        Ok(self.store.files_awaiting_text(limit.clamp(1, 1000))?)
    }

    /// Keeps a file's text, and tells every node's search index about the live items using
    /// it. Returns how many items that was.
    pub fn keep_file_text(&self, mut text: FileText) -> Result<usize, EngineError> {
        if text.text.len() > MAX_FILE_TEXT {
            let end = crate::text::prefix(&text.text, MAX_FILE_TEXT).len();
            text.text.truncate(end);
            text.warnings.push(format!(
                "only the first {MAX_FILE_TEXT} bytes of text are kept"
            ));
        }
        let checksum = text.checksum.clone();
        let event = move |site, item| NewEvent::file_text_read(site, item, &checksum);
        Ok(self.store.put_file_text(&text, &event)?)
    }

    /// The kept text of the file with this checksum.
    pub fn file_text(&self, checksum: &str) -> Result<Option<FileText>, EngineError> {
        Ok(self.store.file_text(checksum)?)
    }

    /// The texts of the files a live item's published revision uses (for its search entry).
    pub fn published_file_texts(&self, item: ItemId) -> Result<Vec<AttachmentText>, EngineError> {
        Ok(self.store.published_file_texts(item)?)
    }
}

/// Parses a `type` filter of the library.
pub fn parse_media_type(s: &str) -> Result<MediaType, EngineError> {
    MediaType::parse(s).ok_or_else(|| {
        EngineError::invalid(
            InvalidKind::InvalidValue,
            "type".to_owned(),
            format!(
                "unknown media type '{s}'; expected one of: {}",
                MediaType::ALL.map(MediaType::as_str).join(", ")
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::clean_name;

    #[test]
    fn names_lose_folders_and_control_characters() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\Ảnh\\hội nghị.jpg"), "hội nghị.jpg");
        assert_eq!(clean_name("a\u{0}b\n.pdf"), "ab.pdf");
        assert_eq!(clean_name("..."), "file");
        assert_eq!(clean_name(""), "file");
    }
}
