//! Operations: liveness, readiness, metrics, and the invalidation stream edges follow.

use super::blocking;
use crate::cache::purge_tags;
use crate::error::ApiError;
use crate::extract::Params;
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use portico_engine::ErrorCode;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::time::Duration;

/// How far behind the log the search index may be and the node still call itself ready.
const READY_LAG: i64 = 1000;

/// Alive: the process answers. It only answers once start-up has finished.
pub(crate) async fn healthz() -> &'static str {
    "ok\n"
}

/// Ready: the store answers, and the search index and the cache purger are caught up (a node
/// rebuilding its index is alive but should not get traffic yet).
pub(crate) async fn readyz(State(st): State<AppState>) -> Response {
    let engine = st.engine.clone();
    let head = match blocking(move || engine.last_event_seq()).await {
        Ok(h) => h,
        Err(e) => {
            tracing::warn!(error = ?e, "not ready: the store does not answer");
            return (StatusCode::SERVICE_UNAVAILABLE, "store unreachable\n").into_response();
        }
    };
    let p = &st.progress;
    let indexed = p.indexed();
    let purged = p.purged();
    if indexed < 0 || head - indexed > READY_LAG {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("search index catching up ({indexed} of {head})\n"),
        )
            .into_response();
    }
    if purged < 0 {
        return (StatusCode::SERVICE_UNAVAILABLE, "cache purger starting\n").into_response();
    }
    (StatusCode::OK, "ready\n").into_response()
}

/// Prometheus scrapes this: from this machine, from a trusted proxy's own address, or with
/// `--metrics-token` as a bearer token. Anyone else learns nothing of the node (its counts of
/// sign-in failures, its queues, its versions) and gets `404`, as for an address that is not
/// there.
pub(crate) async fn metrics(
    State(st): State<AppState>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let ip = peer.ip();
    let near = ip.is_loopback()
        || ip.to_canonical().is_loopback()
        || st.config.trusted_proxies.contains(&ip);
    let token = st
        .config
        .metrics_token
        .as_deref()
        .is_some_and(|t| bearer_is(&headers, t));
    if near || token {
        st.metrics.response()
    } else {
        (StatusCode::NOT_FOUND, "not found\n").into_response()
    }
}

/// Whether the request carries `token` as its bearer token (compared as digests, so the
/// comparison's time says nothing about the token).
pub(crate) fn bearer_is(headers: &HeaderMap, token: &str) -> bool {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .unwrap_or("");
    Sha256::digest(given.as_bytes()) == Sha256::digest(token.as_bytes())
}

/// `GET /_portico/invalidations?after=SEQ&wait=SECONDS`: the purges this node has applied
/// after `SEQ`, as `{last, reset, purges: [{seq, tags}]}`; waits up to `wait` seconds (at
/// most 30, default 20) when there are none yet. Without `after`: where the stream stands.
/// `reset` says the caller's position is not in this log (a restored or replaced database):
/// it must drop everything it holds.
pub(crate) async fn invalidations(
    State(st): State<AppState>,
    headers: HeaderMap,
    Params(q): Params<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let Some(token) = st.config.edge_token.as_deref() else {
        return Err(ApiError::http(
            ErrorCode::NotEnabled,
            "the invalidation stream is off: start the server with --edge-token",
        ));
    };
    if !bearer_is(&headers, token) {
        return Err(ApiError::http(
            ErrorCode::Unauthorized,
            "the invalidation stream needs the edge token as a bearer token",
        ));
    }
    let number = |k: &str, max: i64| -> Result<Option<i64>, ApiError> {
        match q.get(k) {
            None => Ok(None),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|n| (0..=max).contains(n))
                .map(Some)
                .ok_or_else(|| {
                    ApiError::http(
                        ErrorCode::InvalidParameter,
                        format!("{k} must be a whole number from 0 to {max}"),
                    )
                }),
        }
    };
    let after = number("after", i64::MAX)?;
    let wait = Duration::from_secs(u64::try_from(number("wait", 30)?.unwrap_or(20)).unwrap_or(20));
    let mut rx = st.progress.watch_purged();
    let mut stopping = st.progress.watch_stopping();
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let purged = *rx.borrow_and_update();
        let Some(after) = after else {
            return Ok(stream_answer(purged.max(0), false, Vec::new()));
        };
        if purged >= 0 && after > purged {
            let engine = st.engine.clone();
            let head = blocking(move || engine.last_event_seq()).await?;
            if after > head {
                return Ok(stream_answer(purged, true, Vec::new()));
            }
        }
        if purged >= 0 && after < purged {
            let engine = st.engine.clone();
            let events = blocking(move || engine.events_after(after, 1000)).await?;
            let mut last = after;
            let mut purges = Vec::new();
            for e in events.iter().take_while(|e| e.seq <= purged) {
                last = e.seq;
                let tags = purge_tags(e);
                if !tags.is_empty() {
                    purges.push(json!({"seq": e.seq, "tags": tags}));
                }
            }
            return Ok(stream_answer(last, false, purges));
        }
        tokio::select! {
            changed = rx.changed() => if changed.is_err() {
                return Ok(stream_answer(after, false, Vec::new()));
            },
            _ = tokio::time::sleep_until(deadline) => return Ok(stream_answer(after, false, Vec::new())),
            _ = stopping.wait_for(|s| *s) => return Ok(stream_answer(after, false, Vec::new())),
        }
    }
}

fn stream_answer(last: i64, reset: bool, purges: Vec<serde_json::Value>) -> Response {
    let mut r = Json(json!({"last": last, "reset": reset, "purges": purges})).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}
