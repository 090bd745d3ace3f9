//! Login, logout and "who am I".

use super::blocking;
use crate::client_addr::client_ip;
use crate::error::ApiError;
use crate::extract::{Auth, JsonBody};
use crate::AppState;
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::net::IpAddr;
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
    headers: HeaderMap,
    JsonBody(body): JsonBody<Login>,
) -> Result<Json<Value>, ApiError> {
    let ip = client_ip(peer, &headers, &st.config.trusted_proxies);
    let username = body.username.clone();
    let engine = st.engine.clone();
    let from = ip.to_string();
    let t = signed_in(&st, &username, ip, move || {
        engine.login(&body.username, &body.password, Some(&from))
    })
    .await?;
    Ok(Json(json!({"token": t.token, "expires_at": t.expires_at})))
}

/// Runs a password check under the sign-in limits (`login_limit`): refused with `429` while
/// this username and address (an IPv6 client's network), or this address, must wait; counted
/// as a failure before the check starts, so that parallel guesses meet the limit too, and
/// given back when the password is right; the start of a limit goes to the log, `/metrics`
/// and the audit log. Checks run a few at a time (`HashGate`); past the line, `503` with
/// `Retry-After`. The editors' interface signs in, and both interfaces change passwords,
/// through this too.
pub(crate) async fn signed_in<T: Send + 'static>(
    st: &AppState,
    username: &str,
    ip: IpAddr,
    check: impl FnOnce() -> Result<T, portico_engine::EngineError> + Send + 'static,
) -> Result<T, ApiError> {
    let key = crate::client_addr::limit_key(ip, st.config.connections.ipv6_prefix);
    let started = match st.login_limit.attempt(username, key) {
        Ok(started) => started,
        Err(limited) => {
            st.metrics.login_refused(limited.scope());
            return Err(ApiError::TooMany(limited.seconds()));
        }
    };
    let Some(_permit) = st.hash_gate.enter().await else {
        // Not checked: the attempt is not held against anyone.
        st.login_limit.unjudged(username, key);
        st.metrics.login_refused("busy");
        return Err(ApiError::Busy(portico_engine::ErrorCode::SignInBusy, 2));
    };
    match blocking(check).await {
        Ok(v) => {
            st.login_limit.succeeded(username, key);
            Ok(v)
        }
        Err(e) => {
            // A wrong password: at sign-in, or the current one of a password change.
            let wrong = match &e {
                ApiError::Engine(portico_engine::EngineError::Unauthenticated(_)) => true,
                ApiError::Engine(portico_engine::EngineError::Invalid { field, .. }) => {
                    field.as_deref() == Some("current")
                }
                _ => false,
            };
            if !wrong {
                // The store failed, not the password: nothing to hold against anyone.
                st.login_limit.unjudged(username, key);
            }
            if wrong {
                if let Some(started) = started {
                    let scope = started.limited.scope();
                    tracing::warn!(username, %ip, scope, failures = started.failures, "sign-ins limited");
                    let (engine, name, address) =
                        (st.engine.clone(), username.to_owned(), ip.to_string());
                    let failures = started.failures;
                    if let Err(err) = blocking(move || {
                        engine.record_login_limited(&name, &address, scope, failures)
                    })
                    .await
                    {
                        tracing::error!(error = ?err, "the sign-in limit could not be audited");
                    }
                }
            }
            Err(e)
        }
    }
}

/// The editors' interface signs in here, under the same limits as the JSON API.
pub(crate) struct AdminGate(pub(crate) AppState);

