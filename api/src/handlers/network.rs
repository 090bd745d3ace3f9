//! Sites, users and roles.

use super::blocking;
use crate::error::ApiError;
use crate::extract::{Auth, JsonBody, Params};
use crate::AppState;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, StatusCode};
use axum::response::Response;
use axum::Json;
use futures::StreamExt;
use portico_engine::ErrorCode;
use portico_engine::{AuditLine, AuditQuery};
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
///
/// The current password is checked under the sign-in limits: a stolen session cannot guess it
/// faster than a stranger can guess a sign-in.
pub(crate) async fn change_password(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: axum::http::HeaderMap,
    auth: Auth,
    JsonBody(body): JsonBody<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    let engine = st.engine.clone();
    let ip = crate::client_addr::client_ip(peer, &headers, &st.config.trusted_proxies);
    let username = auth.actor.username.clone();
    crate::handlers::auth::signed_in(&st, &username, ip, move || {
        engine.change_password(&auth.actor, &body.current, &body.new)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The filters of the audit log from a query string.
fn audit_query(q: &HashMap<String, String>, limit: usize) -> Result<AuditQuery, ApiError> {
    let before = match q.get("before").filter(|s| !s.is_empty()) {
        None => None,
        Some(b) => Some(b.parse::<i64>().map_err(|_| ApiError::Http {
            code: ErrorCode::InvalidParameter,
            message: format!("before '{b}' is not an entry id"),
            field: Some("before".into()),
        })?),
    };
    let text = |k: &str| q.get(k).cloned().filter(|s| !s.is_empty());
    Ok(AuditQuery {
        user: text("user"),
        site: text("site"),
        action: text("action"),
        since: text("since"),
        until: text("until"),
        before,
        limit,
    })
}

/// The network's audit log, newest first (network admins): filtered by `user`, `site`,
/// `action` (a prefix), `since` and `until`; `before` the last id of a page for the next.
pub(crate) async fn audit(
    State(st): State<AppState>,
    auth: Auth,
    Params(q): Params<HashMap<String, String>>,
) -> Result<Json<Vec<AuditLine>>, ApiError> {
    let limit = super::limit_param(q.get("limit").map(String::as_str), 100)?;
    let query = audit_query(&q, limit)?;
    let engine = st.engine.clone();
    Ok(Json(
        blocking(move || engine.audit_log(&auth.actor, &query)).await?,
    ))
}

/// The whole audit log (with the same filters) as one download: CSV for a spreadsheet, or
/// JSON Lines (`format=jsonl`). Read a page at a time, so memory stays flat however long
/// the log is.
pub(crate) async fn audit_export(
    State(st): State<AppState>,
    auth: Auth,
    Params(q): Params<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let csv = match q.get("format").map(String::as_str) {
        None | Some("") | Some("csv") => true,
        Some("jsonl") => false,
        Some(other) => {
            return Err(ApiError::Http {
                code: ErrorCode::InvalidParameter,
                message: format!("format '{other}' is not csv or jsonl"),
                field: Some("format".into()),
            })
        }
    };
    let first = audit_query(&q, portico_engine::MAX_AUDIT_PAGE)?;
    audit_download(&st, auth.actor, first, csv).await
}

/// The audit log from `first` on, every page after it, as one streamed CSV or JSON Lines
/// download; the editors' interface offers the same file.
pub(crate) async fn audit_download(
    st: &AppState,
    actor: portico_engine::Actor,
    first: AuditQuery,
    csv: bool,
) -> Result<Response, ApiError> {
    // The first page is read before answering, so a refusal or a bad filter is a proper
    // error rather than a broken download.
    let engine = st.engine.clone();
    let query = first.clone();
    let actor_first = actor.clone();
    let page = blocking(move || engine.audit_log(&actor_first, &query)).await?;
    let header = csv.then(|| {
        "id,at,user,site,item_id,action,from_state,to_state,revision,comment,source\n".to_owned()
    });
    let state = (Some(page), first, st.engine.clone(), actor);
    let pages =
        futures::stream::unfold(state, move |(page, mut query, engine, actor)| async move {
            let page = match page {
                Some(p) => p,
                None => {
                    let (e, a, q) = (engine.clone(), actor.clone(), query.clone());
                    match blocking(move || e.audit_log(&a, &q)).await {
                        Ok(p) => p,
                        Err(e) => {
                            tracing::error!(error = ?e, "the audit export stopped");
                            return Some((
                                Err(std::io::Error::other("the audit log could not be read")),
                                (Some(Vec::new()), query, engine, actor),
                            ));
                        }
                    }
                }
            };
            let last = page.last()?.id;
            let chunk = if csv {
                csv_lines(&page)
            } else {
                json_lines(&page)
            };
            query.before = Some(last);
            Some((Ok(chunk), (None, query, engine, actor)))
        });
    let body = futures::stream::iter(header.map(Ok))
        .chain(pages)
        .map(|r: Result<String, std::io::Error>| r.map(bytes::Bytes::from));
    let (mime, ext) = if csv {
        ("text/csv; charset=utf-8", "csv")
    } else {
        ("application/jsonl; charset=utf-8", "jsonl")
    };
    Response::builder()
        .header(header::CONTENT_TYPE, mime)
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"portico-audit.{ext}\""),
        )
        .header(header::CACHE_CONTROL, "no-store")
        // Fused: a layer around the body (compression) may ask again after the end, which
        // an unfold must not be.
        .body(Body::from_stream(body.fuse()))
        .map_err(|e| ApiError::internal(format!("audit export: {e}")))
}

fn csv_lines(page: &[AuditLine]) -> String {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    for l in page {
        let s = |v: Option<String>| v.unwrap_or_default();
        // Writing to memory cannot fail; a row that did would be left out, not the file.
        // Cells are written formula-safe: a workflow comment `=HYPERLINK(...)` must not run in
        // the spreadsheet of the admin who opens the export.
        let record = [
            l.id.to_string(),
            l.at.to_rfc3339(),
            s(l.user.clone()),
            s(l.site.clone()),
            s(l.item_id.map(|i| i.to_string())),
            l.action.clone(),
            s(l.from_state.map(|x| x.as_str().to_owned())),
            s(l.to_state.map(|x| x.as_str().to_owned())),
            s(l.revision.map(|r| r.to_string())),
            s(l.comment.clone()),
            s(l.source.clone()),
        ];
        let _ = w.write_record(record.iter().map(|c| crate::report::formula_safe(c)));
    }
    w.into_inner()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

fn json_lines(page: &[AuditLine]) -> String {
    let mut out = String::new();
    for l in page {
        if let Ok(line) = serde_json::to_string(l) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
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
