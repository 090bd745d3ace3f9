//! The page handlers and what they share: who is signed in, the CSRF check, reading a posted
//! form, and turning an engine refusal into a page.
//!
//! Helpers return `Result<_, Response>`: the error is the page to answer with, built once
//! and returned as is, so its size does not matter.
#![allow(clippy::result_large_err)]

pub(crate) mod audit;
pub(crate) mod auth;
pub(crate) mod dashboard;
pub(crate) mod editor;
pub(crate) mod items;
pub(crate) mod media;
pub(crate) mod participation;
pub(crate) mod people;
pub(crate) mod preview;
pub(crate) mod revisions;
pub(crate) mod settings;

use crate::session::{self, SESSION};
use crate::Admin;
use axum::body::Bytes;
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use portico_engine::{Actor, EngineError};
use serde::Serialize;

/// Largest form body (an article with a long body, typed by hand).
pub(crate) const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;

/// The signed-in user of a request.
pub(crate) struct Me {
    pub(crate) actor: Actor,
    pub(crate) token: String,
    pub(crate) csrf: String,
}

/// What every page's header shows of the user.
#[derive(Serialize)]
pub(crate) struct MeView<'a> {
    username: &'a str,
    network_admin: bool,
    /// The CSRF token masked afresh for this answer (`session::masked`).
    csrf: String,
}

impl Me {
    pub(crate) fn view(&self) -> MeView<'_> {
        MeView {
            username: &self.actor.username,
            network_admin: self.actor.network_admin,
            csrf: session::masked(&self.csrf),
        }
    }
}

/// Runs a synchronous engine call off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, EngineError> + Send + 'static,
) -> Result<T, EngineError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| EngineError::internal(format!("admin task failed: {e}")))?
}

/// Where to go to sign in and come back to `uri` afterwards.
pub(crate) fn to_login(uri: &Uri) -> Response {
    let back = uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/admin/");
    let next: String = form_urlencoded::byte_serialize(back.as_bytes()).collect();
    Redirect::to(&format!("/admin/login?next={next}")).into_response()
}

/// The signed-in user, or the way to the sign-in page.
pub(crate) async fn me(admin: &Admin, headers: &HeaderMap, uri: &Uri) -> Result<Me, Response> {
    let Some(token) = session::cookie(headers, SESSION) else {
        return Err(to_login(uri));
    };
    let engine = admin.engine.clone();
    let t = token.clone();
    match blocking(move || engine.authenticate(&t)).await {
        Ok(actor) => Ok(Me {
            actor,
            csrf: session::csrf_for(&token),
            token,
        }),
        Err(EngineError::Unauthenticated(_)) => Err(to_login(uri)),
        Err(e) => Err(refusal(admin, None, &e)),
    }
}

/// A handler's signed-in user: signed out, the request goes to the sign-in page (and comes
/// back afterwards).
impl axum::extract::FromRequestParts<Admin> for Me {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        admin: &Admin,
    ) -> Result<Self, Self::Rejection> {
        let mut me = me(admin, &parts.headers, &parts.uri).await?;
        // What this user does is audited with where it came from.
        if let Some(axum::extract::ConnectInfo(peer)) = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        {
            me.actor.from = Some(admin.gate.client_address(*peer, &parts.headers));
        }
        Ok(me)
    }
}

/// The item an `/admin/items/{id}...` address names; an id that is not a number is the
/// interface's 404 page (list it after [`Me`], so a signed-out visitor is sent to sign in
/// first).
pub(crate) struct ItemPath(pub(crate) portico_engine::ItemId);

impl axum::extract::FromRequestParts<Admin> for ItemPath {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        admin: &Admin,
    ) -> Result<Self, Self::Rejection> {
        let not_found = || message(admin, None, StatusCode::NOT_FOUND, "error.not_found", None);
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, admin)
                .await
                .map_err(|_| not_found())?;
        raw.parse()
            .map(|id| ItemPath(portico_engine::ItemId(id)))
            .map_err(|_| not_found())
    }
}

/// A posted form after the CSRF check: its pairs, in order.
pub(crate) fn posted(
    admin: &Admin,
    me: &Me,
    body: &Bytes,
) -> Result<Vec<(String, String)>, Response> {
    if body.len() > MAX_FORM_BYTES {
        return Err(message(
            admin,
            Some(me),
            StatusCode::PAYLOAD_TOO_LARGE,
            "error.too_large",
            None,
        ));
    }
    let pairs: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    let sent = crate::fields::value_of(&pairs, "csrf");
    if !session::masked_is(sent, &me.csrf) {
        return Err(message(
            admin,
            Some(me),
            StatusCode::FORBIDDEN,
            "error.csrf",
            None,
        ));
    }
    Ok(pairs)
}

