//! Login, logout and "who am I".

use super::blocking;
use crate::error::ApiError;
use crate::extract::{Auth, JsonBody};
use crate::AppState;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::net::SocketAddr;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Login {
    username: String,
    password: String,
}

pub(crate) async fn login(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    JsonBody(body): JsonBody<Login>,
) -> Result<Json<Value>, ApiError> {
    let user_key = format!("user:{}", body.username.trim().to_lowercase());
    let keys = [user_key.clone(), format!("ip:{}", peer.ip())];
    if let Some(wait) = st.login_limit.blocked(&keys) {
        return Err(ApiError::TooMany(wait));
    }
    let engine = st.engine.clone();
    match blocking(move || engine.login(&body.username, &body.password)).await {
        Ok(t) => {
            st.login_limit.succeeded(&user_key);
            Ok(Json(json!({"token": t.token, "expires_at": t.expires_at})))
        }
        Err(e) => {
            st.login_limit.failed(&keys);
            Err(e)
        }
    }
}

pub(crate) async fn logout(State(st): State<AppState>, auth: Auth) -> Result<StatusCode, ApiError> {
    let engine = st.engine.clone();
    blocking(move || engine.logout(&auth.token)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn me(State(st): State<AppState>, auth: Auth) -> Result<Json<Value>, ApiError> {
    let engine = st.engine.clone();
    let actor = auth.actor;
    let sites = blocking(move || engine.sites()).await?;
    let roles: Vec<Value> = actor
        .roles
        .iter()
        .filter_map(|(site, role)| {
            let s = sites.iter().find(|s| s.id == *site)?;
            Some(json!({"site": s.slug, "role": role}))
        })
        .collect();
    Ok(Json(json!({
        "id": actor.user_id,
        "username": actor.username,
        "network_admin": actor.network_admin,
        "roles": roles,
    })))
}
