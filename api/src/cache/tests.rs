//! The cache against a scripted origin: what it stores, when it asks again, what it serves
//! when the origin fails.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use std::sync::atomic::AtomicUsize;

/// Status, headers and body of the scripted answer.
type Answer = (u16, Vec<(&'static str, String)>, &'static str);

/// An origin whose answer the test sets, counting the requests it gets.
#[derive(Clone, Default)]
struct Origin {
    calls: Arc<AtomicUsize>,
    answer: Arc<Mutex<Option<Answer>>>,
    seen: Arc<Mutex<Vec<HeaderMap>>>,
}

impl Origin {
    fn set(&self, status: u16, headers: &[(&'static str, &str)], body: &'static str) {
        *self.answer.lock().unwrap() = Some((
            status,
            headers.iter().map(|(k, v)| (*k, v.to_string())).collect(),
            body,
        ));
    }
    fn down(&self) {
        *self.answer.lock().unwrap() = None;
    }
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
    fn fetch(&self) -> Fetch {
        let o = self.clone();
        Arc::new(move |parts: request::Parts| {
            let o = o.clone();
            async move {
                o.calls.fetch_add(1, Ordering::SeqCst);
                o.seen.lock().unwrap().push(parts.headers.clone());
                tokio::time::sleep(Duration::from_millis(20)).await;
                let Some((status, headers, body)) = o.answer.lock().unwrap().clone() else {
                    return Err(FetchError("connection refused".into()));
                };
                // A real origin answers a matching If-None-Match with 304.
                let etag = headers
                    .iter()
                    .find(|(k, _)| *k == "etag")
                    .map(|(_, v)| v.clone());
                let inm = parts
                    .headers
                    .get(header::IF_NONE_MATCH)
                    .and_then(|v| v.to_str().ok());
                let mut b = Response::builder().status(status);
                for (k, v) in &headers {
                    b = b.header(*k, v);
                }
                if etag.is_some() && etag.as_deref() == inm {
                    return Ok(b.status(304).body(Body::empty()).unwrap());
                }
                Ok(b.body(Body::from(body)).unwrap())
            }
            .boxed()
        })
    }
}

fn get(path: &str, headers: &[(&str, &str)]) -> request::Parts {
    let mut b = axum::http::Request::builder()
        .uri(path)
        .header("host", "portal.test");
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(()).unwrap().into_parts().0
}

async fn body(r: Response<Body>) -> String {
    String::from_utf8(
        axum::body::to_bytes(r.into_body(), 1 << 20)
            .await
            .unwrap()
            .to_vec(),
    )
    .unwrap()
}

fn xcache(r: &Response<Body>) -> &str {
    r.headers().get("x-cache").unwrap().to_str().unwrap()
}

const FRESH: &str = "public, max-age=60, stale-while-revalidate=300, stale-if-error=86400";

#[tokio::test]
async fn a_fresh_answer_is_served_from_memory_and_a_purge_drops_exactly_its_tags() {
    let cache = HttpCache::new(CacheConfig::default());
    let o = Origin::default();
    o.set(
        200,
        &[("cache-control", FRESH), ("surrogate-key", "site:1 item:7")],
        "bài 7",
    );
    let f = o.fetch();
    let r = cache.handle(get("/a", &[]), &f).await;
    assert_eq!(xcache(&r), "MISS");
    assert_eq!(body(r).await, "bài 7");
    let r = cache.handle(get("/a", &[]), &f).await;
    assert_eq!(xcache(&r), "HIT");
    assert_eq!(body(r).await, "bài 7");
    o.set(
        200,
        &[("cache-control", FRESH), ("surrogate-key", "site:2")],
        "khác",
    );
    cache.handle(get("/b", &[]), &f).await;
    assert_eq!(o.calls(), 2);

    assert_eq!(cache.purge(&["item:7"]), 1);
    let r = cache.handle(get("/b", &[]), &f).await;
    assert_eq!(xcache(&r), "HIT", "another tag is untouched");
    let r = cache.handle(get("/a", &[]), &f).await;
    assert_eq!(xcache(&r), "MISS", "purged");
    assert_eq!(o.calls(), 3);
    // Tags of a replaced entry do not keep pointing at it forever, nor miss it.
    assert_eq!(
        cache.purge(&["site:2"]),
        2,
        "/a now carries site:2 too, and /b"
    );
}

#[tokio::test]
async fn a_hundred_concurrent_misses_make_one_origin_request() {
    let cache = HttpCache::new(CacheConfig::default());
    let o = Origin::default();
    o.set(200, &[("cache-control", FRESH)], "trang chủ");
    let f = o.fetch();
    let all = futures::future::join_all((0..100).map(|_| cache.handle(get("/", &[]), &f))).await;
    assert_eq!(o.calls(), 1);
    for r in all {
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(body(r).await, "trang chủ");
    }
    assert_eq!(cache.stats().coalesced.load(Ordering::Relaxed), 99);
}

#[tokio::test]
async fn what_must_not_be_stored_is_not() {
    let cache = HttpCache::new(CacheConfig::default());
    let o = Origin::default();
    let f = o.fetch();
    for (i, cc) in ["no-store", "private, max-age=60", "no-cache", "max-age=0"]
        .into_iter()
        .enumerate()
    {
        o.set(200, &[("cache-control", cc)], "x");
        cache.handle(get(&format!("/{i}"), &[]), &f).await;
        let r = cache.handle(get(&format!("/{i}"), &[]), &f).await;
        assert_eq!(xcache(&r), "MISS", "{cc}");
    }
    o.set(200, &[], "no freshness at all");
    cache.handle(get("/none", &[]), &f).await;
    assert_eq!(xcache(&cache.handle(get("/none", &[]), &f).await), "MISS");
    o.set(
        200,
        &[("cache-control", "max-age=60"), ("set-cookie", "a=b")],
        "cookie",
    );
    cache.handle(get("/cookie", &[]), &f).await;
    assert_eq!(xcache(&cache.handle(get("/cookie", &[]), &f).await), "MISS");
    assert!(!shared_request(&Method::POST, "/main/", &HeaderMap::new()));
    let mut auth = HeaderMap::new();
    auth.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer x"));
    assert!(!shared_request(&Method::GET, "/main/", &auth));
}

#[tokio::test]
async fn head_is_answered_from_get_and_validators_give_304() {
    let cache = HttpCache::new(CacheConfig::default());
    let o = Origin::default();
    o.set(
        200,
        &[("cache-control", FRESH), ("etag", "\"v1\"")],
        "nội dung",
    );
    let f = o.fetch();
    cache.handle(get("/p", &[]), &f).await;
    let mut head = get("/p", &[]);
    head.method = Method::HEAD;
    let r = cache.handle(head, &f).await;
    assert_eq!(xcache(&r), "HIT");
    assert_eq!(
        r.headers()[header::CONTENT_LENGTH],
        "nội dung".len().to_string().as_str()
    );
    assert_eq!(body(r).await, "");
    let r = cache
        .handle(get("/p", &[("if-none-match", "\"v1\"")]), &f)
        .await;
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    let r = cache
        .handle(get("/p", &[("if-none-match", "\"v0\"")]), &f)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(o.calls(), 1);
}

#[tokio::test]
async fn vary_keeps_one_answer_per_header_value() {
    let cache = HttpCache::new(CacheConfig::default());
    let o = Origin::default();
    let f = o.fetch();
    o.set(200, &[("cache-control", FRESH), ("vary", "Accept")], "webp");
    cache
        .handle(get("/img", &[("accept", "image/webp")]), &f)
        .await;
    o.set(200, &[("cache-control", FRESH), ("vary", "Accept")], "jpeg");
    let r = cache
        .handle(get("/img", &[("accept", "image/jpeg")]), &f)
        .await;
    assert_eq!(body(r).await, "jpeg");
    let r = cache
        .handle(get("/img", &[("accept", "image/webp")]), &f)
        .await;
    assert_eq!(xcache(&r), "HIT");
    assert_eq!(body(r).await, "webp");
    let r = cache
        .handle(get("/img", &[("accept", "image/jpeg")]), &f)
        .await;
    assert_eq!(body(r).await, "jpeg");
    assert_eq!(o.calls(), 2);
}

#[tokio::test]
async fn stale_is_served_while_revalidating_and_a_304_refreshes_the_entry() {
    let cache = HttpCache::new(CacheConfig::default());
    let o = Origin::default();
    let cc = "public, max-age=1, stale-while-revalidate=30";
    o.set(200, &[("cache-control", cc), ("etag", "\"e\"")], "cũ");
    let f = o.fetch();
    cache.handle(get("/s", &[]), &f).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = cache.handle(get("/s", &[]), &f).await;
    assert_eq!(xcache(&r), "STALE");
    assert_eq!(body(r).await, "cũ");
    // The background revalidation asked with the stored validator and got a 304.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(o.calls(), 2);
    let seen = o.seen.lock().unwrap().clone();
    assert_eq!(seen[1][header::IF_NONE_MATCH], "\"e\"");
    assert_eq!(cache.stats().revalidated.load(Ordering::Relaxed), 1);
    let r = cache.handle(get("/s", &[]), &f).await;
    assert_eq!(xcache(&r), "HIT", "fresh again after the 304");
    assert_eq!(body(r).await, "cũ");
}

#[tokio::test]
async fn an_origin_that_fails_gets_the_stale_answer_served_with_its_age() {
    let cache = HttpCache::new(CacheConfig::default());
    let o = Origin::default();
    o.set(
        200,
        &[("cache-control", "public, max-age=1, stale-if-error=600")],
        "vẫn còn",
    );
    let f = o.fetch();
    cache.handle(get("/e", &[]), &f).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    o.set(500, &[], "lỗi");
    let r = cache.handle(get("/e", &[]), &f).await;
    assert_eq!(xcache(&r), "STALE");
    assert!(
        r.headers()[header::AGE]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 2
    );
    assert_eq!(body(r).await, "vẫn còn");
    o.down();
    let r = cache.handle(get("/e", &[]), &f).await;
    assert_eq!(body(r).await, "vẫn còn");
    // Nothing stored and nobody answering: a clear 502.
    let r = cache.handle(get("/never", &[]), &f).await;
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
}

#[tokio::test]
async fn the_cache_stays_within_its_bytes() {
    let cache = HttpCache::new(CacheConfig {
        max_bytes: 64 * 1024,
        ..Default::default()
    });
    let o = Origin::default();
    o.set(200, &[("cache-control", FRESH)], include_str!("mod.rs"));
    let f = o.fetch();
    for i in 0..50 {
        cache.handle(get(&format!("/big/{i}"), &[]), &f).await;
    }
    let (_, bytes) = cache.size();
    assert!(bytes <= 64 * 1024, "{bytes} bytes kept");
    assert!(cache.stats().evictions.load(Ordering::Relaxed) > 0);
}

#[tokio::test]
async fn a_reload_does_not_reach_the_origin() {
    let cache = HttpCache::new(CacheConfig::default());
    let o = Origin::default();
    o.set(200, &[("cache-control", FRESH)], "cảnh báo lũ");
    let f = o.fetch();
    cache.handle(get("/canh-bao", &[]), &f).await;
    for asked in [
        &[("cache-control", "max-age=0")][..],
        &[("cache-control", "no-cache"), ("pragma", "no-cache")][..],
    ] {
        let r = cache.handle(get("/canh-bao", asked), &f).await;
        assert_eq!(xcache(&r), "HIT", "{asked:?}");
    }
    assert_eq!(o.calls(), 1);
}

/// Tags take memory twice (in the entry and in the tag index): an answer with many counts it.
#[tokio::test]
async fn an_answer_weighs_its_tags_too() {
    async fn weigh(tags: String) -> u64 {
        let cache = HttpCache::new(CacheConfig::default());
        let o = Origin::default();
        o.set(
            200,
            &[("cache-control", FRESH), ("surrogate-key", &tags)],
            "{}",
        );
        cache.handle(get("/search", &[]), &o.fetch()).await;
        cache.entries.run_pending_tasks();
        cache.size().1
    }
    let many: Vec<String> = (0..190).map(|i| format!("site:{i}")).collect();
    let few = weigh("network".into()).await;
    let heavy = weigh(many.join(" ")).await;
    // 190 tags of ~7 characters: their text twice in the header and the entry, plus 72 bytes
    // each for the allocations and the index's slots.
    assert!(heavy >= few + 190 * 72, "{few} → {heavy}");
}

// RFC 9111 rule by rule, with the scripted origin.

/// Waits until an answer with `max-age=1` is stale.
async fn past_a_second() {
    tokio::time::sleep(Duration::from_millis(2100)).await;
}

#[tokio::test]
async fn must_revalidate_proxy_revalidate_and_s_maxage_are_never_served_stale() {
    for cc in [
        "public, max-age=1, must-revalidate, stale-while-revalidate=600, stale-if-error=600",
        "public, max-age=1, proxy-revalidate, stale-if-error=600",
        "public, s-maxage=1, stale-while-revalidate=600, stale-if-error=600",
        "public, max-age=1, Must-Revalidate, stale-if-error=600",
    ] {
        let cache = HttpCache::new(CacheConfig::default());
        let o = Origin::default();
        o.set(200, &[("cache-control", cc)], "một");
        let f = o.fetch();
        cache.handle(get("/r", &[]), &f).await;
        past_a_second().await;
        // Stale: the origin is asked before anything is served (no stale-while-revalidate).
        o.set(200, &[("cache-control", cc)], "hai");
        let r = cache.handle(get("/r", &[]), &f).await;
        assert_eq!(body(r).await, "hai", "{cc}");
        past_a_second().await;
        // The origin fails: its error, not the stale copy (no stale-if-error).
        o.set(500, &[], "lỗi");
        let r = cache.handle(get("/r", &[]), &f).await;
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR, "{cc}");
        // Nobody answers: 504, not the stale copy (not even the all-origins-down fallback).
        // (http-cache-semantics gives `proxy-revalidate` no freshness at all, so such an
        // answer is not kept, and there is nothing to revalidate: 502.)
        o.down();
        let r = cache.handle(get("/r", &[]), &f).await;
        let expected = if cc.contains("proxy-revalidate") {
            StatusCode::BAD_GATEWAY
        } else {
            StatusCode::GATEWAY_TIMEOUT
        };
        assert_eq!(r.status(), expected, "{cc}");
        assert_ne!(body(r).await, "hai", "{cc}");
    }
}

#[tokio::test]
async fn vary_with_a_star_anywhere_is_never_reused() {
    for vary in [
        vec!["*"],
        vec!["Accept-Language, *"],
        vec![", *"],
        vec!["Accept", "*"],
    ] {
        let cache = HttpCache::new(CacheConfig::default());
        let o = Origin::default();
        let mut headers = vec![("cache-control", FRESH)];
        for v in &vary {
            headers.push(("vary", v));
        }
        o.set(200, &headers, "x");
        let f = o.fetch();
        cache.handle(get("/v", &[]), &f).await;
        cache.handle(get("/v", &[]), &f).await;
        assert_eq!(o.calls(), 2, "{vary:?}");
    }
}

#[tokio::test]
async fn directive_names_are_case_insensitive() {
    let cache = HttpCache::new(CacheConfig::default());
    let o = Origin::default();
    o.set(
        200,
        &[("cache-control", "Public, Max-Age=60, No-Store")],
        "x",
    );
    let f = o.fetch();
    cache.handle(get("/c", &[]), &f).await;
    cache.handle(get("/c", &[]), &f).await;
    assert_eq!(o.calls(), 2, "No-Store is no-store");
    o.set(200, &[("cache-control", "PUBLIC, MAX-AGE=60")], "x");
    cache.handle(get("/d", &[]), &f).await;
    let r = cache.handle(get("/d", &[]), &f).await;
    assert_eq!(xcache(&r), "HIT", "MAX-AGE is max-age");
}

#[tokio::test]
async fn an_invalid_expires_or_age_makes_the_answer_stale() {
    let cache = HttpCache::new(CacheConfig::default());
    let o = Origin::default();
    let f = o.fetch();
    for (path, headers) in [
        ("/e1", vec![("expires", "0")]),
        ("/e2", vec![("expires", "không phải ngày")]),
        (
            "/a1",
            vec![("cache-control", "public, max-age=600"), ("age", "12.5")],
        ),
        (
            "/a2",
            vec![("cache-control", "public, max-age=600"), ("age", "-3")],
        ),
        (
            "/a3",
            vec![("cache-control", "public, max-age=600"), ("age", "5, 6")],
        ),
    ] {
        o.set(200, &headers, "x");
        let before = o.calls();
        cache.handle(get(path, &[]), &f).await;
        cache.handle(get(path, &[]), &f).await;
        assert_eq!(o.calls() - before, 2, "{path} is stale at once");
    }
    o.set(
        200,
        &[("cache-control", "public, max-age=600"), ("age", "5")],
        "x",
    );
    cache.handle(get("/a4", &[]), &f).await;
    let r = cache.handle(get("/a4", &[]), &f).await;
    assert_eq!(xcache(&r), "HIT", "a valid Age keeps it fresh");
}

#[tokio::test]
async fn a_stale_answer_is_revalidated_with_its_validators_and_the_304_updates_its_headers() {
    let cache = HttpCache::new(CacheConfig::default());
    let o = Origin::default();
    o.set(
        200,
        &[
            ("cache-control", "public, max-age=1"),
            ("etag", "\"v1\""),
            ("x-phien-ban", "cu"),
        ],
        "nội dung",
    );
    let f = o.fetch();
    cache.handle(get("/rv", &[]), &f).await;
    past_a_second().await;
    o.set(
        200,
        &[
            ("cache-control", "public, max-age=600"),
            ("etag", "\"v1\""),
            ("x-phien-ban", "moi"),
        ],
        "không gửi",
    );
    let r = cache.handle(get("/rv", &[]), &f).await;
    let asked = o.seen.lock().unwrap().last().cloned().unwrap();
    assert_eq!(asked[header::IF_NONE_MATCH], "\"v1\"");
    assert_eq!(
        r.headers()["x-phien-ban"],
        "moi",
        "the 304's fields replace the stored"
    );
    assert_eq!(body(r).await, "nội dung", "the stored body stays");
    let r = cache.handle(get("/rv", &[]), &f).await;
    assert_eq!(xcache(&r), "HIT", "fresh again for the 304's max-age");
}

#[tokio::test]
async fn a_set_cookie_answer_is_kept_only_when_it_says_public() {
    let cache = HttpCache::new(CacheConfig::default());
    let o = Origin::default();
    let f = o.fetch();
    o.set(
        200,
        &[("cache-control", "max-age=60"), ("set-cookie", "a=1")],
        "x",
    );
    cache.handle(get("/k1", &[]), &f).await;
    cache.handle(get("/k1", &[]), &f).await;
    assert_eq!(o.calls(), 2, "not explicitly shared: not kept");
    o.set(
        200,
        &[
            ("cache-control", "public, max-age=60"),
            ("set-cookie", "lang=vi"),
        ],
        "x",
    );
    cache.handle(get("/k2", &[]), &f).await;
    let r = cache.handle(get("/k2", &[]), &f).await;
    assert_eq!(xcache(&r), "HIT");
    assert_eq!(
        r.headers()[header::SET_COOKIE],
        "lang=vi",
        "kept with its fields"
    );
}

#[tokio::test]
async fn targeted_cache_control_comes_before_cache_control_for_this_cache() {
    let cache = HttpCache::new(CacheConfig::default());
    let o = Origin::default();
    let f = o.fetch();
    // The browser may not keep it; the CDN may.
    o.set(
        200,
        &[
            ("cache-control", "no-store"),
            ("cdn-cache-control", "max-age=60"),
        ],
        "x",
    );
    cache.handle(get("/t1", &[]), &f).await;
    let r = cache.handle(get("/t1", &[]), &f).await;
    assert_eq!(xcache(&r), "HIT");
    assert_eq!(
        r.headers()[header::CACHE_CONTROL],
        "no-store",
        "the client's own field"
    );
    // Ours comes before every CDN's, with its own no-store.
    o.set(
        200,
        &[
            ("cache-control", "public, max-age=60"),
            ("cdn-cache-control", "max-age=60"),
            ("portico-cache-control", "no-store"),
        ],
        "x",
    );
    let before = o.calls();
    cache.handle(get("/t2", &[]), &f).await;
    cache.handle(get("/t2", &[]), &f).await;
    assert_eq!(o.calls() - before, 2);
    // Its private and no-cache too.
    for targeted in ["private", "no-cache"] {
        o.set(
            200,
            &[
                ("cache-control", "public, max-age=60"),
                ("cdn-cache-control", targeted),
            ],
            "x",
        );
        let before = o.calls();
        let path = format!("/t-{targeted}");
        cache.handle(get(&path, &[]), &f).await;
        cache.handle(get(&path, &[]), &f).await;
        assert_eq!(o.calls() - before, 2, "{targeted}");
    }
}

#[tokio::test]
async fn a_range_of_a_stored_answer_is_a_206_from_memory() {
    let cache = HttpCache::new(CacheConfig::default());
    let o = Origin::default();
    o.set(
        200,
        &[("cache-control", FRESH), ("etag", "\"v1\"")],
        "0123456789",
    );
    let f = o.fetch();
    cache.handle(get("/pdf", &[]), &f).await;
    let r = cache
        .handle(get("/pdf", &[("range", "bytes=2-5")]), &f)
        .await;
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(r.headers()[header::CONTENT_RANGE], "bytes 2-5/10");
    assert_eq!(body(r).await, "2345");
    let r = cache
        .handle(get("/pdf", &[("range", "bytes=20-")]), &f)
        .await;
    assert_eq!(r.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(r.headers()[header::CONTENT_RANGE], "bytes */10");
    let r = cache
        .handle(
            get("/pdf", &[("range", "bytes=0-1"), ("if-range", "\"v0\"")]),
            &f,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "changed since: the whole");
    assert_eq!(o.calls(), 1, "all from memory");
    // Not stored: the origin is asked, as the client asked, and nothing partial is kept.
    cache
        .handle(get("/other", &[("range", "bytes=0-1")]), &f)
        .await;
    let asked = o.seen.lock().unwrap().last().cloned().unwrap();
    assert_eq!(asked[header::RANGE], "bytes=0-1");
    cache.handle(get("/other", &[]), &f).await;
    assert_eq!(o.calls(), 3);
}

#[tokio::test]
async fn an_unsafe_request_drops_what_is_stored_for_its_url_and_location() {
    let cache = HttpCache::new(CacheConfig::default());
    let o = Origin::default();
    o.set(200, &[("cache-control", FRESH)], "x");
    let f = o.fetch();
    for p in ["/hoi-dap", "/hoi-dap/1", "/khac"] {
        cache.handle(get(p, &[]), &f).await;
    }
    let stored = o.calls();
    let post = |path: &str, method: Method| {
        let mut p = get(path, &[]);
        p.method = method;
        p
    };
    let mut loc = HeaderMap::new();
    loc.insert(header::LOCATION, HeaderValue::from_static("/hoi-dap/1"));
    // An error changes nothing; a success drops the URL and its Location, not the rest.
    cache.invalidate_after(
        &post("/hoi-dap", Method::POST),
        StatusCode::UNPROCESSABLE_ENTITY,
        &loc,
    );
    cache.handle(get("/hoi-dap", &[]), &f).await;
    assert_eq!(o.calls(), stored);
    cache.invalidate_after(&post("/hoi-dap", Method::POST), StatusCode::CREATED, &loc);
    for p in ["/hoi-dap", "/hoi-dap/1", "/khac"] {
        cache.handle(get(p, &[]), &f).await;
    }
    assert_eq!(o.calls(), stored + 2);
    // Another host's Location is not ours to drop; an unknown method is unsafe too.
    let mut elsewhere = HeaderMap::new();
    elsewhere.insert(
        header::LOCATION,
        HeaderValue::from_static("http://khac.test/khac"),
    );
    let purge = Method::from_bytes(b"FROB").unwrap();
    cache.invalidate_after(&post("/hoi-dap", purge), StatusCode::OK, &elsewhere);
    cache.handle(get("/khac", &[]), &f).await;
    cache.handle(get("/hoi-dap", &[]), &f).await;
    assert_eq!(o.calls(), stored + 3);
}

#[tokio::test]
async fn text_goes_out_compressed_by_accept_encoding_from_one_stored_copy_per_coding() {
    use std::io::Read;
    let cache = HttpCache::new(CacheConfig::default());
    let o = Origin::default();
    let page: &'static str = Box::leak(
        "<p>Lịch tiếp công dân của Ủy ban nhân dân tỉnh Lào Cai.</p>\n"
            .repeat(100)
            .into_boxed_str(),
    );
    o.set(
        200,
        &[
            ("cache-control", FRESH),
            ("content-type", "text/html; charset=utf-8"),
            ("etag", "\"p1\""),
            ("vary", "Accept-Encoding"),
        ],
        page,
    );
    let f = o.fetch();
    let bytes = |r: Response<Body>| async move {
        axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap()
    };
    let r = cache
        .handle(
            get("/trang", &[("accept-encoding", "gzip, deflate, br")]),
            &f,
        )
        .await;
    assert_eq!(r.headers()[header::CONTENT_ENCODING], "br");
    assert_eq!(r.headers()[header::VARY], "Accept-Encoding");
    assert_eq!(
        r.headers()[header::ETAG],
        "W/\"p1\"",
        "weak for another coding"
    );
    let len: usize = r.headers()[header::CONTENT_LENGTH]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let br = bytes(r).await;
    assert_eq!(len, br.len());
    assert!(br.len() * 5 < page.len(), "{} of {}", br.len(), page.len());
    let mut out = String::new();
    brotli::Decompressor::new(&br[..], 4096)
        .read_to_string(&mut out)
        .unwrap();
    assert_eq!(out, page);
    let asked = o.seen.lock().unwrap().last().cloned().unwrap();
    assert!(
        !asked.contains_key(header::ACCEPT_ENCODING),
        "the origin sends the original"
    );

    let r = cache
        .handle(get("/trang", &[("accept-encoding", "br;q=0.1, gzip")]), &f)
        .await;
    assert_eq!(r.headers()[header::CONTENT_ENCODING], "gzip");
    let gz = bytes(r).await;
    let mut out = String::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut out)
        .unwrap();
    assert_eq!(out, page);

    // A client that takes neither gets the original, inflated from the stored copy.
    let r = cache.handle(get("/trang", &[]), &f).await;
    assert!(!r.headers().contains_key(header::CONTENT_ENCODING));
    assert_eq!(r.headers()[header::ETAG], "\"p1\"");
    assert_eq!(
        r.headers()[header::CONTENT_LENGTH],
        page.len().to_string().as_str()
    );
    assert_eq!(body(r).await, page);
    // Revalidation by the weak validator it was given; a range is of the original.
    let r = cache
        .handle(
            get(
                "/trang",
                &[("accept-encoding", "br"), ("if-none-match", "W/\"p1\"")],
            ),
            &f,
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    let r = cache
        .handle(
            get(
                "/trang",
                &[("accept-encoding", "br"), ("range", "bytes=0-2")],
            ),
            &f,
        )
        .await;
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert!(!r.headers().contains_key(header::CONTENT_ENCODING));
    assert_eq!(body(r).await, "<p>");
    assert_eq!(o.calls(), 1, "one origin request, one stored answer");
    // Two browsers' ways of writing Accept-Encoding share it.
    cache
        .handle(get("/trang", &[("accept-encoding", "br, gzip")]), &f)
        .await;
    assert_eq!(o.calls(), 1);

    // What is compressed already (or small) is left alone.
    o.set(
        200,
        &[("cache-control", FRESH), ("content-type", "image/jpeg")],
        page,
    );
    let r = cache
        .handle(get("/anh.jpg", &[("accept-encoding", "br")]), &f)
        .await;
    assert!(!r.headers().contains_key(header::CONTENT_ENCODING));
    assert!(!r.headers().contains_key(header::VARY));
}

/// An origin that answers each request with what the request said about itself (as a page
/// with "Đang đăng nhập: …" does), under the caching fields the test gives.
fn personal_origin(fields: &'static [(&'static str, &'static str)]) -> (Fetch, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let fetch: Fetch = Arc::new(move |parts: request::Parts| {
        let c = c.clone();
        async move {
            c.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            let who = parts
                .headers
                .get("x-who")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("nobody")
                .to_owned();
            let mut b = Response::builder().status(200);
            for (k, v) in fields {
                b = b.header(*k, *v);
            }
            Ok(b.body(Body::from(who)).unwrap())
        }
        .boxed()
    });
    (fetch, calls)
}

