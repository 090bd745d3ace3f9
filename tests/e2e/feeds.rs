//! Feeds and sitemaps, read back with real parsers.

use crate::support::Server;
use reqwest::StatusCode;
use serde_json::json;

async fn publish(s: &Server, token: &str, site: &str, title: &str) -> serde_json::Value {
    s.publish_item(token, site, json!({"kind": "article", "channels": ["tin-tuc-su-kien"],
        "fields": {"title": title, "summary": "Tóm tắt có dấu: ưu tiên, đặc biệt.", "body": "Nội dung **đầy đủ** của bài & <ghi chú>."}}))
        .await
}

#[tokio::test]
async fn rss_atom_and_json_feeds_parse_with_full_vietnamese_text_and_absolute_links() {
    let s = Server::start().await;
    let admin = s.login("admin").await;
    let a = publish(&s, &admin, "main", "Khánh thành cầu Cốc Lếu mới").await;
    publish(
        &s,
        &admin,
        "so-tai-chinh",
        "Sở Tài chính hướng dẫn quyết toán",
    )
    .await;
    s.article(&admin, "main", "Bản nháp không vào feed").await;
    for (path, expect, ctype) in [
        ("/main/feed.rss", 1, "application/rss+xml"),
        ("/main/feed.atom", 1, "application/atom+xml"),
        ("/main/feed.json", 1, "application/feed+json"),
        ("/main/tin-tuc-su-kien/feed.rss", 1, "application/rss+xml"),
        ("/feed.atom", 2, "application/atom+xml"),
        ("/feed.json", 2, "application/feed+json"),
    ] {
        let (status, got_type, body) = s.fetch(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(got_type.starts_with(ctype), "{path}: {got_type}");
        let feed = feed_rs::parser::parse(&body[..]).unwrap_or_else(|e| {
            panic!(
                "{path} does not parse: {e}\n{}",
                String::from_utf8_lossy(&body)
            )
        });
        assert_eq!(feed.entries.len(), expect, "{path}");
        assert!(
            feed.entries
                .iter()
                .all(|e| !e.title.as_ref().unwrap().content.contains("nháp")),
            "{path}: no drafts"
        );
        let entry = feed
            .entries
            .iter()
            .find(|e| e.title.as_ref().unwrap().content == "Khánh thành cầu Cốc Lếu mới");
        if let Some(e) = entry {
            let link = &e.links[0].href;
            assert!(
                link.starts_with("http://") && link.ends_with(a["slug"].as_str().unwrap()),
                "{path}: {link}"
            );
            assert!(e.published.is_some(), "{path}: a date");
            let content = e
                .content
                .as_ref()
                .and_then(|c| c.body.clone())
                .unwrap_or_default();
            assert!(
                content.contains("<strong>đầy đủ</strong>") && content.contains("&lt;ghi chú&gt;"),
                "{path}: full, escaped HTML: {content}"
            );
        } else {
            assert!(
                path == "/feed.atom" || path == "/feed.json",
                "{path}: the article is missing"
            );
        }
    }
    assert_eq!(
        s.fetch("/main/khong-co/feed.rss").await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_summary_is_text_in_every_feed_never_live_markup() {
    let s = Server::start().await;
    let admin = s.login("admin").await;
    let attack = "Xem ảnh <img src=x onerror=alert(1)> & <b>đậm</b>";
    s.publish_item(
        &admin,
        "main",
        json!({"kind": "article", "channels": ["tin-tuc-su-kien"],
        "fields": {"title": "Bài có tóm tắt lạ", "summary": attack, "body": "Nội dung."}}),
    )
    .await;
    // RSS: readers render <description> as HTML, so it must hold the text escaped.
    let (_, _, rss) = s.fetch("/main/feed.rss").await;
    let feed = feed_rs::parser::parse(&rss[..]).unwrap();
    let description = feed.entries[0].summary.as_ref().unwrap();
    assert!(
        !description.content.contains("<img") && !description.content.contains("<b>"),
        "RSS description carries markup: {}",
        description.content
    );
    assert!(
        description
            .content
            .contains("&lt;img src=x onerror=alert(1)&gt; &amp;"),
        "the editor's words are kept, as text: {}",
        description.content
    );
    // Atom: a summary of type text, which readers show as typed.
    let (_, _, atom) = s.fetch("/main/feed.atom").await;
    let feed = feed_rs::parser::parse(&atom[..]).unwrap();
    let summary = feed.entries[0].summary.as_ref().unwrap();
    assert_eq!(summary.content_type.essence().to_string(), "text/plain");
    assert_eq!(summary.content, attack);
    // JSON Feed: `summary` is plain text by the format; `content_html` is the sanitised body.
    let (_, _, body) = s.fetch("/main/feed.json").await;
    let doc: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(doc["items"][0]["summary"], attack);
    assert!(doc["items"][0].get("content_text").is_none());
}

#[tokio::test]
async fn sitemaps_list_published_pages_and_the_index_lists_every_site() {
    let s = Server::start().await;
    let admin = s.login("admin").await;
    let a = publish(&s, &admin, "main", "Bài trong sơ đồ trang").await;
    let draft = s.article(&admin, "main", "Bản nháp ngoài sơ đồ").await.body;
    let locs = |body: &[u8]| {
        let mut reader = quick_xml::Reader::from_reader(body);
        let mut out = Vec::new();
        let mut buf = Vec::new();
        let mut in_loc = false;
        loop {
            match reader.read_event_into(&mut buf).expect("well-formed XML") {
                quick_xml::events::Event::Start(e) => in_loc = e.name().as_ref() == b"loc",
                quick_xml::events::Event::Text(t) if in_loc => {
                    out.push(String::from_utf8(t.to_vec()).unwrap())
                }
                quick_xml::events::Event::End(_) => in_loc = false,
                quick_xml::events::Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        out
    };
    let (status, _, body) = s.fetch("/main/sitemap.xml").await;
    assert_eq!(status, StatusCode::OK);
    let urls = locs(&body);
    assert!(
        urls.iter()
            .any(|u| u.ends_with(a["slug"].as_str().unwrap())),
        "{urls:?}"
    );
    assert!(!urls
        .iter()
        .any(|u| u.ends_with(draft["slug"].as_str().unwrap())));
    assert!(urls.iter().all(|u| u.starts_with("http://")));
    let (_, _, body) = s.fetch("/sitemap.xml").await;
    let sitemaps = locs(&body);
    assert_eq!(sitemaps.len(), 2);
    assert!(sitemaps[1].ends_with("/so-tai-chinh/sitemap.xml"));
}
