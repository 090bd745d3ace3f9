//! `portico edge`: a caching reverse proxy in front of one or more `portico serve` nodes.
//!
//! It uses the same cache as the nodes (`crate::cache`), follows every origin's invalidation
//! stream so a purge reaches it within a second, fails over between origins, and serves what
//! it holds, stale, when none answers. It keeps nothing that matters: start as many as needed.
//!
//! Its own paths live under `/_edge/` (health, metrics, status, purge) so that every other
//! path, `/metrics` included, reaches the origins unchanged.

mod origins;
pub mod rate;
mod stream;

use crate::cache::{shared_request, CacheConfig, Fetch, HttpCache};
use crate::handlers::health::bearer_is;
use crate::metrics::Metrics;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::FutureExt;
use origins::Origins;
use serde_json::json;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// How the edge runs.
#[derive(Debug, Clone)]
pub struct EdgeConfig {
    /// Base URLs of the origins (`http://10.0.0.5:8080`), tried in turn.
    pub origins: Vec<url::Url>,
    /// The origins' edge token: for their invalidation streams, and for purges sent here.
    pub token: Option<String>,
    pub cache: CacheConfig,
    /// How often each origin's `/healthz` is asked.
    pub health_interval: Duration,
    /// How long an origin may take to start answering.
    pub origin_timeout: Duration,
    /// Header timeout and connection caps, as on a node.
    pub connections: crate::listen::ConnLimits,
    /// Requests per address, when limited.
    pub rate_limit: Option<rate::RateLimit>,
    /// Proxies in front of the edge (a load balancer) whose `X-Forwarded-For` names the
    /// client, for the rate limits; nobody else's is believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Plain `http://` requests are sent to `https://` on this port (`308`), but the edge's
    /// own `/_edge/` paths.
    pub https_redirect: Option<u16>,
    /// `Strict-Transport-Security: max-age=` on answers over TLS; none when 0.
    pub hsts_max_age: u64,
}

impl Default for EdgeConfig {
    fn default() -> Self {
        EdgeConfig {
            origins: Vec::new(),
            token: None,
            cache: CacheConfig::default(),
            health_interval: Duration::from_secs(1),
            origin_timeout: Duration::from_secs(10),
            connections: crate::listen::ConnLimits::default(),
            rate_limit: None,
            trusted_proxies: Vec::new(),
            https_redirect: None,
            hsts_max_age: 0,
        }
    }
}

