//! Snapshots of what readers and clients get, as Zola keeps its rendered output: an article's
//! page, its delivery API answer, the site's RSS feed and an error. A change to any of them
//! shows up in review as a diff of `tests/e2e/snapshots/`; ids, times and dates are redacted
//! so that only what the code decides remains.

use crate::support::Server;
use serde_json::json;

/// Ids, times and dates, which change from run to run, as placeholders.
fn redacted() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("snapshots");
    s.set_prepend_module_to_snapshot(false);
    for (re, with) in [
        (
            r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})",
            "[time]",
        ),
        (
            r"[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}",
            "[time]",
        ),
        (r"\d{2}/\d{2}/\d{4}", "[date]"),
        (r"\d{2}&#x2f;\d{2}&#x2f;\d{4}", "[date]"),
        (r"127\.0\.0\.1:\d+", "[host]"),
        (r#""id": \d+"#, r#""id": "[id]""#),
        (r"/media/\d+", "/media/[id]"),
    ] {
        s.add_filter(re, with);
    }
    s
}

#[tokio::test]
async fn an_article_its_api_answer_its_feed_and_an_error() {
    let s = Server::start().await;
    let admin = s.login("admin").await;
    let created = s
        .publish_item(
            &admin,
            "main",
            json!({"kind": "article", "channels": ["tin-tuc-su-kien"], "fields": {
                "title": "Lào Cai khai trương Trung tâm điều hành thông minh",
                "summary": "Sáng nay, tỉnh Lào Cai khai trương <Trung tâm> điều hành thông minh.",
                "body": "## Toàn cảnh\n\nTrung tâm kết nối **92 cổng** thành phần.\n\n<script>alert(1)</script>\n\n- Giám sát giao thông\n- Dịch vụ công",
                "tags": ["chuyển đổi số"], "author_line": "Minh Anh", "source": "https://laocai.gov.vn"}}),
        )
        .await;
    let slug = created["slug"].as_str().unwrap();
    let settings = redacted();

    let api = s
        .send(
            "GET",
            &format!("/api/v1/public/sites/main/items/{slug}"),
            None,
            None,
        )
        .await;
    settings.bind(|| insta::assert_json_snapshot!("article_api", api.body));

    let (status, _, page) = s.fetch(&format!("/main/tin-tuc-su-kien/{slug}")).await;
    assert_eq!(status, 200);
    let html = String::from_utf8(page).unwrap();
    // The article itself, without the site's header and footer (snapshotted once is enough).
    let main = html
        .split_once("<main")
        .and_then(|(_, rest)| rest.split_once("</main>"))
        .map(|(m, _)| format!("<main{m}</main>"))
        .unwrap();
    settings.bind(|| insta::assert_snapshot!("article_page", main));

    let (_, _, rss) = s.fetch("/main/feed.rss").await;
    settings.bind(|| insta::assert_snapshot!("site_rss", String::from_utf8(rss).unwrap()));

    let bad = s
        .post(
            "/api/v1/sites/main/items",
            &admin,
            json!({"kind": "document", "fields": {"title": "x", "attachments": [{"name": "a", "href": "javascript:1"}]}}),
        )
        .await;
    settings.bind(|| insta::assert_json_snapshot!("error_missing_number", bad.body));
}
