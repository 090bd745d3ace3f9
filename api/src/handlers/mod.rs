//! Request handlers: extract, call one engine use case off the async threads, answer.

pub(crate) mod auth;
pub(crate) mod channels;
pub(crate) mod feeds;
pub(crate) mod health;
pub(crate) mod items;
pub(crate) mod network;
pub mod openapi;
pub(crate) mod pages;
pub(crate) mod public;
pub(crate) mod search;
pub(crate) mod webhooks;

use crate::error::ApiError;
use axum::http::StatusCode;
use portico_engine::{EngineError, ItemId};

/// Runs a (blocking, SQLite-backed) use case on the blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, EngineError> + Send + 'static,
) -> Result<T, ApiError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(ApiError::from),
        Err(join) => Err(ApiError::internal(format!("use case panicked: {join}"))),
    }
}

/// Parses an item id from the path.
pub(crate) fn item_id(s: &str) -> Result<ItemId, ApiError> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(ItemId)
        .ok_or_else(|| {
            ApiError::http(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("item '{s}' not found: item ids are positive numbers"),
            )
        })
}
