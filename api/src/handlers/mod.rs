//! Request handlers: extract, call one engine use case off the async threads, answer.

pub(crate) mod auth;
pub(crate) mod channels;
pub(crate) mod feeds;
pub(crate) mod health;
pub(crate) mod intake;
pub(crate) mod items;
pub(crate) mod media;
pub(crate) mod network;
pub mod openapi;
pub(crate) mod pages;
pub(crate) mod participation;
pub(crate) mod public;
pub(crate) mod search;
pub(crate) mod tokens;
pub(crate) mod webhooks;

use crate::error::ApiError;
use portico_engine::ErrorCode;
use portico_engine::{EngineError, ItemId};

/// How many requests may work on the blocking pool at once: a little more than the cores,
/// so that the rest wait as cheap futures instead of as threads contending for the CPU and
/// the store's connections (measured: fewer context switches, steadier latency).
fn gate() -> &'static tokio::sync::Semaphore {
    static GATE: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    GATE.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new((cores * 2).clamp(4, 16))
    })
}

/// Runs CPU- or store-bound work for a request on the blocking pool, through the gate.
pub(crate) async fn off_thread<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, tokio::task::JoinError> {
    // The semaphore is never closed, so acquiring cannot fail; if it ever did, run ungated.
    let _permit = gate().acquire().await.ok();
    tokio::task::spawn_blocking(f).await
}

/// Runs a (blocking, SQLite-backed) use case on the blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, EngineError> + Send + 'static,
) -> Result<T, ApiError> {
    match off_thread(f).await {
        Ok(r) => r.map_err(ApiError::from),
        Err(join) => Err(ApiError::internal(format!("use case panicked: {join}"))),
    }
}

/// Parses a positive id of a `what` (item, webhook) from the path; anything else is 404.
pub(crate) fn path_id(what: &str, s: &str) -> Result<i64, ApiError> {
    s.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        ApiError::http(
            ErrorCode::NotFound,
            format!("{what} '{s}' not found: {what} ids are positive numbers"),
        )
    })
}

/// Parses an item id from the path.
pub(crate) fn item_id(s: &str) -> Result<ItemId, ApiError> {
    path_id("item", s).map(ItemId)
}

/// The largest `limit` a request may give (each list then returns at most its own page size).
pub(crate) const MAX_LIMIT: usize = 10_000;

/// The `limit` query parameter: `default` when absent or empty, 400 when not a number from 0
/// to [`MAX_LIMIT`].
pub(crate) fn limit_param(v: Option<&str>, default: usize) -> Result<usize, ApiError> {
    match v.filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(l) => l
            .parse()
            .ok()
            .filter(|n| *n <= MAX_LIMIT)
            .ok_or_else(|| ApiError::Http {
                code: ErrorCode::InvalidParameter,
                message: format!("limit '{l}' is not a number from 0 to {MAX_LIMIT}"),
                field: Some("limit".into()),
            }),
    }
}

/// RFC 3986's unreserved characters stay; everything else is percent-encoded (UTF-8).
const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A value for a query string or an RFC 5987 `filename*`.
pub(crate) fn percent_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, UNRESERVED).to_string()
}
