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
