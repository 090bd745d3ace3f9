//! A component portal proposes a published item to the main portal.

use crate::support::Server;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_proposal_enters_the_parents_queue_as_a_linked_copy_and_is_flagged_when_the_source_changes(
) {
    let s = Server::start().await;
    let admin = s.login("admin").await;
    // The approver of so-tai-chinh holds no role on main.
    let r = s
        .post(
            "/api/v1/users",
            &admin,
            json!({"username": "duyet-stc", "password": crate::support::PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    for role in ["author", "approver"] {
        s.post(
            "/api/v1/sites/so-tai-chinh/roles",
            &admin,
            json!({"username": "duyet-stc", "role": role}),
        )
        .await;
    }
    let stc = s.login("duyet-stc").await;
    let created = s
        .article(
            &stc,
            "so-tai-chinh",
            "Sở Tài chính công khai ngân sách quý III",
        )
        .await
        .body;
    let id = created["id"].as_i64().unwrap();
    let propose = |token: String, parent: &'static str| {
        let s = &s;
        async move {
            s.post(
                &format!("/api/v1/items/{id}/propose"),
                &token,
                json!({"parent": parent}),
            )
            .await
        }
    };
    let early = propose(stc.clone(), "main").await;
    assert_eq!(
        (early.status, early.code()),
        (StatusCode::CONFLICT, "not_published")
    );
    s.act(&stc, id, "submit").await;
    s.act(&admin, id, "forward").await;
    s.act(&stc, id, "publish").await;
    let author = s.login("author").await;
    assert_eq!(
        propose(author, "main").await.status,
        StatusCode::FORBIDDEN,
        "an author of main holds no role on so-tai-chinh"
    );
    let wrong = propose(stc.clone(), "so-tai-chinh").await;
    assert_eq!(
        (wrong.status, wrong.body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("parent"))
    );

    let copy = propose(stc.clone(), "main").await;
    assert_eq!(copy.status, StatusCode::CREATED, "{:?}", copy.body);
    assert_eq!(copy.body["site"], "main");
    assert_eq!(copy.body["state"], "in_review");
    assert_eq!(copy.body["source"]["id"], id);
    assert_eq!(copy.body["source"]["site"], "so-tai-chinh");
    assert_eq!(copy.body["channels"], json!(["tin-tuc-su-kien"]));
    let copy_id = copy.body["id"].as_i64().unwrap();
    assert_eq!(
        propose(stc.clone(), "main").await.code(),
        "already_proposed"
    );

    // It waits in main's review queue and goes through main's own steps.
    let editor = s.login("editor").await;
    let queue = s
        .get("/api/v1/sites/main/queue?state=in_review", &editor)
        .await
        .body;
    let entry = queue
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["id"] == copy_id)
        .expect("in main's queue");
    assert_eq!(entry["proposed"], true);
    assert_eq!(
        s.act(&stc, copy_id, "forward").await.status,
        StatusCode::FORBIDDEN,
        "the proposer has no say on main"
    );
    s.act(&editor, copy_id, "forward").await;
    let approver = s.login("approver").await;
    assert_eq!(
        s.act(&approver, copy_id, "publish").await.body["state"],
        "published"
    );
    let public = s
        .send(
            "GET",
            &format!(
                "/api/v1/public/sites/main/items/{}",
                copy.body["slug"].as_str().unwrap()
            ),
            None,
            None,
        )
        .await;
    assert_eq!(
        public.body["title"],
        "Sở Tài chính công khai ngân sách quý III"
    );

    // The source is published anew: the copy is flagged for re-review.
    s.send("PUT", &format!("/api/v1/items/{id}"), Some(&stc), Some(json!({"base_revision": 1, "fields": {"title": "Sở Tài chính công khai ngân sách quý III (đính chính)"}}))).await;
    s.act(&stc, id, "submit").await;
    s.act(&admin, id, "forward").await;
    s.act(&stc, id, "publish").await;
    let flagged = s
        .get(&format!("/api/v1/items/{copy_id}"), &editor)
        .await
        .body;
    assert_eq!(flagged["source_changed"], true, "{flagged}");
    let history = s
        .get(&format!("/api/v1/items/{copy_id}/history"), &editor)
        .await
        .body;
    assert_eq!(history[0]["action"], "propose");
    assert!(history[0]["comment"]
        .as_str()
        .unwrap()
        .contains("so-tai-chinh"));
}