#[tokio::test]
async fn waiters_never_get_an_answer_a_shared_cache_may_not_keep() {
    for fields in [
        &[("cache-control", "private, no-store")][..],
        &[("cache-control", "no-store")],
        &[("cache-control", "private, max-age=60")],
        &[("cache-control", "max-age=60"), ("set-cookie", "s=1")],
        &[("cache-control", "max-age=60"), ("vary", "Cookie")],
        &[("cache-control", "no-cache")],
    ] {
        let cache = HttpCache::new(CacheConfig::default());
        let (f, calls) = personal_origin(fields);
        let asked = (0..40).map(|i| {
            let who = format!("client-{i}");
            let cache = cache.clone();
            let f = f.clone();
            async move {
                let r = cache.handle(get("/p", &[("x-who", &who)]), &f).await;
                (who, body(r).await)
            }
        });
        for (who, got) in futures::future::join_all(asked).await {
            assert_eq!(got, who, "{fields:?}: a client got another's answer");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 40, "{fields:?}");
    }
}

#[tokio::test]
async fn waiters_share_only_the_variant_they_would_find() {
    let cache = HttpCache::new(CacheConfig::default());
    let (f, calls) = personal_origin(&[("cache-control", FRESH), ("vary", "x-who")]);
    let asked = (0..20).map(|i| {
        let who = format!("lang-{}", i % 2);
        let cache = cache.clone();
        let f = f.clone();
        async move {
            let r = cache.handle(get("/v", &[("x-who", &who)]), &f).await;
            (who, body(r).await)
        }
    });
    for (who, got) in futures::future::join_all(asked).await {
        assert_eq!(got, who);
    }
    // The leader's variant was shared with its own kind; the other kind asked for itself.
    assert!(calls.load(Ordering::SeqCst) < 20);
}

