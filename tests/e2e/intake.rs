//! `POST /api/v1/sites/{site}/intake`: the fields of a document read from its file, and a
//! draft made from them with the file attached; files that cannot be read, and people who
//! may not, refused.

use crate::support::Server;
use docx_rs::{Docx, Paragraph, Run, Table, TableCell, TableRow};
use reqwest::StatusCode;
use serde_json::Value;

fn para(s: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(s))
}

fn cell(lines: &[&str]) -> TableCell {
    lines
        .iter()
        .fold(TableCell::new(), |c, l| c.add_paragraph(para(l)))
}

/// A decision in the Decree 30 layout; `number` may be left blank as in a draft.
pub(crate) fn decision(number: &str) -> Vec<u8> {
    let left = ["UBND TỈNH LÀO CAI", "SỞ THÔNG TIN VÀ TRUYỀN THÔNG", number];
    let right = [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Lào Cai, ngày 05 tháng 3 năm 2024",
    ];
    let doc = Docx::new()
        .add_table(Table::new(vec![TableRow::new(vec![
            cell(&left),
            cell(&right),
        ])]))
        .add_paragraph(para("QUYẾT ĐỊNH"))
        .add_paragraph(para(
            "Về việc ban hành Quy chế quản lý Cổng thông tin điện tử",
        ))
        .add_paragraph(para("GIÁM ĐỐC SỞ THÔNG TIN VÀ TRUYỀN THÔNG"))
        .add_paragraph(para(
            "Căn cứ Nghị định số 42/2022/NĐ-CP ngày 24/6/2022 của Chính phủ;",
        ))
        .add_paragraph(para(
            "Điều 1. Ban hành kèm theo Quyết định này Quy chế quản lý Cổng thông tin điện tử.",
        ))
        .add_paragraph(para(
            "Điều 2. Quyết định này có hiệu lực thi hành kể từ ngày ký.",
        ))
        .add_table(Table::new(vec![TableRow::new(vec![
            cell(&["Nơi nhận:", "- Như Điều 3;", "- Lưu: VT."]),
            cell(&[
                "KT. GIÁM ĐỐC",
                "PHÓ GIÁM ĐỐC",
                "(Đã ký)",
                "Nguyễn Thị Hồng Vân",
            ]),
        ])]));
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut out).unwrap();
    out.into_inner()
}

