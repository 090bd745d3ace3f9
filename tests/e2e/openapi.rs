//! The OpenAPI description is complete and true: every route of the router is described, and
//! real answers from the running server (successes and errors) match the documented status
//! codes and schemas.

use crate::support::{Server, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeSet;

#[tokio::test]
async fn every_route_is_described_and_nothing_else() {
    let spec: Value = serde_json::from_str(portico_api::OPENAPI).unwrap();
    let mut routed = BTreeSet::new();
    for (path, methods) in portico_api::api_routes() {
        for m in methods {
            routed.insert((path.clone(), m.as_str().to_lowercase()));
        }
    }
    let mut described = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            described.insert((path.clone(), method.clone()));
        }
    }
    let undescribed: Vec<_> = routed.difference(&described).collect();
    assert!(
        undescribed.is_empty(),
        "routes missing from openapi.json: {undescribed:?}"
    );
    let phantom: Vec<_> = described.difference(&routed).collect();
    assert!(phantom.is_empty(), "described but not routed: {phantom:?}");
    assert!(routed.len() >= 40, "{}", routed.len());

    // Every reference resolves, and every schema compiles.
    let text = portico_api::OPENAPI;
    let prefix = "\"$ref\": \"#/components/schemas/";
    for (i, _) in text.match_indices(prefix) {
        let rest = &text[i + prefix.len()..];
        let name = &rest[..rest.find('"').unwrap()];
        assert!(
            spec["components"]["schemas"][name].is_object(),
            "dangling $ref {name}"
        );
    }
    for name in spec["components"]["schemas"].as_object().unwrap().keys() {
        validator(
            &spec,
            &json!({"$ref": format!("#/components/schemas/{name}")}),
        );
    }
}

fn validator(spec: &Value, schema: &Value) -> jsonschema::Validator {
    let mut root = schema.clone();
    root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    root["components"] = spec["components"].clone();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&root)
        .unwrap_or_else(|e| panic!("schema {schema} does not compile: {e}"))
}

/// Sends requests and checks each answer against the operation it hit.
struct Checker {
    s: Server,
    spec: Value,
    covered: BTreeSet<(String, String)>,
}

impl Checker {
    async fn call(
        &mut self,
        method: &str,
        template: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> crate::support::Reply {
        let r = self.s.send(method, path, token, body).await;
        self.check(method, template, path, &r);
        r
    }

    fn check(&mut self, method: &str, template: &str, path: &str, r: &crate::support::Reply) {
        let m = method.to_lowercase();
        let op = &self.spec["paths"][template][&m];
        assert!(op.is_object(), "{method} {template} is not described");
        let status = r.status.as_u16().to_string();
        let resp = &op["responses"][&status];
        assert!(
            resp.is_object(),
            "{method} {path} answered {status}, which {template} does not document: {:?}",
            r.body
        );
        if let Some(schema) = resp["content"]
            .get("application/json")
            .map(|c| &c["schema"])
        {
            let v = validator(&self.spec, schema);
            let errors: Vec<String> = v
                .iter_errors(&r.body)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .take(5)
                .collect();
            assert!(
                errors.is_empty(),
                "{method} {path} ({status}) does not match its schema: {errors:#?}\nbody: {}",
                r.body
            );
        } else {
            assert!(
                r.body.is_null() || !resp["content"].is_object(),
                "{method} {path}: a JSON body where none is documented"
            );
        }
        self.covered.insert((template.to_owned(), m));
    }

    /// Sends a multipart upload of `bytes` named `name` and checks the answer.
    async fn upload(
        &mut self,
        method: &str,
        template: &str,
        path: &str,
        token: &str,
        name: &str,
        bytes: Vec<u8>,
    ) -> crate::support::Reply {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
        let method_ = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let r = self
            .s
            .http
            .request(method_, format!("{}{path}", self.s.base))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let reply = crate::support::Reply {
            status: r.status(),
            headers: r.headers().clone(),
            body: r.json().await.unwrap_or(Value::Null),
        };
        self.check(method, template, path, &reply);
        reply
    }
}

fn small_jpeg() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(40, 30, image::Rgb([200, 30, 30]));
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&img)
        .unwrap();
    out
}