#[tokio::test]
async fn a_visitors_cookie_never_reaches_the_origin_on_the_shared_path() {
    let cache = HttpCache::new(CacheConfig::default());
    let o = Origin::default();
    o.set(200, &[("cache-control", FRESH)], "x");
    cache
        .handle(get("/c", &[("cookie", "_ga=GA1.2.3")]), &o.fetch())
        .await;
    assert!(!o.seen.lock().unwrap()[0].contains_key(header::COOKIE));
}

#[test]
fn only_public_addresses_without_credentials_are_shared() {
    let none = HeaderMap::new();
    for path in [
        "/",
        "/main/",
        "/main/van-ban",
        "/api/v1/public/search",
        "/api/v1/openapi.json",
        "/admin/static/admin.1234.css",
        "/administration-news",
        "/authors",
    ] {
        assert!(shared_request(&Method::GET, path, &none), "{path}");
    }
    for path in [
        "/admin",
        "/admin/",
        "/admin/users",
        "/auth/oidc/login",
        "/api/v1/me",
        "/api/v1/sites/main/items",
        "/api/v1/tokens",
        "/metrics",
        "/_portico/invalidations",
    ] {
        assert!(!shared_request(&Method::GET, path, &none), "{path}");
    }
    for cookie in [
        "portico_session=abc",
        "a=1; portico_oidc=x",
        "__Host-portico_session=abc",
    ] {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_str(cookie).unwrap());
        assert!(!shared_request(&Method::GET, "/main/", &h), "{cookie}");
    }
    let mut h = HeaderMap::new();
    h.insert(header::COOKIE, HeaderValue::from_static("_ga=1"));
    assert!(shared_request(&Method::GET, "/main/", &h));
}

