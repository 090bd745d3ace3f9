//! Sites, users and roles.

use super::blocking;
use crate::error::ApiError;
use crate::extract::{Auth, JsonBody, Params};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use portico_engine::ErrorCode;
use portico_engine::{NewSiteInput, NewUserInput, Site, SiteNode, User, UserPatch, UserWithRoles};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

pub(crate) async fn site_tree(
    State(st): State<AppState>,
    _auth: Auth,
) -> Result<Json<Vec<SiteNode>>, ApiError> {
    let engine = st.engine.clone();
    Ok(Json(blocking(move || engine.site_tree()).await?))
}

pub(crate) async fn site(
    State(st): State<AppState>,
    _auth: Auth,
    Path(site): Path<String>,
) -> Result<Json<Site>, ApiError> {
    let engine = st.engine.clone();
    Ok(Json(blocking(move || engine.site_named(&site)).await?))
}

/// Replaces a site's settings (its site admins).
pub(crate) async fn site_settings(
    State(st): State<AppState>,
    auth: Auth,
    Path(site): Path<String>,
    JsonBody(body): JsonBody<portico_engine::SiteSettings>,
) -> Result<Json<Site>, ApiError> {
    let engine = st.engine.clone();
    Ok(Json(
        blocking(move || engine.update_site_settings(&auth.actor, &site, body)).await?,
    ))
}

pub(crate) async fn create_site(
    State(st): State<AppState>,
    auth: Auth,
    JsonBody(body): JsonBody<NewSiteInput>,
) -> Result<(StatusCode, Json<Site>), ApiError> {
    // Themes are files of this server, which the engine does not see.
    if let Some(theme) = body.theme.as_deref().filter(|t| !st.themes.has(t)) {
        return Err(ApiError::Http {
            code: ErrorCode::InvalidValue,
            message: format!(
                "there is no theme '{theme}'; the themes are: {}",
                st.themes.names().join(", ")
            ),
            field: Some("theme".into()),
        });
    }
    let engine = st.engine.clone();
    let site = blocking(move || engine.create_site(Some(&auth.actor), body)).await?;
    Ok((StatusCode::CREATED, Json(site)))
}

pub(crate) async fn users(
    State(st): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<UserWithRoles>>, ApiError> {
    let engine = st.engine.clone();
    Ok(Json(
        blocking(move || engine.users_with_roles(&auth.actor)).await?,
    ))
}

/// Disables, enables or resets the password of a user (network admins).
pub(crate) async fn update_user(
    State(st): State<AppState>,
    auth: Auth,
    Path(username): Path<String>,
    JsonBody(body): JsonBody<UserPatch>,
) -> Result<Json<User>, ApiError> {
    let engine = st.engine.clone();
    Ok(Json(
        blocking(move || engine.update_user(Some(&auth.actor), &username, body)).await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasswordChange {
    current: String,
    new: String,
}

/// Changes one's own password; every session of the user ends, this one too.
pub(crate) async fn change_password(
    State(st): State<AppState>,
    auth: Auth,
    JsonBody(body): JsonBody<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    let engine = st.engine.clone();
    blocking(move || engine.change_password(&auth.actor, &body.current, &body.new)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The network's audit log, newest first (network admins).
pub(crate) async fn audit(
    State(st): State<AppState>,
    auth: Auth,
    Params(q): Params<HashMap<String, String>>,
) -> Result<Json<Vec<portico_engine::HistoryEntry>>, ApiError> {
    let limit = super::limit_param(q.get("limit").map(String::as_str), 100)?;
    let engine = st.engine.clone();
    Ok(Json(
        blocking(move || engine.recent_audit(&auth.actor, limit)).await?,
    ))
}

pub(crate) async fn create_user(
    State(st): State<AppState>,
    auth: Auth,
    JsonBody(body): JsonBody<NewUserInput>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    let engine = st.engine.clone();
    let user = blocking(move || engine.create_user(&auth.actor, body)).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

pub(crate) async fn roles(
    State(st): State<AppState>,
    auth: Auth,
    Path(site): Path<String>,
) -> Result<Json<Vec<Value>>, ApiError> {
    let engine = st.engine.clone();
    let rows = blocking(move || engine.site_roles(&auth.actor, &site)).await?;
    Ok(Json(
        rows.into_iter()
            .map(
                |(u, r)| json!({"username": u.username, "display_name": u.display_name, "role": r}),
            )
            .collect(),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Grant {
    username: String,
    role: String,
}

pub(crate) async fn grant(
    State(st): State<AppState>,
    auth: Auth,
    Path(site): Path<String>,
    JsonBody(body): JsonBody<Grant>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let engine = st.engine.clone();
    let (u, r) = (body.username.clone(), body.role.clone());
    let changed = blocking(move || engine.set_role(Some(&auth.actor), &site, &u, &r, true)).await?;
    let status = if changed {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(json!({"username": body.username, "role": body.role, "granted": true})),
    ))
}

pub(crate) async fn revoke(
    State(st): State<AppState>,
    auth: Auth,
    Path((site, username, role)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let engine = st.engine.clone();
    let changed =
        blocking(move || engine.set_role(Some(&auth.actor), &site, &username, &role, false))
            .await?;
    if changed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::http(
            ErrorCode::NotFound,
            "the user does not hold that role on this site",
        ))
    }
}
