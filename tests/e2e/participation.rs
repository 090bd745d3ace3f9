//! Citizens take part: questions asked in public and answered through the workflow, drafts
//! commented on while open, moderated, answered and reported; nothing a citizen sends is
//! public before staff let it be, and their email and phone never are.

use crate::support::{Reply, Server};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

const EMAIL: &str = "nguoi.hoi.bi.mat@example.vn";
const PHONE: &str = "0912 345 678";

async fn ask(s: &Server, site: &str, body: Value) -> Reply {
    s.send(
        "POST",
        &format!("/api/v1/public/sites/{site}/questions"),
        None,
        Some(body),
    )
    .await
}

fn question(title: &str, body: &str) -> Value {
    json!({"name": "Nguyễn Văn Hỏi", "email": EMAIL, "phone": PHONE, "title": title,
           "body": body, "field": "Đất đai"})
}

/// Every public path a question or comment could leak through, as text.
async fn public_text(s: &Server, extra: &[String]) -> String {
    let mut paths: Vec<String> = [
        "/api/v1/public/sites/main/items?kind=question",
        "/api/v1/public/sites/main/items?kind=consultation",
        "/api/v1/public/sites/main/items",
        "/api/v1/public/items",
        "/api/v1/public/changes?after=0",
        "/api/v1/public/sites",
        "/api/v1/public/search?q=h%E1%BB%8Fi",
        "/main/hoi-dap",
        "/main/lay-y-kien",
        "/main/",
        "/main/feed.rss",
        "/main/feed.atom",
        "/main/feed.json",
        "/main/sitemap.xml",
        "/sitemap.xml",
        "/feed.json",
    ]
    .iter()
    .map(|p| (*p).to_owned())
    .collect();
    paths.extend(extra.iter().cloned());
    let mut all = String::new();
    for p in paths {
        let (status, _, body) = s.fetch(&p).await;
        assert!(status.is_success(), "{p}: {status}");
        all.push_str(&String::from_utf8_lossy(&body));
    }
    all
}

