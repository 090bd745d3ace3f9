//! No draft reaches the public: items in every non-public state, a pending edit of a
//! published item and a file only a draft uses, each carrying a secret word, then every public
//! path a reader, a feed reader, a crawler or a central portal uses, none of which may show a
//! secret. (The probe a security review ran by hand, kept in the suite.)

use crate::support::Server;
use reqwest::StatusCode;
use serde_json::json;

/// A word no generated content contains.
fn secret(state: &str) -> String {
    format!("bimat{state}xq")
}

#[tokio::test]
async fn no_public_path_shows_anything_unpublished() {
    let s = Server::start().await;
    let (author, editor, approver, admin) = (
        s.login("author").await,
        s.login("editor").await,
        s.login("approver").await,
        s.login("admin").await,
    );
    // One item per non-public state, each with its own secret in title, summary and body.
    let mut slugs = Vec::new();
    for (state, steps) in [
        ("draft", &[][..]),
        ("inreview", &["submit"][..]),
        ("inapproval", &["submit", "forward"][..]),
        ("scheduled", &["submit", "forward", "schedule"][..]),
        (
            "unpublished",
            &["submit", "forward", "publish", "unpublish"][..],
        ),
    ] {
        let word = secret(state);
        // A withdrawn item was public once: its address stays in the changes feed (so central
        // portals remove it), so its secret is kept out of the title that makes the address.
        let title = if state == "unpublished" {
            "Tin đã gỡ".to_owned()
        } else {
            format!("Tin {word}")
        };
        let r = s
            .post(
                "/api/v1/sites/main/items",
                &author,
                json!({"kind": "article", "channels": ["tin-tuc-su-kien"],
                       "fields": {"title": title, "summary": word, "body": word}}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        let id = r.body["id"].as_i64().unwrap();
        for step in steps {
            let who = match *step {
                "submit" => &author,
                "forward" => &editor,
                _ => &approver,
            };
            let done = s.act(who, id, step).await;
            assert_eq!(
                done.status,
                StatusCode::OK,
                "{state} {step}: {:?}",
                done.body
            );
        }
        slugs.push(r.body["slug"].as_str().unwrap().to_owned());
    }
    // A published item with a pending edit that carries a secret.
    let live = s.publish(&admin, "main", "Tin đã đăng công khai").await;
    let live_id = live["id"].as_i64().unwrap();
    let pending = secret("pendingedit");
    let saved = s
        .send(
            "PATCH",
            &format!("/api/v1/items/{live_id}"),
            Some(&admin),
            Some(json!({"base_revision": 1, "fields": {"body": pending}})),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{:?}", saved.body);
    s.settled().await;

    let mut paths: Vec<String> = [
        "/",
        "/main/",
        "/main/tin-tuc-su-kien/",
        "/main/van-ban",
        "/main/thu-tuc",
        "/feed.rss",
        "/feed.atom",
        "/feed.json",
        "/main/feed.rss",
        "/main/feed.atom",
        "/main/feed.json",
        "/main/tin-tuc-su-kien/feed.rss",
        "/sitemap.xml",
        "/main/sitemap.xml",
        "/api/v1/public/sites",
        "/api/v1/public/items",
        "/api/v1/public/sites/main/items",
        "/api/v1/public/sites/main/items?channel=tin-tuc-su-kien",
        "/api/v1/public/changes?after=0&limit=1000",
        "/api/v1/public/search?q=bimat",
        "/api/v1/public/suggest?q=tin",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    for slug in &slugs {
        paths.push(format!("/main/tin-tuc-su-kien/{slug}"));
        paths.push(format!("/api/v1/public/sites/main/items/{slug}"));
    }
    for state in [
        "draft",
        "inreview",
        "inapproval",
        "scheduled",
        "unpublished",
        "pendingedit",
    ] {
        paths.push(format!("/api/v1/public/search?q={}", secret(state)));
        paths.push(format!("/main/tim-kiem?q={}", secret(state)));
    }
    paths.push(format!(
        "/main/tin-tuc-su-kien/{}",
        live["slug"].as_str().unwrap()
    ));
    paths.push(format!(
        "/api/v1/public/sites/main/items/{}",
        live["slug"].as_str().unwrap()
    ));
    let mut seen = 0;
    for path in &paths {
        let (status, _, body) = s.fetch(path).await;
        assert!(!status.is_server_error(), "{path}: {status}");
        let mut text = String::from_utf8_lossy(&body).into_owned();
        let searched = path.contains("search?q=bimat") || path.contains("tim-kiem?q=bimat");
        if searched {
            // The answer repeats the query; what must not be there is a hit.
            if path.starts_with("/api/") {
                let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                assert_eq!(v["total"], 0, "{path} finds something: {v}");
            } else {
                assert!(
                    !text.contains("tin-tuc-su-kien/tin-bimat"),
                    "{path} links a secret item"
                );
            }
            seen += 1;
            continue;
        }
        if !status.is_success() {
            // An error may repeat what the request carried (a slug); only what the server
            // adds counts.
            for asked in path.split(['/', '?', '=', '&']).filter(|p| p.len() > 3) {
                text = text.replace(asked, "");
            }
        }
        for state in [
            "draft",
            "inreview",
            "inapproval",
            "scheduled",
            "unpublished",
            "pendingedit",
        ] {
            assert!(
                !text.contains(&secret(state)),
                "{path} shows the {state} secret ({status})"
            );
        }
        seen += 1;
    }
    assert!(seen >= 40, "{seen} public paths looked at");
}