/// A file sent with a form.
pub(crate) struct Upload {
    pub(crate) field: String,
    pub(crate) filename: String,
    pub(crate) bytes: Vec<u8>,
}

/// A posted form that may carry files (`multipart/form-data`) after the CSRF check: its
/// text pairs in order, and the files actually chosen (a browser sends an empty part for a
/// file input left empty). A plain urlencoded body is read as well.
pub(crate) async fn posted_with_files(
    admin: &Admin,
    me: &Me,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<(Vec<(String, String)>, Vec<Upload>), Response> {
    let boundary = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| multer::parse_boundary(ct).ok());
    let Some(boundary) = boundary else {
        return posted(admin, me, &body).map(|p| (p, Vec::new()));
    };
    let bad = |status: StatusCode, key: &str, detail: Option<String>| {
        message(admin, Some(me), status, key, detail)
    };
    let stream = futures::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let constraints = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .per_field(admin.gate.max_upload_bytes().saturating_add(1))
            .for_field("csrf", 1024),
    );
    let mut mp = multer::Multipart::with_constraints(stream, boundary, constraints);
    let (mut pairs, mut files) = (Vec::new(), Vec::new());
    let mut text_bytes = 0usize;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return Err(bad(
                    StatusCode::BAD_REQUEST,
                    "error.invalid_request",
                    Some(e.to_string()),
                ))
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field.file_name().map(str::to_owned);
        let data = match field.bytes().await {
            Ok(d) => d,
            Err(e) => {
                return Err(bad(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "error.too_large",
                    Some(e.to_string()),
                ))
            }
        };
        match filename {
            Some(f) if !f.is_empty() && !data.is_empty() => files.push(Upload {
                field: name,
                filename: f,
                bytes: data.to_vec(),
            }),
            Some(_) => {}
            None => {
                text_bytes = text_bytes.saturating_add(data.len());
                if text_bytes > MAX_FORM_BYTES {
                    return Err(bad(StatusCode::PAYLOAD_TOO_LARGE, "error.too_large", None));
                }
                pairs.push((name, String::from_utf8_lossy(&data).into_owned()));
            }
        }
    }
    if !session::masked_is(crate::fields::value_of(&pairs, "csrf"), &me.csrf) {
        return Err(bad(StatusCode::FORBIDDEN, "error.csrf", None));
    }
    Ok((pairs, files))
}

/// A page, or a plain error if a template fails (a bug, logged).
pub(crate) fn page(
    admin: &Admin,
    status: StatusCode,
    name: &str,
    ctx: minijinja::Value,
) -> Response {
    match admin.ui.render(name, ctx) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = ?e, template = name, "admin page failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "Lỗi hiển thị trang\n").into_response()
        }
    }
}

/// A page with one message: a refusal, an error, a notice.
pub(crate) fn message(
    admin: &Admin,
    me: Option<&Me>,
    status: StatusCode,
    key: &str,
    detail: Option<String>,
) -> Response {
    let ctx = context! {
        me => me.map(Me::view),
        heading => admin.ui.msg(key),
        detail,
        status => status.as_u16(),
    };
    page(admin, status, "message.html", ctx)
}

/// An engine refusal as a page.
pub(crate) fn refusal(admin: &Admin, me: Option<&Me>, e: &EngineError) -> Response {
    let (status, key) = match e {
        EngineError::Forbidden(_) => (StatusCode::FORBIDDEN, "error.forbidden"),
        EngineError::NotFound(_) => (StatusCode::NOT_FOUND, "error.not_found"),
        EngineError::Invalid { .. } => (StatusCode::BAD_REQUEST, "error.invalid_request"),
        EngineError::Conflict { .. } => (StatusCode::CONFLICT, "error.conflict"),
        EngineError::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "error.signed_out"),
        EngineError::Store(_) => (StatusCode::SERVICE_UNAVAILABLE, "error.unavailable"),
        EngineError::Internal { .. } => {
            tracing::error!(error = ?e, "admin request failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "error.internal")
        }
    };
    // The engine's own words say which role or state is missing; internal ones stay in the log.
    let detail = (status.is_client_error()).then(|| e.to_string());
    message(admin, me, status, key, detail)
}

pub(crate) async fn not_found(
    axum::extract::State(admin): axum::extract::State<Admin>,
) -> Response {
    message(&admin, None, StatusCode::NOT_FOUND, "error.not_found", None)
}

/// Every admin answer is personal: never stored by a cache, never framed, and scripts and
/// styles come only from our own files (no inline script).
pub(crate) async fn private_headers(
    axum::extract::State(admin): axum::extract::State<Admin>,
    req: Request,
    next: Next,
) -> Response {
    let assets = req.uri().path().starts_with("/admin/static/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if !assets {
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CONTENT_SECURITY_POLICY, admin.csp.clone());
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    res
}
