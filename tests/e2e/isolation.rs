//! Answers that belong to one person never reach another: many signed-in and anonymous
//! clients asking for the same addresses at the same moment, at a node and through the edge.
//!
//! This is the fault an attacker found: the cache joined concurrent misses for one address
//! into one origin request and handed its answer to every waiter, the network admin's user
//! list included. Each round below fails on that cache.

use crate::support::Server;
use reqwest::StatusCode;
use std::sync::Arc;

/// Clients of each kind per address, and requests each makes.
const CLIENTS: usize = 8;
const ROUNDS: usize = 6;

/// One person (or nobody) asking.
#[derive(Clone)]
struct Client {
    /// The username whose answers this client may see; `None` for an anonymous visitor.
    user: Option<String>,
    token: Option<String>,
    http: reqwest::Client,
}

impl Client {
    fn new(user: Option<(&str, &str)>) -> Client {
        Client {
            user: user.map(|(u, _)| u.to_owned()),
            token: user.map(|(_, t)| t.to_owned()),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .pool_max_idle_per_host(1)
                .build()
                .unwrap(),
        }
    }

    /// Asks for `path` as this client: the editors' interface with the session cookie, the
    /// API with the token as a bearer (how each is used).
    async fn ask(&self, base: &str, path: &str) -> (StatusCode, String) {
        let mut req = self.http.get(format!("{base}{path}"));
        if let Some(t) = &self.token {
            req = if path.starts_with("/api/") {
                req.bearer_auth(t)
            } else {
                req.header("cookie", format!("portico_session={t}"))
            };
        }
        let r = req.send().await.unwrap();
        (r.status(), r.text().await.unwrap_or_default())
    }

    /// What is wrong with an answer this client got, if anything.
    fn fault(&self, path: &str, status: StatusCode, body: &str) -> Option<String> {
        let shown_as = signed_in_as(body);
        match &self.user {
            None if status.is_success() || shown_as.is_some() => Some(format!(
                "anonymous GET {path}: {status}, signed in as {shown_as:?}"
            )),
            None => None,
            Some(me) => {
                if status == StatusCode::SEE_OTHER || status == StatusCode::UNAUTHORIZED {
                    return Some(format!(
                        "{me} GET {path}: got the anonymous answer {status}"
                    ));
                }
                match shown_as {
                    Some(who) if who != *me => Some(format!("{me} GET {path}: {who}'s page")),
                    _ => None,
                }
            }
        }
    }
}

/// Whose page or whose `/api/v1/me` an answer is.
fn signed_in_as(body: &str) -> Option<String> {
    if let Some(rest) = body.split("Đang đăng nhập: <strong>").nth(1) {
        return rest.split('<').next().map(str::to_owned);
    }
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    v["username"].as_str().map(str::to_owned)
}

/// Address by address, every client asks for it at once, `ROUNDS` times; the faults found.
async fn crowd(base: &str, paths: &[String], clients: &[Client]) -> Vec<String> {
    let base: Arc<str> = Arc::from(base);
    let mut faults = Vec::new();
    for path in paths {
        let mut tasks = Vec::new();
        for c in clients {
            for _ in 0..CLIENTS {
                let (c, base, path) = (c.clone(), base.clone(), path.clone());
                tasks.push(tokio::spawn(async move {
                    let mut faults = Vec::new();
                    for _ in 0..ROUNDS {
                        let (status, body) = c.ask(&base, &path).await;
                        faults.extend(c.fault(&path, status, &body));
                    }
                    faults
                }));
            }
        }
        for t in tasks {
            faults.extend(t.await.unwrap());
        }
    }
    faults
}

/// The editors' and the API's signed-in addresses of the issue, on the small network: the
/// desk, item lists, an item, users, questions, the audit export, `/api/v1/me`.
async fn signed_in_paths(s: &Server, admin: &str) -> Vec<String> {
    let item = s.article(admin, "main", "Bài của biên tập").await;
    let id = item.body["id"].as_i64().unwrap();
    [
        "/admin/",
        "/admin/sites/main/items",
        &format!("/admin/items/{id}"),
        "/admin/users",
        "/admin/sites/main/questions",
        "/admin/audit/export",
        "/api/v1/me",
        "/api/v1/sites/main/queue",
        "/api/v1/audit/export",
        &format!("/api/v1/items/{id}"),
    ]
    .map(str::to_owned)
    .to_vec()
}

