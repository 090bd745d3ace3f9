//! Liveness and readiness.

use super::blocking;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;

/// Alive: the process answers. It only answers once start-up has finished.
pub(crate) async fn healthz() -> &'static str {
    "ok\n"
}

/// Ready: the store answers too.
pub(crate) async fn readyz(
    State(st): State<AppState>,
) -> Result<(StatusCode, &'static str), ApiError> {
    let engine = st.engine.clone();
    blocking(move || engine.events_after(i64::MAX - 1, 1)).await?;
    Ok((StatusCode::OK, "ready\n"))
}