#[tokio::test]
async fn a_question_is_kept_apart_answered_through_the_workflow_and_published_without_personal_data(
) {
    let s = Server::start().await;
    let (author, editor, approver) = (
        s.login("author").await,
        s.login("editor").await,
        s.login("approver").await,
    );
    // Bad input names its field.
    for (body, field) in [
        (
            json!({"name": "", "email": EMAIL, "title": "t", "body": "b"}),
            "name",
        ),
        (
            json!({"name": "A", "email": "khong-phai-email", "title": "t", "body": "b"}),
            "email",
        ),
        (
            json!({"name": "A", "email": EMAIL, "phone": "gọi tôi", "title": "t", "body": "b"}),
            "phone",
        ),
        (
            json!({"name": "A", "email": EMAIL, "title": "t", "body": "x".repeat(10_001)}),
            "body",
        ),
        (json!({"name": "A", "email": EMAIL, "title": "t"}), "body"),
    ] {
        let r = ask(&s, "main", body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
        assert_eq!(r.body["error"]["field"], field, "{:?}", r.body);
    }
    let r = ask(&s, "khong-co", question("t", "b")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let phrase = "cấp đổi sổ hồng bị ướt mưa lũ";
    let r = ask(&s, "main", question("Cấp đổi giấy chứng nhận", phrase)).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
    assert_eq!(r.headers["cache-control"], "no-store");
    let reference = r.body["reference"].as_str().unwrap().to_owned();
    assert!(reference.starts_with("HD-"), "{reference}");
    // The same question sent twice is one question.
    let again = ask(&s, "main", question("Cấp đổi giấy chứng nhận", phrase)).await;
    assert_eq!(again.body["reference"], reference.as_str());
    // A robot filling the hidden field is told "taken", and nothing is kept.
    let mut bot = question("Mua bán", "quảng cáo");
    bot["website"] = json!("http://spam.example");
    assert_eq!(ask(&s, "main", bot).await.status, StatusCode::ACCEPTED);

    // Staff see it with the asker's data, and its deadline; others do not.
    let list = s.get("/api/v1/sites/main/questions", &author).await;
    assert_eq!(list.status, StatusCode::OK);
    let qs = list.body.as_array().unwrap();
    assert_eq!(qs.len(), 1, "one question (folded), no robot's: {qs:?}");
    let q = &qs[0];
    assert_eq!(q["email"], EMAIL);
    assert_eq!(q["phone"], PHONE);
    assert_eq!(q["status"], "new");
    let days = |a: &Value, b: &Value| {
        let t = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
        (t(a) - t(b)).num_days()
    };
    assert_eq!(
        days(&q["due_on"], &q["received_at"]),
        15,
        "the default deadline"
    );
    let qid = q["id"].as_i64().unwrap();
    let outsider = s.login("outsider").await;
    assert_eq!(
        s.get("/api/v1/sites/main/questions", &outsider)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.send("GET", "/api/v1/sites/main/questions", None, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        s.get(&format!("/api/v1/questions/{qid}"), &outsider)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let bad = s
        .get("/api/v1/sites/main/questions?status=lost", &author)
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // The asker follows it by reference; nobody learns who asked.
    let status_path = format!("/api/v1/public/questions/{reference}");
    let st = s.send("GET", &status_path, None, None).await;
    assert_eq!(st.status, StatusCode::OK);
    assert_eq!(st.body["status"], "new");
    assert!(!st.body.to_string().contains(EMAIL));
    assert_eq!(
        s.send("GET", "/api/v1/public/questions/HD-KHONGCO1", None, None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The answer is a draft of kind `question`: not public until the three steps are done.
    let answered = s
        .post(
            &format!("/api/v1/questions/{qid}/answer"),
            &author,
            json!({"answer": "Ông/bà liên hệ **Văn phòng đăng ký đất đai**.", "asker": "Ông N.V.H., phường Cốc Lếu"}),
        )
        .await;
    assert_eq!(answered.status, StatusCode::CREATED, "{:?}", answered.body);
    let item = answered.body["item_id"].as_i64().unwrap();
    assert_eq!(answered.body["item"]["kind"], "question");
    assert_eq!(answered.body["item"]["state"], "draft");
    assert_eq!(answered.body["item"]["fields"]["question"], phrase);
    assert!(!answered.body["item"].to_string().contains(EMAIL));
    let twice = s
        .post(
            &format!("/api/v1/questions/{qid}/answer"),
            &author,
            json!({"answer": "x"}),
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert_eq!(twice.code(), "already_decided");
    s.settled().await;
    let before = public_text(&s, &[]).await;
    assert!(
        !before.contains("sổ hồng bị ướt"),
        "nothing public before publication"
    );

    assert_eq!(s.act(&author, item, "submit").await.status, StatusCode::OK);
    assert_eq!(s.act(&editor, item, "forward").await.status, StatusCode::OK);
    assert_eq!(
        s.act(&approver, item, "publish").await.status,
        StatusCode::OK
    );
    s.settled().await;
    let st = s.send("GET", &status_path, None, None).await;
    assert_eq!(st.body["status"], "published");
    let slug = st.body["answer_slug"].as_str().unwrap().to_owned();
    let page = format!("/main/hoi-dap/{slug}");
    let (code, _, html) = s.fetch(&page).await;
    assert_eq!(code, StatusCode::OK);
    let html = String::from_utf8_lossy(&html).to_string();
    assert!(
        html.contains("Ông N.V.H., phường Cốc Lếu"),
        "the shown name"
    );
    assert!(html.contains("<strong>Văn phòng đăng ký đất đai</strong>"));
    let (_, _, list) = s.fetch("/main/hoi-dap").await;
    // (minijinja writes `/` in attributes as `&#x2f;`.)
    let href = page.replace('/', "&#x2f;");
    assert!(
        String::from_utf8_lossy(&list).contains(&href),
        "listed on /hoi-dap"
    );
    let (_, _, filtered) = s.fetch("/main/hoi-dap?field=Y%20t%E1%BA%BF").await;
    assert!(
        !String::from_utf8_lossy(&filtered).contains(&href),
        "the field filter"
    );
    let hits = s
        .send(
            "GET",
            "/api/v1/public/search?q=s%E1%BB%95%20h%E1%BB%93ng%20b%E1%BB%8B%20%C6%B0%E1%BB%9Bt",
            None,
            None,
        )
        .await;
    assert_eq!(hits.body["hits"][0]["id"], item, "{:?}", hits.body);
    assert_eq!(hits.body["hits"][0]["kind"], "question");
    let everything = public_text(
        &s,
        &[
            page.clone(),
            format!("/api/v1/public/sites/main/items/{slug}"),
            status_path.clone(),
        ],
    )
    .await;
    assert!(
        everything.contains("sổ hồng bị ướt"),
        "published everywhere"
    );
    assert!(
        !everything.contains(EMAIL),
        "the email is on no public path"
    );
    assert!(
        !everything.contains(PHONE),
        "the phone is on no public path"
    );
    assert!(
        !everything.contains("Nguyễn Văn Hỏi"),
        "only the shown name is public"
    );

    // Rejected with a reason the asker reads; decided once.
    let r = ask(
        &s,
        "main",
        question("Câu hỏi thứ hai", "Nội dung không liên quan"),
    )
    .await;
    let second = r.body["reference"].as_str().unwrap().to_owned();
    let id2 = id_of(&s, &author, "main", &second).await;
    let r = s
        .post(
            &format!("/api/v1/questions/{id2}/reject"),
            &author,
            json!({"reason": ""}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = s
        .post(
            &format!("/api/v1/questions/{id2}/reject"),
            &author,
            json!({"reason": "Không thuộc thẩm quyền."}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let st = s
        .send(
            "GET",
            &format!("/api/v1/public/questions/{second}"),
            None,
            None,
        )
        .await;
    assert_eq!(st.body["status"], "rejected");
    assert_eq!(st.body["reason"], "Không thuộc thẩm quyền.");
    let r = s
        .post(
            &format!("/api/v1/questions/{id2}/reject"),
            &author,
            json!({"reason": "x"}),
        )
        .await;
    assert_eq!(r.code(), "already_decided");

    // Forwarded to the agency that should answer: it is theirs now.
    let r = ask(
        &s,
        "main",
        question("Thuế đất", "Hỏi về thuế sử dụng đất phi nông nghiệp"),
    )
    .await;
    let third = r.body["reference"].as_str().unwrap().to_owned();
    let id3 = id_of(&s, &author, "main", &third).await;
    let r = s
        .post(
            &format!("/api/v1/questions/{id3}/forward"),
            &author,
            json!({"site": "khong-co"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = s
        .post(
            &format!("/api/v1/questions/{id3}/forward"),
            &author,
            json!({"site": "so-tai-chinh", "note": "Thuộc lĩnh vực tài chính"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["site"], "so-tai-chinh");
    assert_eq!(r.body["forwarded_from_site"], "main");
    let theirs = s
        .get("/api/v1/sites/so-tai-chinh/questions", &outsider)
        .await;
    assert_eq!(theirs.body[0]["reference"], third.as_str());
    let ours = s
        .get("/api/v1/sites/main/questions?status=new", &author)
        .await;
    assert!(ours.body.as_array().unwrap().is_empty(), "{:?}", ours.body);

    // Erasure on request is a site admin's; the question stays, without who sent it.
    let r = s
        .send(
            "DELETE",
            &format!("/api/v1/questions/{qid}/personal-data"),
            Some(&author),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let siteadmin = s.login("siteadmin").await;
    let r = s
        .send(
            "DELETE",
            &format!("/api/v1/questions/{qid}/personal-data"),
            Some(&siteadmin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["email"], "");
    assert_eq!(r.body["phone"], "");
    assert!(r.body["erased_at"].is_string());
    let audit = s
        .get("/api/v1/audit?action=question.", &s.login("admin").await)
        .await;
    let actions: Vec<&str> = audit
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for a in [
        "question.answer",
        "question.reject",
        "question.forward",
        "question.erase",
    ] {
        assert!(actions.contains(&a), "{a} audited: {actions:?}");
    }
}

async fn id_of(s: &Server, token: &str, site: &str, reference: &str) -> i64 {
    let list = s
        .get(&format!("/api/v1/sites/{site}/questions"), token)
        .await;
    list.body
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["reference"] == reference)
        .and_then(|q| q["id"].as_i64())
        .unwrap_or_else(|| panic!("{reference} not in {:?}", list.body))
}

fn draft_body() -> &'static str {
    "Căn cứ Luật Tổ chức chính quyền địa phương;\n\n# Chương I. QUY ĐỊNH CHUNG\n\n## Điều 1. Phạm vi điều chỉnh\n\nQuy chế này quy định việc quản lý cổng.\n\n## Điều 2. Đối tượng áp dụng\n\n1. Các sở, ngành.\n2. UBND cấp xã.\n"
}

async fn consultation(s: &Server, token: &str, title: &str, opens: i64, closes: i64) -> i64 {
    let now = chrono::Utc::now();
    let body = json!({"kind": "consultation", "channels": [], "fields": {
        "title": title, "summary": "Lấy ý kiến nhân dân", "agency": "Văn phòng UBND tỉnh",
        "opens_at": (now + chrono::Duration::days(opens)).to_rfc3339(),
        "closes_at": (now + chrono::Duration::days(closes)).to_rfc3339(),
        "body": draft_body()}});
    s.publish_item(token, "main", body).await["id"]
        .as_i64()
        .unwrap()
}

async fn comment(s: &Server, id: i64, body: Value) -> Reply {
    s.send(
        "POST",
        &format!("/api/v1/public/items/{id}/comments"),
        None,
        Some(body),
    )
    .await
}

#[tokio::test]
async fn comments_are_taken_while_open_moderated_answered_and_reported_by_section() {
    let s = Server::start().await;
    let admin = s.login("admin").await;
    let editor = s.login("editor").await;
    // A closing before the opening is refused, naming the field.
    let r = s
        .post("/api/v1/sites/main/items", &admin, json!({"kind": "consultation", "channels": [], "fields": {
            "title": "x", "body": "y", "opens_at": "2026-12-10T00:00:00+07:00", "closes_at": "2026-12-01T00:00:00+07:00"}}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["error"]["field"], "fields.closes_at");

    let open = consultation(&s, &admin, "Dự thảo Quy chế quản lý cổng", -1, 10).await;
    let closed = consultation(&s, &admin, "Dự thảo đã đóng", -20, -5).await;
    let early = consultation(&s, &admin, "Dự thảo chưa mở", 3, 30).await;

    let sec = s
        .send(
            "GET",
            &format!("/api/v1/public/items/{open}/sections"),
            None,
            None,
        )
        .await;
    assert_eq!(sec.status, StatusCode::OK, "{:?}", sec.body);
    assert_eq!(sec.body["window"], "open");
    let ids: Vec<&str> = sec.body["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["mo-dau", "chuong-i", "dieu-1", "dieu-2"]);
    assert_eq!(sec.body["sections"][2]["label"], "Điều 1");
    assert_eq!(sec.body["sections"][2]["heading"], "Phạm vi điều chỉnh");
    // A draft nobody published has no public sections.
    let draft = s
        .post("/api/v1/sites/main/items", &admin, json!({"kind": "consultation", "channels": [], "fields": {
            "title": "Chưa đăng", "body": "# Điều 1", "opens_at": "2026-01-01T00:00:00Z", "closes_at": "2099-01-01T00:00:00Z"}}))
        .await;
    let hidden = draft.body["id"].as_i64().unwrap();
    for path in [
        format!("/api/v1/public/items/{hidden}/sections"),
        format!("/api/v1/public/items/{hidden}/comments"),
    ] {
        assert_eq!(
            s.send("GET", &path, None, None).await.status,
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        comment(
            &s,
            hidden,
            json!({"name": "A", "email": "a@example.vn", "body": "x"})
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );

    // While open; before and after, `consultation_closed`.
    let secret = "gop.y.bi.mat@example.vn";
    let r = comment(&s, open, json!({"section": "dieu-1", "name": "Trần Góp Ý", "email": secret,
                                     "body": "Đề nghị bổ sung phạm vi điều chỉnh đối với trang thành phần."})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
    assert_eq!(r.body["status"], "pending");
    for id in [closed, early] {
        let r = comment(
            &s,
            id,
            json!({"name": "A", "email": "a@example.vn", "body": "muộn"}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
        assert_eq!(r.code(), "consultation_closed");
    }
    let r = comment(
        &s,
        open,
        json!({"section": "dieu-9", "name": "A", "email": "a@example.vn", "body": "x"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["error"]["field"], "section");
    let r = comment(&s, open, json!({"name": "A", "body": "x"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = comment(&s, open, json!({"name": "Lê Chung", "email": "le.chung@example.vn",
                                     "body": "Góp ý chung: cần quy định trách nhiệm khi đăng sai."})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let r = comment(
        &s,
        open,
        json!({"section": "dieu-2", "name": "Quảng cáo", "email": "spam@example.vn",
                                     "body": "Mua bán hàng giá rẻ"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);

    // Nothing public before moderation; the page as cached before an approval.
    let public = format!("/api/v1/public/items/{open}/comments");
    let r = s.send("GET", &public, None, None).await;
    assert_eq!(r.body["comments"], json!([]));
    let slug = s.get(&format!("/api/v1/items/{open}"), &admin).await.body["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    let page = format!("/main/lay-y-kien/{slug}");
    let (code, _, html) = s.fetch(&page).await;
    assert_eq!(code, StatusCode::OK);
    let html = String::from_utf8_lossy(&html).to_string();
    assert!(
        !html.contains("Đề nghị bổ sung phạm vi"),
        "not public before moderation"
    );
    assert!(html.contains("gop-y\""), "a form per section");
    assert!(html.contains("name=\"section\" value=\"dieu-1\""));

    // Staff see everything with emails; others of the network do not.
    let all = s
        .get(&format!("/api/v1/items/{open}/comments"), &editor)
        .await;
    assert_eq!(all.status, StatusCode::OK);
    let list = all.body.as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list[0]["email"], secret);
    let outsider = s.login("outsider").await;
    assert_eq!(
        s.get(&format!("/api/v1/items/{open}/comments"), &outsider)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let pending = s
        .get(
            &format!("/api/v1/items/{open}/comments?status=pending"),
            &editor,
        )
        .await;
    assert_eq!(pending.body.as_array().unwrap().len(), 3);
    let cid = |i: usize| list[i]["id"].as_i64().unwrap();
    let author = s.login("author").await;
    let r = s
        .post(
            &format!("/api/v1/comments/{}/moderation", cid(0)),
            &author,
            json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "authors do not moderate");
    let r = s
        .post(
            &format!("/api/v1/comments/{}/moderation", cid(0)),
            &editor,
            json!({"decision": "maybe"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for (i, decision) in [(0, "approve"), (1, "approve"), (2, "reject")] {
        let r = s
            .post(&format!("/api/v1/comments/{}/moderation", cid(i)), &editor,
                  json!({"decision": decision, "reason": if decision == "reject" { "Quảng cáo" } else { "" }}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    }
    let r = s
        .post(
            &format!("/api/v1/comments/{}/moderation", cid(0)),
            &editor,
            json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(r.code(), "already_decided");
    s.settled().await;
    let r = s.send("GET", &public, None, None).await;
    let shown = r.body["comments"].as_array().unwrap();
    assert_eq!(shown.len(), 2, "approved only: {shown:?}");
    assert_eq!(shown[0]["section_label"], "Điều 1");
    assert!(shown[0].get("email").is_none());
    // The approval purged exactly the draft's page: it shows the comment at once.
    let (_, _, html) = s.fetch(&page).await;
    let html = String::from_utf8_lossy(&html).to_string();
    assert!(
        html.contains("Đề nghị bổ sung phạm vi"),
        "shown after approval"
    );
    assert!(
        !html.contains("Mua bán hàng giá rẻ"),
        "rejected stays hidden"
    );

    // The agency's answers, and the report by section.
    let r = s
        .post(
            &format!("/api/v1/comments/{}/response", cid(0)),
            &editor,
            json!({"disposition": "partly", "reply": "Tiếp thu, bổ sung khoản 3 Điều 1."}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let r = s
        .post(&format!("/api/v1/comments/{}/response", cid(1)), &editor,
              json!({"disposition": "not_accepted", "reply": "Đã quy định tại Luật Tiếp cận thông tin."}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = s
        .post(
            &format!("/api/v1/comments/{}/response", cid(2)),
            &editor,
            json!({"disposition": "accepted", "reply": "x"}),
        )
        .await;
    assert_eq!(
        r.code(),
        "already_decided",
        "a rejected comment is not answered"
    );
    let r = s
        .post(
            &format!("/api/v1/comments/{}/response", cid(1)),
            &editor,
            json!({"disposition": "perhaps", "reply": "x"}),
        )
        .await;
    assert_eq!(r.body["error"]["field"], "disposition");
    let csv = s
        .http
        .get(format!("{}/api/v1/items/{open}/report.csv", s.base))
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    let mut rdr = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let rows: Vec<Vec<String>> = rdr
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0][0], "Ý kiến chung", "general comments first");
    assert_eq!(rows[0][5], "Không tiếp thu");
    assert_eq!(rows[1][0], "Điều 1");
    assert_eq!(rows[1][1], "Phạm vi điều chỉnh");
    assert_eq!(rows[1][2], "Trần Góp Ý");
    assert_eq!(rows[1][5], "Tiếp thu một phần");
    assert_eq!(rows[1][6], "Tiếp thu, bổ sung khoản 3 Điều 1.");
    assert!(
        !text.contains(secret),
        "the report names, it does not give emails"
    );
    let docx = s
        .http
        .get(format!("{}/api/v1/items/{open}/report.docx", s.base))
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_eq!(docx.status(), StatusCode::OK);
    let bytes = docx.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml)
        .unwrap();
    for want in [
        "BÁO CÁO TIẾP THU",
        "Điều 1. Phạm vi điều chỉnh",
        "Trần Góp Ý",
        "Tiếp thu một phần",
        "Đã quy định tại Luật",
    ] {
        assert!(xml.contains(want), "report.docx has {want}");
    }
    assert_eq!(
        s.get(&format!("/api/v1/items/{open}/report.csv"), &outsider)
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // The report is public when the agency publishes it with the draft.
    let report = format!("/api/v1/public/items/{open}/report");
    assert_eq!(
        s.send("GET", &report, None, None).await.status,
        StatusCode::NOT_FOUND
    );
    let rev = s.get(&format!("/api/v1/items/{open}"), &admin).await.body["revision"].clone();
    let r = s
        .send(
            "PATCH",
            &format!("/api/v1/items/{open}"),
            Some(&admin),
            Some(json!({"base_revision": rev, "fields": {"report_published": true}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    for a in ["submit", "forward", "publish"] {
        assert_eq!(s.act(&admin, open, a).await.status, StatusCode::OK);
    }
    s.settled().await;
    let r = s.send("GET", &report, None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["total"], 2);
    assert_eq!(r.body["partly"], 1);
    let r = s.send("GET", &public, None, None).await;
    assert_eq!(
        r.body["comments"][0]["disposition"], "partly",
        "answers public with the report"
    );
    let (_, _, html) = s.fetch(&page).await;
    let html = String::from_utf8_lossy(&html).to_string();
    assert!(html.contains("Báo cáo tiếp thu, giải trình"));
    assert!(html.contains("Tiếp thu, bổ sung khoản 3 Điều 1."));

    let everything = public_text(
        &s,
        &[
            page.clone(),
            public.clone(),
            report.clone(),
            format!("/api/v1/public/items/{open}/sections"),
        ],
    )
    .await;
    assert!(everything.contains("Trần Góp Ý"));
    assert!(
        !everything.contains(secret),
        "a commenter's email is on no public path"
    );
    assert!(!everything.contains("spam@example.vn"));

    // Erasure: the comment stays, its sender's name and email do not.
    let siteadmin = s.login("siteadmin").await;
    let r = s
        .send(
            "DELETE",
            &format!("/api/v1/comments/{}/personal-data", cid(0)),
            Some(&siteadmin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["email"], "");
    s.settled().await;
    let r = s.send("GET", &public, None, None).await;
    assert!(!r.body.to_string().contains("Trần Góp Ý"));
}

#[tokio::test]
async fn floods_get_429_with_retry_after_per_client_address() {
    let s = Server::start_with(portico_api::ApiConfig {
        submissions: portico_api::edge::rate::RateLimit {
            per_second: 1.0 / 3600.0,
            burst: 3.0,
        },
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        ..Default::default()
    })
    .await;
    let send = |i: usize, from: &'static str| {
        let http = s.http.clone();
        let url = format!("{}/api/v1/public/sites/main/questions", s.base);
        async move {
            http.post(url)
                .header("x-forwarded-for", from)
                .json(&question(
                    &format!("Câu hỏi số {i}"),
                    &format!("Nội dung {i}"),
                ))
                .send()
                .await
                .unwrap()
        }
    };
    for i in 0..3 {
        assert_eq!(send(i, "203.0.113.7").await.status(), StatusCode::ACCEPTED);
    }
    let r = send(3, "203.0.113.7").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait >= 1, "{wait}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_requests");
    // Another citizen, behind the same edge, is not held up.
    assert_eq!(send(4, "198.51.100.9").await.status(), StatusCode::ACCEPTED);
    // Comments and the HTML form share the limit.
    let r = s
        .http
        .post(format!("{}/main/hoi-dap", s.base))
        .header("x-forwarded-for", "203.0.113.7")
        .header("origin", &s.base)
        .form(&[
            ("name", "A"),
            ("email", "a@example.vn"),
            ("title", "t"),
            ("body", "b"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(s
        .metrics()
        .await
        .contains("portico_submissions_rate_limited_total 2"));
}

#[tokio::test]
async fn the_forms_work_without_javascript_and_only_from_the_portals_own_pages() {
    let s = Server::start().await;
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let post = |origin: Option<String>, form: Vec<(&'static str, &'static str)>| {
        let c = no_redirect.clone();
        let url = format!("{}/main/hoi-dap", s.base);
        async move {
            let mut req = c.post(url).form(&form);
            if let Some(o) = origin {
                req = req.header("origin", o);
            }
            req.send().await.unwrap()
        }
    };
    let good = vec![
        ("name", "Phạm Thị Dân"),
        ("email", "dan@example.vn"),
        ("title", "Hỏi về lịch tiếp dân"),
        ("body", "Xin hỏi lịch tiếp công dân tháng này."),
        ("field", "Khác"),
        ("website", ""),
    ];
    // From another site's page: refused, nothing kept.
    let r = post(Some("https://evil.example".to_owned()), good.clone()).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = post(None, good.clone()).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A mistake: the form again with what was typed and the message at the field.
    let mut wrong = good.clone();
    wrong[1] = ("email", "dan-at-example");
    let r = post(Some(s.base.clone()), wrong).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"Phạm Thị Dân\""), "typed values kept");
    assert!(html.contains("Thư điện tử không đúng"));
    assert!(html.contains("aria-invalid=\"true\""));
    // Taken: to the status page by reference.
    let r = post(Some(s.base.clone()), good).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.starts_with("/main/hoi-dap/tra-cuu?ma=HD-"), "{to}");
    let (code, _, html) = s.fetch(&to).await;
    assert_eq!(code, StatusCode::OK);
    let html = String::from_utf8_lossy(&html);
    assert!(html.contains("Câu hỏi của bạn đã được gửi"));
    assert!(html.contains("Hỏi về lịch tiếp dân"));
    assert!(!html.contains("dan@example.vn"));
    let admin = s.login("admin").await;
    let list = s.get("/api/v1/sites/main/questions", &admin).await;
    assert_eq!(list.body[0]["email"], "dan@example.vn");
    let (code, _, _) = s.fetch("/main/hoi-dap/tra-cuu?ma=HD-KHONGCO1").await;
    assert_eq!(code, StatusCode::NOT_FOUND);

    // A comment through the page's form.
    let id = consultation(&s, &admin, "Dự thảo lấy ý kiến qua biểu mẫu", -1, 5).await;
    let r = no_redirect
        .post(format!("{}/main/lay-y-kien/{id}/gop-y", s.base))
        .header("origin", &s.base)
        .form(&[
            ("section", "dieu-2"),
            ("name", "Vũ Văn Góp"),
            ("email", "gop@example.vn"),
            ("body", "Bổ sung UBND cấp huyện."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("Đã gửi góp ý"));
    let all = s.get(&format!("/api/v1/items/{id}/comments"), &admin).await;
    assert_eq!(all.body[0]["section"], "dieu-2");
    assert_eq!(all.body[0]["section_label"], "Điều 2");
    let r = no_redirect
        .post(format!("{}/main/lay-y-kien/{id}/gop-y", s.base))
        .header("origin", &s.base)
        .form(&[
            ("section", "dieu-2"),
            ("name", "Vũ Văn Góp"),
            ("email", ""),
            ("body", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("value=\"Vũ Văn Góp\""));
}

/// A mail server of the test's own: takes every message over plain SMTP and keeps it.
struct MailSink {
    url: String,
    got: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl MailSink {
    async fn start() -> MailSink {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("smtp://{}", listener.local_addr().unwrap());
        let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let keep = got.clone();
        tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                let keep = keep.clone();
                tokio::spawn(async move {
                    let (r, mut w) = sock.into_split();
                    let mut lines = BufReader::new(r).lines();
                    let _ = w.write_all(b"220 sink ESMTP\r\n").await;
                    let mut data: Option<String> = None;
                    while let Ok(Some(line)) = lines.next_line().await {
                        if let Some(d) = data.as_mut() {
                            if line == "." {
                                keep.lock().unwrap().push(data.take().unwrap());
                                let _ = w.write_all(b"250 kept\r\n").await;
                            } else {
                                d.push_str(&line);
                                d.push('\n');
                            }
                            continue;
                        }
                        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                        let answer: &[u8] = match verb.as_str() {
                            "EHLO" => b"250-sink\r\n250 8BITMIME\r\n",
                            "DATA" => {
                                data = Some(String::new());
                                b"354 go on\r\n"
                            }
                            "QUIT" => {
                                let _ = w.write_all(b"221 bye\r\n").await;
                                return;
                            }
                            _ => b"250 ok\r\n",
                        };
                        let _ = w.write_all(answer).await;
                    }
                });
            }
        });
        MailSink { url, got }
    }

    /// Waits for a message to `to` that contains `text`, and returns it decoded.
    async fn wait_for(&self, to: &str, text: &str) -> String {
        let started = std::time::Instant::now();
        loop {
            let found = self
                .got
                .lock()
                .unwrap()
                .iter()
                .map(|m| decode(m))
                .find(|m| m.contains(&format!("To: {to}")) && m.contains(text));
            if let Some(m) = found {
                return m;
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "no mail to {to} with '{text}'; got: {:?}",
                self.got
                    .lock()
                    .unwrap()
                    .iter()
                    .map(|m| decode(m))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A message's headers as sent and its body decoded (lettre sends UTF-8 text as
/// quoted-printable or base64).
fn decode(raw: &str) -> String {
    let (head, body) = raw.split_once("\n\n").unwrap_or((raw, ""));
    let body = if head.contains("Content-Transfer-Encoding: base64") {
        let b64: String = body.lines().collect();
        use base64::Engine as _;
        String::from_utf8_lossy(
            &base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .unwrap_or_default(),
        )
        .to_string()
    } else if head.contains("quoted-printable") {
        String::from_utf8_lossy(
            &quoted_printable::decode(body, quoted_printable::ParseMode::Robust)
                .unwrap_or_default(),
        )
        .to_string()
    } else {
        body.to_owned()
    };
    format!("{head}\n\n{body}")
}

#[tokio::test]
async fn mail_confirms_a_question_tells_staff_and_tells_the_asker_of_the_answer() {
    let sink = MailSink::start().await;
    let s = Server::start_with(portico_api::ApiConfig {
        scheduler_interval: Duration::from_millis(100),
        public_url: Some("https://cong.laocai.example".to_owned()),
        mail: Some(portico_api::mail::MailConfig {
            smtp_url: sink.url.clone(),
            from: "Cổng TTĐT <no-reply@laocai.example>".to_owned(),
            interval: Duration::from_millis(100),
        }),
        ..Default::default()
    })
    .await;
    let admin = s.login("admin").await;
    let r = s
        .send("PUT", "/api/v1/sites/main/settings", Some(&admin),
              Some(json!({"confirm_questions": true, "notify_email": "bien-tap@laocai.example", "answer_days": 7})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let sites = s.send("GET", "/api/v1/public/sites", None, None).await;
    assert!(
        !sites.body.to_string().contains("bien-tap@laocai.example"),
        "staff's address is not public"
    );

    let asker = "nguoi.hoi@example.vn";
    let r = ask(
        &s,
        "main",
        json!({"name": "Hà Văn Thư", "email": asker, "title": "Hỏi về cấp phép xây dựng",
                                   "body": "Nhà ở nông thôn có cần giấy phép?"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert_eq!(r.body["status"], "unconfirmed");
    let reference = r.body["reference"].as_str().unwrap().to_owned();
    // Staff do not see it until its asker confirms.
    let list = s.get("/api/v1/sites/main/questions", &admin).await;
    assert!(list.body.as_array().unwrap().is_empty());
    let mail = sink.wait_for(asker, "xac-nhan?ma=").await;
    assert!(mail.contains("bấm vào đường dẫn"), "{mail}");
    let token = mail
        .split("xac-nhan?ma=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    assert!(
        mail.contains("https://cong.laocai.example/main/hoi-dap/xac-nhan?ma="),
        "{mail}"
    );
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = no_redirect
        .get(format!("{}/main/hoi-dap/xac-nhan?ma={token}", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .contains(&reference));
    let (code, _, _) = s.fetch("/main/hoi-dap/xac-nhan?ma=sai").await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    let list = s.get("/api/v1/sites/main/questions", &admin).await;
    let q = &list.body[0];
    assert_eq!(q["status"], "new");
    let days = chrono::DateTime::parse_from_rfc3339(q["due_on"].as_str().unwrap()).unwrap()
        - chrono::DateTime::parse_from_rfc3339(q["received_at"].as_str().unwrap()).unwrap();
    assert_eq!(days.num_days(), 7, "the site's own deadline");
    sink.wait_for("bien-tap@laocai.example", "Hỏi về cấp phép xây dựng")
        .await;

    let qid = q["id"].as_i64().unwrap();
    let r = s
        .post(
            &format!("/api/v1/questions/{qid}/answer"),
            &admin,
            json!({"answer": "Có, trừ nhà ở nông thôn không thuộc khu vực có quy hoạch."}),
        )
        .await;
    let item = r.body["item_id"].as_i64().unwrap();
    for a in ["submit", "forward", "publish"] {
        assert_eq!(s.act(&admin, item, a).await.status, StatusCode::OK);
    }
    let told = sink.wait_for(asker, "/main/hoi-dap/").await;
    assert!(told.contains(&reference), "{told}");

    // A comment tells the staff too.
    let id = consultation(&s, &admin, "Dự thảo có thư báo", -1, 5).await;
    let r = comment(
        &s,
        id,
        json!({"section": "dieu-1", "name": "A", "email": "a@example.vn", "body": "Ý kiến"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    sink.wait_for("bien-tap@laocai.example", "Dự thảo có thư báo")
        .await;
}
