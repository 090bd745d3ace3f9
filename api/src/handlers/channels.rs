//! Channels (chuyên mục) of a site.

use super::blocking;
use crate::error::ApiError;
use crate::extract::{Auth, JsonBody};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use portico_engine::{Channel, ChannelPatch, NewChannelInput};

pub(crate) async fn list(
    State(st): State<AppState>,
    _auth: Auth,
    Path(site): Path<String>,
) -> Result<Json<Vec<Channel>>, ApiError> {
    let engine = st.engine.clone();
    Ok(Json(blocking(move || engine.channels(&site)).await?))
}

pub(crate) async fn create(
    State(st): State<AppState>,
    auth: Auth,
    Path(site): Path<String>,
    JsonBody(body): JsonBody<NewChannelInput>,
) -> Result<(StatusCode, Json<Channel>), ApiError> {
    let engine = st.engine.clone();
    let ch = blocking(move || engine.create_channel(Some(&auth.actor), &site, body)).await?;
    Ok((StatusCode::CREATED, Json(ch)))
}

pub(crate) async fn update(
    State(st): State<AppState>,
    auth: Auth,
    Path((site, channel)): Path<(String, String)>,
    JsonBody(body): JsonBody<ChannelPatch>,
) -> Result<Json<Channel>, ApiError> {
    let engine = st.engine.clone();
    Ok(Json(
        blocking(move || engine.update_channel(&auth.actor, &site, &channel, body)).await?,
    ))
}

pub(crate) async fn delete(
    State(st): State<AppState>,
    auth: Auth,
    Path((site, channel)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let engine = st.engine.clone();
    blocking(move || engine.delete_channel(&auth.actor, &site, &channel)).await?;
    Ok(StatusCode::NO_CONTENT)
}