#[tokio::test]
async fn an_answer_asked_for_before_a_purge_is_not_kept_after_it() {
    // A search reads the index just before an item leaves it, the purge for that item
    // comes while the answer is on its way: the old answer must not outlive the purge.
    let cache = HttpCache::new(CacheConfig::default());
    let o = Origin::default();
    o.set(
        200,
        &[("cache-control", FRESH), ("surrogate-key", "search")],
        "vẫn còn văn bản đã thu hồi",
    );
    let f = o.fetch();
    let asked = {
        let (cache, f) = (cache.clone(), f.clone());
        tokio::spawn(async move { cache.handle(get("/tim-kiem?q=x", &[]), &f).await })
    };
    // The origin takes 20 ms; the purge lands in the middle.
    tokio::time::sleep(Duration::from_millis(8)).await;
    cache.purge(&["search"]);
    let r = asked.await.unwrap();
    assert_eq!(
        body(r).await,
        "vẫn còn văn bản đã thu hồi",
        "its own requester has it"
    );
    o.set(
        200,
        &[("cache-control", FRESH), ("surrogate-key", "search")],
        "đã cập nhật",
    );
    let r = cache.handle(get("/tim-kiem?q=x", &[]), &f).await;
    assert_eq!(xcache(&r), "MISS", "not kept past the purge");
    assert_eq!(body(r).await, "đã cập nhật");
    let r = cache.handle(get("/tim-kiem?q=x", &[]), &f).await;
    assert_eq!(xcache(&r), "HIT", "an answer asked after the purge is kept");
}

