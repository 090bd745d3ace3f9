//! The response cache of `portico serve` and the `portico edge` proxy, over real sockets.

use crate::support::Server;
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};

pub(crate) const TOKEN: &str = "the-edge-token-of-this-test";

struct Got {
    status: StatusCode,
    cache: String,
    age: Option<u64>,
    body: String,
}

async fn get(http: &reqwest::Client, url: &str) -> Got {
    let r = http.get(url).send().await.expect("request");
    let h = |k: &str| {
        r.headers()
            .get(k)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (status, cache, age) = (
        r.status(),
        h("x-cache").unwrap_or_default(),
        h("age").and_then(|a| a.parse().ok()),
    );
    Got {
        status,
        cache,
        age,
        body: r.text().await.unwrap_or_default(),
    }
}

/// Requests answered without their own origin request: from memory, or waiting on another's.
async fn served(s: &Server) -> u64 {
    metric(s, "portico_cache_hits_total").await + metric(s, "portico_cache_coalesced_total").await
}

/// A counter from `/metrics`.
async fn metric(s: &Server, name: &str) -> u64 {
    let text = s.metrics().await;
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name} not in /metrics:\n{text}"))
}

/// Waits until the node's search index and purger have taken in every event, so that no
/// purge still on its way lands in the middle of what a test checks.
async fn settled(s: &Server) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let e = s.engine.clone();
    let head = tokio::task::spawn_blocking(move || e.last_event_seq())
        .await
        .unwrap()
        .unwrap() as u64;
    while metric(s, "portico_event_log_head").await < head
        || metric(s, "portico_search_lag_events").await > 0
        || metric(s, "portico_purge_lag_events").await > 0
    {
        assert!(Instant::now() < deadline, "the node never caught up");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn item_page(site: &str, created: &serde_json::Value) -> String {
    format!(
        "/{site}/tin-tuc-su-kien/{}",
        created["slug"].as_str().unwrap()
    )
}

#[tokio::test]
async fn publishing_purges_its_page_its_sites_lists_and_the_network_feeds_and_nothing_else() {
    let s = Server::start().await;
    let admin = s.login("admin").await;
    let r = s
        .send(
            "POST",
            "/api/v1/sites/main/channels",
            Some(&admin),
            Some(json!({"name": "Thông báo", "slug": "thong-bao"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let x = s.publish(&admin, "main", "Bài X về chuyển đổi số").await;
    let y = s.publish(&admin, "main", "Bài Y về giao thông").await;
    let z = s
        .publish(&admin, "so-tai-chinh", "Bài Z về ngân sách")
        .await;
    let xid = x["id"].as_i64().unwrap();
    let x_api = format!(
        "/api/v1/public/sites/main/items/{}",
        x["slug"].as_str().unwrap()
    );
    let changed = [
        item_page("main", &x),
        x_api.clone(),
        "/main/".to_owned(),
        "/main/feed.rss".to_owned(),
        "/feed.rss".to_owned(),
        "/api/v1/public/sites/main/items".to_owned(),
        "/api/v1/public/search?q=chuyen+doi+so".to_owned(),
        // X's channel and kind.
        "/main/tin-tuc-su-kien/".to_owned(),
        "/api/v1/public/sites/main/items?channel=tin-tuc-su-kien".to_owned(),
        "/api/v1/public/sites/main/items?kind=article".to_owned(),
    ];
    let untouched = [
        item_page("main", &y),
        item_page("so-tai-chinh", &z),
        "/so-tai-chinh/".to_owned(),
        "/so-tai-chinh/feed.rss".to_owned(),
        "/api/v1/public/sites/so-tai-chinh/items".to_owned(),
        // Lists of its own site that cannot contain X: another channel, another kind.
        "/main/thong-bao/".to_owned(),
        "/main/thong-bao/feed.rss".to_owned(),
        "/api/v1/public/sites/main/items?channel=thong-bao".to_owned(),
        "/main/van-ban".to_owned(),
        "/api/v1/public/sites/main/items?kind=document".to_owned(),
    ];
    settled(&s).await;
    for p in changed.iter().chain(&untouched) {
        let url = format!("{}{p}", s.base);
        assert_eq!(get(&s.http, &url).await.status, StatusCode::OK, "{p}");
        // An address with a query is kept from its second asking on (`cache/admission.rs`).
        if p.contains('?') {
            assert_eq!(
                get(&s.http, &url).await.cache,
                "MISS",
                "{p} asked once so far"
            );
        }
        assert_eq!(get(&s.http, &url).await.cache, "HIT", "{p} is kept");
    }

    // A new version of X, published.
    let r = s
        .send(
            "PUT",
            &format!("/api/v1/items/{xid}"),
            Some(&admin),
            Some(json!({"base_revision": 1, "fields": {"title": "Bài X đã sửa", "body": "Nội dung mới."}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    for action in ["submit", "forward", "publish"] {
        assert_eq!(s.act(&admin, xid, action).await.status, StatusCode::OK);
    }
    // The writer's node purged at once: no waiting here.
    for p in &changed[..5] {
        let g = get(&s.http, &format!("{}{p}", s.base)).await;
        assert_eq!(g.cache, "MISS", "{p} was purged");
        assert!(g.body.contains("Bài X đã sửa"), "{p} shows the new title");
    }
    for p in &untouched {
        let g = get(&s.http, &format!("{}{p}", s.base)).await;
        assert_eq!(g.cache, "HIT", "{p} belongs elsewhere and stays cached");
    }

    for p in &changed[5..] {
        let g = get(&s.http, &format!("{}{p}", s.base)).await;
        assert_eq!(g.cache, "MISS", "{p} was purged");
    }

    // Moved to the other channel by its next version: both channels' lists change, when
    // that version is published (saving the draft changes nothing public).
    let r = s
        .send(
            "PUT",
            &format!("/api/v1/items/{xid}"),
            Some(&admin),
            Some(json!({"base_revision": 2, "fields": {"title": "Bài X đã sửa", "body": "Nội dung mới."},
                        "channels": ["thong-bao"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let news = format!("{}/main/tin-tuc-su-kien/", s.base);
    let notices = format!("{}/main/thong-bao/", s.base);
    assert!(get(&s.http, &news).await.body.contains("Bài X đã sửa"));
    assert!(!get(&s.http, &notices).await.body.contains("Bài X đã sửa"));
    for action in ["submit", "forward", "publish"] {
        assert_eq!(s.act(&admin, xid, action).await.status, StatusCode::OK);
    }
    let g = get(&s.http, &news).await;
    assert_eq!(g.cache, "MISS");
    assert!(!g.body.contains("Bài X đã sửa"), "X left this channel");
    let g = get(&s.http, &notices).await;
    assert_eq!(g.cache, "MISS");
    assert!(g.body.contains("Bài X đã sửa"), "X entered this channel");

    // Withdrawn: gone from its page and its lists at once, never served from memory.
    assert_eq!(s.act(&admin, xid, "unpublish").await.status, StatusCode::OK);
    let g = get(&s.http, &format!("{}{x_api}", s.base)).await;
    assert_eq!(g.status, StatusCode::NOT_FOUND);
    let g = get(&s.http, &format!("{}/main/feed.rss", s.base)).await;
    assert!(!g.body.contains("Bài X đã sửa"));
}

#[tokio::test]
async fn a_hundred_concurrent_requests_for_one_page_make_one_render() {
    let s = Server::start().await;
    let admin = s.login("admin").await;
    s.publish(&admin, "so-tai-chinh", "Thông báo về thu ngân sách")
        .await;
    settled(&s).await;
    let before = metric(&s, "portico_cache_origin_fetches_total").await;
    let waited_or_hit = served(&s).await;
    let url = format!("{}/so-tai-chinh/", s.base);
    let all = futures::future::join_all((0..100).map(|_| get(&s.http, &url))).await;
    assert!(all.iter().all(|g| g.status == StatusCode::OK));
    assert!(all.iter().all(|g| g.body == all[0].body));
    assert!(all[0].body.contains("Thông báo về thu ngân sách"));
    let after = metric(&s, "portico_cache_origin_fetches_total").await;
    assert_eq!(after - before, 1, "one render for 100 concurrent requests");
    // The other 99 waited for that render or, arriving after it, found it stored.
    assert_eq!(served(&s).await - waited_or_hit, 99);
}

#[tokio::test]
async fn metrics_and_readiness_describe_the_node() {
    let s = Server::start().await;
    // Ready once the search index and the purger have started.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = s
            .http
            .get(format!("{}/readyz", s.base))
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::OK {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "never ready: {}",
            r.text().await.unwrap()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    s.fetch("/main/").await;
    s.fetch("/main/").await;
    let text = s.metrics().await;
    for needle in [
        "portico_http_requests_total{method=\"GET\",route=\"/{site}/\",status=\"200\"} 1",
        "portico_http_requests_total{method=\"GET\",route=\"cached\",status=\"200\"} 1",
        "portico_http_request_duration_seconds_bucket{le=",
        "portico_cache_hits_total 1",
        "portico_cache_bytes ",
        "portico_search_lag_events 0",
        "portico_purge_lag_events ",
        "portico_scheduler_ok 1",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
}

pub(crate) async fn start_edge(origins: &[&Server]) -> (String, tokio::sync::oneshot::Sender<()>) {
    start_edge_with(origins, portico_api::edge::EdgeConfig::default()).await
}

pub(crate) async fn start_edge_with(
    origins: &[&Server],
    config: portico_api::edge::EdgeConfig,
) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let config = portico_api::edge::EdgeConfig {
        origins: origins.iter().map(|s| s.base.parse().unwrap()).collect(),
        token: Some(TOKEN.into()),
        health_interval: Duration::from_millis(200),
        ..config
    };
    tokio::spawn(portico_api::edge::run(listener, config, async {
        let _ = stopped.await;
    }));
    (base, stop)
}

/// Waits until the edge has followed each origin's invalidations up to its log's head
/// (`/_edge/status` says how far).
pub(crate) async fn edge_caught_up(http: &reqwest::Client, edge: &str, origins: &[&Server]) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status: serde_json::Value = http
            .get(format!("{edge}/_edge/status"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut behind = false;
        for (i, o) in origins.iter().enumerate() {
            let e = o.engine.clone();
            let head = tokio::task::spawn_blocking(move || e.last_event_seq())
                .await
                .unwrap()
                .unwrap();
            behind |= status["origins"][i]["invalidations_seen"]
                .as_i64()
                .unwrap_or(-1)
                < head;
        }
        if !behind {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the edge never caught up: {status}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn origin() -> Server {
    Server::start_with(portico_api::ApiConfig {
        scheduler_interval: Duration::from_millis(100),
        edge_token: Some(TOKEN.into()),
        ..Default::default()
    })
    .await
}

#[tokio::test]
async fn the_edge_shows_a_publish_within_a_second_and_serves_stale_when_its_origin_dies() {
    let a = origin().await;
    let admin = a.login("admin").await;
    a.publish(&admin, "main", "Tin đầu tiên").await;
    let (edge, _stop) = start_edge(&[&a]).await;
    let home = format!("{edge}/main/");
    let first = get(&a.http, &home).await;
    assert_eq!(
        (first.status, first.cache.as_str()),
        (StatusCode::OK, "MISS")
    );
    assert_eq!(get(&a.http, &home).await.cache, "HIT");
    // The edge's invalidation stream has reached the origin's head.
    edge_caught_up(&a.http, &edge, &[&a]).await;

    let started = Instant::now();
    a.publish(&admin, "main", "Tin mới nhất về lũ quét").await;
    loop {
        let g = get(&a.http, &home).await;
        if g.body.contains("Tin mới nhất về lũ quét") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "the edge still shows the old home after 1 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Operators purge by tag, with the token only.
    let purge = |token: Option<&str>| {
        let mut r = a
            .http
            .request(reqwest::Method::from_bytes(b"PURGE").unwrap(), &home)
            .header("surrogate-key", "sites");
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    assert_eq!(
        purge(None).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(get(&a.http, &home).await.cache, "HIT");
    let r = purge(Some(TOKEN)).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(get(&a.http, &home).await.cache, "MISS");
    assert_eq!(get(&a.http, &home).await.cache, "HIT");

    // Admin calls pass through, uncached.
    let r = a
        .http
        .get(format!("{edge}/api/v1/me"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // Every purge the origin owes the edge has arrived (a loaded machine may deliver the
    // last of the publish's late), and the home page is held.
    edge_caught_up(&a.http, &edge, &[&a]).await;
    get(&a.http, &home).await;
    assert_eq!(get(&a.http, &home).await.cache, "HIT");

    // The origin dies: the edge keeps serving what it has, with an honest Age.
    let http = a.http.clone();
    let origin_base = a.base.clone();
    drop(a);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let g = get(&http, &home).await;
    assert_eq!(g.status, StatusCode::OK);
    assert!(g.body.contains("Tin mới nhất về lũ quét"));
    assert!(g.age.is_some_and(|a| a >= 1), "Age {:?}", g.age);
    let g = get(&http, &format!("{edge}/main/feed.atom")).await;
    assert_eq!(
        g.status,
        StatusCode::BAD_GATEWAY,
        "nothing cached, nobody to ask"
    );
    assert!(g.body.contains("origin_unreachable"), "{}", g.body);
    // A browser gets a page, a POST the error JSON; neither names the origin, and both say
    // when to come back.
    let origin_port = origin_base.rsplit(':').next().unwrap().to_owned();
    let page = http
        .get(format!("{edge}/main/chua-co-trong-bo-nho"))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(page.headers()["retry-after"], "5");
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains("Tạm thời gián đoạn"), "{html}");
    let post = http
        .post(format!("{edge}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "x", "password": "y"}))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), StatusCode::BAD_GATEWAY);
    let json = post.text().await.unwrap();
    for answer in [&html, &json] {
        assert!(
            !answer.contains("127.0.0.1") && !answer.contains(&origin_port),
            "an internal address leaked: {answer}"
        );
    }
}

#[tokio::test]
async fn the_edge_fails_over_to_the_next_origin() {
    let a = origin().await;
    let b = origin().await;
    for s in [&a, &b] {
        let admin = s.login("admin").await;
        s.publish(&admin, "main", "Tin có ở cả hai nút").await;
    }
    let (edge, _stop) = start_edge(&[&a, &b]).await;
    let http = a.http.clone();
    drop(a);
    // Every request succeeds, cached or not, whichever origin the edge tries first.
    for p in [
        "/main/",
        "/so-tai-chinh/",
        "/feed.rss",
        "/api/v1/public/sites/main/items",
        "/main/",
    ] {
        let g = get(&http, &format!("{edge}{p}")).await;
        assert_eq!(g.status, StatusCode::OK, "{p}: {}", g.body);
    }
    let status: serde_json::Value = http
        .get(format!("{edge}/_edge/status"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["origins"][0]["up"], false, "{status}");
    assert_eq!(status["origins"][1]["up"], true, "{status}");
}

/// GETs `url` with `Accept-Encoding: ae` and returns the coding and the decoded text.
async fn decoded(http: &reqwest::Client, url: &str, ae: Option<&str>) -> (String, String, String) {
    use std::io::Read;
    let mut req = http.get(url);
    if let Some(ae) = ae {
        req = req.header("accept-encoding", ae);
    }
    let r = req.send().await.expect("request");
    let h = |k: &str| {
        r.headers()
            .get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (coding, vary) = (h("content-encoding"), h("vary"));
    let bytes = r.bytes().await.expect("body");
    let mut text = String::new();
    match coding.as_str() {
        "br" => {
            brotli::Decompressor::new(&bytes[..], 4096)
                .read_to_string(&mut text)
                .expect("brotli");
        }
        "gzip" => {
            flate2::read::GzDecoder::new(&bytes[..])
                .read_to_string(&mut text)
                .expect("gzip");
        }
        _ => text = String::from_utf8(bytes.to_vec()).expect("utf-8"),
    }
    (coding, vary, text)
}

#[tokio::test]
async fn pages_go_out_compressed_from_the_node_and_from_the_edge() {
    let a = origin().await;
    let (edge, _stop) = start_edge(&[&a]).await;
    for base in [a.base.as_str(), edge.as_str()] {
        let home = format!("{base}/main/");
        let (coding, vary, text) = decoded(&a.http, &home, Some("gzip, deflate, br")).await;
        assert_eq!(coding, "br", "{home}");
        assert!(vary.contains("Accept-Encoding"), "{vary}");
        assert!(text.contains("</html>"), "{home}: whole");
        let (coding, _, text2) = decoded(&a.http, &home, Some("gzip")).await;
        assert_eq!(coding, "gzip");
        assert_eq!(text, text2);
        let (coding, _, text3) = decoded(&a.http, &home, None).await;
        assert_eq!(coding, "");
        assert_eq!(text, text3);
        // JSON too; what is small is not worth it.
        let (coding, _, _) =
            decoded(&a.http, &format!("{base}/api/v1/openapi.json"), Some("br")).await;
        assert_eq!(coding, "br");
        let (coding, _, _) = decoded(&a.http, &format!("{base}/main/feed.atom"), Some("br")).await;
        assert_eq!(coding, "", "a feed of 300 bytes goes as it is");
        // The editors' pages, which no cache keeps, are compressed on their way out.
        let (coding, _, text) =
            decoded(&a.http, &format!("{base}/admin/login"), Some("gzip")).await;
        assert_eq!(coding, "gzip", "{base}/admin/login");
        assert!(text.contains("</form>"));
    }
}

#[tokio::test]
async fn the_edge_limits_requests_per_client_address() {
    let a = origin().await;
    let (edge, _stop) = start_edge_with(
        &[&a],
        portico_api::edge::EdgeConfig {
            rate_limit: Some(portico_api::edge::rate::RateLimit {
                per_second: 2.0,
                burst: 5.0,
            }),
            trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
            ..Default::default()
        },
    )
    .await;
    let home = format!("{edge}/main/");
    let send = |client: &'static str| {
        let http = a.http.clone();
        let url = home.clone();
        async move {
            http.get(url)
                .header("x-forwarded-for", client)
                .send()
                .await
                .unwrap()
        }
    };
    let mut limited = None;
    for i in 0..8 {
        let r = send("203.0.113.9").await;
        if i < 5 {
            assert_eq!(
                r.status(),
                StatusCode::OK,
                "request {i} is within the burst"
            );
        } else if r.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(r);
        }
    }
    let r = limited.expect("past the burst, a 429");
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry), "{retry}");
    // Another citizen behind the same trusted proxy has a bucket of their own.
    assert_eq!(send("198.51.100.4").await.status(), StatusCode::OK);
    let metrics = a
        .http
        .get(format!("{edge}/_edge/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let n: u64 = metrics
        .lines()
        .find(|l| l.starts_with("portico_requests_rate_limited_total"))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!(n >= 1, "{metrics}");
    // The sustained rate comes back.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(send("203.0.113.9").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_node_and_the_edge_speak_http2_with_prior_knowledge_and_http1() {
    let a = origin().await;
    let (edge, _stop) = start_edge(&[&a]).await;
    let h2 = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    for base in [a.base.as_str(), edge.as_str()] {
        let r = h2.get(format!("{base}/main/")).send().await.unwrap();
        assert_eq!(r.version(), reqwest::Version::HTTP_2, "{base}");
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.text().await.unwrap().contains("</html>"));
        let r = a.http.get(format!("{base}/main/")).send().await.unwrap();
        assert_eq!(r.version(), reqwest::Version::HTTP_11, "{base}");
    }
}
