//! The OpenAPI 3.1 description of the admin and delivery APIs.
//!
//! Written by hand in `api/openapi.json` rather than generated, so that it reads as
//! documentation; `tests/e2e/openapi.rs` keeps it honest: every route in `routes.rs` must be
//! described, and real responses must match their schemas.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// The description, as served.
pub const SPEC: &str = include_str!("../../openapi.json");

pub(crate) async fn spec() -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        SPEC,
    )
        .into_response()
}
