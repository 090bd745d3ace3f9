//! The editors' interface over HTTP: sessions, CSRF, headers, and the engine's refusals
//! reaching the browser. The flows themselves run in a real browser (`scripts/a11y/admin.mjs`).

use crate::support::{Server, PASSWORD};
use reqwest::header::{HeaderMap, CACHE_CONTROL, CONTENT_SECURITY_POLICY, LOCATION, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::json;

/// A browser without a cookie jar of its own: cookies are kept by hand, redirects not followed.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: Vec<(String, String)>,
    /// Sent with every request as a trusted edge in front of a TLS client would send it.
    forwarded_https: bool,
}

struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The value of the first hidden input `name`.
    fn hidden(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker).expect(name) + marker.len();
        self.body[start..].split('"').next().unwrap().to_owned()
    }
}

impl Browser {
    fn new(s: &Server) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: s.base.clone(),
            cookies: Vec::new(),
            forwarded_https: false,
        }
    }

    fn keep(&mut self, headers: &HeaderMap) {
        for c in headers.get_all(SET_COOKIE) {
            let c = c.to_str().unwrap();
            let (pair, _) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = pair.split_once('=').unwrap();
            self.cookies.retain(|(name, _)| name != k);
            if !v.is_empty() {
                self.cookies.push((k.to_owned(), v.to_owned()));
            }
        }
    }

    async fn go(&mut self, method: &str, path: &str, form: Option<&[(&str, &str)]>) -> Page {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut req = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.base))
            .header("cookie", cookie);
        if self.forwarded_https {
            req = req.header("x-forwarded-proto", "https");
        }
        if let Some(f) = form {
            req = req.form(f);
        }
        let r = req.send().await.unwrap();
        let (status, headers) = (r.status(), r.headers().clone());
        self.keep(&headers);
        Page {
            status,
            headers,
            body: r.text().await.unwrap(),
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        self.go("GET", path, None).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        self.go("POST", path, Some(form)).await
    }

    async fn sign_in(&mut self, user: &str, password: &str) -> Page {
        let form = self.get("/admin/login?next=/admin/").await;
        let csrf = form.hidden("csrf");
        self.post(
            "/admin/login",
            &[
                ("csrf", &csrf),
                ("next", "/admin/"),
                ("username", user),
                ("password", password),
            ],
        )
        .await
    }

    /// The CSRF token of the signed-in session, read from a page's form.
    async fn csrf(&mut self) -> String {
        self.get("/admin/").await.hidden("csrf")
    }
}

