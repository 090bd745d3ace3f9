//! The three steps as docs/EDITING.md walks through them, over HTTP.

use crate::support::Server;
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test]
async fn author_editor_approver_publish_and_the_public_sees_it() {
    let s = Server::start().await;
    let (a, e, p) = (
        s.login("author").await,
        s.login("editor").await,
        s.login("approver").await,
    );
    let created = s
        .article(
            &a,
            "main",
            "Lào Cai khai trương Trung tâm điều hành thông minh",
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!(created.body["state"], "draft");
    assert_eq!(created.body["revision"], 1);
    let slug = created.body["slug"].as_str().unwrap().to_owned();
    assert_eq!(slug, "lao-cai-khai-truong-trung-tam-dieu-hanh-thong-minh");
    let id = created.body["id"].as_i64().unwrap();
    let public = format!("/api/v1/public/sites/main/items/{slug}");

    // The author cannot publish on their own, at any step.
    let r = s.act(&a, id, "publish").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("approver"),
        "{:?}",
        r.body
    );

    assert_eq!(s.act(&a, id, "submit").await.body["state"], "in_review");
    assert_eq!(
        s.send("GET", &public, None, None).await.status,
        StatusCode::NOT_FOUND
    );
    let queue = s.get("/api/v1/sites/main/queue", &e).await;
    assert!(
        queue.body.as_array().unwrap().iter().any(|q| q["id"] == id),
        "the editor's queue has it"
    );
    assert_eq!(s.act(&e, id, "forward").await.body["state"], "in_approval");
    assert_eq!(s.act(&a, id, "publish").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        s.send("GET", &public, None, None).await.status,
        StatusCode::NOT_FOUND
    );
    let published = s.act(&p, id, "publish").await;
    assert_eq!(published.body["state"], "published", "{:?}", published.body);

    let seen = s.send("GET", &public, None, None).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(
        seen.body["title"],
        "Lào Cai khai trương Trung tâm điều hành thông minh"
    );
    assert!(
        seen.body.get("state").is_none(),
        "the public sees nothing of the workflow"
    );

    let history = s.get(&format!("/api/v1/items/{id}/history"), &a).await.body;
    let steps: Vec<_> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["user"].as_str().unwrap().to_owned(),
                h["action"].as_str().unwrap().to_owned(),
                h["to_state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expect = [
        ("author", "create", "draft"),
        ("author", "submit", "in_review"),
        ("editor", "forward", "in_approval"),
        ("approver", "publish", "published"),
    ];
    assert_eq!(
        steps,
        expect.map(|(u, a, t)| (u.to_owned(), a.to_owned(), t.to_owned()))
    );
}

#[tokio::test]
async fn returning_needs_a_comment_and_the_comment_is_kept() {
    let s = Server::start().await;
    let (a, e) = (s.login("author").await, s.login("editor").await);
    let id = s.article(&a, "main", "Bài cần sửa").await.body["id"]
        .as_i64()
        .unwrap();
    s.act(&a, id, "submit").await;
    let bare = s
        .post(
            &format!("/api/v1/items/{id}/transitions"),
            &e,
            json!({"action": "return"}),
        )
        .await;
    assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        (bare.code(), bare.body["error"]["field"].as_str()),
        ("required", Some("comment"))
    );
    let back = s
        .post(
            &format!("/api/v1/items/{id}/transitions"),
            &e,
            json!({"action": "return", "comment": "Thiếu nguồn tin."}),
        )
        .await;
    assert_eq!(back.body["state"], "draft");
    let history = s.get(&format!("/api/v1/items/{id}/history"), &a).await.body;
    assert_eq!(
        history.as_array().unwrap().last().unwrap()["comment"],
        "Thiếu nguồn tin."
    );
    // The author edits and resubmits; revisions keep both versions.
    let saved = s
        .send("PUT", &format!("/api/v1/items/{id}"), Some(&a), Some(json!({"base_revision": 1, "fields": {"title": "Bài đã sửa", "source": "Sở Tài chính"}})))
        .await;
    assert_eq!(saved.body["revision"], 2, "{:?}", saved.body);
    let revisions = s
        .get(&format!("/api/v1/items/{id}/revisions"), &a)
        .await
        .body;
    assert_eq!(revisions.as_array().unwrap().len(), 2);
    let first = s
        .get(&format!("/api/v1/items/{id}/revisions/1"), &a)
        .await
        .body;
    assert_eq!(first["fields"]["title"], "Bài cần sửa");
}

#[tokio::test]
async fn a_stale_save_gets_409_with_the_current_revision() {
    let s = Server::start().await;
    let a = s.login("author").await;
    let id = s.article(&a, "main", "Hai người cùng sửa").await.body["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/items/{id}");
    let first = s
        .send(
            "PUT",
            &path,
            Some(&a),
            Some(json!({"base_revision": 1, "fields": {"title": "Bản A"}})),
        )
        .await;
    assert_eq!(first.status, StatusCode::OK);
    let second = s
        .send(
            "PUT",
            &path,
            Some(&a),
            Some(json!({"base_revision": 1, "fields": {"title": "Bản B"}})),
        )
        .await;
    assert_eq!(second.status, StatusCode::CONFLICT);
    assert_eq!(second.code(), "stale_revision");
    assert_eq!(second.body["error"]["current_revision"], 2);
    assert_eq!(
        s.get(&path, &a).await.body["title"],
        "Bản A",
        "nothing was overwritten"
    );
}

