//! Every request body is bounded as it streams in: a declared `Content-Length` over the limit
//! is refused before a byte is read, and a body that passes the limit while streaming fails
//! there (`413`), so no request can make the server buffer more than its limit. Uploads get
//! the upload limit, everything else the JSON body limit.
//!
//! A body must also keep coming: after [`BODY_GRACE`] it must have arrived at the configured
//! minimum rate on average, or it is cut off (`408`), so a client trickling a byte now and
//! then cannot hold a connection and a request open for ever.
//!
//! A multipart upload must also begin with its boundary: a body that does not is refused
//! after its first bytes instead of being buffered while the parser looks for one.

use crate::error::ApiError;
use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use portico_engine::ErrorCode;
use std::time::Duration;

/// Room for the multipart framing and a title around an upload's file.
pub(crate) const MULTIPART_OVERHEAD: u64 = 64 * 1024;

/// How long a body may take before the minimum rate applies.
pub const BODY_GRACE: Duration = Duration::from_secs(10);

/// Whether the request is an upload (`POST /api/v1/sites/{site}/media`,
/// `PUT /api/v1/media/{id}`).
fn is_upload(method: &Method, path: &str) -> bool {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    matches!(
        (method, segments.as_slice()),
        (&Method::POST, ["", "api", "v1", "sites", _, "media"])
            | (&Method::PUT, ["", "api", "v1", "media", _])
            // The editors' interface: the library, and item forms that may carry a file.
            | (&Method::POST, ["", "admin", "sites", _, "media"])
            | (&Method::POST, ["", "admin", "media", _])
            | (&Method::POST, ["", "admin", "sites", _, "items", "new"])
            | (&Method::POST, ["", "admin", "items", _])
            | (&Method::POST, ["", "admin", "sites", _, "preview"])
    )
}

/// The middleware: bounds the body of every request.
pub(crate) async fn bound(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let upload = is_upload(req.method(), req.uri().path());
    let limit = if upload {
        st.media
            .config
            .max_upload_bytes
            .saturating_add(MULTIPART_OVERHEAD)
    } else {
        u64::try_from(st.config.max_body_bytes).unwrap_or(u64::MAX)
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return too_large(upload, limit);
    }
    // HTTP/1.1: without either header there is no body to bound (most requests: GETs).
    // HTTP/2 needs neither: a body there is whatever DATA frames follow the headers, so any
    // stream not ended with its headers is bounded like a body of unknown length.
    let has_body = declared.is_some_and(|n| n > 0)
        || req.headers().contains_key(header::TRANSFER_ENCODING)
        || (declared.is_none() && !axum::body::HttpBody::is_end_stream(req.body()));
    if !has_body {
        return next.run(req).await;
    }
    let boundary = upload.then(|| boundary(req.headers())).flatten();
    let (parts, body) = req.into_parts();
    let limited = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut body = Body::new(http_body_util::Limited::new(body, limited));
    if let Some(b) = boundary {
        body = Body::from_stream(starts_with_boundary(body, b));
    }
    if st.config.min_body_rate > 0 {
        body = Body::from_stream(at_least(body, st.config.min_body_rate));
    }
    next.run(Request::from_parts(parts, body)).await
}

/// What a failed body read means for the client, if it was one of the limits here.
pub(crate) fn limit_hit(e: &(dyn std::error::Error + 'static)) -> Option<ErrorCode> {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if c.is::<http_body_util::LengthLimitError>() {
            return Some(ErrorCode::PayloadTooLarge);
        }
        if c.is::<TooSlow>() {
            return Some(ErrorCode::RequestTimeout);
        }
        cause = c.source();
    }
    None
}

/// Why a body was cut off.
#[derive(Debug, thiserror::Error)]
#[error("the body arrived slower than {0} bytes per second")]
struct TooSlow(u64);