#[tokio::test]
async fn real_answers_match_the_documented_statuses_and_schemas() {
    let s = Server::start().await;
    let spec: Value = serde_json::from_str(portico_api::OPENAPI).unwrap();
    let served = s.send("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(served.body, spec, "the served description is the file");
    let mut c = Checker {
        s,
        spec,
        covered: BTreeSet::new(),
    };

    let login = "/api/v1/auth/login";
    let bad = c
        .call(
            "POST",
            login,
            login,
            None,
            Some(json!({"username": "admin", "password": "sai"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    let r = c
        .call(
            "POST",
            login,
            login,
            None,
            Some(json!({"username": "admin", "password": PASSWORD})),
        )
        .await;
    let admin = r.body["token"].as_str().unwrap().to_owned();
    let author = c.s.login("author").await;
    let a = Some(admin.as_str());
    c.call("GET", "/api/v1/me", "/api/v1/me", Some(&author), None)
        .await;
    c.call("GET", "/api/v1/me", "/api/v1/me", None, None).await;

    // The network.
    c.call("GET", "/api/v1/audit", "/api/v1/audit?limit=5", a, None)
        .await;
    c.call("GET", "/api/v1/audit", "/api/v1/audit", Some(&author), None)
        .await;
    c.call("GET", "/api/v1/audit", "/api/v1/audit?limit=x", a, None)
        .await;
    c.call(
        "GET",
        "/api/v1/audit",
        "/api/v1/audit?action=auth.&user=admin&since=2020-01-01",
        a,
        None,
    )
    .await;
    c.call(
        "GET",
        "/api/v1/audit",
        "/api/v1/audit?since=yesterday",
        a,
        None,
    )
    .await;
    c.call("GET", "/api/v1/audit", "/api/v1/audit?user=nobody", a, None)
        .await;
    let csv = c
        .call(
            "GET",
            "/api/v1/audit/export",
            "/api/v1/audit/export",
            a,
            None,
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    c.call(
        "GET",
        "/api/v1/audit/export",
        "/api/v1/audit/export?format=xml",
        a,
        None,
    )
    .await;
    c.call(
        "GET",
        "/api/v1/audit/export",
        "/api/v1/audit/export",
        Some(&author),
        None,
    )
    .await;

    // API tokens.
    let made = c
        .call(
            "POST",
            "/api/v1/tokens",
            "/api/v1/tokens",
            Some(&author),
            Some(json!({"name": "đồng bộ cổng tỉnh", "expires_at": "2099-01-01T00:00:00+07:00"})),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    c.call(
        "POST",
        "/api/v1/tokens",
        "/api/v1/tokens",
        Some(&author),
        Some(json!({"name": "", "expires_at": "2001-01-01T00:00:00Z"})),
    )
    .await;
    c.call(
        "GET",
        "/api/v1/tokens",
        "/api/v1/tokens",
        Some(&author),
        None,
    )
    .await;
    c.call("GET", "/api/v1/tokens", "/api/v1/tokens", None, None)
        .await;
    let path = format!("/api/v1/tokens/{}", made.body["id"]);
    c.call("DELETE", "/api/v1/tokens/{id}", &path, Some(&author), None)
        .await;
    c.call("DELETE", "/api/v1/tokens/{id}", &path, Some(&author), None)
        .await;
    c.call("GET", "/api/v1/users", "/api/v1/users", a, None)
        .await;
    c.call("GET", "/api/v1/users", "/api/v1/users", Some(&author), None)
        .await;
    let r = c
        .call("POST", "/api/v1/users", "/api/v1/users", a,
            Some(json!({"username": "bientapvien", "password": PASSWORD, "display_name": "Biên tập viên"})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let u = "/api/v1/users/{username}";
    let r = c
        .call(
            "PATCH",
            u,
            "/api/v1/users/bientapvien",
            a,
            Some(json!({"disabled": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = c
        .call(
            "PATCH",
            u,
            "/api/v1/users/bientapvien",
            a,
            Some(json!({"disabled": false, "password": "Cây tre trăm đốt 2026"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    c.call(
        "PATCH",
        u,
        "/api/v1/users/bientapvien",
        a,
        Some(json!({"password": "password123"})),
    )
    .await;
    c.call(
        "PATCH",
        u,
        "/api/v1/users/khong-co",
        a,
        Some(json!({"disabled": true})),
    )
    .await;
    c.call(
        "PATCH",
        u,
        "/api/v1/users/bientapvien",
        Some(&author),
        Some(json!({"disabled": true})),
    )
    .await;
    let p = "/api/v1/me/password";
    let mine = c.s.login("author2").await;
    c.call(
        "PUT",
        p,
        p,
        Some(&mine),
        Some(json!({"current": "sai", "new": "Một mật khẩu dài 2026"})),
    )
    .await;
    let r = c
        .call(
            "PUT",
            p,
            p,
            Some(&mine),
            Some(json!({"current": PASSWORD, "new": "Một mật khẩu dài 2026"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    c.call("GET", "/api/v1/sites", "/api/v1/sites", a, None)
        .await;
    let st = "/api/v1/sites/{site}/settings";
    let r = c
        .call("PUT", st, "/api/v1/sites/main/settings", a,
            Some(json!({"color": "#8b1a1a", "agency": "Ủy ban nhân dân tỉnh Lào Cai", "responsible": "Chánh Văn phòng",
                        "licence": "Giấy phép số 12/GP-TTĐT ngày 05/3/2024", "public_service_url": "https://dichvucong.laocai.gov.vn",
                        "home_channels": ["tin-tuc-su-kien"], "home_items": 4})))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["settings"]["home_items"], 4);
    c.call(
        "PUT",
        st,
        "/api/v1/sites/main/settings",
        a,
        Some(json!({"color": "red"})),
    )
    .await;
    c.call(
        "PUT",
        st,
        "/api/v1/sites/main/settings",
        Some(&author),
        Some(json!({})),
    )
    .await;
    let r = c
        .call("POST", "/api/v1/sites", "/api/v1/sites", a,
            Some(json!({"slug": "xa-coc-san", "name": "Xã Cốc San", "kind": "commune", "parent": "so-tai-chinh"})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = c
        .call(
            "POST",
            "/api/v1/sites",
            "/api/v1/sites",
            a,
            Some(
                json!({"slug": "xa-coc-san", "name": "Trùng", "kind": "commune", "parent": "main"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    c.call(
        "POST",
        "/api/v1/sites",
        "/api/v1/sites",
        a,
        Some(json!({"slug": "x", "name": "X", "kind": "moon"})),
    )
    .await;
    c.call("GET", "/api/v1/sites/{site}", "/api/v1/sites/main", a, None)
        .await;
    c.call(
        "GET",
        "/api/v1/sites/{site}",
        "/api/v1/sites/khong-co",
        a,
        None,
    )
    .await;

    let ch = "/api/v1/sites/{site}/channels";
    c.call("GET", ch, "/api/v1/sites/main/channels", a, None)
        .await;
    let r = c
        .call(
            "POST",
            ch,
            "/api/v1/sites/main/channels",
            a,
            Some(json!({"name": "Thông báo"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    c.call(
        "POST",
        ch,
        "/api/v1/sites/main/channels",
        Some(&author),
        Some(json!({"name": "Khác"})),
    )
    .await;
    let one = "/api/v1/sites/{site}/channels/{channel}";
    let r = c
        .call(
            "PATCH",
            one,
            "/api/v1/sites/main/channels/thong-bao",
            a,
            Some(json!({"name": "Thông báo mới", "position": 5})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    c.call(
        "PATCH",
        one,
        "/api/v1/sites/main/channels/thong-bao",
        a,
        Some(json!({"ten": "x"})),
    )
    .await;
    c.call(
        "DELETE",
        one,
        "/api/v1/sites/main/channels/khong-co",
        a,
        None,
    )
    .await;
    let r = c
        .call(
            "DELETE",
            one,
            "/api/v1/sites/main/channels/thong-bao",
            a,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);

    let roles = "/api/v1/sites/{site}/roles";
    c.call("GET", roles, "/api/v1/sites/main/roles", a, None)
        .await;
    let r = c
        .call(
            "POST",
            roles,
            "/api/v1/sites/main/roles",
            a,
            Some(json!({"username": "bientapvien", "role": "editor"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    c.call(
        "POST",
        roles,
        "/api/v1/sites/main/roles",
        a,
        Some(json!({"username": "bientapvien", "role": "editor"})),
    )
    .await;
    c.call(
        "POST",
        roles,
        "/api/v1/sites/main/roles",
        a,
        Some(json!({"username": "bientapvien", "role": "vua"})),
    )
    .await;
    let revoke = "/api/v1/sites/{site}/roles/{username}/{role}";
    let r = c
        .call(
            "DELETE",
            revoke,
            "/api/v1/sites/main/roles/bientapvien/editor",
            a,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);

    // Webhooks.
    let hooks = "/api/v1/sites/{site}/webhooks";
    let r = c.call("POST", hooks, "/api/v1/sites/main/webhooks", a,
        Some(json!({"url": "http://203.0.113.9:9/hook", "kinds": ["document"], "descendants": true}))).await;
    assert_eq!(r.status, StatusCode::CREATED);
    // An internal address is refused, with the error shape.
    c.call(
        "POST",
        hooks,
        "/api/v1/sites/main/webhooks",
        a,
        Some(json!({"url": "http://127.0.0.1:9/hook"})),
    )
    .await;
    let hook = r.body["id"].as_i64().unwrap();
    c.call(
        "POST",
        hooks,
        "/api/v1/sites/main/webhooks",
        a,
        Some(json!({"url": "gopher://x"})),
    )
    .await;
    c.call("GET", hooks, "/api/v1/sites/main/webhooks", a, None)
        .await;
    c.call(
        "GET",
        hooks,
        "/api/v1/sites/main/webhooks",
        Some(&author),
        None,
    )
    .await;
    let one = "/api/v1/sites/{site}/webhooks/{id}";
    c.call(
        "GET",
        one,
        &format!("/api/v1/sites/main/webhooks/{hook}"),
        a,
        None,
    )
    .await;
    let resume = "/api/v1/sites/{site}/webhooks/{id}/resume";
    c.call(
        "POST",
        resume,
        &format!("/api/v1/sites/main/webhooks/{hook}/resume"),
        a,
        None,
    )
    .await;
    c.call(
        "POST",
        resume,
        &format!("/api/v1/sites/main/webhooks/{hook}/resume"),
        Some(&author),
        None,
    )
    .await;
    let log = "/api/v1/sites/{site}/webhooks/{id}/deliveries";
    c.call(
        "GET",
        log,
        &format!("/api/v1/sites/main/webhooks/{hook}/deliveries?limit=5"),
        a,
        None,
    )
    .await;
    c.call(
        "GET",
        log,
        &format!("/api/v1/sites/main/webhooks/{hook}/deliveries?limit=nhieu"),
        a,
        None,
    )
    .await;

    // Items through the workflow.
    let create = "/api/v1/sites/{site}/items";
    let r = c.call("POST", create, "/api/v1/sites/main/items", Some(&author), Some(json!({"kind": "document", "channels": ["tin-tuc-su-kien"],
        "fields": {"number": "3055/QĐ-UBND", "doc_type": "Quyết định", "issuer": "UBND tỉnh Lào Cai", "issued_on": "2018-10-02",
                   "status": "in_force", "title": "Ban hành Kiến trúc Chính quyền điện tử", "body": "**Điều 1.** Ban hành."}}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let id = r.body["id"].as_i64().unwrap();
    let slug = r.body["slug"].as_str().unwrap().to_owned();
    c.call(
        "POST",
        create,
        "/api/v1/sites/main/items",
        Some(&author),
        Some(json!({"kind": "video", "channels": [], "fields": {}})),
    )
    .await;
    c.call(
        "POST",
        create,
        "/api/v1/sites/main/items",
        Some(&author),
        Some(json!({"kind": "article", "channels": [], "fields": {"title": "x"}, "thua": 1})),
    )
    .await;
    let big = "x".repeat(5 * 1024 * 1024);
    c.call(
        "POST",
        create,
        "/api/v1/sites/main/items",
        Some(&author),
        Some(json!({"kind": "article", "channels": [], "fields": {"title": big}})),
    )
    .await;
    let item = "/api/v1/items/{id}";
    let path = format!("/api/v1/items/{id}");
    c.call("GET", item, &path, Some(&author), None).await;
    let r = c.call("PUT", item, &path, Some(&author), Some(json!({"base_revision": 1, "fields": {"number": "3055/QĐ-UBND", "doc_type": "Quyết định",
        "issuer": "UBND tỉnh Lào Cai", "issued_on": "2018-10-02", "status": "in_force", "title": "Ban hành Kiến trúc Chính quyền điện tử tỉnh Lào Cai"}}))).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = c
        .call(
            "PUT",
            item,
            &path,
            Some(&author),
            Some(json!({"base_revision": 1, "fields": {"title": "cũ"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = c
        .call(
            "PATCH",
            item,
            &path,
            Some(&author),
            Some(json!({"base_revision": 2, "fields": {"field": "Công nghệ thông tin"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = c
        .call(
            "PATCH",
            item,
            &path,
            Some(&author),
            Some(json!({"base_revision": 3, "fields": "không phải đối tượng"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let tr = "/api/v1/items/{id}/transitions";
    let tpath = format!("{path}/transitions");
    c.call(
        "POST",
        tr,
        &tpath,
        Some(&author),
        Some(json!({"action": "publish"})),
    )
    .await;
    for action in ["submit", "forward", "publish"] {
        let who = if action == "submit" {
            author.as_str()
        } else {
            admin.as_str()
        };
        let r = c
            .call(
                "POST",
                tr,
                &tpath,
                Some(who),
                Some(json!({"action": action})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{action}");
    }
    c.call("POST", tr, &tpath, a, Some(json!({"action": "forward"})))
        .await;
    c.call(
        "GET",
        "/api/v1/items/{id}/revisions",
        &format!("{path}/revisions"),
        a,
        None,
    )
    .await;
    c.call(
        "GET",
        "/api/v1/items/{id}/revisions/{rev}",
        &format!("{path}/revisions/2"),
        a,
        None,
    )
    .await;
    c.call(
        "GET",
        "/api/v1/items/{id}/revisions/{rev}",
        &format!("{path}/revisions/9"),
        a,
        None,
    )
    .await;
    c.call(
        "GET",
        "/api/v1/items/{id}/history",
        &format!("{path}/history"),
        a,
        None,
    )
    .await;
    c.call(
        "GET",
        "/api/v1/sites/{site}/queue",
        "/api/v1/sites/main/queue",
        Some(&author),
        None,
    )
    .await;
    c.call(
        "GET",
        "/api/v1/sites/{site}/queue",
        "/api/v1/sites/main/queue?state=in_review&limit=5",
        a,
        None,
    )
    .await;
    c.call(
        "GET",
        "/api/v1/sites/{site}/queue",
        "/api/v1/sites/main/queue?state=dang-cho",
        a,
        None,
    )
    .await;

    // A department's item proposed to the main portal.
    let dept =
        c.s.publish(&admin, "so-tai-chinh", "Công khai ngân sách quý III")
            .await;
    let pr = "/api/v1/items/{id}/propose";
    let r = c
        .call(
            "POST",
            pr,
            &format!("/api/v1/items/{}/propose", dept["id"]),
            a,
            Some(json!({"parent": "main"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    c.call(
        "POST",
        pr,
        &format!("/api/v1/items/{}/propose", dept["id"]),
        Some(&author),
        Some(json!({"parent": "main"})),
    )
    .await;

    // The delivery API.
    c.call(
        "GET",
        "/api/v1/public/sites",
        "/api/v1/public/sites",
        None,
        None,
    )
    .await;
    c.call(
        "GET",
        "/api/v1/public/sites/{site}/channels",
        "/api/v1/public/sites/main/channels",
        None,
        None,
    )
    .await;
    c.call(
        "GET",
        "/api/v1/public/sites/{site}/channels",
        "/api/v1/public/sites/khong-co/channels",
        None,
        None,
    )
    .await;
    let list = "/api/v1/public/sites/{site}/items";
    let r = c
        .call(
            "GET",
            list,
            "/api/v1/public/sites/main/items?kind=document&limit=1",
            None,
            None,
        )
        .await;
    assert_eq!(r.body["items"][0]["fields"]["number"], "3055/QĐ-UBND");
    c.call(
        "GET",
        list,
        "/api/v1/public/sites/main/items?year=hai-nghin",
        None,
        None,
    )
    .await;
    let pi = "/api/v1/public/sites/{site}/items/{slug}";
    let r = c
        .call(
            "GET",
            pi,
            &format!("/api/v1/public/sites/main/items/{slug}"),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let etag = r.headers["etag"].to_str().unwrap().to_owned();
    let not_modified =
        c.s.http
            .get(format!(
                "{}/api/v1/public/sites/main/items/{slug}",
                c.s.base
            ))
            .header("if-none-match", etag)
            .send()
            .await
            .unwrap();
    assert_eq!(not_modified.status(), StatusCode::NOT_MODIFIED);
    assert!(c.spec["paths"][pi]["get"]["responses"]["304"].is_object());
    let draft = c.s.article(&author, "main", "Bản nháp").await;
    let draft_slug = draft.body["slug"].as_str().unwrap().to_owned();
    let r = c
        .call(
            "GET",
            pi,
            &format!("/api/v1/public/sites/main/items/{draft_slug}"),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    c.call(
        "GET",
        "/api/v1/public/items",
        "/api/v1/public/items?limit=2",
        None,
        None,
    )
    .await;
    c.call(
        "GET",
        "/api/v1/public/items",
        "/api/v1/public/items?limit=-1",
        None,
        None,
    )
    .await;
    let r = c
        .call(
            "GET",
            "/api/v1/public/changes",
            "/api/v1/public/changes?after=0",
            None,
            None,
        )
        .await;
    assert!(!r.body["changes"].as_array().unwrap().is_empty());
    c.call(
        "GET",
        "/api/v1/public/changes",
        "/api/v1/public/changes?after=dau",
        None,
        None,
    )
    .await;
    // The index follows the log; give it a moment to take the document in.
    let mut found = Value::Null;
    for _ in 0..50 {
        found = c
            .call(
                "GET",
                "/api/v1/public/search",
                "/api/v1/public/search?q=3055%2FQD-UBND",
                None,
                None,
            )
            .await
            .body;
        if found["total"].as_u64().unwrap_or(0) > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(found["hits"][0]["number"], "3055/QĐ-UBND", "{found}");
    c.call(
        "GET",
        "/api/v1/public/search",
        "/api/v1/public/search?q=a&per_page=500",
        None,
        None,
    )
    .await;
    c.call(
        "GET",
        "/api/v1/public/suggest",
        "/api/v1/public/suggest?q=ban+hanh",
        None,
        None,
    )
    .await;
    c.call(
        "GET",
        "/api/v1/public/suggest",
        &format!("/api/v1/public/suggest?q={}", "a".repeat(600)),
        None,
        None,
    )
    .await;

    c.call(
        "GET",
        "/api/v1/openapi.json",
        "/api/v1/openapi.json",
        None,
        None,
    )
    .await;
    c.call("GET", "/healthz", "/healthz", None, None).await;
    c.call("GET", "/readyz", "/readyz", None, None).await;
    c.call("GET", "/metrics", "/metrics", None, None).await;
    let r = c
        .call(
            "GET",
            "/_portico/invalidations",
            "/_portico/invalidations?after=0",
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "off without --edge-token");
    let one = "/api/v1/sites/{site}/webhooks/{id}";
    let r = c
        .call(
            "DELETE",
            one,
            &format!("/api/v1/sites/main/webhooks/{hook}"),
            a,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);

    // Media.
    let lib = "/api/v1/sites/{site}/media";
    let r = c
        .upload(
            "POST",
            lib,
            "/api/v1/sites/main/media",
            &author,
            "anh.jpg",
            small_jpeg(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let id = r.body["id"].as_i64().unwrap();
    let r = c
        .upload(
            "POST",
            lib,
            "/api/v1/sites/main/media",
            &author,
            "anh.jpg",
            b"%PDF-1.4".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = c
        .upload(
            "POST",
            lib,
            "/api/v1/sites/main/media",
            &author,
            "hong.jpg",
            small_jpeg()[..100].to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    c.call(
        "GET",
        lib,
        "/api/v1/sites/main/media?q=anh&type=jpeg",
        Some(&author),
        None,
    )
    .await;
    c.call(
        "GET",
        lib,
        "/api/v1/sites/main/media?type=exe",
        Some(&author),
        None,
    )
    .await;
    let one = "/api/v1/media/{id}";
    let path = format!("/api/v1/media/{id}");
    c.call("GET", one, &path, Some(&author), None).await;
    c.call("GET", one, "/api/v1/media/987654", Some(&author), None)
        .await;
    let r = c
        .call(
            "PATCH",
            one,
            &path,
            Some(&author),
            Some(json!({"public": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = c
        .call(
            "PATCH",
            one,
            &path,
            a,
            Some(
                json!({"public": true, "title": "Ảnh hội nghị", "alt": "Các đại biểu dự hội nghị"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["alt"], "Các đại biểu dự hội nghị");
    let r = c
        .upload("PUT", one, &path, &author, "anh-2.jpg", small_jpeg())
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let url = "/api/v1/media/{id}/url";
    let r = c
        .call(
            "GET",
            url,
            &format!("/api/v1/media/{id}/url?w=20&fit=cover&h=20"),
            Some(&author),
            None,
        )
        .await;
    let signed = r.body["url"].as_str().unwrap().to_owned();
    c.call(
        "GET",
        url,
        &format!("/api/v1/media/{id}/url?w=0"),
        Some(&author),
        None,
    )
    .await;
    let public = "/media/{id}";
    let r = c
        .call("GET", public, &format!("/media/{id}"), None, None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = c.call("GET", public, &signed, None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = c
        .call("GET", public, &format!("/media/{id}?w=20"), None, None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    c.call("GET", public, "/media/987654", None, None).await;
    let preset = "/media/{id}/{preset}";
    let r = c
        .call("GET", preset, &format!("/media/{id}/thumb"), None, None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    c.call("GET", preset, &format!("/media/{id}/khong-co"), None, None)
        .await;
    c.call("GET", preset, &format!("/media/{id}/thumb?x=1"), None, None)
        .await;
    let r = c.call("DELETE", one, &path, Some(&author), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);

    // A document read from its file.
    let intake = "/api/v1/sites/{site}/intake";
    let r = c
        .upload(
            "POST",
            intake,
            "/api/v1/sites/main/intake",
            &author,
            "qd.docx",
            crate::intake::decision("Số: 77/QĐ-STTTT"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = c
        .upload(
            "POST",
            intake,
            "/api/v1/sites/main/intake?create=draft&channel=tin-tuc-su-kien",
            &author,
            "qd.docx",
            crate::intake::decision("Số: 78/QĐ-STTTT"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    c.upload(
        "POST",
        intake,
        "/api/v1/sites/main/intake?create=draft",
        &author,
        "du-thao.docx",
        crate::intake::decision("Số: /QĐ-STTTT"),
    )
    .await;
    c.upload(
        "POST",
        intake,
        "/api/v1/sites/main/intake",
        &author,
        "a.bin",
        b"nothing readable".to_vec(),
    )
    .await;
    c.upload(
        "POST",
        intake,
        "/api/v1/sites/main/intake",
        &author,
        "a.docx",
        b"PK\x03\x04 broken".to_vec(),
    )
    .await;
    c.upload(
        "POST",
        intake,
        "/api/v1/sites/main/intake?create=maybe",
        &author,
        "qd.docx",
        crate::intake::decision("Số: 79/QĐ-STTTT"),
    )
    .await;
    c.upload(
        "POST",
        intake,
        "/api/v1/sites/khong-co/intake",
        &author,
        "qd.docx",
        crate::intake::decision("Số: 80/QĐ-STTTT"),
    )
    .await;

    // Citizens' questions and consultations.
    let ask = "/api/v1/public/sites/{site}/questions";
    let r = c
        .call(
            "POST",
            ask,
            "/api/v1/public/sites/main/questions",
            None,
            Some(
                json!({"name": "Nguyễn Văn A", "email": "a@example.vn", "phone": "0912 345 678",
                        "title": "Hỏi về thủ tục", "body": "Xin hỏi...", "field": "Đất đai"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let reference = r.body["reference"].as_str().unwrap().to_owned();
    c.call(
        "POST",
        ask,
        "/api/v1/public/sites/main/questions",
        None,
        Some(json!({"name": "", "email": "x", "title": "t", "body": "b"})),
    )
    .await;
    c.call(
        "POST",
        ask,
        "/api/v1/public/sites/main/questions",
        None,
        Some(json!({"who": 1})),
    )
    .await;
    c.call(
        "POST",
        ask,
        "/api/v1/public/sites/khong-co/questions",
        None,
        Some(json!({"name": "A", "email": "a@example.vn", "title": "t", "body": "b"})),
    )
    .await;
    let conf = "/api/v1/public/questions/confirm";
    c.call("POST", conf, conf, None, Some(json!({"token": "sai"})))
        .await;
    let status = "/api/v1/public/questions/{reference}";
    let r = c
        .call(
            "GET",
            status,
            &format!("/api/v1/public/questions/{reference}"),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    c.call(
        "GET",
        status,
        "/api/v1/public/questions/HD-KHONGCO",
        None,
        None,
    )
    .await;
    let list = "/api/v1/sites/{site}/questions";
    let r = c
        .call(
            "GET",
            list,
            "/api/v1/sites/main/questions?status=new",
            a,
            None,
        )
        .await;
    let qid = r.body[0]["id"].as_i64().unwrap();
    c.call(
        "GET",
        list,
        "/api/v1/sites/main/questions?status=lost",
        a,
        None,
    )
    .await;
    c.call(
        "GET",
        list,
        "/api/v1/sites/so-tai-chinh/questions",
        Some(&author),
        None,
    )
    .await;
    c.call("GET", list, "/api/v1/sites/main/questions", None, None)
        .await;
    let one_q = "/api/v1/questions/{id}";
    c.call("GET", one_q, &format!("/api/v1/questions/{qid}"), a, None)
        .await;
    c.call("GET", one_q, "/api/v1/questions/987654", a, None)
        .await;
    let ans = "/api/v1/questions/{id}/answer";
    c.call(
        "POST",
        ans,
        &format!("/api/v1/questions/{qid}/answer"),
        a,
        Some(json!({"answer": ""})),
    )
    .await;
    let r = c
        .call(
            "POST",
            ans,
            &format!("/api/v1/questions/{qid}/answer"),
            a,
            Some(json!({"answer": "Trả lời: ông liên hệ Bộ phận một cửa."})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    c.call(
        "POST",
        ans,
        &format!("/api/v1/questions/{qid}/answer"),
        a,
        Some(json!({"answer": "lại"})),
    )
    .await;
    c.call(
        "POST",
        ans,
        &format!("/api/v1/questions/{qid}/answer"),
        None,
        Some(json!({"answer": "x"})),
    )
    .await;
    let r = c
        .call("POST", ask, "/api/v1/public/sites/main/questions", None,
            Some(json!({"name": "B", "email": "b@example.vn", "title": "Câu khác", "body": "Nội dung khác"})))
        .await;
    let other = r.body["reference"].as_str().unwrap().to_owned();
    let r = c
        .call(
            "GET",
            list,
            "/api/v1/sites/main/questions?status=new",
            a,
            None,
        )
        .await;
    let q2 = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["reference"] == other.as_str())
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let fwd = "/api/v1/questions/{id}/forward";
    c.call(
        "POST",
        fwd,
        &format!("/api/v1/questions/{q2}/forward"),
        a,
        Some(json!({"site": "khong-co"})),
    )
    .await;
    c.call(
        "POST",
        fwd,
        &format!("/api/v1/questions/{q2}/forward"),
        Some(&author),
        Some(json!({"site": "main"})),
    )
    .await;
    let r = c
        .call(
            "POST",
            fwd,
            &format!("/api/v1/questions/{q2}/forward"),
            a,
            Some(json!({"site": "so-tai-chinh", "note": "Đúng thẩm quyền"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let rej = "/api/v1/questions/{id}/reject";
    c.call(
        "POST",
        rej,
        &format!("/api/v1/questions/{q2}/reject"),
        a,
        Some(json!({"reason": ""})),
    )
    .await;
    let r = c
        .call(
            "POST",
            rej,
            &format!("/api/v1/questions/{q2}/reject"),
            a,
            Some(json!({"reason": "Trùng câu hỏi đã trả lời."})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    c.call(
        "POST",
        rej,
        &format!("/api/v1/questions/{q2}/reject"),
        a,
        Some(json!({"reason": "lại"})),
    )
    .await;
    let erase_q = "/api/v1/questions/{id}/personal-data";
    c.call(
        "DELETE",
        erase_q,
        &format!("/api/v1/questions/{qid}/personal-data"),
        Some(&author),
        None,
    )
    .await;
    let r = c
        .call(
            "DELETE",
            erase_q,
            &format!("/api/v1/questions/{qid}/personal-data"),
            a,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);

    let now = chrono::Utc::now();
    let draft = c
        .s
        .publish_item(&admin, "main", json!({"kind": "consultation", "channels": [], "fields": {
            "title": "Dự thảo lấy ý kiến", "body": "# Điều 1. Phạm vi\n\nNội dung.\n\n# Điều 2. Đối tượng\n\nNội dung.",
            "opens_at": (now - chrono::Duration::days(1)).to_rfc3339(), "closes_at": (now + chrono::Duration::days(9)).to_rfc3339()}}))
        .await["id"]
        .as_i64()
        .unwrap();
    let secs = "/api/v1/public/items/{id}/sections";
    let r = c
        .call(
            "GET",
            secs,
            &format!("/api/v1/public/items/{draft}/sections"),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    c.call(
        "GET",
        secs,
        "/api/v1/public/items/987654/sections",
        None,
        None,
    )
    .await;
    let pc = "/api/v1/public/items/{id}/comments";
    let r = c
        .call("POST", pc, &format!("/api/v1/public/items/{draft}/comments"), None,
            Some(json!({"section": "dieu-1", "name": "Trần B", "email": "b@example.vn", "body": "Đề nghị sửa."})))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    c.call(
        "POST",
        pc,
        &format!("/api/v1/public/items/{draft}/comments"),
        None,
        Some(json!({"section": "dieu-9", "name": "Trần B", "email": "b@example.vn", "body": "x"})),
    )
    .await;
    c.call(
        "POST",
        pc,
        "/api/v1/public/items/987654/comments",
        None,
        Some(json!({"name": "Trần B", "email": "b@example.vn", "body": "x"})),
    )
    .await;
    c.call(
        "GET",
        pc,
        &format!("/api/v1/public/items/{draft}/comments"),
        None,
        None,
    )
    .await;
    let sc = "/api/v1/items/{id}/comments";
    let r = c
        .call(
            "GET",
            sc,
            &format!("/api/v1/items/{draft}/comments?status=pending"),
            a,
            None,
        )
        .await;
    let cid = r.body[0]["id"].as_i64().unwrap();
    c.call(
        "GET",
        sc,
        &format!("/api/v1/items/{draft}/comments?status=x"),
        a,
        None,
    )
    .await;
    c.call(
        "GET",
        sc,
        &format!("/api/v1/items/{draft}/comments"),
        None,
        None,
    )
    .await;
    let modr = "/api/v1/comments/{id}/moderation";
    c.call(
        "POST",
        modr,
        &format!("/api/v1/comments/{cid}/moderation"),
        a,
        Some(json!({"decision": "maybe"})),
    )
    .await;
    c.call(
        "POST",
        modr,
        &format!("/api/v1/comments/{cid}/moderation"),
        Some(&author),
        Some(json!({"decision": "approve"})),
    )
    .await;
    let r = c
        .call(
            "POST",
            modr,
            &format!("/api/v1/comments/{cid}/moderation"),
            a,
            Some(json!({"decision": "approve"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    c.call(
        "POST",
        modr,
        &format!("/api/v1/comments/{cid}/moderation"),
        a,
        Some(json!({"decision": "approve"})),
    )
    .await;
    let resp = "/api/v1/comments/{id}/response";
    c.call(
        "POST",
        resp,
        &format!("/api/v1/comments/{cid}/response"),
        a,
        Some(json!({"disposition": "x", "reply": "y"})),
    )
    .await;
    let r = c
        .call(
            "POST",
            resp,
            &format!("/api/v1/comments/{cid}/response"),
            a,
            Some(json!({"disposition": "accepted", "reply": "Đã sửa."})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    c.call(
        "POST",
        resp,
        "/api/v1/comments/987654/response",
        a,
        Some(json!({"disposition": "accepted", "reply": "x"})),
    )
    .await;
    let outsider = c.s.login("outsider").await;
    for (tpl, file) in [
        ("/api/v1/items/{id}/report.csv", "report.csv"),
        ("/api/v1/items/{id}/report.docx", "report.docx"),
    ] {
        let r = c
            .call(
                "GET",
                tpl,
                &format!("/api/v1/items/{draft}/{file}"),
                a,
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        c.call(
            "GET",
            tpl,
            &format!("/api/v1/items/{draft}/{file}"),
            Some(&outsider),
            None,
        )
        .await;
        c.call("GET", tpl, &format!("/api/v1/items/987654/{file}"), a, None)
            .await;
    }
    let rep = "/api/v1/public/items/{id}/report";
    c.call(
        "GET",
        rep,
        &format!("/api/v1/public/items/{draft}/report"),
        None,
        None,
    )
    .await;
    let erase_c = "/api/v1/comments/{id}/personal-data";
    c.call(
        "DELETE",
        erase_c,
        &format!("/api/v1/comments/{cid}/personal-data"),
        Some(&author),
        None,
    )
    .await;
    let r = c
        .call(
            "DELETE",
            erase_c,
            &format!("/api/v1/comments/{cid}/personal-data"),
            a,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);

    let r = c
        .call(
            "POST",
            "/api/v1/auth/logout",
            "/api/v1/auth/logout",
            Some(&author),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    c.call("GET", "/api/v1/me", "/api/v1/me", Some(&author), None)
        .await;

    let all: BTreeSet<(String, String)> = portico_api::api_routes()
        .into_iter()
        .flat_map(|(p, ms)| {
            ms.into_iter()
                .map(move |m| (p.clone(), m.as_str().to_lowercase()))
        })
        .collect();
    let missed: Vec<_> = all.difference(&c.covered).collect();
    assert!(
        missed.is_empty(),
        "operations this test never called: {missed:?}"
    );
}

/// The description's error codes are the server's catalogue, each with its status.
#[test]
fn the_error_codes_described_are_the_catalogue() {
    let spec: Value = serde_json::from_str(portico_api::OPENAPI).unwrap();
    let error = &spec["components"]["schemas"]["Error"];
    let listed: Vec<&str> = error["properties"]["error"]["properties"]["code"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let catalogue: Vec<&str> = portico_engine::ErrorCode::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    assert_eq!(listed, catalogue);
    for c in portico_engine::ErrorCode::ALL {
        assert_eq!(
            error["x-error-codes"][c.as_str()].as_u64(),
            Some(u64::from(c.status())),
            "{}",
            c.as_str()
        );
    }
}
