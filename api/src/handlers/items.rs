//! Items: create, read, save, transitions, revisions, history, queue.

use super::{blocking, item_id};
use crate::error::ApiError;
use crate::extract::{Auth, JsonBody, Params};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use portico_engine::{Actor, Engine, EngineError, ErrorCode, ItemId};
use portico_engine::{
    HistoryEntry, ItemView, NewItemInput, QueueEntry, RevisionSummary, SaveInput, TransitionInput,
};
use serde::Deserialize;

pub(crate) async fn create(
    State(st): State<AppState>,
    auth: Auth,
    Path(site): Path<String>,
    JsonBody(body): JsonBody<NewItemInput>,
) -> Result<(StatusCode, Json<ItemView>), ApiError> {
    let engine = st.engine.clone();
    let item = blocking(move || engine.create_item(&auth.actor, &site, body)).await?;
    Ok((StatusCode::CREATED, Json(item)))
}

pub(crate) async fn get(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<ItemView>, ApiError> {
    let id = item_id(&id)?;
    let engine = st.engine.clone();
    Ok(Json(blocking(move || engine.item(&auth.actor, id)).await?))
}

/// `PUT`: the fields sent are the whole item.
pub(crate) async fn save(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<SaveInput>,
) -> Result<Json<ItemView>, ApiError> {
    write(st, auth, &id, body, Engine::save_item).await
}

/// `PATCH`: the fields named change, the rest stay.
pub(crate) async fn patch(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<SaveInput>,
) -> Result<Json<ItemView>, ApiError> {
    write(st, auth, &id, body, Engine::patch_item).await
}

/// A save of either kind, on the blocking pool.
async fn write(
    st: AppState,
    auth: Auth,
    id: &str,
    body: SaveInput,
    save: fn(&Engine, &Actor, ItemId, SaveInput) -> Result<ItemView, EngineError>,
) -> Result<Json<ItemView>, ApiError> {
    let id = item_id(id)?;
    let engine = st.engine.clone();
    Ok(Json(
        blocking(move || save(&engine, &auth.actor, id, body)).await?,
    ))
}

pub(crate) async fn transition(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<TransitionInput>,
) -> Result<Json<ItemView>, ApiError> {
    let id = item_id(&id)?;
    let engine = st.engine.clone();
    Ok(Json(
        blocking(move || engine.transition(&auth.actor, id, body)).await?,
    ))
}

pub(crate) async fn revisions(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Vec<RevisionSummary>>, ApiError> {
    let id = item_id(&id)?;
    let engine = st.engine.clone();
    Ok(Json(
        blocking(move || engine.revisions(&auth.actor, id)).await?,
    ))
}

pub(crate) async fn revision(
    State(st): State<AppState>,
    auth: Auth,
    Path((id, rev)): Path<(String, String)>,
) -> Result<Json<RevisionSummary>, ApiError> {
    let id = item_id(&id)?;
    let rev: u32 = rev
        .parse()
        .map_err(|_| ApiError::http(ErrorCode::NotFound, format!("revision '{rev}' not found")))?;
    let engine = st.engine.clone();
    Ok(Json(
        blocking(move || engine.revision(&auth.actor, id, rev)).await?,
    ))
}

pub(crate) async fn history(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Vec<HistoryEntry>>, ApiError> {
    let id = item_id(&id)?;
    let engine = st.engine.clone();
    Ok(Json(
        blocking(move || engine.history(&auth.actor, id)).await?,
    ))
}

#[derive(Deserialize)]
pub(crate) struct QueueQuery {
    state: Option<String>,
    limit: Option<String>,
}

pub(crate) async fn queue(
    State(st): State<AppState>,
    auth: Auth,
    Path(site): Path<String>,
    Params(q): Params<QueueQuery>,
) -> Result<Json<Vec<QueueEntry>>, ApiError> {
    let limit = super::limit_param(q.limit.as_deref(), 100)?;
    let engine = st.engine.clone();
    Ok(Json(
        blocking(move || engine.queue(&auth.actor, &site, q.state.as_deref(), limit)).await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Propose {
    parent: String,
}

pub(crate) async fn propose(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Propose>,
) -> Result<(StatusCode, Json<ItemView>), ApiError> {
    let id = item_id(&id)?;
    let engine = st.engine.clone();
    let copy = blocking(move || engine.propose(&auth.actor, id, &body.parent)).await?;
    Ok((StatusCode::CREATED, Json(copy)))
}
