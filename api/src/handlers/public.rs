//! The public delivery API: only published revisions, ever.

use super::blocking;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use portico_engine::PublicItem;

pub(crate) async fn item(
    State(st): State<AppState>,
    Path((site, slug)): Path<(String, String)>,
) -> Result<Json<PublicItem>, ApiError> {
    let engine = st.engine.clone();
    Ok(Json(
        blocking(move || engine.public_item(&site, &slug)).await?,
    ))
}
