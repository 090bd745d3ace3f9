//! Webhook endpoints of a site and their delivery log.

use super::blocking;
use crate::error::ApiError;
use crate::extract::{Auth, JsonBody, Params};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use portico_engine::{
    Actor, Delivery, Engine, EngineError, NewWebhookInput, Webhook, WebhookCreated, WebhookId,
};
use serde::Deserialize;

fn webhook_id(s: &str) -> Result<WebhookId, ApiError> {
    super::path_id("webhook", s).map(WebhookId)
}

pub(crate) async fn list(
    State(st): State<AppState>,
    auth: Auth,
    Path(site): Path<String>,
) -> Result<Json<Vec<Webhook>>, ApiError> {
    let engine = st.engine.clone();
    Ok(Json(
        blocking(move || engine.webhooks(&auth.actor, &site)).await?,
    ))
}

pub(crate) async fn create(
    State(st): State<AppState>,
    auth: Auth,
    Path(site): Path<String>,
    JsonBody(body): JsonBody<NewWebhookInput>,
) -> Result<(StatusCode, Json<WebhookCreated>), ApiError> {
    let engine = st.engine.clone();
    let created = blocking(move || engine.create_webhook(&auth.actor, &site, body)).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

pub(crate) async fn get(
    State(st): State<AppState>,
    auth: Auth,
    Path((site, id)): Path<(String, String)>,
) -> Result<Json<Webhook>, ApiError> {
    one(st, auth, site, &id, Engine::webhook).await
}

pub(crate) async fn delete(
    State(st): State<AppState>,
    auth: Auth,
    Path((site, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let id = webhook_id(&id)?;
    let engine = st.engine.clone();
    blocking(move || engine.delete_webhook(&auth.actor, &site, id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Starts deliveries again to an endpoint suspended after failing too long.
pub(crate) async fn resume(
    State(st): State<AppState>,
    auth: Auth,
    Path((site, id)): Path<(String, String)>,
) -> Result<Json<Webhook>, ApiError> {
    one(st, auth, site, &id, Engine::resume_webhook).await
}

/// A use case on one endpoint of a site that answers with its state, on the blocking pool.
async fn one(
    st: AppState,
    auth: Auth,
    site: String,
    id: &str,
    case: fn(&Engine, &Actor, &str, WebhookId) -> Result<Webhook, EngineError>,
) -> Result<Json<Webhook>, ApiError> {
    let id = webhook_id(id)?;
    let engine = st.engine.clone();
    Ok(Json(
        blocking(move || case(&engine, &auth.actor, &site, id)).await?,
    ))
}

#[derive(Deserialize)]
pub(crate) struct LogQuery {
    limit: Option<String>,
}

pub(crate) async fn deliveries(
    State(st): State<AppState>,
    auth: Auth,
    Path((site, id)): Path<(String, String)>,
    Params(q): Params<LogQuery>,
) -> Result<Json<Vec<Delivery>>, ApiError> {
    let id = webhook_id(&id)?;
    let engine = st.engine.clone();
    let limit = super::limit_param(q.limit.as_deref(), 100)?;
    Ok(Json(
        blocking(move || engine.webhook_deliveries(&auth.actor, &site, id, limit)).await?,
    ))
}