#[tokio::test]
async fn a_scheduled_item_is_published_by_the_scheduler_when_due() {
    let s = Server::start().await;
    let (a, e, p) = (
        s.login("author").await,
        s.login("editor").await,
        s.login("approver").await,
    );
    let created = s.article(&a, "main", "Đăng theo lịch").await.body;
    let id = created["id"].as_i64().unwrap();
    s.act(&a, id, "submit").await;
    s.act(&e, id, "forward").await;
    let past = s
        .post(
            &format!("/api/v1/items/{id}/transitions"),
            &p,
            json!({"action": "schedule", "at": "2020-01-01T00:00:00+07:00"}),
        )
        .await;
    assert_eq!(
        (past.status, past.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_date")
    );
    let at = (chrono::Utc::now() + chrono::Duration::milliseconds(800)).to_rfc3339();
    let r = s
        .post(
            &format!("/api/v1/items/{id}/transitions"),
            &p,
            json!({"action": "schedule", "at": at}),
        )
        .await;
    assert_eq!(r.body["state"], "scheduled", "{:?}", r.body);
    let public = format!(
        "/api/v1/public/sites/main/items/{}",
        created["slug"].as_str().unwrap()
    );
    assert_eq!(
        s.send("GET", &public, None, None).await.status,
        StatusCode::NOT_FOUND
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if s.send("GET", &public, None, None).await.status == StatusCode::OK {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the scheduler never published the item"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        s.get(&format!("/api/v1/items/{id}"), &a).await.body["state"],
        "published"
    );
}

#[tokio::test]
async fn editing_a_published_item_keeps_the_public_version_until_republished() {
    let s = Server::start().await;
    let (a, e, p) = (
        s.login("author").await,
        s.login("editor").await,
        s.login("approver").await,
    );
    let created = s.article(&a, "main", "Phiên bản một").await.body;
    let id = created["id"].as_i64().unwrap();
    for (t, action) in [(&a, "submit"), (&e, "forward"), (&p, "publish")] {
        s.act(t, id, action).await;
    }
    let public = format!(
        "/api/v1/public/sites/main/items/{}",
        created["slug"].as_str().unwrap()
    );
    let edit = s
        .send(
            "PUT",
            &format!("/api/v1/items/{id}"),
            Some(&a),
            Some(json!({"base_revision": 1, "fields": {"title": "Phiên bản hai"}})),
        )
        .await;
    assert_eq!(
        (edit.body["state"].as_str(), edit.body["live"].as_bool()),
        (Some("draft"), Some(true))
    );
    assert_eq!(
        s.send("GET", &public, None, None).await.body["title"],
        "Phiên bản một"
    );
    // An urgent withdrawal does not wait for the pending edit.
    let withdrawn = s.act(&p, id, "unpublish").await;
    assert_eq!(
        (
            withdrawn.body["state"].as_str(),
            withdrawn.body["live"].as_bool()
        ),
        (Some("draft"), Some(false))
    );
    assert_eq!(
        s.send("GET", &public, None, None).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn admins_manage_channels_users_and_roles() {
    let s = Server::start().await;
    let (admin, sa, author) = (
        s.login("admin").await,
        s.login("siteadmin").await,
        s.login("author").await,
    );
    let ch = s
        .post(
            "/api/v1/sites/main/channels",
            &sa,
            json!({"name": "Chuyển đổi số", "parent": "tin-tuc-su-kien"}),
        )
        .await;
    assert_eq!(ch.status, StatusCode::CREATED, "{:?}", ch.body);
    assert_eq!(ch.body["slug"], "chuyen-doi-so");
    let moved = s
        .send(
            "PATCH",
            "/api/v1/sites/main/channels/chuyen-doi-so",
            Some(&sa),
            Some(
                json!({"parent": null, "position": 0, "name": "Chuyển đổi số – Đô thị thông minh"}),
            ),
        )
        .await;
    assert_eq!(
        (moved.status, moved.body["parent_id"].clone()),
        (StatusCode::OK, serde_json::Value::Null)
    );
    assert_eq!(
        s.send(
            "DELETE",
            "/api/v1/sites/main/channels/chuyen-doi-so",
            Some(&sa),
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let busy_item = s.article(&author, "main", "Giữ chuyên mục").await;
    assert_eq!(busy_item.status, StatusCode::CREATED);
    let busy = s
        .send(
            "DELETE",
            "/api/v1/sites/main/channels/tin-tuc-su-kien",
            Some(&sa),
            None,
        )
        .await;
    assert_eq!(
        (busy.status, busy.code()),
        (StatusCode::CONFLICT, "channel_not_empty")
    );

    // Site admins grant roles on their own site only; network admins create users.
    let user = s.post("/api/v1/users", &admin, json!({"username": "phongvien", "password": crate::support::PASSWORD, "display_name": "Phóng viên mới"})).await;
    assert_eq!(user.status, StatusCode::CREATED, "{:?}", user.body);
    assert!(user.body.get("password_hash").is_none());
    assert_eq!(
        s.post(
            "/api/v1/users",
            &sa,
            json!({"username": "x2", "password": "mat-khau-moi-1"})
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let dup = s
        .post(
            "/api/v1/users",
            &admin,
            json!({"username": "phongvien", "password": "mat-khau-moi-1"}),
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert_eq!(
        s.post(
            "/api/v1/sites/main/roles",
            &sa,
            json!({"username": "phongvien", "role": "author"})
        )
        .await
        .status,
        StatusCode::CREATED
    );
    assert_eq!(
        s.post(
            "/api/v1/sites/so-tai-chinh/roles",
            &sa,
            json!({"username": "phongvien", "role": "author"})
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let token = s.login("phongvien").await;
    assert_eq!(
        s.article(&token, "main", "Bài đầu tay").await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        s.send(
            "DELETE",
            "/api/v1/sites/main/roles/phongvien/author",
            Some(&sa),
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        s.article(&token, "main", "Bài thứ hai").await.status,
        StatusCode::FORBIDDEN
    );
    let me = s.get("/api/v1/me", &token).await;
    assert_eq!(me.body["roles"], json!([]));
    // Logging out ends the token.
    assert_eq!(
        s.send("POST", "/api/v1/auth/logout", Some(&token), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        s.get("/api/v1/me", &token).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn patch_changes_the_fields_it_names_and_put_replaces_the_item() {
    let s = Server::start().await;
    let a = s.login("author").await;
    let created = s
        .post(
            "/api/v1/sites/main/items",
            &a,
            json!({"kind": "article", "channels": ["tin-tuc-su-kien"],
                   "fields": {"title": "Tiêu đề cũ", "summary": "Tóm tắt giữ nguyên.", "body": "Nội dung **giữ nguyên**."}}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let path = format!("/api/v1/items/{}", created.body["id"]);
    let patch = |base: u32, fields: serde_json::Value| {
        s.send(
            "PATCH",
            &path,
            Some(&a),
            Some(json!({"base_revision": base, "fields": fields})),
        )
    };

    let patched = patch(1, json!({"title": "Tiêu đề mới"})).await;
    assert_eq!(patched.status, StatusCode::OK, "{:?}", patched.body);
    assert_eq!(patched.body["revision"], 2);
    assert_eq!(patched.body["fields"]["title"], "Tiêu đề mới");
    assert_eq!(patched.body["fields"]["summary"], "Tóm tắt giữ nguyên.");
    assert_eq!(patched.body["fields"]["body"], "Nội dung **giữ nguyên**.");

    // The same base again is stale, as with PUT, and writes nothing.
    let stale = patch(1, json!({"title": "Bản khác"})).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(stale.code(), "stale_revision");
    assert_eq!(stale.body["error"]["current_revision"], 2);

    // `null` removes a field; the rest stay.
    let removed = patch(2, json!({"summary": null})).await;
    assert_eq!(removed.status, StatusCode::OK, "{:?}", removed.body);
    assert!(removed.body["fields"]["summary"]
        .as_str()
        .unwrap_or_default()
        .is_empty());
    assert_eq!(removed.body["fields"]["body"], "Nội dung **giữ nguyên**.");

    // The merged item is checked like any save: a bad field is refused by name.
    let bad = patch(3, json!({"khong_co": 1})).await;
    assert_eq!(bad.status.as_u16() / 100, 4, "{:?}", bad.body);
    assert_eq!(
        bad.body["error"]["field"], "fields.khong_co",
        "{:?}",
        bad.body
    );
    let not_object = patch(3, json!(["title"])).await;
    assert_eq!(not_object.status, StatusCode::BAD_REQUEST);
    assert_eq!(not_object.body["error"]["field"], "fields");

    // PUT is a full replacement: what it leaves out is emptied.
    let put = s
        .send(
            "PUT",
            &path,
            Some(&a),
            Some(json!({"base_revision": 3, "fields": {"title": "Thay toàn bộ"}})),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{:?}", put.body);
    assert!(put.body["fields"]["body"]
        .as_str()
        .unwrap_or_default()
        .is_empty());

    // Someone without a role on the site cannot patch.
    let other = s.login("outsider").await;
    let refused = s
        .send(
            "PATCH",
            &path,
            Some(&other),
            Some(json!({"base_revision": 4, "fields": {"title": "x"}})),
        )
        .await;
    assert!(
        matches!(refused.status.as_u16(), 403 | 404),
        "{:?}",
        refused.status
    );
}