/// Passes the body through while it keeps up with `rate` bytes per second on average after
/// [`BODY_GRACE`]; a body that falls behind (or stalls) ends with [`TooSlow`].
fn at_least(
    body: Body,
    rate: u64,
) -> impl futures::Stream<Item = Result<Bytes, axum::BoxError>> + Send {
    let started = tokio::time::Instant::now();
    let state = (body.into_data_stream(), 0u64, false);
    futures::stream::unfold(state, move |(mut data, received, failed)| async move {
        if failed {
            return None;
        }
        // By this time the bytes received so far are the least the rate allows.
        let due = started
            + BODY_GRACE
            + Duration::from_millis(received.saturating_mul(1000) / rate.max(1));
        match tokio::time::timeout_at(due, data.next()).await {
            Ok(Some(Ok(chunk))) => {
                let n = u64::try_from(chunk.len()).unwrap_or(u64::MAX);
                Some((Ok(chunk), (data, received.saturating_add(n), false)))
            }
            Ok(Some(Err(e))) => Some((Err(axum::BoxError::from(e)), (data, received, true))),
            Ok(None) => None,
            Err(_) => Some((
                Err(axum::BoxError::from(TooSlow(rate))),
                (data, received, true),
            )),
        }
    })
}

fn too_large(upload: bool, limit: u64) -> Response {
    if upload {
        let mb = limit.saturating_sub(MULTIPART_OVERHEAD) / (1024 * 1024);
        ApiError::http(
            ErrorCode::TooLarge,
            format!("the file is larger than the limit of {mb} MB"),
        )
    } else {
        ApiError::http(
            ErrorCode::PayloadTooLarge,
            format!("the body is larger than the limit of {limit} bytes"),
        )
    }
    .into_response()
}

/// The `boundary` parameter of a `multipart/form-data` content type.
fn boundary(headers: &axum::http::HeaderMap) -> Option<String> {
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let (mime, params) = ct.split_once(';')?;
    if !mime.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// Why a multipart body was cut off.
#[derive(Debug, thiserror::Error)]
#[error("the multipart body does not begin with its boundary")]
struct NoBoundary;

/// Passes the body through, failing once its first bytes show it does not begin with
/// `--boundary` (after optional blank lines, which some clients send).
fn starts_with_boundary(
    body: Body,
    boundary: String,
) -> impl futures::Stream<Item = Result<Bytes, axum::BoxError>> + Send {
    let want = format!("--{boundary}").into_bytes();
    let mut seen: Vec<u8> = Vec::new();
    let mut checked = false;
    body.into_data_stream().map(move |chunk| {
        let chunk = chunk.map_err(axum::BoxError::from)?;
        if !checked {
            seen.extend_from_slice(&chunk);
            let start = seen
                .iter()
                .position(|b| !matches!(b, b'\r' | b'\n'))
                .unwrap_or(seen.len());
            let head = seen.get(start..).unwrap_or_default();
            let n = head.len().min(want.len());
            if head.get(..n) != want.get(..n) || start > 64 {
                return Err(axum::BoxError::from(NoBoundary));
            }
            if n == want.len() {
                checked = true;
                seen = Vec::new();
            }
        }
        Ok(chunk)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_are_told_apart() {
        assert!(is_upload(&Method::POST, "/api/v1/sites/main/media"));
        assert!(is_upload(&Method::PUT, "/api/v1/media/12"));
        assert!(!is_upload(&Method::GET, "/api/v1/media/12"));
        assert!(!is_upload(&Method::POST, "/api/v1/sites/main/items"));
    }

    #[tokio::test]
    async fn a_body_without_its_boundary_fails_at_its_first_bytes() {
        let collect = |parts: Vec<&'static [u8]>| async move {
            let stream = futures::stream::iter(
                parts
                    .into_iter()
                    .map(|p| Ok::<_, std::io::Error>(Bytes::from_static(p))),
            );
            starts_with_boundary(Body::from_stream(stream), "XyZ".into())
                .collect::<Vec<_>>()
                .await
        };
        let ok = collect(vec![b"\r\n--X", b"yZ\r\ncontent", b"more"]).await;
        assert!(ok.iter().all(Result::is_ok));
        let bad = collect(vec![b"xxxxxxxxxxxxxxxxxxxx", b"never read"]).await;
        assert!(bad.first().is_some_and(Result::is_err));
    }
}
