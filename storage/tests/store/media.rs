//! The media library: a file is public exactly while a published revision uses it (or an
//! editor marked it), and who may do what with it.

use crate::support::{each_backend, Fixture};
use portico_engine::{
    EngineError, ItemView, MediaFile, MediaFilter, MediaId, MediaPatch, MediaType, NewItemInput,
    SaveInput,
};
use serde_json::json;

fn file(checksum: &str) -> MediaFile {
    MediaFile {
        media_type: MediaType::Jpeg,
        size: 1234,
        checksum: checksum.repeat(64 / checksum.len()),
        width: Some(4000),
        height: Some(3000),
    }
}

fn article_with(f: &Fixture, body: &str, cover: Option<&str>) -> ItemView {
    f.engine
        .create_item(
            &f.author,
            "main",
            NewItemInput {
                kind: "article".into(),
                channels: vec!["tin-tuc-su-kien".into()],
                slug: None,
                fields: json!({"title": "Hội nghị", "body": body, "cover": cover}),
            },
        )
        .unwrap()
}

fn is_public(f: &Fixture, id: MediaId) -> bool {
    match f.engine.public_media(id) {
        Ok(_) => true,
        Err(EngineError::NotFound(_)) => false,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn a_file_is_public_only_while_a_published_revision_uses_it() {
    each_backend(|f| {
        let e = &f.engine;
        let photo = e
            .add_media(&f.author, "main", "C:\\Ảnh\\hội nghị.jpg", None, file("a1"))
            .unwrap();
        assert_eq!(photo.filename, "hội nghị.jpg");
        assert_eq!(photo.title, "hội nghị");
        let scan = e
            .add_media(
                &f.author,
                "main",
                "qd.pdf",
                Some("Quyết định 3055"),
                MediaFile {
                    media_type: MediaType::Pdf,
                    width: None,
                    height: None,
                    ..file("b2")
                },
            )
            .unwrap();
        let item = article_with(
            &f,
            &format!(
                "![ảnh](/media/{}/content) [tải](/media/{})",
                photo.id, scan.id
            ),
            None,
        );
        // In a draft, in review, in approval: private.
        assert!(!is_public(&f, photo.id) && !is_public(&f, scan.id));
        f.act(&f.author, &item, "submit");
        f.act(&f.editor, &item, "forward");
        assert!(!is_public(&f, photo.id));
        let uses = e.media_detail(&f.author, photo.id).unwrap();
        assert_eq!(uses.used_by.len(), 1);
        assert!(!uses.used_by[0].published && !uses.visible);
        let published = f.act(&f.approver, &item, "publish");
        assert!(is_public(&f, photo.id) && is_public(&f, scan.id));
        // A new draft that drops the scan: the published revision still shows it.
        e.save_item(
            &f.author,
            item.id,
            SaveInput {
                base_revision: published.revision.0,
                fields: json!({"title": "Hội nghị", "body": format!("![](/media/{}/card)", photo.id)}),
                channels: None,
            },
        )
        .unwrap();
        assert!(is_public(&f, scan.id));
        // Deleting a file a published item shows is refused.
        let refused = e.delete_media(&f.editor, scan.id).unwrap_err();
        assert!(
            matches!(refused, EngineError::Conflict { .. }),
            "{refused:?}"
        );
        // Withdrawn: private again.
        f.act(&f.approver, &published, "unpublish");
        assert!(!is_public(&f, photo.id) && !is_public(&f, scan.id));
        let (gone, orphan) = e.delete_media(&f.editor, scan.id).unwrap();
        assert_eq!(gone.id, scan.id);
        assert!(orphan, "no other file keeps those bytes");
        assert!(matches!(
            e.public_media(scan.id),
            Err(EngineError::NotFound(_))
        ));
    });
}

#[test]
fn a_cover_by_number_counts_and_editors_may_mark_files_public() {
    each_backend(|f| {
        let e = &f.engine;
        let logo = e
            .add_media(&f.author, "main", "logo.png", None, file("c3"))
            .unwrap();
        article_with(&f, "", Some(&logo.id.to_string()));
        assert_eq!(e.media_detail(&f.editor, logo.id).unwrap().used_by.len(), 1);
        let patch = MediaPatch {
            public: Some(true),
            title: None,
            alt: Some("Biểu trưng của tỉnh".into()),
        };
        let denied = e
            .update_media(&f.author, logo.id, patch.clone())
            .unwrap_err();
        assert!(matches!(denied, EngineError::Forbidden(_)), "{denied:?}");
        assert!(!is_public(&f, logo.id));
        e.update_media(&f.editor, logo.id, patch).unwrap();
        assert!(is_public(&f, logo.id));
        let stored = e.media_detail(&f.editor, logo.id).unwrap().media;
        assert_eq!(
            stored.alt, "Biểu trưng của tỉnh",
            "{}: the alt text is kept",
            f.backend
        );
    });
}

#[test]
fn uploads_need_a_role_on_the_site_and_the_library_is_searchable() {
    each_backend(|f| {
        let e = &f.engine;
        let denied = e
            .add_media(&f.outsider, "main", "x.jpg", None, file("d4"))
            .unwrap_err();
        assert!(matches!(denied, EngineError::Forbidden(_)));
        e.add_media(&f.author, "main", "Hội nghị tổng kết.jpg", None, file("e5"))
            .unwrap();
        e.add_media(
            &f.author,
            "main",
            "bao-cao.pdf",
            Some("Báo cáo quý"),
            MediaFile {
                media_type: MediaType::Pdf,
                ..file("f6")
            },
        )
        .unwrap();
        let find = |q: Option<&str>, t: Option<MediaType>| {
            e.media_library(
                &f.author,
                "main",
                MediaFilter {
                    query: q.map(Into::into),
                    media_type: t,
                    before: None,
                    limit: 50,
                },
            )
            .unwrap()
            .into_iter()
            .map(|m| m.filename)
            .collect::<Vec<_>>()
        };
        assert_eq!(find(None, None), ["bao-cao.pdf", "Hội nghị tổng kết.jpg"]);
        assert_eq!(find(Some("hoi nghi"), None), ["Hội nghị tổng kết.jpg"]);
        assert_eq!(find(Some("báo cáo"), None), ["bao-cao.pdf"]);
        assert_eq!(find(None, Some(MediaType::Pdf)), ["bao-cao.pdf"]);
        assert!(e
            .media_library(&f.outsider, "main", MediaFilter::default())
            .is_err());
        // Identical bytes uploaded twice share a blob: deleting one keeps it.
        let a = e
            .add_media(&f.author, "main", "a.jpg", None, file("77"))
            .unwrap();
        e.add_media(&f.author, "main", "b.jpg", None, file("77"))
            .unwrap();
        let (_, orphan) = e.delete_media(&f.author, a.id).unwrap();
        assert!(!orphan);
    });
}

/// The texts of attached files: wanted once a published document or consultation uses the
/// file (not for drafts, not for articles), kept by checksum (two library rows with the same
/// bytes are read once), and their keeping tells the search index about every live item
/// that uses them, in the same transaction.
#[test]
fn attached_files_are_read_once_and_their_texts_follow_published_documents() {
    each_backend(|f| {
        let e = &f.engine;
        let pdf = |c: &str| MediaFile {
            media_type: MediaType::Pdf,
            width: None,
            height: None,
            ..file(c)
        };
        let scan = e
            .add_media(&f.author, "main", "qd-88.pdf", None, pdf("c3"))
            .unwrap();
        let twin = e
            .add_media(&f.author, "main", "bản sao.pdf", None, pdf("c3"))
            .unwrap();
        let photo = e
            .add_media(&f.author, "main", "anh.jpg", None, file("d4"))
            .unwrap();
        let doc = e
            .create_item(
                &f.author,
                "main",
                NewItemInput {
                    kind: "document".into(),
                    channels: vec![],
                    slug: None,
                    fields: json!({
                        "number": "88/QĐ-UBND", "doc_type": "Quyết định",
                        "issuer": "UBND tỉnh Lào Cai", "issued_on": "2024-05-01",
                        "status": "in_force", "title": "Về việc bàn giao tài sản",
                        "attachments": [{"name": "QĐ 88.pdf", "href": format!("/media/{}", scan.id)}],
                    }),
                },
            )
            .unwrap();
        // The photo is used by a published article only: never wanted.
        let art = article_with(&f, &format!("![](/media/{}/content)", photo.id), None);
        f.act(&f.author, &art, "submit");
        f.act(&f.editor, &art, "forward");
        f.act(&f.approver, &art, "publish");
        // A draft's files are not read.
        assert!(e.files_awaiting_text(10).unwrap().is_empty());
        f.act(&f.author, &doc, "submit");
        f.act(&f.editor, &doc, "forward");
        let live = f.act(&f.approver, &doc, "publish");
        let wanted = e.files_awaiting_text(10).unwrap();
        assert_eq!(wanted.len(), 1, "{wanted:?}");
        assert_eq!(wanted[0].checksum, scan.checksum);
        assert_eq!(wanted[0].media_type, MediaType::Pdf);
        assert!(e.published_file_texts(live.id).unwrap().is_empty());

        let head = e.last_event_seq().unwrap();
        let told = e
            .keep_file_text(portico_engine::FileText {
                checksum: scan.checksum.clone(),
                text: "Trang một\u{c}Giao cho Trung tâm tiếp nhận trạm đo mưa".into(),
                pages: 2,
                ocr_pages: 1,
                warnings: vec![],
                read_at: chrono::Utc::now(),
            })
            .unwrap();
        assert_eq!(told, 1, "one live item uses those bytes");
        let events = e.events_after(head, 10).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].kind, portico_engine::EventKind::FileTextRead);
        assert_eq!(events[0].item_id, Some(live.id));
        assert!(e.files_awaiting_text(10).unwrap().is_empty(), "read once");
        let texts = e.published_file_texts(live.id).unwrap();
        assert_eq!(texts.len(), 1);
        assert_eq!(texts[0].filename, "qd-88.pdf");
        assert!(texts[0].text.contains("trạm đo mưa"));
        let kept = e
            .file_text(&twin.checksum)
            .unwrap()
            .expect("kept by checksum");
        assert_eq!((kept.pages, kept.ocr_pages), (2, 1));

        // A file that gave no text keeps its warning, is not wanted again, and adds nothing.
        let other = e
            .add_media(&f.author, "main", "hỏng.pdf", None, pdf("e5"))
            .unwrap();
        let v2 = e
            .save_item(
                &f.author,
                live.id,
                SaveInput {
                    base_revision: live.revision.0,
                    fields: json!({
                        "number": "88/QĐ-UBND", "doc_type": "Quyết định",
                        "issuer": "UBND tỉnh Lào Cai", "issued_on": "2024-05-01",
                        "status": "in_force", "title": "Về việc bàn giao tài sản",
                        "attachments": [
                            {"name": "QĐ 88.pdf", "href": format!("/media/{}", scan.id)},
                            {"name": "Phụ lục.pdf", "href": format!("/media/{}", other.id)},
                        ],
                    }),
                    channels: None,
                },
            )
            .unwrap();
        assert!(
            e.files_awaiting_text(10).unwrap().is_empty(),
            "still a draft"
        );
        f.act(&f.author, &v2, "submit");
        f.act(&f.editor, &v2, "forward");
        f.act(&f.approver, &v2, "publish");
        assert_eq!(e.files_awaiting_text(10).unwrap().len(), 1);
        e.keep_file_text(portico_engine::FileText {
            checksum: other.checksum.clone(),
            text: String::new(),
            pages: 0,
            ocr_pages: 0,
            warnings: vec!["the PDF is encrypted".into()],
            read_at: chrono::Utc::now(),
        })
        .unwrap();
        assert!(e.files_awaiting_text(10).unwrap().is_empty());
        assert_eq!(e.published_file_texts(live.id).unwrap().len(), 1);
        assert_eq!(
            e.file_text(&other.checksum).unwrap().unwrap().warnings,
            ["the PDF is encrypted"]
        );
    });
}