#[tokio::test]
async fn an_answer_to_a_query_is_kept_from_its_second_asking_on_and_compressed() {
    let cache = HttpCache::new(CacheConfig::default());
    let o = Origin::default();
    let answer: &'static str = Box::leak(
        "{\"hits\":[{\"title\":\"Quyết định về đất đai\"}]}"
            .repeat(60)
            .into_boxed_str(),
    );
    o.set(
        200,
        &[
            ("cache-control", FRESH),
            ("content-type", "application/json"),
            ("surrogate-key", "network"),
        ],
        answer,
    );
    let f = o.fetch();
    let br = [("accept-encoding", "br, gzip")];
    // Asked once: handed over as it came, not kept (most searches are never asked again).
    let first = cache.handle(get("/tim?q=dat+dai", &br), &f).await;
    assert_eq!(first.headers()["x-cache"], "MISS");
    assert!(first.headers().get(header::CONTENT_ENCODING).is_none());
    assert_eq!(cache.size().0, 0, "nothing kept at first sight");
    assert!(
        cache.tags.lock().unwrap().is_empty(),
        "nor in the tag index"
    );
    // Asked again: asked of the origin again, then kept, compressed.
    let second = cache.handle(get("/tim?q=dat+dai", &br), &f).await;
    assert_eq!(second.headers()["x-cache"], "MISS");
    assert_eq!(second.headers()[header::CONTENT_ENCODING], "br");
    assert_eq!(o.calls(), 2);
    let third = cache.handle(get("/tim?q=dat+dai", &br), &f).await;
    assert_eq!(third.headers()["x-cache"], "HIT");
    assert_eq!(third.headers()[header::CONTENT_ENCODING], "br");
    let body = axum::body::to_bytes(third.into_body(), 1 << 20)
        .await
        .unwrap();
    assert!(
        body.len() * 5 < answer.len(),
        "{} of {}",
        body.len(),
        answer.len()
    );
    assert_eq!(o.calls(), 2, "the third from the store");
    // Kept under its tag, so a purge finds it.
    cache.purge(&["network"]);
    let after = cache.handle(get("/tim?q=dat+dai", &br), &f).await;
    assert_eq!(after.headers()["x-cache"], "MISS");
    // A page without a query is kept the first time, compressed.
    let page = cache.handle(get("/trang", &br), &f).await;
    assert_eq!(page.headers()[header::CONTENT_ENCODING], "br");
    assert_eq!(
        cache.handle(get("/trang", &br), &f).await.headers()["x-cache"],
        "HIT"
    );
}

/// Many people asking the same new query at once share one origin request, and the answer
/// is kept: asked by many, it is worth keeping.
#[tokio::test]
async fn a_new_query_asked_by_many_at_once_is_one_origin_request() {
    let cache = HttpCache::new(CacheConfig::default());
    let o = Origin::default();
    o.set(200, &[("cache-control", FRESH)], "kết quả");
    let f = o.fetch();
    // The origin takes 20 ms: all of them ask while the first request is under way.
    let all =
        futures::future::join_all((0..16).map(|_| cache.handle(get("/tim?q=moi", &[]), &f))).await;
    for r in all {
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(body(r).await, "kết quả");
    }
    assert_eq!(o.calls(), 1);
    assert_eq!(cache.size().0, 1, "asked by many at once: kept");
    assert_eq!(
        cache.handle(get("/tim?q=moi", &[]), &f).await.headers()["x-cache"],
        "HIT"
    );
}