impl portico_admin::Gate for AdminGate {
    fn password_check(
        &self,
        username: String,
        peer: SocketAddr,
        headers: HeaderMap,
        check: Box<dyn FnOnce() -> Result<(), portico_engine::EngineError> + Send>,
    ) -> futures::future::BoxFuture<'static, Result<(), portico_engine::EngineError>> {
        let st = self.0.clone();
        let ip = client_ip(peer, &headers, &st.config.trusted_proxies);
        Box::pin(async move {
            match signed_in(&st, &username, ip, check).await {
                Ok(()) => Ok(()),
                Err(ApiError::Engine(e)) => Err(e),
                Err(e) => Err(engine_error(e)),
            }
        })
    }

    fn client_address(&self, peer: SocketAddr, headers: &HeaderMap) -> String {
        client_ip(peer, headers, &self.0.config.trusted_proxies).to_string()
    }

    fn sign_in(
        &self,
        username: String,
        password: String,
        peer: SocketAddr,
        headers: HeaderMap,
    ) -> futures::future::BoxFuture<
        'static,
        Result<portico_engine::LoginToken, portico_admin::Refusal>,
    > {
        let st = self.0.clone();
        Box::pin(async move {
            let ip = client_ip(peer, &headers, &st.config.trusted_proxies);
            let engine = st.engine.clone();
            let name = username.clone();
            let from = ip.to_string();
            match signed_in(&st, &name, ip, move || {
                engine.login(&username, &password, Some(&from))
            })
            .await
            {
                Ok(t) => Ok(t),
                Err(ApiError::TooMany(seconds)) => Err(portico_admin::Refusal::Limited(seconds)),
                Err(ApiError::Engine(portico_engine::EngineError::Unauthenticated(_))) => {
                    Err(portico_admin::Refusal::Wrong)
                }
                Err(e) => {
                    tracing::warn!(error = ?e, "an editor's sign-in failed");
                    Err(portico_admin::Refusal::Unavailable)
                }
            }
        })
    }

    fn upload(
        &self,
        actor: portico_engine::Actor,
        site: String,
        filename: String,
        title: Option<String>,
        bytes: Vec<u8>,
    ) -> futures::future::BoxFuture<
        'static,
        Result<portico_engine::Media, portico_engine::EngineError>,
    > {
        let st = self.files().clone();
        Box::pin(async move {
            super::media::upload_bytes(&st, actor, site, filename, title, bytes)
                .await
                .map_err(engine_error)
        })
    }

    fn replace(
        &self,
        actor: portico_engine::Actor,
        id: portico_engine::MediaId,
        filename: String,
        bytes: Vec<u8>,
    ) -> futures::future::BoxFuture<
        'static,
        Result<portico_engine::Media, portico_engine::EngineError>,
    > {
        let st = self.files().clone();
        Box::pin(async move {
            super::media::replace_bytes(&st, actor, id, filename, bytes)
                .await
                .map_err(engine_error)
        })
    }

    fn delete(
        &self,
        actor: portico_engine::Actor,
        id: portico_engine::MediaId,
    ) -> futures::future::BoxFuture<'static, Result<(), portico_engine::EngineError>> {
        let st = self.files().clone();
        Box::pin(async move {
            super::media::delete_file(&st, actor, id)
                .await
                .map_err(engine_error)
        })
    }

    fn thumbnail(
        &self,
        actor: portico_engine::Actor,
        id: portico_engine::MediaId,
        headers: HeaderMap,
    ) -> futures::future::BoxFuture<
        'static,
        Result<axum::response::Response, portico_engine::EngineError>,
    > {
        let st = self.files().clone();
        Box::pin(async move {
            super::media::thumbnail(&st, actor, id, &headers)
                .await
                .map_err(engine_error)
        })
    }

    fn max_upload_bytes(&self) -> u64 {
        self.files().media.config.max_upload_bytes
    }

    fn audit_export(
        &self,
        actor: portico_engine::Actor,
        query: portico_engine::AuditQuery,
    ) -> futures::future::BoxFuture<'static, axum::response::Response> {
        let st = self.0.clone();
        Box::pin(async move {
            match super::network::audit_download(&st, actor, query, true).await {
                Ok(r) => r,
                Err(e) => axum::response::IntoResponse::into_response(e),
            }
        })
    }

    fn intake(
        &self,
        actor: portico_engine::Actor,
        site: String,
        filename: String,
        bytes: Vec<u8>,
    ) -> futures::future::BoxFuture<'static, Result<serde_json::Value, portico_engine::EngineError>>
    {
        let engine = self.0.engine.clone();
        Box::pin(async move {
            let slug = site.clone();
            let who = actor.clone();
            super::blocking(move || engine.authorize_upload(&who, &slug))
                .await
                .map_err(engine_error)?;
            let read = crate::intake::read(&actor.username, filename, bytes)
                .await
                .map_err(engine_error)?;
            serde_json::to_value(&read)
                .map_err(|e| portico_engine::EngineError::internal(e.to_string()))
        })
    }

    fn comment_report(
        &self,
        actor: portico_engine::Actor,
        item: portico_engine::ItemId,
        docx: bool,
    ) -> futures::future::BoxFuture<'static, axum::response::Response> {
        let st = self.0.clone();
        Box::pin(async move {
            match super::participation::report_for(&st, actor, item, docx).await {
                Ok(r) => r,
                Err(e) => axum::response::IntoResponse::into_response(e),
            }
        })
    }

    fn end_session_url(&self) -> futures::future::BoxFuture<'static, Option<String>> {
        let oidc = self.0.oidc.clone();
        Box::pin(async move {
            match oidc {
                Some(o) => o.end_session_url().await,
                None => None,
            }
        })
    }
}

/// What the editors' interface does with files, through the same steps as the API's media
/// handlers.
fn engine_error(e: ApiError) -> portico_engine::EngineError {
    match e {
        ApiError::Engine(e) => e,
        // The file's own fault (type, size, pixels) is the user's to fix; the rest is ours.
        ApiError::Http { code, message, .. } if code.status() < 500 => {
            portico_engine::EngineError::bad_input("file", message)
        }
        ApiError::Http { message, .. } => portico_engine::EngineError::internal(message),
        ApiError::TooMany(secs) | ApiError::TooManySubmissions(secs) | ApiError::Busy(_, secs) => {
            portico_engine::EngineError::bad_input(
                "file",
                format!("too many attempts; try again in {secs} seconds"),
            )
        }
    }
}

impl AdminGate {
    fn files(&self) -> &AppState {
        &self.0
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
