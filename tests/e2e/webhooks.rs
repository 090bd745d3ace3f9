//! Webhooks over real sockets: a receiver on 127.0.0.1 that the test controls.

use crate::support::Server;
use axum::http::{HeaderMap, StatusCode as AxStatus};
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SECRET: &str = "bi-mat-cua-cong-tinh-2026";

/// What the receiver does with each request.
#[derive(Clone, Copy)]
enum Mode {
    /// Answer 204.
    Accept,
    /// Answer 503 to the first `n` requests, then 204.
    FailFirst(usize),
    /// Never answer.
    Hang,
}

#[derive(Clone)]
struct Received {
    headers: HeaderMap,
    body: Vec<u8>,
    answered: u16,
}

struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    async fn start(mode: Mode) -> Receiver {
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let g = got.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
                let g = g.clone();
                async move {
                    let n = g.lock().unwrap().len();
                    let status = match mode {
                        Mode::Accept => AxStatus::NO_CONTENT,
                        Mode::FailFirst(k) if n < k => AxStatus::SERVICE_UNAVAILABLE,
                        Mode::FailFirst(_) => AxStatus::NO_CONTENT,
                        Mode::Hang => AxStatus::REQUEST_TIMEOUT,
                    };
                    g.lock().unwrap().push(Received {
                        headers,
                        body: body.to_vec(),
                        answered: status.as_u16(),
                    });
                    if let Mode::Hang = mode {
                        tokio::time::sleep(Duration::from_secs(3600)).await;
                    }
                    status
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver { url, got }
    }

    /// Waits until `n` requests arrived (at most 10 s) and returns them.
    async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = self.got.lock().unwrap().clone();
            if got.len() >= n || Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Quick retries, and the loopback network allowed (`--webhook-allow 127.0.0.0/8`) for the
/// test's own receiver.
fn fast_retries() -> portico_api::ApiConfig {
    portico_api::ApiConfig {
        webhooks: portico_api::WebhookConfig {
            timeout: Duration::from_secs(2),
            retry_base: Duration::from_millis(50),
            retry_max: Duration::from_millis(200),
            interval: Duration::from_millis(50),
            allow: vec![loopback()],
            ..Default::default()
        },
        ..Default::default()
    }
}

fn loopback() -> ipnet::IpNet {
    "127.0.0.0/8".parse().unwrap()
}

/// Checks the signature the way a receiver must: HMAC-SHA256 of "timestamp.body".
fn verify(r: &Received) -> Value {
    let ts = r.headers["x-portico-timestamp"].to_str().unwrap();
    let sig = r.headers["x-portico-signature"].to_str().unwrap();
    let hex = sig.strip_prefix("sha256=").expect("sha256= prefix");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{ts}.").as_bytes());
    mac.update(&r.body);
    let want: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(hex, want, "the signature verifies");
    let age = chrono::Utc::now().timestamp() - ts.parse::<i64>().unwrap();
    assert!((0..60).contains(&age), "the timestamp is now: {age}");
    serde_json::from_slice(&r.body).unwrap()
}

async fn register(s: &Server, token: &str, url: &str, extra: Value) -> crate::support::Reply {
    let mut body = json!({"url": url, "secret": SECRET});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    s.post("/api/v1/sites/main/webhooks", token, body).await
}

#[tokio::test]
async fn publish_update_and_withdrawal_arrive_signed_in_order_and_are_logged() {
    let s = Server::start_with(fast_retries()).await;
    let rx = Receiver::start(Mode::Accept).await;
    let (author, siteadmin, admin) = (
        s.login("author").await,
        s.login("siteadmin").await,
        s.login("admin").await,
    );

    let refused = register(&s, &author, &rx.url, json!({})).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{:?}", refused.body);
    assert!(refused.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("site_admin"));
    let bad = register(&s, &siteadmin, "javascript:alert(1)", json!({})).await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        bad.body
    );
    assert_eq!(bad.body["error"]["field"], "url");

    let created = register(&s, &siteadmin, &rx.url, json!({"kinds": ["article"]})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!(
        created.body["secret"], SECRET,
        "the secret is shown once, at creation"
    );
    let hook = created.body["id"].as_i64().unwrap();
    let listed = s.get("/api/v1/sites/main/webhooks", &siteadmin).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.body[0]["url"], rx.url.as_str());
    assert!(listed.body[0].get("secret").is_none(), "never shown again");

    // Published, updated, withdrawn; a document and another site's article are filtered out.
    let item = s
        .publish(&admin, "main", "Thông báo lịch tiếp công dân")
        .await;
    let id = item["id"].as_i64().unwrap();
    let saved = s
        .send(
            "PUT",
            &format!("/api/v1/items/{id}"),
            Some(&admin),
            Some(json!({"base_revision": 1, "fields": {"title": "Thông báo lịch tiếp công dân (sửa đổi)", "body": "Nội dung mới."}})),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{:?}", saved.body);
    for action in ["submit", "forward", "publish", "unpublish"] {
        let r = s.act(&admin, id, action).await;
        assert_eq!(r.status, StatusCode::OK, "{action}: {:?}", r.body);
    }
    s.publish(
        &admin,
        "so-tai-chinh",
        "Tin của sở, không thuộc webhook này",
    )
    .await;

    let got = rx.wait_for(3).await;
    assert_eq!(got.len(), 3, "three changes delivered");
    let bodies: Vec<Value> = got.iter().map(verify).collect();
    let kinds: Vec<&str> = bodies
        .iter()
        .map(|b| b["change"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["published", "published", "withdrawn"]);
    assert!(bodies.iter().all(|b| b["change"]["id"] == id));
    let seqs: Vec<i64> = bodies
        .iter()
        .map(|b| b["change"]["seq"].as_i64().unwrap())
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "in log order: {seqs:?}"
    );
    assert_eq!(got[0].headers["x-portico-event"], "published");
    assert_eq!(got[2].headers["content-type"], "application/json");
    assert_eq!(bodies[0]["delivery"], format!("{hook}-{}", seqs[0]));
    assert!(
        bodies[2]["change"]["item"].is_null(),
        "a withdrawn item carries no content"
    );

    // The log shows each change once, delivered at the first attempt (recorded a moment
    // after the receiver answered).
    let deadline = Instant::now() + Duration::from_secs(5);
    let log = loop {
        let log = s
            .get(
                &format!("/api/v1/sites/main/webhooks/{hook}/deliveries"),
                &siteadmin,
            )
            .await;
        if log.body.as_array().is_some_and(|a| a.len() >= 3) || Instant::now() > deadline {
            break log;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(log.status, StatusCode::OK, "{:?}", log.body);
    let log = log.body.as_array().unwrap().clone();
    assert_eq!(log.len(), 3, "{log:?}");
    assert!(log
        .iter()
        .all(|d| d["delivered"] == true && d["attempts"] == 1 && d["last_status"] == 204));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        rx.got.lock().unwrap().len(),
        3,
        "nothing delivered twice or extra"
    );
    // Nothing left to send: the sender's lag in /metrics comes back to zero.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let text = s.metrics().await;
        if text.lines().any(|l| l == "portico_webhook_lag_events 0") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "webhook lag never 0:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let gone = s
        .send(
            "DELETE",
            &format!("/api/v1/sites/main/webhooks/{hook}"),
            Some(&siteadmin),
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    s.publish(&admin, "main", "Sau khi gỡ webhook").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        rx.got.lock().unwrap().len(),
        3,
        "a removed endpoint hears nothing"
    );
    let missing = s
        .get(&format!("/api/v1/sites/main/webhooks/{hook}"), &siteadmin)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_failing_endpoint_is_retried_in_order_until_it_answers() {
    let s = Server::start_with(fast_retries()).await;
    let rx = Receiver::start(Mode::FailFirst(3)).await;
    let admin = s.login("admin").await;
    let created = register(&s, &admin, &rx.url, json!({"descendants": true})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let hook = created.body["id"].as_i64().unwrap();
    let first = s.publish(&admin, "main", "Tin thứ nhất").await;
    let second = s
        .publish(&admin, "so-tai-chinh", "Tin thứ hai, của sở")
        .await;

    let got = rx.wait_for(5).await;
    assert_eq!(got.len(), 5, "three failures, then both changes");
    let ids: Vec<i64> = got
        .iter()
        .map(|r| verify(r)["change"]["id"].as_i64().unwrap())
        .collect();
    let (a, b) = (
        first["id"].as_i64().unwrap(),
        second["id"].as_i64().unwrap(),
    );
    assert_eq!(
        ids,
        [a, a, a, a, b],
        "the first change is retried before the second goes"
    );
    let answered: Vec<u16> = got.iter().map(|r| r.answered).collect();
    assert_eq!(answered, [503, 503, 503, 204, 204]);
    let delivery: Vec<&str> = got
        .iter()
        .map(|r| r.headers["x-portico-delivery"].to_str().unwrap())
        .collect();
    assert!(
        delivery[..4].iter().all(|d| *d == delivery[0]),
        "retries keep their delivery id"
    );

    tokio::time::sleep(Duration::from_millis(200)).await;
    let log = s
        .get(
            &format!("/api/v1/sites/main/webhooks/{hook}/deliveries"),
            &admin,
        )
        .await
        .body;
    let first_log = log
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["item_id"] == a)
        .unwrap();
    assert_eq!(first_log["attempts"], 4);
    assert_eq!(first_log["delivered"], true);
    let state = s
        .get(&format!("/api/v1/sites/main/webhooks/{hook}"), &admin)
        .await
        .body;
    assert!(
        state["failing_since"].is_null() && state["last_error"].is_null(),
        "{state}"
    );
    assert!(
        state["last_failure_at"].is_string(),
        "the failures are remembered: {state}"
    );
}

#[tokio::test]
async fn a_dead_endpoint_never_slows_publishing() {
    let mut config = fast_retries();
    config.webhooks.timeout = Duration::from_secs(30);
    let s = Server::start_with(config).await;
    let hanging = Receiver::start(Mode::Hang).await;
    let admin = s.login("admin").await;
    let refused_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        format!("http://127.0.0.1:{port}/hook")
    };
    for url in [hanging.url.as_str(), refused_port.as_str()] {
        let r = register(&s, &admin, url, json!({})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    }
    s.publish(&admin, "main", "Tin khởi động").await;
    hanging.wait_for(1).await;
    let mut slowest = Duration::ZERO;
    for n in 0..10 {
        let started = Instant::now();
        s.publish(&admin, "main", &format!("Tin số {n} khi điểm nhận treo"))
            .await;
        slowest = slowest.max(started.elapsed());
    }
    // Four requests per publish; a blocked publish would wait for the 30 s timeout.
    assert!(
        slowest < Duration::from_secs(2),
        "a publish took {slowest:?}"
    );
    let hooks = s.get("/api/v1/sites/main/webhooks", &admin).await.body;
    let dead = hooks
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["url"] == refused_port.as_str())
        .unwrap();
    assert!(
        dead["last_error"]
            .as_str()
            .unwrap()
            .contains("could not connect"),
        "the admin sees why: {dead}"
    );
    assert_eq!(
        hanging.got.lock().unwrap().len(),
        1,
        "one delivery in flight; the later changes wait behind it, in order"
    );
}

#[tokio::test]
async fn webhooks_cannot_reach_inside_the_network() {
    let s = Server::start().await;
    let admin = s.login("admin").await;
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://[::1]:8080/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/hook",
        "http://192.168.1.10/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://localhost:5432/",
    ] {
        let r = register(&s, &admin, url, json!({})).await;
        assert_eq!(
            (r.status, r.code(), r.body["error"]["field"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_value",
                Some("url")
            ),
            "{url}: {:?}",
            r.body
        );
        assert!(
            r.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("--webhook-allow"),
            "{:?}",
            r.body
        );
    }

    // An endpoint that got in anyway (registered while the operator allowed loopback, or a
    // name re-pointed since) is not sent to: the sender checks every delivery.
    let rx = Receiver::start(Mode::Accept).await;
    let permissive = s
        .engine
        .clone()
        .with_webhook_targets(portico_engine::WebhookTargets {
            allow: vec![loopback()],
            ..Default::default()
        });
    let actor = {
        let e = s.engine.clone();
        tokio::task::spawn_blocking(move || e.actor_by_name("admin"))
            .await
            .unwrap()
            .unwrap()
    };
    let url = rx.url.clone();
    let hook = tokio::task::spawn_blocking(move || {
        permissive.create_webhook(
            &actor,
            "main",
            portico_engine::NewWebhookInput {
                url,
                secret: None,
                kinds: vec![],
                descendants: false,
            },
        )
    })
    .await
    .unwrap()
    .unwrap();
    s.publish(&admin, "main", "Tin không được gửi vào mạng nội bộ")
        .await;
    let path = format!("/api/v1/sites/main/webhooks/{}", hook.webhook.id);
    let deadline = Instant::now() + Duration::from_secs(10);
    let state = loop {
        let state = s.get(&path, &admin).await.body;
        if state["last_error"].is_string() {
            break state;
        }
        assert!(
            Instant::now() < deadline,
            "no failed delivery recorded: {state}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        state["last_error"]
            .as_str()
            .unwrap()
            .contains("public addresses only"),
        "{state}"
    );
    assert!(
        rx.got.lock().unwrap().is_empty(),
        "nothing reached the internal receiver"
    );
}

#[tokio::test]
async fn an_endpoint_failing_too_long_is_suspended_until_an_admin_resumes_it() {
    let mut config = fast_retries();
    config.webhooks.give_up_after = Duration::from_millis(400);
    let s = Server::start_with(config).await;
    let admin = s.login("admin").await;
    let rx = Receiver::start(Mode::FailFirst(usize::MAX)).await;
    let r = register(&s, &admin, &rx.url, json!({})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let path = format!("/api/v1/sites/main/webhooks/{}", r.body["id"]);
    s.publish(&admin, "main", "Tin cho điểm nhận hỏng").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let state = s.get(&path, &admin).await.body;
        if state["suspended"] == true {
            assert!(state["failing_since"].is_string(), "{state}");
            break;
        }
        assert!(Instant::now() < deadline, "never suspended: {state}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Suspended: no more attempts.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let attempts = rx.got.lock().unwrap().len();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        rx.got.lock().unwrap().len(),
        attempts,
        "attempts went on while suspended"
    );

    // Only a site admin resumes it; then it is tried again.
    let author = s.login("author").await;
    let refused = s.post(&format!("{path}/resume"), &author, json!({})).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let resumed = s.post(&format!("{path}/resume"), &admin, json!({})).await;
    assert_eq!(resumed.status, StatusCode::OK, "{:?}", resumed.body);
    assert_eq!(resumed.body["suspended"], false);
    let more = rx.wait_for(attempts + 1).await;
    assert!(more.len() > attempts, "a resumed endpoint is tried again");
}
