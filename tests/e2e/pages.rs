//! The portal pages in HTML: what a citizen's browser gets.

use crate::support::Server;
use reqwest::StatusCode;
use serde_json::json;

async fn page(
    s: &Server,
    path: &str,
    host: Option<&str>,
) -> (StatusCode, String, reqwest::header::HeaderMap) {
    let mut req = s.http.get(format!("{}{path}", s.base));
    if let Some(h) = host {
        req = req.header("host", h);
    }
    let r = req.send().await.unwrap();
    let (status, headers) = (r.status(), r.headers().clone());
    // minijinja writes `/` as `&#x2f;` (as OWASP advises); browsers read it back as `/`.
    (
        status,
        r.text().await.unwrap().replace("&#x2f;", "/"),
        headers,
    )
}

/// Checks what a test can check of WCAG basics: language, one h1, landmarks, a skip link, and a
/// label for every form field.
fn accessible(html: &str, path: &str) {
    assert!(html.contains(r#"<html lang="vi">"#), "{path}: lang");
    assert_eq!(html.matches("<h1").count(), 1, "{path}: exactly one h1");
    assert!(
        html.contains(r#"<main id="noi-dung""#) && html.contains(r##"href="#noi-dung""##),
        "{path}: main and skip link"
    );
    for tag in ["<input", "<select"] {
        for part in html.split(tag).skip(1) {
            let id = part
                .split("id=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap_or_else(|| panic!("{path}: a field without id"));
            assert!(
                html.contains(&format!("for=\"{id}\"")),
                "{path}: field {id} has no label"
            );
        }
    }
}

#[tokio::test]
async fn a_citizen_browses_the_network_site_item_and_document_pages() {
    let s = Server::start().await;
    let admin = s.login("admin").await;
    let article = s.publish_item(&admin, "so-tai-chinh", json!({"kind": "article", "channels": ["tin-tuc-su-kien"],
        "fields": {"title": "Công khai <b>ngân sách</b> quý III", "summary": "Tóm tắt.", "body": "## Số liệu\n\nNội dung <script>alert(1)</script> **chính**.",
                   "tags": ["ngân sách", "công khai & minh bạch"]}})).await;
    let doc = s.publish_item(&admin, "main", json!({"kind": "document", "channels": ["tin-tuc-su-kien"],
        "fields": {"number": "3055/QĐ-UBND", "doc_type": "Quyết định", "issuer": "UBND tỉnh Lào Cai", "issued_on": "2018-10-02",
                   "status": "in_force", "title": "Ban hành Kiến trúc Chính quyền điện tử tỉnh Lào Cai", "body": "Điều 1. ..."}})).await;

    let (status, html, headers) = page(&s, "/", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("style-src 'self'"));
    assert!(
        html.contains("Cổng so-tai-chinh"),
        "the network home lists the portals"
    );
    accessible(&html, "/");

    let (status, html, _) = page(&s, "/so-tai-chinh/", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h1 class=\"home-title\">Cổng so-tai-chinh</h1>"));
    assert!(
        html.contains("Trực thuộc:") && html.contains("Cổng main"),
        "a component portal links to its parent"
    );
    accessible(&html, "/so-tai-chinh/");

    let item_path = format!(
        "/so-tai-chinh/tin-tuc-su-kien/{}",
        article["slug"].as_str().unwrap()
    );
    let (status, html, headers) = page(&s, &item_path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Công khai &lt;b&gt;ngân sách"),
        "a title is text, never markup"
    );
    assert!(
        !html.contains("<b>ngân sách"),
        "a title is text, never markup"
    );
    assert!(
        html.contains(r#"<h2 id="nd-so-lieu">Số liệu</h2>"#),
        "{html}"
    );
    assert!(!html.contains("<script>alert"), "sanitised body");
    assert!(
        html.contains("tim-kiem?q=c%C3%B4ng%20khai%20%26%20minh%20b%E1%BA%A1ch"),
        "tags link to a search for them: {html}"
    );
    assert!(html.contains("aria-current=\"page\""), "breadcrumbs");
    accessible(&html, &item_path);
    let etag = headers.get("etag").unwrap().clone();
    let again = s
        .http
        .get(format!("{}{item_path}", s.base))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    let doc_path = format!("/main/tin-tuc-su-kien/{}", doc["slug"].as_str().unwrap());
    let (_, html, _) = page(&s, &doc_path, None).await;
    assert!(html.contains("Số ký hiệu") && html.contains("3055/QĐ-UBND"));
    assert!(html.contains("02/10/2018"), "dates as dd/mm/yyyy");
    assert!(html.contains("Còn hiệu lực"));
    accessible(&html, &doc_path);

    let (status, html, _) = page(
        &s,
        "/main/van-ban?doc_type=Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("3055/QĐ-UBND"));
    accessible(&html, "/main/van-ban");
    let (status, html, _) = page(&s, "/main/thu-tuc", None).await;
    assert_eq!(status, StatusCode::OK);
    accessible(&html, "/main/thu-tuc");
}

#[tokio::test]
async fn drafts_are_404_withdrawn_items_410_and_unknown_paths_404_in_html() {
    let s = Server::start().await;
    let admin = s.login("admin").await;
    let draft = s.article(&admin, "main", "Bản nháp bí mật").await.body;
    let (status, html, _) = page(
        &s,
        &format!("/main/tin-tuc-su-kien/{}", draft["slug"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!html.contains("bí mật"));
    let gone = s.publish_item(&admin,
        "main",
        json!({"kind": "article", "channels": ["tin-tuc-su-kien"], "fields": {"title": "Sẽ gỡ"}}),
    )
    .await;
    s.act(&admin, gone["id"].as_i64().unwrap(), "unpublish")
        .await;
    let (status, html, _) = page(
        &s,
        &format!("/main/tin-tuc-su-kien/{}", gone["slug"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("gỡ bỏ"));
    for path in [
        "/khong-co/",
        "/main/khong-co/",
        "/main/tin-tuc-su-kien/khong-co",
    ] {
        let (status, html, _) = page(&s, path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        accessible(&html, path);
    }
}

#[tokio::test]
async fn the_search_page_finds_across_the_portals_below() {
    let s = Server::start().await;
    let admin = s.login("admin").await;
    s.publish_item(&admin, "so-tai-chinh", json!({"kind": "article", "channels": ["tin-tuc-su-kien"], "fields": {"title": "Quyết toán ngân sách năm 2025"}})).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (status, html, _) = page(&s, "/main/tim-kiem?q=quyet+toan+ngan+sach", None).await;
        assert_eq!(status, StatusCode::OK);
        if html.contains("<b>Quyết</b> <b>toán</b>") {
            assert!(html.contains("Tìm thấy 1 kết quả"));
            assert!(html.contains("Thu hẹp kết quả"), "facets");
            accessible(&html, "/main/tim-kiem");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never found: {html}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    for odd in [
        "/main/tim-kiem?q=%22",
        "/main/tim-kiem?year_from=abc&q=x",
        "/main/tim-kiem?page=-1&q=x",
        &format!("/main/tim-kiem?q={}", "a".repeat(600)),
    ] {
        let (status, _, _) = page(&s, odd, None).await;
        assert_eq!(status, StatusCode::OK, "{odd}");
    }
    // A year that is not one: the form again, with what to fix, in Vietnamese.
    let (_, html, _) = page(&s, "/main/tim-kiem?year_from=abc&q=x", None).await;
    assert!(html.contains("Năm không hợp lệ"), "{html}");
}

#[tokio::test]
async fn a_site_with_its_own_domain_is_served_at_its_root() {
    let s = Server::start().await;
    let admin = s.login("admin").await;
    let r = s.post("/api/v1/sites", &admin, json!({"slug": "xa-ban-vuoc", "name": "Xã Bản Vược", "kind": "commune", "parent": "main", "domains": ["banvuoc.laocai.gov.vn"]})).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let (status, html, _) = page(&s, "/", Some("banvuoc.laocai.gov.vn")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h1 class=\"home-title\">Xã Bản Vược</h1>"));
    assert!(
        html.contains(r#"action="/tim-kiem""#),
        "links have no site prefix on its own domain"
    );
    let (status, _, _) = page(&s, "/tim-kiem?q=x", Some("banvuoc.laocai.gov.vn:8080")).await;
    assert_eq!(status, StatusCode::OK);
    // The API is not rewritten.
    let api = s
        .http
        .get(format!("{}/api/v1/public/sites", s.base))
        .header("host", "banvuoc.laocai.gov.vn")
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::OK);
    // The editors' interface is the same on every domain; a channel named "admin-..." is the
    // site's own.
    let (status, html, _) = page(&s, "/admin/login", Some("banvuoc.laocai.gov.vn")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("name=\"password\""));
    let r = s
        .post(
            "/api/v1/sites/xa-ban-vuoc/channels",
            &admin,
            json!({"name": "Admin tin", "slug": "admin-tin"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let (status, html, _) = page(&s, "/admin-tin/", Some("banvuoc.laocai.gov.vn")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h1>Admin tin</h1>"), "{html}");
}

#[tokio::test]
async fn themes_from_a_folder_a_theme_per_site_and_a_sites_own_pages() {
    let themes = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let p = themes.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    // A theme that restyles every page by replacing the default base.
    let base = include_str!("../../themes/default/templates/base.html")
        .replace("<body>", "<body class=\"theme-xanh\">");
    write("xanh/templates/base.html", &base);
    write("xanh/static/portico.css", "body{background:#e6f4ea}");
    write(
        "xanh/static/img/logo.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    );
    // One site's own channel page, inside whatever base its theme has.
    write(
        "sites/so-tai-chinh/channel.html",
        "{% extends \"base.html\" %}{% block main %}<h1>Sở Tài chính: {{ title }}</h1>{% endblock %}",
    );
    let s = Server::start_with(portico_api::ApiConfig {
        themes_dir: Some(themes.path().to_owned()),
        ..Default::default()
    })
    .await;
    let admin = s.login("admin").await;
    let bad = s
        .post("/api/v1/sites", &admin, json!({"slug": "xa-a", "name": "Xã A", "kind": "commune", "parent": "main", "theme": "do"}))
        .await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        bad.body
    );
    assert_eq!(bad.body["error"]["field"], "theme");
    let made = s
        .post("/api/v1/sites", &admin, json!({"slug": "xa-coc-san", "name": "Xã Cốc San", "kind": "commune", "parent": "main", "theme": "xanh"}))
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);

    let (status, html, _) = page(&s, "/xa-coc-san/", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("class=\"theme-xanh\""),
        "the theme's base: {html}"
    );
    assert!(
        html.contains("/static/xanh/portico.css"),
        "the theme's stylesheet"
    );
    accessible(&html, "/xa-coc-san/");
    let (_, html, _) = page(&s, "/main/", None).await;
    assert!(!html.contains("theme-xanh") && html.contains("/static/default/portico.css"));

    let (status, html, _) = page(&s, "/so-tai-chinh/tin-tuc-su-kien", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("<h1>Sở Tài chính: Tin tức – Sự kiện</h1>"),
        "{html}"
    );
    let (_, html, _) = page(&s, "/main/tin-tuc-su-kien", None).await;
    assert!(!html.contains("Sở Tài chính:"), "only that site");

    for (path, status, body) in [
        (
            "/static/xanh/portico.css",
            StatusCode::OK,
            "body{background:#e6f4ea}",
        ),
        ("/static/xanh/img/logo.svg", StatusCode::OK, "<svg"),
        ("/static/default/portico.css", StatusCode::OK, ""),
        ("/static/khong-co/portico.css", StatusCode::OK, ""),
        (
            "/static/xanh/..%2F..%2Fxanh%2Ftemplates%2Fbase.html",
            StatusCode::NOT_FOUND,
            "",
        ),
        (
            "/static/xanh/templates/base.html",
            StatusCode::NOT_FOUND,
            "",
        ),
    ] {
        let (got, _, bytes) = s.fetch(path).await;
        assert_eq!(got, status, "{path}");
        assert!(bytes.starts_with(body.as_bytes()), "{path}");
    }
}

#[tokio::test]
async fn an_item_has_one_address_and_says_so_and_unknown_api_paths_are_json_404() {
    let s = Server::start().await;
    let admin = s.login("admin").await;
    let news = s
        .publish_item(
            &admin,
            "main",
            json!({"kind": "article", "channels": ["tin-tuc-su-kien"],
        "fields": {"title": "Một địa chỉ cho mỗi bài"}}),
        )
        .await;
    let slug = news["slug"].as_str().unwrap();
    let own = format!("/main/tin-tuc-su-kien/{slug}");
    let no_follow = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for wrong in [
        format!("/main/gioi-thieu/{slug}"),
        format!("/main/bai-viet/{slug}"),
        format!("/main/khong-co-chuyen-muc/{slug}"),
    ] {
        let r = no_follow
            .get(format!("{}{wrong}", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::MOVED_PERMANENTLY, "{wrong}");
        assert_eq!(r.headers()["location"], own.as_str(), "{wrong}");
        assert!(
            r.headers()["surrogate-key"]
                .to_str()
                .unwrap()
                .contains(&format!("item:{}", news["id"])),
            "the move is purged with the item: {:?}",
            r.headers()
        );
    }
    // The page itself names its address, absolute.
    let (status, html, _) = page(&s, &own, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!(r#"<link rel="canonical" href="{}{own}">"#, s.base)),
        "no canonical link in {}",
        &html[..html.find("</head>").unwrap_or(html.len())]
    );

    // On a site's own domain, the move has no site prefix.
    s.post("/api/v1/sites", &admin, json!({"slug": "xa-ban-vuoc", "name": "Xã Bản Vược", "kind": "commune", "parent": "main", "domains": ["banvuoc.laocai.gov.vn"]})).await;
    let local = s
        .publish_item(
            &admin,
            "xa-ban-vuoc",
            json!({"kind": "page", "fields": {"title": "Giới thiệu xã"}}),
        )
        .await;
    let r = no_follow
        .get(format!(
            "{}/tin-tuc/{}",
            s.base,
            local["slug"].as_str().unwrap()
        ))
        .header("host", "banvuoc.laocai.gov.vn")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(
        r.headers()["location"],
        format!("/bai-viet/{}", local["slug"].as_str().unwrap()).as_str()
    );

    // An unknown API path is the API's JSON 404 whatever the method, not a page's 405.
    for (method, path) in [
        ("GET", "/api/v1/khong-co"),
        ("POST", "/api/v1/khong-co/a/b"),
        ("DELETE", "/api/v2/items"),
        ("GET", "/api"),
    ] {
        let r = s.send(method, path, Some(&admin), None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{method} {path}");
        assert_eq!(r.code(), "not_found", "{method} {path}");
    }
    // A known path with the wrong method is still 405.
    let r = s.send("DELETE", "/api/v1/sites", Some(&admin), None).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn error_pages_wear_their_portal_and_a_bad_filter_shows_the_form_again() {
    let s = Server::start().await;
    let admin = s.login("admin").await;
    let name = |slug: &'static str| {
        let (s, admin) = (&s, &admin);
        async move {
            let site = s.get(&format!("/api/v1/sites/{slug}"), admin).await.body;
            site["name"].as_str().unwrap().to_owned()
        }
    };
    let (main, department) = (name("main").await, name("so-tai-chinh").await);
    let html_get = |path: String| {
        let s = &s;
        async move {
            let r = s
                .http
                .get(format!("{}{path}", s.base))
                .header("accept", "text/html,application/xhtml+xml")
                .send()
                .await
                .unwrap();
            (r.status(), r.text().await.unwrap().replace("&#x2f;", "/"))
        }
    };
    for (path, portal) in [
        ("/so-tai-chinh/khong-co/".to_owned(), &department),
        (
            "/so-tai-chinh/tin-tuc-su-kien/khong-co".to_owned(),
            &department,
        ),
        ("/so-tai-chinh/a/b/c/d".to_owned(), &department),
        ("/khong-co-cong-nay/".to_owned(), &main),
        ("/main/a/b/c/d".to_owned(), &main),
    ] {
        let (status, html) = html_get(path.clone()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            html.contains(&format!("– {portal}</title>")),
            "{path}: the 404 carries {portal}: {}",
            &html[..html.find("</head>").unwrap_or(html.len())]
        );
        assert!(!html.contains("Portico"), "{path}");
        assert!(
            html.contains(r#"<nav aria-label="Chuyên mục""#) || path.starts_with("/khong"),
            "{path}: the portal's menu"
        );
        accessible(&html, &path);
    }
    // A client that does not ask for HTML still gets the API's JSON 404.
    let r = s.send("GET", "/main/a/b/c/d", None, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.code(), "not_found");

    // `?year=abc` on the register: the form again, what was typed, the message by the field.
    let (status, html) = html_get("/main/van-ban?year=abc".to_owned()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"value="abc""#), "what was typed stays");
    assert!(html.contains(r#"aria-invalid="true" aria-describedby="year-error""#));
    assert!(html.contains(r#"id="year-error" role="alert">Năm không hợp lệ"#));
    accessible(&html, "/main/van-ban?year=abc");
    let (status, html) = html_get("/main/thu-tuc?level=tinh".to_owned()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"<p class="error" role="alert">"#), "{html}");
}

#[tokio::test]
async fn the_register_puts_the_newest_issue_date_first_and_filters_by_keyword_and_issuer() {
    let s = Server::start().await;
    let admin = s.login("admin").await;
    let doc = |number: &str, date: &str, issuer: &str, title: &str| {
        json!({"kind": "document", "channels": [], "fields": {
            "number": number, "doc_type": "Quyết định", "issuer": issuer, "issued_on": date,
            "status": "in_force", "title": title,
            "attachments": [{"name": "Quyết định.pdf", "href": "https://vanban.example.vn/qd.pdf"}]}})
    };
    // Published newest-signed first, oldest-signed last: the register must not follow that.
    s.publish_item(
        &admin,
        "main",
        doc(
            "901/QĐ-UBND",
            "2025-06-01",
            "UBND tỉnh",
            "Về việc quy hoạch đô thị",
        ),
    )
    .await;
    s.publish_item(
        &admin,
        "main",
        doc(
            "77/QĐ-STC",
            "2018-02-03",
            "Sở Tài chính",
            "Về việc công khai ngân sách",
        ),
    )
    .await;
    s.settled().await;
    let (status, html, _) = page(&s, "/main/van-ban", None).await;
    assert_eq!(status, StatusCode::OK);
    let (a, b) = (
        html.find("901/QĐ-UBND").unwrap(),
        html.find("77/QĐ-STC").unwrap(),
    );
    assert!(a < b, "newest issue date first");
    assert!(
        html.contains("<option>Sở Tài chính</option>"),
        "the issuers to choose from"
    );
    accessible(&html, "/main/van-ban");

    let (_, found, _) = page(&s, "/main/van-ban?q=quyet+dinh+77", None).await;
    assert!(found.contains("77/QĐ-STC") && !found.contains("901/QĐ-UBND"));
    assert!(
        found.contains("value=\"quyet dinh 77\""),
        "the keyword stays in its box"
    );
    let (_, by_issuer, _) = page(&s, "/main/van-ban?issuer=UBND+t%E1%BB%89nh", None).await;
    assert!(by_issuer.contains("901/QĐ-UBND") && !by_issuer.contains("77/QĐ-STC"));

    let api = s
        .send(
            "GET",
            "/api/v1/public/sites/main/items?kind=document&q=ngan+sach",
            None,
            None,
        )
        .await;
    let numbers: Vec<&str> = api.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["fields"]["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["77/QĐ-STC"]);

    // A file of the library is listed with its type and size.
    let (code, file) =
        crate::media::upload(&s, &admin, "main", "qd-12.pdf", crate::media::pdf()).await;
    assert_eq!(code, StatusCode::CREATED);
    let mut body = doc(
        "12/QĐ-UBND",
        "2024-01-02",
        "UBND tỉnh",
        "Về việc đính kèm tệp",
    );
    body["fields"]["attachments"] =
        json!([{"name": "Quyết định 12.pdf", "href": format!("/media/{}", file["id"])}]);
    let published = s.publish_item(&admin, "main", body).await;
    let (_, html, _) = page(
        &s,
        &format!("/main/bai-viet/{}", published["slug"].as_str().unwrap()),
        None,
    )
    .await;
    assert!(
        html.contains("Quyết định 12.pdf</a> <span class=\"file-meta\">(PDF, 1 KB)</span>"),
        "{html}"
    );
}

#[tokio::test]
async fn pages_carry_share_previews_an_icon_and_robots_point_at_the_sitemaps() {
    let s = Server::start().await;
    let admin = s.login("admin").await;
    let published = s
        .publish_item(&admin, "main", json!({"kind": "article", "channels": ["tin-tuc-su-kien"],
            "fields": {"title": "Khai mạc lễ hội hoa", "summary": "Lễ hội <hoa> tam giác mạch.", "body": "Nội dung."}}))
        .await;
    let path = format!(
        "/main/tin-tuc-su-kien/{}",
        published["slug"].as_str().unwrap()
    );
    let (_, html, _) = page(&s, &path, None).await;
    for expected in [
        "<meta property=\"og:title\" content=\"Khai mạc lễ hội hoa\">",
        "<meta property=\"og:description\" content=\"Lễ hội &lt;hoa&gt; tam giác mạch.\">",
        "<meta name=\"description\" content=\"Lễ hội &lt;hoa&gt; tam giác mạch.\">",
        "<meta name=\"twitter:card\" content=\"summary\">",
        "<link rel=\"icon\" href=\"/static/default/emblem.svg\"",
    ] {
        assert!(html.contains(expected), "{expected} in {html}");
    }
    let (status, ctype, icon) = s.fetch("/static/default/emblem.svg").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ctype, "image/svg+xml");
    assert!(String::from_utf8_lossy(&icon).contains("<svg"));
    let (status, ctype, robots) = s.fetch("/robots.txt").await;
    assert_eq!(status, StatusCode::OK);
    assert!(ctype.starts_with("text/plain"));
    let robots = String::from_utf8(robots).unwrap();
    assert!(robots.contains("Disallow: /admin/"));
    assert!(robots.contains(&format!("Sitemap: {}/sitemap.xml", s.base)));
}

#[tokio::test]
async fn a_site_shows_its_own_look_footer_facts_and_home_blocks_as_soon_as_they_are_saved() {
    let s = Server::start().await;
    let admin = s.login("admin").await;
    s.publish(&admin, "main", "Tin đầu tiên trên trang chủ")
        .await;
    let made = s
        .post(
            "/api/v1/sites/main/channels",
            &admin,
            json!({"name": "Thông báo"}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    for title in ["Thông báo tuyển dụng", "Thông báo lịch tiếp công dân"] {
        s.publish_item(
            &admin,
            "main",
            json!({"kind": "article", "channels": ["thong-bao"], "fields": {"title": title}}),
        )
        .await;
    }
    let (_, before, _) = page(&s, "/main/", None).await;
    assert!(
        !before.contains("giao-dien.css"),
        "no site stylesheet without a look of its own"
    );
    let r = s
        .send(
            "PUT",
            "/api/v1/sites/main/settings",
            Some(&admin),
            Some(json!({
            "color": "#0b4f9c", "agency": "Ủy ban nhân dân tỉnh Lào Cai",
            "responsible": "Chánh Văn phòng UBND tỉnh", "phone": "0214 3840 888",
            "licence": "Giấy phép số 12/GP-TTĐT ngày 05/3/2024 của Bộ Thông tin và Truyền thông",
            "public_service_url": "https://dichvucong.laocai.gov.vn",
            "home_channels": ["thong-bao"], "home_items": 3})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    // The page was cached before; the change purges it.
    let (_, html, _) = page(&s, "/main/", None).await;
    for expected in [
        "<dt>Cơ quan chủ quản</dt><dd>Ủy ban nhân dân tỉnh Lào Cai</dd>",
        "<dt>Giấy phép</dt><dd>Giấy phép số 12/GP-TTĐT",
        "https://dichvucong.laocai.gov.vn",
        "id=\"cm-thong-bao\"",
        "/main/giao-dien.css?v=",
    ] {
        assert!(html.contains(expected), "{expected}");
    }
    assert!(
        !html.contains("id=\"cm-tin-tuc-su-kien\""),
        "only the chosen blocks"
    );
    let css_path = html
        .split("href=\"/main/giao-dien.css")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let (status, ctype, css) = s
        .fetch(&format!(
            "/main/giao-dien.css{}",
            css_path.replace("&amp;", "&")
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(ctype.starts_with("text/css"));
    let css = String::from_utf8(css).unwrap();
    assert!(css.contains(".banner{background-color:#0b4f9c}"), "{css}");
    // Bad values are named; the author may not change them.
    let bad = s
        .send(
            "PUT",
            "/api/v1/sites/main/settings",
            Some(&admin),
            Some(json!({"home_channels": ["khong-co"]})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["error"]["field"], "home_channels");
    let author = s.login("author").await;
    let denied = s
        .send(
            "PUT",
            "/api/v1/sites/main/settings",
            Some(&author),
            Some(json!({})),
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
}