async fn send(
    s: &Server,
    path: &str,
    token: Option<&str>,
    name: &str,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
    );
    let mut req = s.http.post(format!("{}{path}", s.base)).multipart(form);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_decision_is_read_from_its_file_and_becomes_a_draft_with_the_file_attached() {
    let s = Server::start().await;
    let author = s.login("author").await;
    let path = "/api/v1/sites/main/intake";
    let (status, body) = send(
        &s,
        path,
        Some(&author),
        "qd-123.docx",
        decision("Số: 123/QĐ-STTTT"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let f = &body["fields"];
    assert_eq!(f["number"], "123/QĐ-STTTT");
    assert_eq!(f["doc_type"], "Quyết định");
    assert_eq!(f["issuer"], "SỞ THÔNG TIN VÀ TRUYỀN THÔNG");
    assert_eq!(f["issued_on"], "2024-03-05");
    assert_eq!(f["effective_on"], "2024-03-05");
    assert_eq!(f["signer"], "Nguyễn Thị Hồng Vân");
    assert_eq!(
        f["title"],
        "Về việc ban hành Quy chế quản lý Cổng thông tin điện tử"
    );
    assert!(body["confidence"]["number"].as_f64().unwrap() > 0.9);
    assert_eq!(body["found_at"]["number"]["line"], 3);
    assert_eq!(body["pages"], 1);
    assert!(body["text_chars"].as_u64().unwrap() > 200);

    // An old Word file (.doc), read by antiword.
    let doc = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/intake/tests/fixtures/decision.doc"
    ))
    .unwrap();
    let (status, body) = send(&s, path, Some(&author), "qd-2.doc", doc.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["fields"]["number"], "2/QĐ-UBND");
    assert_eq!(body["fields"]["signer"], "Nguyễn Thị Hồng Vân");
    // …and kept in the library as a .doc when a draft is made from it.
    let (status, body) = send(
        &s,
        "/api/v1/sites/main/intake?create=draft",
        Some(&author),
        "qd-2.doc",
        doc,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // Refused: a file that is nothing it reads, a damaged DOCX, a stranger, nobody.
    let (status, body) = send(
        &s,
        path,
        Some(&author),
        "a.exe",
        b"MZ\x90\0 not a document".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    let (status, body) = send(
        &s,
        path,
        Some(&author),
        "a.docx",
        b"PK\x03\x04 broken".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "corrupt_file");
    let outsider = s.login("outsider").await;
    let (status, _) = send(
        &s,
        path,
        Some(&outsider),
        "qd.docx",
        decision("Số: 1/QĐ-STTTT"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = send(&s, path, None, "qd.docx", decision("Số: 1/QĐ-STTTT")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // A draft: the fields filled, the file in the library and attached, nothing public.
    let (status, body) = send(
        &s,
        &format!("{path}?create=draft&channel=tin-tuc-su-kien"),
        Some(&author),
        "qd-123.docx",
        decision("Số: 123/QĐ-STTTT"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let item = &body["item"];
    assert_eq!(item["kind"], "document");
    assert_eq!(item["state"], "draft");
    assert_eq!(item["fields"]["number"], "123/QĐ-STTTT");
    assert_eq!(
        item["fields"]["status"], "unknown",
        "the effect status is for the editor to say"
    );
    assert_eq!(
        item["fields"]["attachments"][0]["href"],
        format!("/media/{}", body["media_id"])
    );
    let id = body["item_id"].as_i64().unwrap();
    let public = s
        .send(
            "GET",
            &format!(
                "/api/v1/public/sites/main/items/{}",
                item["slug"].as_str().unwrap()
            ),
            None,
            None,
        )
        .await;
    assert_eq!(
        public.status,
        StatusCode::NOT_FOUND,
        "a draft is not public"
    );
    assert_eq!(
        s.get(&format!("/api/v1/items/{id}"), &author).await.status,
        StatusCode::OK
    );

    // No number in the file: no draft, and no file left behind.
    let before = s.get("/api/v1/sites/main/media", &author).await.body["items"]
        .as_array()
        .map_or(0, Vec::len);
    let (status, body) = send(
        &s,
        &format!("{path}?create=draft"),
        Some(&author),
        "du-thao.docx",
        decision("Số: /QĐ-STTTT"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "fields.number");
    let after = s.get("/api/v1/sites/main/media", &author).await.body["items"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(before, after, "nothing stored");
    let (status, _) = send(
        &s,
        &format!("{path}?create=maybe"),
        Some(&author),
        "qd.docx",
        decision("Số: 2/QĐ-STTTT"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[path = "../../intake/tests/set/mod.rs"]
mod set;

/// A scanned page (printed by Chromium, rasterised at 200 dpi, skewed, speckled) as an
/// image-only PDF, and the clean page as a scanner's TIFF, saying `sentence` in its body;
/// `None` without the tools (which CI has).
fn scanned_decision(sentence: &str) -> Option<(Vec<u8>, Vec<u8>)> {
    let browser = set::printer()?;
    let mut doc = set::set().swap_remove(0);
    doc.effect_sentence = sentence.to_owned();
    let dir = tempfile::tempdir().unwrap();
    let printed = set::print_pdf(browser, &[doc], dir.path());
    let page = set::rasterise(&printed, 1, 200, dir.path());
    let jpeg = set::scan(&page, 0.8, 1500, 5);
    let tiff = dir.path().join("scan");
    let made = std::process::Command::new("pdftoppm")
        .args(["-r", "200", "-gray", "-tiff", "-singlefile"])
        .arg(&printed)
        .arg(&tiff)
        .status()
        .unwrap();
    assert!(made.success());
    let tiff = std::fs::read(tiff.with_extension("tif")).unwrap();
    Some((set::pdf(&[set::Page::Jpeg { bytes: jpeg }]), tiff))
}

/// A phrase that exists only in a document's scanned attachment finds the document once it
/// is published (not before), with a snippet from the scan's text; the file is read once,
/// on the leading node, and the reading is counted.
#[tokio::test]
async fn a_phrase_only_in_a_scanned_attachment_finds_the_published_document() {
    let Some((scan, tiff)) =
        scanned_decision("Điều 2. Giao Trung tâm Quan trắc tiếp nhận trạm đo mưa bản Sín Chải.")
    else {
        return;
    };
    let s = Server::start().await;
    let admin = s.login("admin").await;
    // A scanner's TIFF: read by OCR, and kept in the library with the draft made from it.
    let (status, body) = send(
        &s,
        "/api/v1/sites/main/intake?create=draft",
        Some(&admin),
        "qd-1.tif",
        tiff,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["fields"]["number"], "1/QĐ-UBND");
    assert_eq!(body["ocr_pages"], serde_json::json!([1]));
    let (status, media) = crate::media::upload(&s, &admin, "main", "qd-scan.pdf", scan).await;
    assert_eq!(status, StatusCode::CREATED, "{media}");
    let href = format!("/media/{}", media["id"]);
    let fields = serde_json::json!({
        "number": "88/QĐ-UBND", "doc_type": "Quyết định", "issuer": "UBND tỉnh Lào Cai",
        "issued_on": "2024-05-01", "status": "in_force", "title": "Về việc bàn giao tài sản",
        "attachments": [{"name": "Quyết định 88 (bản quét).pdf", "href": href}],
    });
    let search = |q: &'static str| {
        let s = &s;
        async move {
            let r = s
                .send("GET", &format!("/api/v1/public/search?q={q}"), None, None)
                .await;
            assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
            r.body
        }
    };
    // A draft: its file is not read, and nothing is found.
    let draft = s
        .post(
            "/api/v1/sites/main/items",
            &admin,
            serde_json::json!({"kind": "document", "channels": ["tin-tuc-su-kien"], "fields": fields}),
        )
        .await;
    assert_eq!(draft.status, StatusCode::CREATED, "{:?}", draft.body);
    let id = draft.body["id"].as_i64().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(search("tiep+nhan+tram+do+mua").await["total"], 0);
    for action in ["submit", "forward", "publish"] {
        assert_eq!(s.act(&admin, id, action).await.status, StatusCode::OK);
    }
    // Published: read (OCR, about a second) and indexed within moments.
    let started = std::time::Instant::now();
    let hit = loop {
        let v = search("%22tr%E1%BA%A1m+%C4%91o+m%C6%B0a%22+ti%E1%BA%BFp+nh%E1%BA%ADn").await;
        if v["total"] == 1 {
            break v["hits"][0].clone();
        }
        // The answer was cached (no match yet) before the file was read: reading it must
        // purge the search answers, not only feed the index.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the scan's words were never found: {v}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(hit["id"], id);
    assert_eq!(hit["snippet_in_attachment"], true, "{hit}");
    let snippet = hit["snippet_html"].as_str().unwrap();
    assert!(
        snippet.contains("<b>trạm</b> <b>đo</b> <b>mưa</b>"),
        "{snippet}"
    );
    // Folded, as typed on a phone.
    assert_eq!(search("tiep+nhan+tram+do+mua").await["total"], 1);
    // The reading is counted, once.
    let metrics = s.metrics().await;
    assert!(
        metrics
            .lines()
            .any(|l| l == "portico_file_texts_read_total 1"),
        "{}",
        metrics
            .lines()
            .filter(|l| l.contains("file_texts"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    // Withdrawn: gone from search with its attachment.
    assert_eq!(s.act(&admin, id, "unpublish").await.status, StatusCode::OK);
    let started = std::time::Instant::now();
    while search("tiep+nhan+tram+do+mua").await["total"] != 0 {
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