/// Why the edge could not start.
#[derive(Debug, thiserror::Error)]
pub enum EdgeError {
    #[error("give at least one --origin")]
    NoOrigin,
    #[error("cannot build the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

#[derive(Clone)]
struct EdgeState {
    cache: Arc<HttpCache>,
    origins: Arc<Origins>,
    fetch: Fetch,
    metrics: Arc<Metrics>,
    token: Option<Arc<str>>,
    limiter: Option<Arc<rate::Limiter>>,
    trusted: Arc<[std::net::IpAddr]>,
    /// The IPv6 prefix the rate limit counts a client by.
    ipv6_prefix: u8,
    connections: Arc<crate::listen::ConnStats>,
}

/// A listener for HTTPS and its TLS configuration ([`crate::tls::Certificates`]).
pub struct TlsListener {
    pub listener: tokio::net::TcpListener,
    pub config: Arc<rustls::ServerConfig>,
}

/// Serves until `shutdown` completes, then finishes the requests in flight.
pub async fn run(
    listener: tokio::net::TcpListener,
    config: EdgeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), EdgeError> {
    run_tls(listener, None, config, shutdown).await
}

/// [`run`], also on a TLS listener when one is given (the same cache behind both).
pub async fn run_tls(
    listener: tokio::net::TcpListener,
    tls: Option<TlsListener>,
    config: EdgeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), EdgeError> {
    if config.origins.is_empty() {
        return Err(EdgeError::NoOrigin);
    }
    let cache = HttpCache::new(config.cache.clone());
    let origins = Arc::new(Origins::new(&config)?);
    let connections = Arc::new(crate::listen::ConnStats::default());
    let metrics = Arc::new(Metrics::new(Some(cache.clone()), None, connections.clone()));
    let (stop_tx, _) = tokio::sync::watch::channel(false);
    let mut tasks = vec![tokio::spawn(
        origins
            .clone()
            .check_health(config.health_interval, stop_tx.subscribe()),
    )];
    for i in 0..origins.len() {
        tasks.push(tokio::spawn(stream::follow(
            origins.clone(),
            i,
            cache.clone(),
            config.token.clone(),
            stop_tx.subscribe(),
        )));
    }
    let o = origins.clone();
    let fetch: Fetch = Arc::new(move |parts| {
        let o = o.clone();
        async move { o.send(parts, Body::empty(), true).await }.boxed()
    });
    // One `Arc`: axum clones the state for every request, and cloning (then dropping) eight
    // `Arc`s a request was 6 % of the edge's CPU under load.
    let state = Arc::new(EdgeState {
        cache,
        origins,
        fetch,
        metrics: metrics.clone(),
        token: config.token.as_deref().map(Arc::from),
        limiter: config.rate_limit.map(|l| Arc::new(rate::Limiter::new(l))),
        trusted: config.trusted_proxies.clone().into(),
        ipv6_prefix: config.connections.ipv6_prefix,
        connections: connections.clone(),
    });
    let app = Router::new()
        .route("/_edge/healthz", get(|| async { "ok\n" }))
        .route("/_edge/metrics", get(edge_metrics))
        .route("/_edge/status", get(status))
        .route("/_edge/purge", post(purge_post))
        .fallback(proxy)
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(
            Secure {
                redirect: config.https_redirect,
                // A static value: cloned for every answer over TLS, a shared one was an atomic
                // count both cores fought over. One short string for the life of the edge.
                hsts: (config.hsts_max_age > 0)
                    .then(|| format!("max-age={}", config.hsts_max_age))
                    .map(|v| bytes::Bytes::from_static(Box::leak(v.into_boxed_str()).as_bytes()))
                    .and_then(|v| axum::http::HeaderValue::from_maybe_shared(v).ok()),
            },
            secure,
        ))
        .layer(axum::middleware::from_fn_with_state(
            metrics,
            crate::metrics::track,
        ));
    // Both listeners stop together.
    let (quit_tx, quit_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = quit_tx.send(true);
    });
    let quit = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|q| *q).await;
    };
    let plain = crate::listen::serve(
        listener,
        app.clone(),
        config.connections.clone(),
        Vec::new(),
        connections.clone(),
        quit(quit_rx.clone()),
    );
    let result = match tls {
        None => plain.await,
        Some(t) => {
            let secure = crate::listen::serve_tls(
                t.listener,
                app,
                config.connections.clone(),
                Vec::new(),
                connections,
                t.config,
                quit(quit_rx),
            );
            let (a, b) = tokio::join!(plain, secure);
            a.and(b)
        }
    };
    let _ = stop_tx.send(true);
    for t in tasks {
        let _ = t.await;
    }
    Ok(result?)
}

/// What the edge does about plain HTTP and TLS.
#[derive(Clone)]
struct Secure {
    redirect: Option<u16>,
    hsts: Option<axum::http::HeaderValue>,
}

