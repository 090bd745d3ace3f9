//! The one place where errors become HTTP: a stable snake_case code, a status and a message,
//! as `{"error": {"code", "message", "field"}}`. Internal failures answer 500 without their
//! cause; the cause goes to the server log only.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use portico_engine::{EngineError, ErrorCode};
use serde_json::json;

/// An error on its way to the client.
#[derive(Debug)]
pub enum ApiError {
    /// Anything the engine said.
    Engine(EngineError),
    /// Errors the HTTP layer finds itself (body too large, bad content type, bad path).
    Http {
        code: ErrorCode,
        message: String,
        field: Option<String>,
    },
    /// Too many attempts; retry after this many seconds.
    TooMany(u64),
    /// Too many questions or comments from one address; retry after this many seconds.
    TooManySubmissions(u64),
    /// Too much of one kind of work under way at once (password checks, files to read):
    /// `503` with this code, retry after this many seconds.
    Busy(ErrorCode, u64),
}

impl ApiError {
    pub(crate) fn http(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError::Http {
            code,
            message: message.into(),
            field: None,
        }
    }

    /// A failure inside the server, described (the message goes to the log only).
    pub(crate) fn internal(cause: impl std::fmt::Display) -> Self {
        ApiError::Engine(EngineError::internal(cause.to_string()))
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        ApiError::Engine(e)
    }
}

fn status(code: ErrorCode) -> StatusCode {
    StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn body(code: ErrorCode, message: &str, field: Option<&str>) -> Response {
    (
        status(code),
        Json(json!({"error": {"code": code.as_str(), "message": message, "field": field}})),
    )
        .into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Http {
                code,
                message,
                field,
            } => body(code, &message, field.as_deref()),
            ApiError::TooMany(secs) => {
                let mut r = body(
                    ErrorCode::TooManyAttempts,
                    &format!("too many failed logins; try again in {secs} seconds"),
                    None,
                );
                if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                    r.headers_mut().insert(header::RETRY_AFTER, v);
                }
                r
            }
            ApiError::TooManySubmissions(secs) => {
                let mut r = body(
                    ErrorCode::TooManyRequests,
                    &format!("too many submissions from this address; try again in {secs} seconds"),
                    None,
                );
                if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                    r.headers_mut().insert(header::RETRY_AFTER, v);
                }
                r
            }
            ApiError::Busy(code, secs) => {
                let what = match code {
                    ErrorCode::SignInBusy => "too many sign-ins are being checked at once",
                    ErrorCode::IntakeBusy => "too many files are waiting to be read",
                    _ => "the server is busy",
                };
                let mut r = body(code, &format!("{what}; try again in {secs} seconds"), None);
                if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                    r.headers_mut().insert(header::RETRY_AFTER, v);
                }
                r
            }
            ApiError::Engine(e) => engine_response(e),
        }
    }
}

fn engine_response(e: EngineError) -> Response {
    match &e {
        EngineError::Invalid {
            kind,
            field,
            message,
        } => body(kind.code(), message, field.as_deref()),
        EngineError::Unauthenticated(m) => {
            let mut r = body(ErrorCode::Unauthenticated, m, None);
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            r
        }
        EngineError::Forbidden(m) => body(ErrorCode::Forbidden, m, None),
        EngineError::NotFound(what) => {
            body(ErrorCode::NotFound, &format!("{what} not found"), None)
        }
        EngineError::Conflict {
            code,
            message,
            field,
            current_revision,
        } => (
            status(*code),
            Json(
                json!({"error": {"code": code.as_str(), "message": message, "field": field,
                        "current_revision": current_revision}}),
            ),
        )
            .into_response(),
        EngineError::Store(portico_engine::StoreError::Unavailable(_)) => {
            // The outage itself is logged once, at ERROR, by the background loops; each
            // request it turns away is only a warning.
            tracing::warn!(error = %e, cause = ?std::error::Error::source(&e), "store unreachable");
            let mut r = body(
                ErrorCode::StoreUnavailable,
                "the database cannot be reached just now; try again in a few seconds",
                None,
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            r
        }
        EngineError::Store(_) | EngineError::Internal { .. } => {
            tracing::error!(error = %e, cause = ?std::error::Error::source(&e), "internal error");
            body(
                ErrorCode::Internal,
                "internal error; the server log has the details under this response's x-request-id",
                None,
            )
        }
    }
}

impl From<crate::media::MediaError> for ApiError {
    fn from(e: crate::media::MediaError) -> Self {
        use crate::media::MediaError as M;
        let code = match &e {
            M::Unsupported(_) => ErrorCode::UnsupportedFile,
            M::Mismatch { .. } => ErrorCode::TypeMismatch,
            M::Corrupt(_) => ErrorCode::CorruptFile,
            M::TooManyPixels { .. } => ErrorCode::ImageTooLarge,
            M::BadParameter(_) => ErrorCode::InvalidParameter,
            M::Internal(cause) => return ApiError::internal(cause),
        };
        ApiError::http(code, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::engine_response;
    use axum::http::{header, StatusCode};
    use portico_engine::{EngineError, StoreError};

    #[test]
    fn an_unreachable_database_is_503_with_retry_after_and_other_store_failures_500() {
        let gone = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let r = engine_response(EngineError::Store(StoreError::Unavailable(Box::new(gone))));
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()[header::RETRY_AFTER], "5");
        let broken = std::io::Error::other("disk I/O error");
        let r = engine_response(EngineError::Store(StoreError::Backend(Box::new(broken))));
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
