//! API tokens for machine clients: made, listed and deleted by their owner.

use super::blocking;
use crate::error::ApiError;
use crate::extract::{Auth, JsonBody};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use portico_engine::{ApiToken, ApiTokenCreated, NewApiTokenInput};

/// Makes a token acting as the caller; the secret is in this answer only.
pub(crate) async fn create(
    State(st): State<AppState>,
    auth: Auth,
    JsonBody(body): JsonBody<NewApiTokenInput>,
) -> Result<(StatusCode, Json<ApiTokenCreated>), ApiError> {
    let engine = st.engine.clone();
    let made = blocking(move || engine.create_api_token(&auth.actor, body)).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

/// The caller's tokens: name, made, last used, expiry; never a secret.
pub(crate) async fn list(
    State(st): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<ApiToken>>, ApiError> {
    let engine = st.engine.clone();
    Ok(Json(
        blocking(move || engine.api_tokens(&auth.actor)).await?,
    ))
}

/// Deletes one of the caller's tokens (a network admin: anyone's); refused at once after.
pub(crate) async fn delete(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: i64 = id.parse().map_err(|_| {
        ApiError::Engine(portico_engine::EngineError::NotFound(format!(
            "API token '{id}'"
        )))
    })?;
    let engine = st.engine.clone();
    blocking(move || engine.delete_api_token(&auth.actor, id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
