//! Identity over HTTP: API tokens for machine clients, and the audit log that says who did
//! what, when and from where.

use crate::support::Server;
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn an_api_token_acts_as_its_owner_until_deleted_or_the_owner_is_disabled() {
    let s = Server::start().await;
    let author = s.login("author").await;
    let admin = s.login("admin").await;

    let made = s
        .post(
            "/api/v1/tokens",
            &author,
            json!({"name": "đồng bộ cổng tỉnh"}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    let secret = made.body["token"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("pt_") && secret.len() > 40, "{secret}");
    assert_eq!(made.body["name"], "đồng bộ cổng tỉnh");
    // Without an end named, a year; without scopes named, read and write.
    let ends = chrono::DateTime::parse_from_rfc3339(made.body["expires_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc);
    let in_days = (ends - chrono::Utc::now()).num_days();
    assert!((364..=365).contains(&in_days), "{in_days}");
    assert_eq!(made.body["scopes"], json!(["read", "write"]));

    // It is the author: it reads who it is and writes as them.
    let me = s.get("/api/v1/me", &secret).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["username"], "author");
    let item = s
        .post(
            "/api/v1/sites/main/items",
            &secret,
            json!({"kind": "article", "channels": ["tin-tuc-su-kien"],
                   "fields": {"title": "Viết từ một kịch bản"}}),
        )
        .await;
    assert_eq!(item.status, StatusCode::CREATED, "{:?}", item.body);

    // The list shows when it was used, never the secret.
    let list = s.get("/api/v1/tokens", &author).await;
    assert_eq!(list.status, StatusCode::OK);
    let tokens = list.body.as_array().unwrap();
    assert_eq!(tokens.len(), 1);
    assert!(tokens[0]["last_used_at"].is_string(), "{tokens:?}");
    assert!(tokens[0].get("token").is_none());
    assert!(!list.body.to_string().contains(&secret[3..]));
    // Another user sees none of it and cannot delete it.
    assert_eq!(
        s.get("/api/v1/tokens", &s.login("editor").await)
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let path = format!("/api/v1/tokens/{}", made.body["id"]);
    let editor = s.login("editor").await;
    assert_eq!(
        s.send("DELETE", &path, Some(&editor), None).await.status,
        StatusCode::NOT_FOUND
    );

    // An expiry in the past, or no name, is refused with the field named.
    let past = s
        .post(
            "/api/v1/tokens",
            &author,
            json!({"name": "cũ", "expires_at": "2020-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(past.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(past.body["error"]["field"], "expires_at", "{:?}", past.body);
    let unnamed = s
        .post("/api/v1/tokens", &author, json!({"name": " "}))
        .await;
    assert_eq!(unnamed.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Deleted: refused from the next request on.
    assert_eq!(
        s.send("DELETE", &path, Some(&author), None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        s.get("/api/v1/me", &secret).await.status,
        StatusCode::UNAUTHORIZED
    );

    // A disabled owner's tokens stop at once, and enabling the account does not bring
    // them back (a leaked password may have made them).
    let second = s
        .post(
            "/api/v1/tokens",
            &author,
            json!({"name": "máy chủ dự phòng"}),
        )
        .await;
    let secret2 = second.body["token"].as_str().unwrap().to_owned();
    assert_eq!(s.get("/api/v1/me", &secret2).await.status, StatusCode::OK);
    let off = s
        .send(
            "PATCH",
            "/api/v1/users/author",
            Some(&admin),
            Some(json!({"disabled": true})),
        )
        .await;
    assert_eq!(off.status, StatusCode::OK, "{:?}", off.body);
    assert_eq!(
        s.get("/api/v1/me", &secret2).await.status,
        StatusCode::UNAUTHORIZED
    );
    let on = s
        .send(
            "PATCH",
            "/api/v1/users/author",
            Some(&admin),
            Some(json!({"disabled": false})),
        )
        .await;
    assert_eq!(on.status, StatusCode::OK);
    assert_eq!(
        s.get("/api/v1/me", &secret2).await.status,
        StatusCode::UNAUTHORIZED
    );
}

fn actions(entries: &Value) -> Vec<String> {
    entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_audit_log_says_who_did_what_when_and_from_where_and_exports_whole() {
    let s = Server::start().await;
    let wrong = s
        .send(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "author", "password": "không phải mật khẩu"})),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let author = s.login("author").await;
    let admin = s.login("admin").await;
    let granted = s
        .post(
            "/api/v1/sites/so-tai-chinh/roles",
            &admin,
            json!({"username": "author2", "role": "editor"}),
        )
        .await;
    assert!(granted.status.is_success(), "{:?}", granted.body);
    let t = s
        .post("/api/v1/tokens", &admin, json!({"name": "sao lưu"}))
        .await;
    assert_eq!(t.status, StatusCode::CREATED);
    // A workflow comment written as a spreadsheet formula.
    let item = s.article(&admin, "main", "Bài có lời nhắn").await;
    let id = item.body["id"].as_i64().unwrap();
    assert!(s.act(&admin, id, "submit").await.status.is_success());
    let formula = "=HYPERLINK(\"http://evil.example/\",\"Xem\")";
    let back = s
        .post(
            &format!("/api/v1/items/{id}/transitions"),
            &admin,
            json!({"action": "return", "comment": formula}),
        )
        .await;
    assert!(back.status.is_success(), "{:?}", back.body);

    // A failed sign-in: whose, why, from where.
    let failed = s
        .get("/api/v1/audit?action=auth.sign_in_failed", &admin)
        .await;
    assert_eq!(failed.status, StatusCode::OK, "{:?}", failed.body);
    let f = &failed.body[0];
    assert_eq!(f["user"], "author");
    assert_eq!(f["comment"], "wrong password");
    assert_eq!(f["source"], "127.0.0.1");
    // Sign-ins, by user.
    let ins = s
        .get("/api/v1/audit?action=auth.sign_in&user=author", &admin)
        .await;
    assert_eq!(
        actions(&ins.body),
        ["auth.sign_in", "auth.sign_in_failed"],
        "newest first, one user's: {:?}",
        ins.body
    );
    // The role, on its site, by whom, from where.
    let roles = s.get("/api/v1/audit?action=role.", &admin).await;
    let r = roles
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["site"] == "so-tai-chinh")
        .unwrap_or_else(|| panic!("a role change on so-tai-chinh: {:?}", roles.body));
    assert_eq!(r["user"], "admin");
    assert_eq!(r["source"], "127.0.0.1");
    let tokens = s.get("/api/v1/audit?action=token.", &admin).await;
    assert_eq!(actions(&tokens.body), ["token.create"]);
    assert_eq!(tokens.body[0]["comment"], "API token 'sao lưu'");

    // Paging: newest first, `before` continues without overlap.
    let all = s.get("/api/v1/audit?limit=1000", &admin).await;
    let ids: Vec<i64> = all
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    let first = s.get("/api/v1/audit?limit=2", &admin).await;
    let last = first.body[1]["id"].as_i64().unwrap();
    let next = s
        .get(&format!("/api/v1/audit?limit=2&before={last}"), &admin)
        .await;
    assert_eq!(next.body[0]["id"].as_i64().unwrap(), ids[2]);

    // Bad filters are named; only network admins read the log.
    let bad = s.get("/api/v1/audit?since=hôm-qua", &admin).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["error"]["field"], "since");
    assert_eq!(
        s.get("/api/v1/audit", &author).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.get("/api/v1/audit/export", &author).await.status,
        StatusCode::FORBIDDEN
    );

    // The export holds every entry: CSV with a header, and JSON Lines.
    let csv = reqwest::Client::new()
        .get(format!("{}/api/v1/audit/export", s.base))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    let mut reader = csv_rows(&text);
    assert_eq!(reader.remove(0)[0], "id");
    assert_eq!(reader.len(), ids.len(), "one row per entry");
    assert!(reader
        .iter()
        .any(|r| r[5] == "auth.sign_in_failed" && r[10] == "127.0.0.1"));
    // No cell starts a formula in the admin's spreadsheet; the comment is kept, defused.
    assert!(reader.iter().any(|r| r[9] == format!("'{formula}")));
    assert!(reader
        .iter()
        .flatten()
        .all(|c| !c.starts_with(['=', '+', '-', '@'])));
    let jsonl = reqwest::Client::new()
        .get(format!("{}/api/v1/audit/export?format=jsonl", s.base))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), ids.len());
    assert_eq!(lines[0]["id"].as_i64().unwrap(), ids[0]);
    // Compressed on the way (a browser asks so), whole, and an empty page too.
    for query in ["", "?before=0"] {
        let gz = reqwest::Client::new()
            .get(format!("{}/api/v1/audit/export{query}", s.base))
            .header("accept-encoding", "gzip")
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(gz.headers()["content-encoding"], "gzip");
        let bytes = gz.bytes().await.expect("a whole body");
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text)
            .unwrap();
        let rows = csv_rows(&text).len();
        assert_eq!(rows, if query.is_empty() { ids.len() + 1 } else { 1 });
    }
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[tokio::test]
async fn a_tokens_scopes_bound_what_it_may_do() {
    let s = Server::start().await;
    let admin = s.login("admin").await;
    let make = |by: String, body: serde_json::Value| {
        let s = &s;
        async move { s.post("/api/v1/tokens", &by, body).await }
    };
    let read = make(
        admin.clone(),
        json!({"name": "chỉ đọc", "scopes": ["read"]}),
    )
    .await;
    assert_eq!(read.status, StatusCode::CREATED, "{:?}", read.body);
    assert_eq!(read.body["scopes"], json!(["read"]));
    let read = read.body["token"].as_str().unwrap().to_owned();
    let rw = make(admin.clone(), json!({"name": "đồng bộ"})).await;
    let rw = rw.body["token"].as_str().unwrap().to_owned();
    let full = make(
        admin.clone(),
        json!({"name": "quản trị", "scopes": ["read", "write", "admin"]}),
    )
    .await;
    assert_eq!(full.body["scopes"], json!(["read", "write", "admin"]));
    let full = full.body["token"].as_str().unwrap().to_owned();

    // A read token reads, and changes nothing, even as a network admin.
    assert_eq!(s.get("/api/v1/me", &read).await.status, StatusCode::OK);
    assert_eq!(
        s.get("/api/v1/sites/main/queue", &read).await.status,
        StatusCode::OK
    );
    let item = json!({"kind": "article", "fields": {"title": "Từ khóa chỉ đọc"}});
    let refused = s
        .post("/api/v1/sites/main/items", &read, item.clone())
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{:?}", refused.body);
    assert!(refused.body.to_string().contains("only read"));
    let gone = s
        .send("DELETE", "/api/v1/tokens/1", Some(&read), None)
        .await;
    assert_eq!(gone.status, StatusCode::FORBIDDEN);

    // A read-and-write token writes, but neither mints tokens nor changes accounts.
    assert_eq!(
        s.post("/api/v1/sites/main/items", &rw, item.clone())
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        make(rw.clone(), json!({"name": "thêm"})).await.status,
        StatusCode::FORBIDDEN
    );
    let patch = s
        .send(
            "PATCH",
            "/api/v1/users/author",
            Some(&rw),
            Some(json!({"disabled": true})),
        )
        .await;
    assert_eq!(patch.status, StatusCode::FORBIDDEN, "{:?}", patch.body);
    let pw = s
        .send(
            "PUT",
            "/api/v1/me/password",
            Some(&rw),
            Some(json!({"current": crate::support::PASSWORD, "new": "mot-mat-khau-moi-dai"})),
        )
        .await;
    assert_eq!(pw.status, StatusCode::FORBIDDEN);
    // An admin token may mint, never more than it has; unknown scopes are named.
    assert_eq!(
        make(full.clone(), json!({"name": "con", "scopes": ["read"]}))
            .await
            .status,
        StatusCode::CREATED
    );
    let bad = make(admin.clone(), json!({"name": "x", "scopes": ["sudo"]})).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["error"]["field"], "scopes");
}
