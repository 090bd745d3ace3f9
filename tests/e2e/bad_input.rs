//! Bad input gets a clear 4xx naming the field, never a 500, never a half-written change.

use crate::support::{Server, PASSWORD};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn bad_bodies_get_the_error_shape_with_the_field() {
    let s = Server::start().await;
    let a = s.login("author").await;
    let items = "/api/v1/sites/main/items";
    let doc =
        |fields: serde_json::Value| json!({"kind": "document", "channels": [], "fields": fields});
    let good_doc = json!({"number": "3055/QĐ-UBND", "doc_type": "Quyết định", "issuer": "UBND tỉnh Lào Cai",
        "issued_on": "2018-10-02", "status": "in_force", "title": "Về kiến trúc"});
    let with = |k: &str, v: serde_json::Value| {
        let mut d = good_doc.clone();
        d[k] = v;
        d
    };
    let cases = [
        (
            "unknown top-level field",
            json!({"kind": "article", "fields": {"title": "x"}, "colour": 1}),
            StatusCode::BAD_REQUEST,
            "unknown_field",
            Some("colour"),
        ),
        (
            "unknown field in fields",
            json!({"kind": "article", "fields": {"title": "x", "colour": 1}}),
            StatusCode::BAD_REQUEST,
            "unknown_field",
            Some("fields.colour"),
        ),
        (
            "unknown kind",
            json!({"kind": "podcast", "fields": {"title": "x"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            Some("kind"),
        ),
        (
            "missing title",
            json!({"kind": "article", "fields": {"body": "x"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "required",
            Some("fields.title"),
        ),
        (
            "empty title",
            json!({"kind": "article", "fields": {"title": "   "}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "required",
            Some("fields.title"),
        ),
        (
            "over-long title",
            json!({"kind": "article", "fields": {"title": "ố".repeat(501)}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_long",
            Some("fields.title"),
        ),
        (
            "bad date",
            doc(with("issued_on", json!("02/10/2018"))),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_date",
            Some("fields.issued_on"),
        ),
        (
            "impossible date",
            doc(with("issued_on", json!("2018-02-30"))),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_date",
            Some("fields.issued_on"),
        ),
        (
            "effective before issued",
            doc(with("effective_on", json!("2017-01-01"))),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_date",
            Some("fields.effective_on"),
        ),
        (
            "bad status",
            doc(with("status", json!("maybe"))),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            Some("fields.status"),
        ),
        (
            "wrong type",
            json!({"kind": "article", "fields": {"title": 42}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            Some("fields.title"),
        ),
        (
            "fields not an object",
            json!({"kind": "article", "fields": []}),
            StatusCode::BAD_REQUEST,
            "malformed",
            Some("fields"),
        ),
        (
            "no such channel",
            json!({"kind": "article", "channels": ["khong-co"], "fields": {"title": "x"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            Some("channels[0]"),
        ),
        (
            "bad slug",
            json!({"kind": "article", "slug": "Có Dấu", "fields": {"title": "x"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            Some("slug"),
        ),
        (
            "a javascript: attachment",
            doc(with(
                "attachments",
                json!([{"name": "qd.pdf", "href": "javascript:alert(document.cookie)"}]),
            )),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            Some("fields.attachments[0].href"),
        ),
        (
            "a data: attachment",
            doc(with(
                "attachments",
                json!([{"name": "qd.pdf", "href": "data:text/html;base64,PHNjcmlwdD4="}]),
            )),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            Some("fields.attachments[0].href"),
        ),
        (
            "a javascript: cover",
            json!({"kind": "article", "fields": {"title": "x", "cover": "javascript:alert(1)"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            Some("fields.cover"),
        ),
        (
            "control characters",
            json!({"kind": "article", "fields": {"title": "a\u{0007}b"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            Some("fields.title"),
        ),
    ];
    let events_before = s.event_count().await;
    for (what, body, status, code, field) in cases {
        let r = s.post(items, &a, body).await;
        assert_eq!(r.status, status, "{what}: {:?}", r.body);
        assert_eq!(r.code(), code, "{what}: {:?}", r.body);
        assert_eq!(
            r.body["error"]["field"].as_str(),
            field,
            "{what}: {:?}",
            r.body
        );
        assert!(
            !r.body["error"]["message"].as_str().unwrap_or("").is_empty(),
            "{what}"
        );
    }
    assert_eq!(s.event_count().await, events_before, "nothing was written");
    // The document itself is fine.
    assert_eq!(
        s.post(items, &a, doc(good_doc.clone())).await.status,
        StatusCode::CREATED
    );
    let again = s.post(items, &a, json!({"kind": "document", "slug": "quyet-dinh-3055-qd-ubnd-ve-kien-truc", "fields": good_doc})).await;
    assert_eq!(
        (again.status, again.code()),
        (StatusCode::CONFLICT, "slug_taken")
    );
}

#[tokio::test]
async fn malformed_json_wrong_type_and_oversize_bodies() {
    let s = Server::start_with(portico_api::ApiConfig {
        max_body_bytes: 64 * 1024,
        ..Default::default()
    })
    .await;
    let a = s.login("author").await;
    let url = format!("{}/api/v1/sites/main/items", s.base);
    let send = |body: Vec<u8>, ctype: &'static str| {
        s.http
            .post(url.clone())
            .bearer_auth(a.clone())
            .header("content-type", ctype)
            .body(body)
            .send()
    };
    let r = send(b"{\"kind\": \"article\",".to_vec(), "application/json")
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "malformed");
    let r = send(
        b"kind=article".to_vec(),
        "application/x-www-form-urlencoded",
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let big = serde_json::to_vec(
        &json!({"kind": "article", "fields": {"title": "x", "body": "ă".repeat(100_000)}}),
    )
    .unwrap();
    let r = send(big, "application/json").await.unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "payload_too_large");
    // A body that is JSON but not an object is refused, whatever the type would accept.
    for not_an_object in [&b"[]"[..], b"[\"article\"]", b"\"x\"", b"42"] {
        let r = send(not_an_object.to_vec(), "application/json")
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "malformed");
    }
    let patch = s
        .send("PATCH", "/api/v1/media/1", Some(&a), Some(json!([])))
        .await;
    assert_eq!(
        (patch.status, patch.code()),
        (StatusCode::BAD_REQUEST, "malformed")
    );
    // A query parameter given twice where one is expected is the usual error JSON.
    let twice = s
        .get("/api/v1/sites/main/queue?state=draft&state=in_review", &a)
        .await;
    assert_eq!(
        (twice.status, twice.code()),
        (StatusCode::BAD_REQUEST, "invalid_parameter"),
        "{:?}",
        twice.body
    );
    // The server is unharmed.
    assert_eq!(
        s.article(&a, "main", "Vẫn chạy").await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn bad_paths_tokens_and_logins() {
    let s = Server::start().await;
    let a = s.login("author").await;
    for (path, status) in [
        ("/api/v1/items/abc", StatusCode::NOT_FOUND),
        ("/api/v1/items/-1", StatusCode::NOT_FOUND),
        ("/api/v1/items/99999999", StatusCode::NOT_FOUND),
        ("/api/v1/items/1/revisions/xyz", StatusCode::NOT_FOUND),
        ("/api/v1/sites/khong-ton-tai/queue", StatusCode::NOT_FOUND),
        (
            "/api/v1/sites/main/queue?state=flying",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/sites/main/queue?limit=lots",
            StatusCode::BAD_REQUEST,
        ),
        ("/khong/co/duong/nay", StatusCode::NOT_FOUND),
    ] {
        let r = s.get(path, &a).await;
        assert_eq!(r.status, status, "{path}: {:?}", r.body);
        assert!(
            r.body["error"]["code"].is_string(),
            "{path}: error JSON expected, got {:?}",
            r.body
        );
    }
    let r = s.send("GET", "/api/v1/me", None, None).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNAUTHORIZED, "unauthenticated")
    );
    assert_eq!(r.headers.get("www-authenticate").unwrap(), "Bearer");
    assert_eq!(
        s.get("/api/v1/me", "forged-token").await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = s.send("DELETE", "/api/v1/auth/login", None, None).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    // Admin answers are never cached, and carry the security headers.
    let me = s.get("/api/v1/me", &a).await;
    assert_eq!(me.headers.get("cache-control").unwrap(), "no-store");
    assert_eq!(me.headers.get("x-content-type-options").unwrap(), "nosniff");
    assert!(me.headers.get("x-request-id").is_some());
}

/// A sign-in from a client address, as the edge in front reports it (`X-Forwarded-For`
/// from a trusted proxy: the test client on 127.0.0.1).
async fn login_from(s: &Server, from: &str, user: &str, password: &str) -> crate::support::Reply {
    let r = s
        .http
        .post(format!("{}/api/v1/auth/login", s.base))
        .header("x-forwarded-for", from)
        .json(&json!({"username": user, "password": password}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    crate::support::Reply {
        status,
        headers,
        body: r.json().await.unwrap_or_default(),
    }
}

#[tokio::test]
async fn failed_sign_ins_slow_down_the_guesser_not_the_user() {
    let s = Server::start_with(portico_api::ApiConfig {
        login_limits: portico_api::login_limit::LoginLimits {
            free_failures: 3,
            per_address: 8,
            ..Default::default()
        },
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        ..Default::default()
    })
    .await;
    let (guesser, office, home) = ("203.0.113.5", "198.51.100.7", "192.0.2.44");
    // Three wrong passwords for `editor` from one address: then that pair waits.
    for _ in 0..3 {
        let r = login_from(&s, guesser, "editor", "sai-mat-khau").await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::UNAUTHORIZED, "unauthenticated")
        );
    }
    let r = login_from(&s, guesser, "editor", "sai-mat-khau").await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts")
    );
    assert!(r.headers.get("retry-after").is_some());
    // Even the right password waits there...
    let r = login_from(&s, guesser, "editor", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // ...but the user signs in from anywhere else, and that address's other users are not held up.
    let r = login_from(&s, office, "editor", PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let r = login_from(&s, guesser, "author", PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);

    // One address trying many usernames meets the looser cap per address.
    for i in 0..8 {
        let r = login_from(&s, home, &format!("khach{i}"), "x").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let r = login_from(&s, home, "approver", PASSWORD).await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the address is capped"
    );
    assert_eq!(
        login_from(&s, office, "approver", PASSWORD).await.status,
        StatusCode::OK
    );

    // Operators see what was limited: /metrics and the audit log.
    let metrics = s.metrics().await;
    assert!(
        metrics.contains("portico_login_refused_total{scope=\"username_and_address\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("portico_login_refused_total{scope=\"address\"} 1"),
        "{metrics}"
    );
    let admin = s.login("admin").await;
    let audit = s.get("/api/v1/audit?limit=20", &admin).await;
    assert_eq!(audit.status, StatusCode::OK, "{:?}", audit.body);
    let limited: Vec<&str> = audit
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "login.limited")
        .map(|e| e["comment"].as_str().unwrap())
        .collect();
    assert_eq!(limited.len(), 2, "{limited:?}");
    assert!(
        limited
            .iter()
            .any(|c| c.contains("'editor' from 203.0.113.5")),
        "{limited:?}"
    );
    assert!(
        limited
            .iter()
            .any(|c| c.contains("limited by address") && c.contains("192.0.2.44")),
        "{limited:?}"
    );
    let editor = s.login("editor").await;
    assert_eq!(
        s.get("/api/v1/audit", &editor).await.status,
        StatusCode::FORBIDDEN
    );
}