/// Plain requests to `https://` when asked (but the edge's own paths, which monitoring
/// reaches over plain HTTP); HSTS on answers over TLS.
async fn secure(State(s): State<Secure>, req: Request, next: axum::middleware::Next) -> Response {
    let over_tls = req
        .extensions()
        .get::<crate::listen::OverTls>()
        .is_some_and(|t| t.0);
    if let (false, Some(port)) = (over_tls, s.redirect) {
        if !req.uri().path().starts_with("/_edge/") {
            let host = req
                .headers()
                .get(axum::http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .and_then(|h| h.parse::<axum::http::uri::Authority>().ok())
                .map(|a| a.host().to_owned());
            let Some(host) = host else {
                return (StatusCode::BAD_REQUEST, "a Host header is needed\n").into_response();
            };
            let port = if port == 443 {
                String::new()
            } else {
                format!(":{port}")
            };
            let path = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let to = format!("https://{host}{port}{path}");
            let mut r = StatusCode::PERMANENT_REDIRECT.into_response();
            if let Ok(v) = axum::http::HeaderValue::from_str(&to) {
                r.headers_mut().insert(axum::http::header::LOCATION, v);
            }
            return r;
        }
    }
    let mut r = next.run(req).await;
    if let (true, Some(v)) = (over_tls, &s.hsts) {
        r.headers_mut()
            .insert(axum::http::header::STRICT_TRANSPORT_SECURITY, v.clone());
    }
    r
}

/// Everything that is not the edge's own: from the cache, or passed to an origin.
async fn proxy(
    State(st): State<Arc<EdgeState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut req: Request,
) -> Response {
    if req.method().as_str() == "PURGE" {
        return purge_header(&st, &req);
    }
    // A node's own metrics are for its operators, who reach the node itself; the edge's are
    // under `/_edge/metrics`.
    if req.uri().path() == "/metrics" {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    }
    let client = crate::client_addr::client_ip(peer, req.headers(), &st.trusted);
    if let Some(limiter) = &st.limiter {
        let key = crate::client_addr::limit_key(client, st.ipv6_prefix);
        if let Err(seconds) = limiter.take(key, std::time::Instant::now()) {
            st.connections
                .rate_limited
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return too_many(seconds);
        }
    }
    // The origin sees the edge; it learns from here (when it trusts this edge) the client
    // this edge decided on, whatever the client wrote, and whether the client came over TLS.
    let over_tls = req
        .extensions()
        .get::<crate::listen::OverTls>()
        .is_some_and(|t| t.0);
    let h = req.headers_mut();
    h.remove("x-forwarded-for");
    if let Some(v) = crate::client_addr::forwarded_for(client) {
        h.insert("x-forwarded-for", v);
    }
    h.insert(
        "x-forwarded-proto",
        axum::http::HeaderValue::from_static(if over_tls { "https" } else { "http" }),
    );
    if shared_request(req.method(), req.uri().path(), req.headers()) {
        let (parts, _) = req.into_parts();
        return st.cache.handle(parts, &st.fetch).await;
    }
    st.cache.count_bypass();
    let (parts, body) = req.into_parts();
    let asked = parts.headers.clone();
    let request = {
        let mut r = axum::http::Request::new(());
        *r.method_mut() = parts.method.clone();
        *r.uri_mut() = parts.uri.clone();
        *r.headers_mut() = parts.headers.clone();
        r.into_parts().0
    };
    // Only requests without a body are retried on another origin.
    let retry = parts.method == Method::GET || parts.method == Method::HEAD;
    match st.origins.send(parts, body, retry).await {
        Ok(r) => {
            st.cache.invalidate_after(&request, r.status(), r.headers());
            r
        }
        Err(e) => {
            tracing::warn!(error = %e, "no origin answered");
            crate::cache::origin_unreachable(&asked)
        }
    }
}

/// `429` for a client past its rate, saying when to come back.
fn too_many(seconds: u64) -> Response {
    let mut r = (
        StatusCode::TOO_MANY_REQUESTS,
        Json(json!({"error": {"code": "too_many_requests", "message": format!("too many requests from this address; try again in {seconds} s")}})),
    )
        .into_response();
    if let Ok(v) = axum::http::HeaderValue::from_str(&seconds.to_string()) {
        r.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
    }
    r
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({"error": {"code": "unauthorized", "message": "purging needs the edge token as a bearer token"}})),
    )
        .into_response()
}

fn authorized(st: &EdgeState, headers: &axum::http::HeaderMap) -> bool {
    st.token.as_deref().is_some_and(|t| bearer_is(headers, t))
}

/// `PURGE /any/path` with `Surrogate-Key: tag tag...`, as operators know it from Varnish.
fn purge_header(st: &EdgeState, req: &Request) -> Response {
    if !authorized(st, req.headers()) {
        return unauthorized();
    }
    purged(st, &crate::cache::surrogate_keys(req.headers()))
}

/// `POST /_edge/purge` `{"tags": [...]}` or `{"all": true}`.
async fn purge_post(
    State(st): State<Arc<EdgeState>>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if !authorized(&st, &headers) {
        return unauthorized();
    }
    #[derive(serde::Deserialize)]
    struct P {
        #[serde(default)]
        tags: Vec<String>,
        #[serde(default)]
        all: bool,
    }
    match serde_json::from_slice::<P>(&body) {
        Ok(P { all: true, .. }) => {
            st.cache.flush();
            Json(json!({"purged": "all"})).into_response()
        }
        Ok(p) => purged(&st, &p.tags),
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"code": "invalid_body", "message": format!("expected {{\"tags\": [...]}} or {{\"all\": true}}: {e}")}})),
        )
            .into_response(),
    }
}

fn purged(st: &EdgeState, tags: &[String]) -> Response {
    if tags.is_empty() || tags.len() > 1000 || tags.iter().any(|t| t.len() > 200) {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"code": "invalid_tags", "message": "name 1 to 1000 tags (Surrogate-Key header or {\"tags\": [...]}), each at most 200 characters"}})),
        )
            .into_response();
    }
    let n = st.cache.purge(tags);
    Json(json!({"purged": n, "tags": tags})).into_response()
}

async fn edge_metrics(State(st): State<Arc<EdgeState>>) -> Response {
    st.metrics.response()
}

/// The origins as the edge sees them.
async fn status(State(st): State<Arc<EdgeState>>) -> Response {
    let (entries, bytes) = st.cache.size();
    Json(json!({"origins": st.origins.status(), "cache": {"entries": entries, "bytes": bytes}}))
        .into_response()
}