/// Over TLS (here: behind a trusted edge that says so) every cookie of ours is a `__Host-`
/// cookie, which only this host can set and only over TLS; a bare `portico_session` planted
/// by a sibling host or a plain-http answer is not read, even when it holds a valid session.
#[tokio::test]
async fn over_tls_the_session_is_a_host_cookie_and_a_planted_one_is_not_read() {
    let s = Server::start_with(portico_api::ApiConfig {
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        ..Default::default()
    })
    .await;
    let mut b = Browser::new(&s);
    b.forwarded_https = true;
    let form = b.get("/admin/login").await;
    let login = form.headers[SET_COOKIE].to_str().unwrap();
    assert!(login.starts_with("__Host-portico_login="), "{login}");
    let signed = b.sign_in("author", PASSWORD).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    let session = signed
        .headers
        .get_all(SET_COOKIE)
        .iter()
        .map(|c| c.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("__Host-portico_session="))
        .expect("the session as a __Host- cookie");
    let attrs: Vec<&str> = session.split(';').map(str::trim).skip(1).collect();
    assert!(
        attrs.contains(&"Path=/") && attrs.contains(&"Secure"),
        "{session}"
    );
    assert!(
        attrs.contains(&"HttpOnly") && attrs.contains(&"SameSite=Lax"),
        "{session}"
    );
    assert!(
        !session.to_ascii_lowercase().contains("domain="),
        "{session}"
    );
    assert!(b
        .cookies
        .iter()
        .all(|(k, _)| k.starts_with("__Host-portico_")));
    let desk = b.get("/admin/").await;
    assert_eq!(desk.status, StatusCode::OK);
    assert!(desk.body.contains("<strong>author</strong>"));
    // Forms work with the prefixed session (the CSRF token is the session's).
    let csrf = desk.hidden("csrf");
    let out = b.post("/admin/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(
        b.cookies.iter().all(|(k, _)| k != "__Host-portico_session"),
        "signing out clears the prefixed cookie: {:?}",
        out.headers
    );

    // A valid session planted under the bare name is not read over TLS...
    let token = s.login("admin").await;
    let mut victim = Browser::new(&s);
    victim.forwarded_https = true;
    victim
        .cookies
        .push(("portico_session".into(), token.clone()));
    let r = victim.get("/admin/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "not signed in as admin");
    assert!(r.location().starts_with("/admin/login"));
    // ...while over plain http, where no prefixed cookie can exist, the same cookie is the
    // session (so the refusal above is the prefix rule, not a bad token).
    let mut plain = Browser::new(&s);
    plain.cookies.push(("portico_session".into(), token));
    assert_eq!(plain.get("/admin/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_session_is_needed_kept_in_a_safe_cookie_and_never_cached() {
    let s = Server::start().await;
    let mut b = Browser::new(&s);
    let r = b.get("/admin/items/1").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/admin/login?next=%2Fadmin%2Fitems%2F1");
    let login = b.get("/admin/login").await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.body.contains("name=\"username\"") && login.body.contains("name=\"password\""));
    assert_eq!(login.headers[CACHE_CONTROL], "private, no-store");
    let csp = login.headers[CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"));
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(login.headers["x-frame-options"], "DENY");

    // The sign-in form's own token must match its cookie.
    let mut stranger = Browser::new(&s);
    let forged = stranger
        .post(
            "/admin/login",
            &[
                ("csrf", "x"),
                ("username", "author"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged
        .headers
        .get_all(SET_COOKIE)
        .iter()
        .all(|c| !c.to_str().unwrap().starts_with("portico_session=")));

    // A line break in `next` is header splitting: 400, never a 500 or a header.
    let split = "/admin/%0D%0ASet-Cookie:%20x=1";
    assert_eq!(
        b.get(&format!("/admin/login?next={split}")).await.status,
        StatusCode::BAD_REQUEST
    );
    let form = b.get("/admin/login").await;
    let csrf = form.hidden("csrf");
    let posted = b
        .post(
            "/admin/login",
            &[
                ("csrf", &csrf),
                ("next", "/admin/\r\nSet-Cookie: x=1"),
                ("username", "author"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(posted.status, StatusCode::BAD_REQUEST);
    assert!(posted.headers.get(SET_COOKIE).is_none());

    let wrong = b.sign_in("author", "not the password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("không đúng"));
    let ok = b.sign_in("author", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(ok.location(), "/admin/");
    let cookie = ok
        .headers
        .get_all(SET_COOKIE)
        .iter()
        .map(|c| c.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("portico_session="))
        .unwrap();
    for part in ["HttpOnly", "SameSite=Lax", "Path=/admin", "Max-Age="] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http here: {cookie}");

    let desk = b.get("/admin/").await;
    assert_eq!(desk.status, StatusCode::OK);
    assert!(desk.body.contains("author") && desk.body.contains("Bàn làm việc"));
    assert_eq!(desk.headers[CACHE_CONTROL], "private, no-store");
    // Assets carry a hash of their content and are kept for a year.
    let css = desk.body.split("href=\"/admin/static/").nth(1).unwrap();
    let css = css.split('"').next().unwrap();
    assert!(css.starts_with("admin.") && css.ends_with(".css") && css.len() > 20);
    let asset = b.get(&format!("/admin/static/{css}")).await;
    assert_eq!(asset.status, StatusCode::OK);
    assert!(asset.headers[CACHE_CONTROL]
        .to_str()
        .unwrap()
        .contains("immutable"));
    assert_eq!(
        b.get("/admin/static/admin.css").await.status,
        StatusCode::NOT_FOUND
    );

    // Signing out ends the session on the server, not only in this browser.
    let token = b
        .cookies
        .iter()
        .find(|(k, _)| k == "portico_session")
        .unwrap()
        .1
        .clone();
    let csrf = b.csrf().await;
    let out = b.post("/admin/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(
        s.get("/api/v1/me", &token).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(b.get("/admin/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn forms_need_their_token_and_the_engine_refuses_what_a_role_does_not_allow() {
    let s = Server::start().await;
    let admin = s.login("admin").await;
    let mut author = Browser::new(&s);
    author.sign_in("author", PASSWORD).await;
    let csrf = author.csrf().await;

    // No token, or another session's: nothing is created.
    let title = "Bài viết gửi không kèm mã";
    for token in ["", "not-the-token"] {
        let r = author
            .post(
                "/admin/sites/main/items/new",
                &[("csrf", token), ("kind", "article"), ("title", title)],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    let list = author.get("/admin/sites/main/items?q=khong+kem+ma").await;
    assert!(!list.body.contains(title));

    // With it: a draft, shown where it now is.
    let made = author
        .post(
            "/admin/sites/main/items/new",
            &[
                ("csrf", &csrf),
                ("kind", "article"),
                ("title", title),
                ("body", "Nội dung **đậm**."),
                ("channels", "tin-tuc-su-kien"),
                ("tags", "đất đai, quy hoạch"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let path = made.location().split('?').next().unwrap().to_owned();
    let id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
    let item = s.get(&format!("/api/v1/items/{id}"), &admin).await;
    assert_eq!(item.body["fields"]["tags"], json!(["đất đai", "quy hoạch"]));
    assert_eq!(item.body["channels"], json!(["tin-tuc-su-kien"]));
    let page = author.get(&path).await;
    assert!(page.body.contains("data-state=\"draft\""));
    assert!(page.body.contains("value=\"submit\""));
    assert!(!page.body.contains("value=\"publish\""));

    // A required field left empty: the form again, the message by the field, nothing lost.
    let empty = author
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("kind", "article"),
                ("base_revision", "1"),
                ("title", ""),
                ("summary", "Tóm tắt vẫn còn"),
            ],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("id=\"f-title-error\""));
    assert!(empty.body.contains("Tóm tắt vẫn còn"));

    // Into approval through the API, then a forged publish from the author's browser.
    for action in ["submit", "forward"] {
        let r = s
            .post(
                &format!("/api/v1/items/{id}/transitions"),
                &admin,
                json!({"action": action}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let forged = author
        .post(
            &format!("/admin/items/{id}/transition"),
            &[("csrf", &csrf), ("action", "publish")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let item = s.get(&format!("/api/v1/items/{id}"), &admin).await;
    assert_eq!(item.body["state"], "in_approval");

    // Someone with no role on the site sees nothing of it.
    let mut outsider = Browser::new(&s);
    outsider.sign_in("outsider", PASSWORD).await;
    assert_eq!(outsider.get(&path).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        outsider.get("/admin/sites/main/items").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_sign_in_form_obeys_the_same_limits_as_the_api() {
    let s = Server::start().await;
    let mut b = Browser::new(&s);
    let mut limited = None;
    for _ in 0..8 {
        let r = b.sign_in("editor", "wrong").await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(r);
            break;
        }
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = limited.expect("the form is limited after repeated failures");
    assert!(r.headers.contains_key("retry-after"));
    assert!(r.body.contains("giây"));
    // The API sees the same limit for that user from this address.
    let api = s
        .send(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "editor", "password": PASSWORD})),
        )
        .await;
    assert_eq!(api.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn administration_is_for_those_the_engine_allows_and_a_disabled_user_is_out_at_once() {
    let s = Server::start().await;
    let mut admin = Browser::new(&s);
    admin.sign_in("admin", PASSWORD).await;
    let csrf = admin.csrf().await;
    let mut editor = Browser::new(&s);
    editor.sign_in("editor", PASSWORD).await;
    let editor_csrf = editor.csrf().await;
    // The session's token is masked afresh in every answer (BREACH): two pages, two values,
    // both accepted.
    let again = admin.csrf().await;
    assert_ne!(csrf, again);

    // An editor sees the settings but no forms, and a forged one is refused by the engine.
    let page = editor.get("/admin/sites/main/settings").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("value=\"channel.create\""));
    let forged = editor
        .post(
            "/admin/sites/main/settings",
            &[
                ("csrf", &editor_csrf),
                ("op", "channel.create"),
                ("name", "Kênh lạ"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(
        editor.get("/admin/users").await.status,
        StatusCode::FORBIDDEN
    );

    // The site's admin makes a channel; a bad order is named.
    let made = admin
        .post(
            "/admin/sites/main/settings",
            &[
                ("csrf", &csrf),
                ("op", "channel.create"),
                ("name", "Chuyển đổi số"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER);
    let channels = s
        .send("GET", "/api/v1/public/sites/main/channels", None, None)
        .await;
    assert!(channels.body.to_string().contains("Chuyển đổi số"));
    let bad = admin
        .post(
            "/admin/sites/main/settings",
            &[
                ("csrf", &csrf),
                ("op", "channel.update"),
                ("channel", "chuyen-doi-so"),
                ("position", "đầu"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Disabling the editor ends the session they have open.
    let off = admin
        .post(
            "/admin/users",
            &[
                ("csrf", &csrf),
                ("op", "user.disable"),
                ("username", "editor"),
            ],
        )
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER);
    assert_eq!(editor.get("/admin/").await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        editor.sign_in("editor", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    // A network admin cannot lock themselves out.
    let me = admin
        .post(
            "/admin/users",
            &[
                ("csrf", &csrf),
                ("op", "user.disable"),
                ("username", "admin"),
            ],
        )
        .await;
    assert_eq!(me.status, StatusCode::UNPROCESSABLE_ENTITY);

    // One's own password: wrong current one refused; a right change signs out.
    let mut author = Browser::new(&s);
    author.sign_in("author", PASSWORD).await;
    let a = author.csrf().await;
    let wrong = author
        .post(
            "/admin/account",
            &[
                ("csrf", &a),
                ("current", "sai"),
                ("new", "Đèo Ô Quy Hồ 2026"),
                ("again", "Đèo Ô Quy Hồ 2026"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = author
        .post(
            "/admin/account",
            &[
                ("csrf", &a),
                ("current", PASSWORD),
                ("new", "Đèo Ô Quy Hồ 2026"),
                ("again", "Đèo Ô Quy Hồ 2026"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(author.get("/admin/").await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        author.sign_in("author", "Đèo Ô Quy Hồ 2026").await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_published_item_is_proposed_to_the_parent_portal_from_its_page() {
    let s = Server::start().await;
    let admin = s.login("admin").await;
    let item = s
        .publish(&admin, "so-tai-chinh", "Sở Tài chính công khai ngân sách")
        .await;
    let id = item["id"].as_i64().unwrap();
    let mut b = Browser::new(&s);
    b.sign_in("admin", PASSWORD).await;
    let page = b.get(&format!("/admin/items/{id}")).await;
    assert!(
        page.body.contains("name=\"parent\""),
        "the page offers the parent portal"
    );
    assert!(page.body.contains("<option value=\"main\">"));
    let csrf = page.hidden("csrf");
    let r = b
        .post(
            &format!("/admin/items/{id}/propose"),
            &[("csrf", &csrf), ("parent", "main")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let queue = s
        .get("/api/v1/sites/main/queue?state=in_review", &admin)
        .await;
    assert!(queue
        .body
        .to_string()
        .contains("Sở Tài chính công khai ngân sách"));
    // A draft is not offered anywhere.
    let draft = s.article(&admin, "so-tai-chinh", "Bản nháp").await;
    let page = b
        .get(&format!(
            "/admin/items/{}",
            draft.body["id"].as_i64().unwrap()
        ))
        .await;
    assert!(!page.body.contains("name=\"parent\""));
}
