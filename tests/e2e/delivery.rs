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

fn titles(v: &serde_json::Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn lists_page_by_cursor_newest_first_and_stay_correct_while_publishing() {
    let s = Server::start().await;
    let admin = s.login("admin").await;
    for n in 1..=5 {
        s.publish(&admin, "main", &format!("Tin số {n}")).await;
    }
    s.publish(&admin, "so-tai-chinh", "Tin của Sở Tài chính")
        .await;
    s.article(&admin, "main", "Bản nháp không bao giờ hiện")
        .await;

    let first = s
        .send("GET", "/api/v1/public/sites/main/items?limit=2", None, None)
        .await;
    assert_eq!(titles(&first.body), ["Tin số 5", "Tin số 4"]);
    assert!(
        first.body["items"][0]["fields"].get("body").is_none(),
        "lists leave long fields out"
    );
    // Something is published between two pages: it goes on top, nothing shifts.
    s.publish(&admin, "main", "Tin số 6").await;
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    let second = s
        .send(
            "GET",
            &format!("/api/v1/public/sites/main/items?limit=2&cursor={cursor}"),
            None,
            None,
        )
        .await;
    assert_eq!(titles(&second.body), ["Tin số 3", "Tin số 2"]);
    let cursor = second.body["next_cursor"].as_str().unwrap().to_owned();
    let last = s
        .send(
            "GET",
            &format!("/api/v1/public/sites/main/items?limit=2&cursor={cursor}"),
            None,
            None,
        )
        .await;
    assert_eq!(titles(&last.body), ["Tin số 1"]);
    assert!(last.body["next_cursor"].is_null());

    let network = s
        .send("GET", "/api/v1/public/items?limit=50", None, None)
        .await;
    let all = titles(&network.body);
    assert_eq!(all.len(), 7);
    assert!(all.contains(&"Tin của Sở Tài chính".to_owned()));
    assert!(!all.iter().any(|t| t.contains("nháp")));

    let channel = s
        .send(
            "GET",
            "/api/v1/public/sites/main/items?channel=tin-tuc-su-kien&kind=article&limit=50",
            None,
            None,
        )
        .await;
    assert_eq!(titles(&channel.body).len(), 6);
    let documents = s
        .send(
            "GET",
            "/api/v1/public/sites/main/items?kind=document",
            None,
            None,
        )
        .await;
    assert_eq!(titles(&documents.body).len(), 0);
    for (query, field) in [
        ("kind=podcast", "kind"),
        ("cursor=not-a-cursor", "cursor"),
        ("year=abc", "year"),
        ("status=maybe", "status"),
        ("limit=x", "limit"),
    ] {
        let r = s
            .send(
                "GET",
                &format!("/api/v1/public/sites/main/items?{query}"),
                None,
                None,
            )
            .await;
        assert_eq!(
            (r.status, r.body["error"]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some(field)),
            "{query}: {:?}",
            r.body
        );
    }
    let r = s
        .send(
            "GET",
            "/api/v1/public/items?channel=tin-tuc-su-kien",
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        s.send("GET", "/api/v1/public/sites/khong-co/items", None, None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn public_answers_carry_validators_and_answer_304() {
    let s = Server::start().await;
    let admin = s.login("admin").await;
    let created = s.publish(&admin, "main", "Bài có bộ nhớ đệm").await;
    let path = format!(
        "/api/v1/public/sites/main/items/{}",
        created["slug"].as_str().unwrap()
    );
    let first = s.send("GET", &path, None, None).await;
    let etag = first
        .headers
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let last_modified = first
        .headers
        .get("last-modified")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let cc = first
        .headers
        .get("cache-control")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        cc.contains("stale-while-revalidate") && cc.contains("stale-if-error"),
        "{cc}"
    );
    let tags = first
        .headers
        .get("surrogate-key")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(tags.contains(&format!("item:{}", created["id"])), "{tags}");

    let cond = |h: &'static str, v: String| {
        let url = format!("{}{path}", s.base);
        let http = s.http.clone();
        async move { http.get(url).header(h, v).send().await.unwrap() }
    };
    let r = cond("if-none-match", etag.clone()).await;
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(r.headers().get("etag").unwrap().to_str().unwrap(), etag);
    assert_eq!(
        cond("if-modified-since", last_modified).await.status(),
        StatusCode::NOT_MODIFIED
    );
    assert_eq!(
        cond("if-none-match", "\"something-else\"".into())
            .await
            .status(),
        StatusCode::OK
    );

    // Republished with a change: a new validator.
    let id = created["id"].as_i64().unwrap();
    s.send(
        "PUT",
        &format!("/api/v1/items/{id}"),
        Some(&admin),
        Some(json!({"base_revision": 1, "fields": {"title": "Bài có bộ nhớ đệm (sửa)"}})),
    )
    .await;
    for action in ["submit", "forward", "publish"] {
        s.act(&admin, id, action).await;
    }
    let r = cond("if-none-match", etag.clone()).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_ne!(r.headers().get("etag").unwrap().to_str().unwrap(), etag);
}

#[tokio::test]
async fn the_changes_api_gives_every_publication_and_withdrawal_once_in_order() {
    let s = Server::start().await;
    let admin = s.login("admin").await;
    let a = s.publish(&admin, "main", "Tin A").await;
    let b = s.publish(&admin, "so-tai-chinh", "Tin B").await;
    s.article(&admin, "main", "Bản nháp C").await;
    let first = s
        .send("GET", "/api/v1/public/changes?after=0", None, None)
        .await;
    let changes = first.body["changes"].as_array().unwrap();
    let seen: Vec<(String, i64)> = changes
        .iter()
        .map(|c| {
            (
                c["type"].as_str().unwrap().to_owned(),
                c["id"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("published".to_owned(), a["id"].as_i64().unwrap()),
            ("published".to_owned(), b["id"].as_i64().unwrap())
        ]
    );
    assert_eq!(changes[0]["item"]["title"], "Tin A");
    let next = first.body["next"].as_i64().unwrap();

    // Nothing new: an empty page, and a conditional poll costs a 304.
    let idle = s
        .send(
            "GET",
            &format!("/api/v1/public/changes?after={next}"),
            None,
            None,
        )
        .await;
    assert!(idle.body["changes"].as_array().unwrap().is_empty());
    let etag = idle.headers.get("etag").unwrap().clone();
    let again = s
        .http
        .get(format!("{}/api/v1/public/changes?after={next}", s.base))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    // A withdrawal, filtered to its site.
    s.act(&admin, a["id"].as_i64().unwrap(), "unpublish").await;
    let later = s
        .send(
            "GET",
            &format!("/api/v1/public/changes?after={next}&site=main"),
            None,
            None,
        )
        .await;
    let changes = later.body["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{:?}", later.body);
    assert_eq!(
        (changes[0]["type"].as_str(), changes[0]["item"].is_null()),
        (Some("withdrawn"), true)
    );
    assert_eq!(changes[0]["slug"], a["slug"]);
    let none = s
        .send(
            "GET",
            &format!("/api/v1/public/changes?after={next}&site=so-tai-chinh"),
            None,
            None,
        )
        .await;
    assert!(none.body["changes"].as_array().unwrap().is_empty());
    assert_eq!(
        s.send("GET", "/api/v1/public/changes?after=abc", None, None)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}
