//! The public delivery API: rendered, sanitised HTML.

use crate::support::Server;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn markdown_is_rendered_once_at_publication_and_comes_out_inert() {
    let s = Server::start().await;
    let admin = s.login("admin").await;
    let body = [
        "## Kết quả nổi bật",
        "| Chỉ tiêu | Kết quả |\n|---|---|\n| Hồ sơ trực tuyến | 98% |",
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[bấm vào đây](javascript:alert(1))",
        "<svg onload=alert(1)>",
        "<a href=\"https://laocai.gov.vn\">Cổng tỉnh</a>",
    ]
    .join("\n\n");
    let created = s
        .post("/api/v1/sites/main/items", &admin, json!({"kind": "article", "channels": ["tin-tuc-su-kien"], "fields": {"title": "Bài có <b>HTML</b> lạ", "body": body}}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let id = created.body["id"].as_i64().unwrap();
    for action in ["submit", "forward", "publish"] {
        s.act(&admin, id, action).await;
    }
    let public = s
        .send(
            "GET",
            &format!(
                "/api/v1/public/sites/main/items/{}",
                created.body["slug"].as_str().unwrap()
            ),
            None,
            None,
        )
        .await;
    let html = public.body["html"]["body"].as_str().unwrap().to_owned();
    assert!(html.contains(r#"<h2 id="nd-ket-qua-noi-bat">"#), "{html}");
    assert!(html.contains("<table>"), "{html}");
    assert!(html.contains(r#"href="https://laocai.gov.vn""#), "{html}");
    let lower = html.to_lowercase();
    for bad in ["<script", "onerror", "onload", "javascript:", "<svg"] {
        assert!(!lower.contains(bad), "{bad} survived: {html}");
    }
    // The source stays as the author wrote it; the title is text, never HTML.
    assert_eq!(public.body["fields"]["body"], body);
    assert_eq!(public.body["title"], "Bài có <b>HTML</b> lạ");
}
