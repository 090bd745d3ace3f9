//! Extractors: a strict JSON body whose errors take the API's error shape, and the
//! authenticated actor.

use crate::error::ApiError;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{header, request::Parts, StatusCode};
use portico_engine::ErrorCode;
use portico_engine::{Actor, EngineError, InvalidKind};
use serde::de::DeserializeOwned;

/// A JSON body parsed strictly; malformed JSON, unknown fields and oversize bodies come back
/// as the usual error JSON naming the field.
pub(crate) struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                let mime = v.split(';').next().unwrap_or("").trim();
                mime.eq_ignore_ascii_case("application/json")
            });
        if !is_json {
            return Err(ApiError::http(
                ErrorCode::UnsupportedMediaType,
                "send the body as JSON with Content-Type: application/json",
            ));
        }
        let limit = state.config.max_body_bytes;
        let bytes = Bytes::from_request(req, state).await.map_err(|rej| {
            let hit = crate::body_limit::limit_hit(&rej);
            if hit == Some(ErrorCode::RequestTimeout) {
                ApiError::http(ErrorCode::RequestTimeout, "the body arrived too slowly")
            } else if hit == Some(ErrorCode::PayloadTooLarge)
                || rej.status() == StatusCode::PAYLOAD_TOO_LARGE
            {
                ApiError::http(
                    ErrorCode::PayloadTooLarge,
                    format!("the body is larger than the limit of {limit} bytes"),
                )
            } else {
                ApiError::http(ErrorCode::Malformed, rej.body_text())
            }
        })?;
        parse(&bytes).map(JsonBody)
    }
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Every body of this API is an object; serde would also take a struct from an array
    // (`[]` as "no fields"), which no client means.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::Engine(EngineError::Invalid {
            kind: InvalidKind::Malformed,
            field: None,
            message: "the body must be a JSON object ({...})".to_owned(),
        }));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let inner = e.inner();
        if inner.is_syntax() || inner.is_eof() || inner.is_io() {
            ApiError::Engine(EngineError::Invalid {
                kind: InvalidKind::Malformed,
                field: None,
                message: format!("the body is not valid JSON: {inner}"),
            })
        } else {
            ApiError::Engine(portico_engine::serde_error(
                "",
                &e.path().to_string(),
                &inner.to_string(),
            ))
        }
    })?;
    de.end().map_err(|e| {
        ApiError::Engine(EngineError::Invalid {
            kind: InvalidKind::Malformed,
            field: None,
            message: format!("the body is not valid JSON: {e}"),
        })
    })?;
    Ok(value)
}

/// Query-string parameters parsed into `T`; a parameter that cannot be parsed (or one given
/// twice where one is expected) is the API's usual `400 invalid_parameter`, not plain text.
pub(crate) struct Params<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        // A parameter given twice is refused rather than one of its values picked.
        let query = parts.uri.query().unwrap_or_default();
        let mut seen = std::collections::HashSet::new();
        for (k, _) in url::form_urlencoded::parse(query.as_bytes()) {
            if !seen.insert(k.clone()) {
                return Err(ApiError::Http {
                    code: ErrorCode::InvalidParameter,
                    message: format!("the parameter '{k}' is given more than once"),
                    field: Some(k.into_owned()),
                });
            }
        }
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Params(q.0))
            .map_err(|rej| {
                ApiError::http(
                    ErrorCode::InvalidParameter,
                    format!("the query string cannot be used: {}", rej.body_text()),
                )
            })
    }
}

/// The authenticated user, from `Authorization: Bearer <token>`.
pub(crate) struct Auth {
    pub actor: Actor,
    pub token: String,
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(|t| t.trim().to_owned())
            .ok_or_else(|| {
                ApiError::Engine(EngineError::Unauthenticated(
                    "log in first (POST /api/v1/auth/login) and send Authorization: Bearer <token>"
                        .to_owned(),
                ))
            })?;
        let engine = state.engine.clone();
        let t = token.clone();
        let mut actor = crate::handlers::blocking(move || engine.authenticate(&t)).await?;
        // A read-only token changes nothing, whatever the route: the engine refuses each
        // write on its own, and this refuses the rest (signing out, deleting a token) too.
        if !matches!(
            parts.method,
            axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
        ) {
            actor.may_write().map_err(EngineError::from)?;
        }
        // What this caller does is audited with where it came from.
        if let Some(axum::extract::ConnectInfo(peer)) = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        {
            actor.from = Some(
                crate::client_addr::client_ip(*peer, &parts.headers, &state.config.trusted_proxies)
                    .to_string(),
            );
        }
        Ok(Auth { actor, token })
    }
}
