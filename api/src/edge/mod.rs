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

use crate::cache::{cacheable_request, CacheConfig, Fetch, HttpCache};
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
    connections: Arc<crate::listen::ConnStats>,
}

/// Serves until `shutdown` completes, then finishes the requests in flight.
pub async fn run(
    listener: tokio::net::TcpListener,
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
    let state = EdgeState {
        cache,
        origins,
        fetch,
        metrics: metrics.clone(),
        token: config.token.as_deref().map(Arc::from),
        limiter: config.rate_limit.map(|l| Arc::new(rate::Limiter::new(l))),
        trusted: config.trusted_proxies.clone().into(),
        connections: connections.clone(),
    };
    let app = Router::new()
        .route("/_edge/healthz", get(|| async { "ok\n" }))
        .route("/_edge/metrics", get(edge_metrics))
        .route("/_edge/status", get(status))
        .route("/_edge/purge", post(purge_post))
        .fallback(proxy)
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(
            metrics,
            crate::metrics::track,
        ));
    let result = crate::listen::serve(
        listener,
        app,
        config.connections.clone(),
        Vec::new(),
        connections,
        shutdown,
    )
    .await;
    let _ = stop_tx.send(true);
    for t in tasks {
        let _ = t.await;
    }
    Ok(result?)
}

/// Everything that is not the edge's own: from the cache, or passed to an origin.
async fn proxy(
    State(st): State<EdgeState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut req: Request,
) -> Response {
    if req.method().as_str() == "PURGE" {
        return purge_header(&st, &req);
    }
    if let Some(limiter) = &st.limiter {
        let ip = crate::handlers::auth::client_ip(peer, req.headers(), &st.trusted);
        if let Err(seconds) = limiter.take(ip, std::time::Instant::now()) {
            st.connections
                .rate_limited
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return too_many(seconds);
        }
    }
    if cacheable_request(req.method(), req.headers()) {
        let (parts, _) = req.into_parts();
        return st.cache.handle(parts, &st.fetch).await;
    }
    st.cache.count_bypass();
    // The origin sees the edge; it learns the client from here (if it trusts this edge).
    if let Ok(v) = axum::http::HeaderValue::from_str(&peer.ip().to_string()) {
        req.headers_mut().append("x-forwarded-for", v);
    }
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
    State(st): State<EdgeState>,
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

async fn edge_metrics(State(st): State<EdgeState>) -> Response {
    st.metrics.response()
}

/// The origins as the edge sees them.
async fn status(State(st): State<EdgeState>) -> Response {
    let (entries, bytes) = st.cache.size();
    Json(json!({"origins": st.origins.status(), "cache": {"entries": entries, "bytes": bytes}}))
        .into_response()
}
