//! Starts a real server on 127.0.0.1:0 over a fresh data folder, with a small network:
//! `main` and `so-tai-chinh`, each with a channel, and users holding one role on `main`.

use portico_engine::{Engine, HashCost, SystemClock};
use portico_storage::{Durability, SqliteStore};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

pub const PASSWORD: &str = "mat-khau-thu";

pub struct Server {
    pub base: String,
    pub http: reqwest::Client,
    pub engine: Engine,
    _dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// A response: status and JSON body (`Null` when the body is empty or not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Reply {
    /// The error code of an error body.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

impl Server {
    /// How many events the log holds (off the async threads, as the server calls the store).
    pub async fn event_count(&self) -> usize {
        let e = self.engine.clone();
        tokio::task::spawn_blocking(move || e.events_after(0, 100_000).map(|v| v.len()))
            .await
            .expect("join")
            .expect("events")
    }

    /// Waits until this node's followers (search index, cache purger) have taken in every
    /// event in the log now: after it, a change that should not show does not show because
    /// it was hidden, not because it had not arrived yet. Reads the node's own `/metrics`.
    /// The node's `/metrics` text.
    pub async fn metrics(&self) -> String {
        self.http
            .get(format!("{}/metrics", self.base))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("metrics body")
    }

    pub async fn settled(&self) {
        let e = self.engine.clone();
        let head = tokio::task::spawn_blocking(move || e.last_event_seq())
            .await
            .expect("join")
            .expect("head");
        let started = std::time::Instant::now();
        loop {
            let text = self.metrics().await;
            let gauge = |name: &str| -> i64 {
                text.lines()
                    .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
                    .unwrap_or(-1)
            };
            if gauge("portico_event_log_head") >= head
                && gauge("portico_search_lag_events") == 0
                && gauge("portico_purge_lag_events") == 0
            {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the followers did not reach event {head} in 10 s:\n{text}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    pub async fn start() -> Server {
        Self::start_with(portico_api::ApiConfig {
            scheduler_interval: Duration::from_millis(100),
            ..Default::default()
        })
        .await
    }

    pub async fn start_with(config: portico_api::ApiConfig) -> Server {
        Self::start_with_blobs(config, None).await
    }

    /// A server whose media live in `blobs` (a folder in its temporary data when `None`).
    pub async fn start_with_blobs(
        config: portico_api::ApiConfig,
        blobs: Option<portico_storage::BlobConfig>,
    ) -> Server {
        let dir = tempfile::tempdir().expect("tempdir");
        let blobs =
            blobs.unwrap_or_else(|| portico_storage::BlobConfig::Local(dir.path().join("media")));
        let blobs = Arc::new(portico_storage::ObjectBlobs::open(&blobs).expect("blob store"));
        let store = open_store(dir.path()).await;
        let engine = Engine::new(store, Arc::new(SystemClock))
            .with_renderer(Arc::new(portico_themes::MarkdownRenderer))
            .with_hash_cost(HashCost::TestsOnly);
        let e = engine.clone();
        tokio::task::spawn_blocking(move || seed(&e))
            .await
            .expect("seed");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let search = Arc::new(
            portico_search::SearchIndex::open(&dir.path().join("index")).expect("search index"),
        );
        tokio::spawn(portico_api::serve(
            listener,
            engine.clone(),
            search,
            blobs,
            config,
            async {
                let _ = stopped.await;
            },
        ));
        Server {
            base,
            http: reqwest::Client::new(),
            engine,
            _dir: dir,
            _stop: stop,
        }
    }

    pub async fn login(&self, user: &str) -> String {
        let r = self
            .send(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(json!({"username": user, "password": PASSWORD})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "login {user}: {:?}", r.body);
        r.body["token"].as_str().expect("token").to_owned()
    }

    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut req = self.http.request(
            method.parse().expect("method"),
            format!("{}{path}", self.base),
        );
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            headers,
        }
    }

    /// A GET without a token, read as bytes: status, content type, body.
    pub async fn fetch(&self, path: &str) -> (StatusCode, String, Vec<u8>) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request");
        let status = r.status();
        let ctype = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (status, ctype, r.bytes().await.expect("body").to_vec())
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.send("GET", path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Reply {
        self.send("POST", path, Some(token), Some(body)).await
    }

    /// Creates an article on `site` as the owner of `token`.
    pub async fn article(&self, token: &str, site: &str, title: &str) -> Reply {
        self.post(
            &format!("/api/v1/sites/{site}/items"),
            token,
            json!({"kind": "article", "channels": ["tin-tuc-su-kien"], "fields": {"title": title, "body": "Nội dung bài viết."}}),
        )
        .await
    }

    /// Creates an article on `site` and takes it through the three steps; `token` must hold
    /// every role there (the admin's does).
    pub async fn publish(&self, token: &str, site: &str, title: &str) -> Value {
        let created = self.article(token, site, title).await;
        self.through_the_steps(token, created).await
    }

    /// Creates an item from `body` (kind, channels, fields) on `site` and publishes it.
    pub async fn publish_item(&self, token: &str, site: &str, body: Value) -> Value {
        let created = self
            .post(&format!("/api/v1/sites/{site}/items"), token, body)
            .await;
        self.through_the_steps(token, created).await
    }

    async fn through_the_steps(&self, token: &str, created: Reply) -> Value {
        assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
        let id = created.body["id"].as_i64().expect("id");
        for action in ["submit", "forward", "publish"] {
            let r = self.act(token, id, action).await;
            assert_eq!(r.status, StatusCode::OK, "{action}: {:?}", r.body);
        }
        created.body
    }

    pub async fn act(&self, token: &str, id: i64, action: &str) -> Reply {
        let mut body = json!({"action": action});
        if action == "return" {
            body["comment"] = json!("Cần bổ sung số liệu.");
        }
        if action == "schedule" {
            body["at"] = json!((chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339());
        }
        self.post(&format!("/api/v1/items/{id}/transitions"), token, body)
            .await
    }
}

fn seed(e: &Engine) {
    portico_demo::seed_small_network(e, PASSWORD).expect("the small network");
}

/// The store a test server runs on: SQLite in its folder, or with
/// `PORTICO_TEST_STORE=postgres` a fresh PostgreSQL database (to run every HTTP test on
/// PostgreSQL; the store contract tests and the multi-node test always cover both).
async fn open_store(dir: &std::path::Path) -> Arc<dyn portico_engine::Store> {
    if std::env::var("PORTICO_TEST_STORE").is_ok_and(|v| v == "postgres") {
        // Connecting runs the client's own runtime: not on this async thread.
        return tokio::task::spawn_blocking(|| {
            let cluster = crate::pg_server::cluster().expect("PostgreSQL for PORTICO_TEST_STORE");
            let store = portico_storage::PgStore::connect(&cluster.fresh_database());
            Arc::new(store.expect("connect to postgres")) as Arc<dyn portico_engine::Store>
        })
        .await
        .expect("open store");
    }
    Arc::new(SqliteStore::open(&dir.join("portico.db"), Durability::Normal).expect("open store"))
}
