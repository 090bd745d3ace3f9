//! Search over HTTP: what is published is found within moments, nothing else ever is.

use crate::support::Server;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

async fn search(s: &Server, query: &str) -> Value {
    let r = s
        .send("GET", &format!("/api/v1/public/search?{query}"), None, None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{query}: {:?}", r.body);
    r.body
}

fn slugs(v: &Value) -> Vec<String> {
    v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["slug"].as_str().unwrap().to_owned())
        .collect()
}

/// Waits until `check` holds for the search result, or fails after a generous deadline.
async fn eventually(
    s: &Server,
    query: &str,
    what: &str,
    check: impl Fn(&Value) -> bool,
) -> Duration {
    let start = Instant::now();
    loop {
        let v = search(s, query).await;
        if check(&v) {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{what}: never happened; last answer {v}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn published_items_are_found_and_nothing_unpublished_ever_is() {
    let s = Server::start().await;
    let (a, e, p) = (
        s.login("author").await,
        s.login("editor").await,
        s.login("approver").await,
    );
    let created = s
        .article(&a, "main", "Lễ hội hoa tam giác mạch Sàng Chải")
        .await
        .body;
    let id = created["id"].as_i64().unwrap();
    let q = "q=tam+giac+mach";
    // A draft, an item in review, an item in approval: never found.
    assert_eq!(search(&s, q).await["total"], 0);
    s.act(&a, id, "submit").await;
    s.act(&e, id, "forward").await;
    s.settled().await;
    assert_eq!(
        search(&s, q).await["total"],
        0,
        "an item in approval is not public"
    );
    s.act(&p, id, "publish").await;
    eventually(&s, q, "the published item is found", |v| {
        slugs(v) == [created["slug"].as_str().unwrap()]
    })
    .await;
    let hit = &search(&s, q).await["hits"][0];
    assert!(
        hit["title_html"]
            .as_str()
            .unwrap()
            .contains("<b>tam</b> <b>giác</b> <b>mạch</b>"),
        "{hit}"
    );

    // A new draft of a published item stays private; the public text stays findable.
    let edit = s
        .send("PUT", &format!("/api/v1/items/{id}"), Some(&a), Some(json!({"base_revision": 1, "fields": {"title": "Lễ hội hoa tam giác mạch Sàng Chải lần thứ nhất", "body": "từ khóa bí mật xyzzy"}})))
        .await;
    assert_eq!(edit.status, StatusCode::OK);
    s.settled().await;
    assert_eq!(
        search(&s, "q=xyzzy").await["total"],
        0,
        "a draft's words are not searchable"
    );
    assert_eq!(search(&s, q).await["total"], 1);

    // Withdrawn: gone.
    s.act(&p, id, "unpublish").await;
    eventually(&s, q, "the withdrawn item disappears", |v| v["total"] == 0).await;
}

#[tokio::test]
async fn search_parameters_are_checked() {
    let s = Server::start().await;
    for (query, field) in [
        ("q=".to_owned() + &"a".repeat(501), "q"),
        ("kind=podcast".to_owned(), "kind"),
        ("level=galaxy".to_owned(), "level"),
        ("status=maybe".to_owned(), "status"),
        ("year_from=abc".to_owned(), "year_from"),
        ("year_to=99999".to_owned(), "year_to"),
        ("site=khong-co".to_owned(), "site"),
        ("sort=popular".to_owned(), "sort"),
        ("page=x".to_owned(), "page"),
        ("q=a&page=5000&per_page=50".to_owned(), "page"),
    ] {
        let r = s
            .send("GET", &format!("/api/v1/public/search?{query}"), None, None)
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}: {:?}", r.body);
        assert_eq!(r.body["error"]["field"], field, "{query}: {:?}", r.body);
    }
    for odd in [
        "q=%22unbalanced",
        "q=%F0%9F%99%82",
        "q=AND+OR",
        "q=%00%07",
        "per_page=1000",
        "page=0",
    ] {
        let r = s
            .send("GET", &format!("/api/v1/public/search?{odd}"), None, None)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{odd}: {:?}", r.body);
    }
    let r = s
        .send("GET", "/api/v1/public/suggest?q=x&kind=nope", None, None)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn network_wide_search_and_a_site_with_its_descendants() {
    let s = Server::start().await;
    let admin = s.login("admin").await;
    let r = s.post("/api/v1/sites", &admin, json!({"slug": "xa-ban-vuoc", "name": "Xã Bản Vược", "kind": "commune", "parent": "so-tai-chinh"})).await;
    assert_eq!(r.status, StatusCode::CREATED);
    s.post(
        "/api/v1/sites/xa-ban-vuoc/channels",
        &admin,
        json!({"name": "Tin tức – Sự kiện"}),
    )
    .await;
    for site in ["main", "so-tai-chinh", "xa-ban-vuoc"] {
        let id = s
            .article(&admin, site, &format!("Mùa lúa chín ở {site}"))
            .await
            .body["id"]
            .as_i64()
            .unwrap();
        for action in ["submit", "forward", "publish"] {
            s.act(&admin, id, action).await;
        }
    }
    eventually(&s, "q=mua+lua+chin", "all three are indexed", |v| {
        v["total"] == 3
    })
    .await;
    let sites = |v: &Value| {
        let mut s: Vec<String> = v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["site"].as_str().unwrap().to_owned())
            .collect();
        s.sort();
        s
    };
    assert_eq!(
        sites(&search(&s, "q=mua+lua+chin&site=so-tai-chinh").await),
        ["so-tai-chinh", "xa-ban-vuoc"]
    );
    assert_eq!(
        sites(&search(&s, "q=mua+lua+chin&site=so-tai-chinh&descendants=false").await),
        ["so-tai-chinh"]
    );
    let facets = &search(&s, "q=mua+lua+chin").await["facets"]["site"];
    assert_eq!(facets.as_array().unwrap().len(), 3);
    let sugg = s
        .send("GET", "/api/v1/public/suggest?q=mua+lua+c", None, None)
        .await;
    assert_eq!(
        sugg.body["suggestions"].as_array().unwrap().len(),
        3,
        "{:?}",
        sugg.body
    );
}