async fn clients(s: &Server) -> Vec<Client> {
    let admin = s.login("admin").await;
    let editor = s.login("editor").await;
    vec![
        Client::new(Some(("admin", &admin))),
        Client::new(Some(("editor", &editor))),
        Client::new(None),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_signed_in_answer_reaches_anyone_else_at_a_node_or_through_the_edge() {
    let s = Server::start().await;
    let clients = clients(&s).await;
    let admin = clients[0].token.clone().unwrap();
    let paths = signed_in_paths(&s, &admin).await;
    // A signed-in answer is somebody's own: the node.
    let faults = crowd(&s.base, &paths, &clients).await;
    assert!(
        faults.is_empty(),
        "{} crossed answers at the node, e.g. {:?}",
        faults.len(),
        &faults[..faults.len().min(5)]
    );
    // And through the edge in front of it.
    let (edge, _stop) = crate::cache::start_edge(&[&s]).await;
    let faults = crowd(&edge, &paths, &clients).await;
    assert!(
        faults.is_empty(),
        "{} crossed answers through the edge, e.g. {:?}",
        faults.len(),
        &faults[..faults.len().min(5)]
    );
    // The public pages are still shared (the fix did not turn the cache off).
    let http = reqwest::Client::new();
    for _ in 0..2 {
        http.get(format!("{edge}/main/")).send().await.unwrap();
    }
    let r = http.get(format!("{edge}/main/")).send().await.unwrap();
    assert_eq!(r.headers()["x-cache"], "HIT");
    let mut seen = Vec::new();
    for _ in 0..2 {
        let r = http
            .get(format!("{}/main/", s.base))
            .header("cookie", "_ga=GA1.2.3")
            .send()
            .await
            .unwrap();
        seen.push(r.headers()["x-cache"].to_str().unwrap().to_owned());
    }
    assert_eq!(seen[1], "HIT", "a cookie not Portico's: {seen:?}");
}

/// A provider's discovery document and keys, enough for Portico to send a browser to it.
async fn provider() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let doc = serde_json::json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/auth"),
        "token_endpoint": format!("{base}/token"),
        "userinfo_endpoint": format!("{base}/me"),
        "jwks_uri": format!("{base}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    });
    let app = axum::Router::new()
        .route(
            "/.well-known/openid-configuration",
            axum::routing::get(move || {
                let doc = doc.clone();
                async move { axum::Json(doc) }
            }),
        )
        .route(
            "/jwks",
            axum::routing::get(|| async { axum::Json(serde_json::json!({"keys": []})) }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn people_starting_single_sign_on_at_once_each_get_their_own_pending_sign_in() {
    let issuer = provider().await;
    let s = Server::start_with(portico_api::ApiConfig {
        oidc: Some(portico_api::OidcConfig {
            issuer,
            client_id: "portico".into(),
            client_secret: None,
            public_url: "http://127.0.0.1:1".into(),
            groups_claim: "groups".into(),
            roles: Default::default(),
        }),
        ..Default::default()
    })
    .await;
    let (edge, _stop) = crate::cache::start_edge(&[&s]).await;
    for base in [&s.base, &edge] {
        let asked = (0..CLIENTS * 6).map(|_| {
            let base = base.clone();
            async move {
                let http = reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .unwrap();
                let r = http
                    .get(format!("{base}/auth/oidc/login"))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), StatusCode::SEE_OTHER);
                r.headers()
                    .get_all("set-cookie")
                    .iter()
                    .map(|c| c.to_str().unwrap().to_owned())
                    .find(|c| c.contains("portico_oidc="))
                    .expect("a pending sign-in cookie")
            }
        });
        let cookies = futures::future::join_all(asked).await;
        let distinct: std::collections::HashSet<_> = cookies.iter().collect();
        assert_eq!(
            distinct.len(),
            cookies.len(),
            "{base}: {} people shared a pending sign-in",
            cookies.len() - distinct.len()
        );
    }
}
