//! The whole HTTP surface in one table.

use crate::error::ApiError;
use crate::handlers::pages::HostSite;
use crate::handlers::{
    auth, channels, feeds, health, items, network, pages, public, search, webhooks,
};
use crate::AppState;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::HeaderMap;
use axum::http::{header, HeaderName, HeaderValue, Request, StatusCode};
use axum::routing::{get, patch, post};
use axum::Extension;
use axum::Router;
use std::sync::atomic::{AtomicU64, Ordering};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Builds the router with every route and the layers every response passes through.
pub fn router(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    let admin = Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/me", get(auth::me))
        .route("/users", get(network::users).post(network::create_user))
        .route("/sites", get(network::site_tree).post(network::create_site))
        .route("/sites/{site}", get(network::site))
        .route(
            "/sites/{site}/channels",
            get(channels::list).post(channels::create),
        )
        .route(
            "/sites/{site}/channels/{channel}",
            patch(channels::update).delete(channels::delete),
        )
        .route(
            "/sites/{site}/roles",
            get(network::roles).post(network::grant),
        )
        .route(
            "/sites/{site}/roles/{username}/{role}",
            axum::routing::delete(network::revoke),
        )
        .route(
            "/sites/{site}/webhooks",
            get(webhooks::list).post(webhooks::create),
        )
        .route(
            "/sites/{site}/webhooks/{id}",
            get(webhooks::get).delete(webhooks::delete),
        )
        .route(
            "/sites/{site}/webhooks/{id}/deliveries",
            get(webhooks::deliveries),
        )
        .route("/sites/{site}/items", post(items::create))
        .route("/sites/{site}/queue", get(items::queue))
        .route("/items/{id}", get(items::get).put(items::save))
        .route("/items/{id}/transitions", post(items::transition))
        .route("/items/{id}/propose", post(items::propose))
        .route("/items/{id}/revisions", get(items::revisions))
        .route("/items/{id}/revisions/{rev}", get(items::revision))
        .route("/items/{id}/history", get(items::history))
        // Admin answers are personal: never stored by any cache.
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    let public = Router::new()
        .route("/sites", get(public::site_tree))
        .route("/sites/{site}/channels", get(public::channels))
        .route("/sites/{site}/items", get(public::site_items))
        .route("/sites/{site}/items/{slug}", get(public::item))
        .route("/items", get(public::network_items))
        .route("/changes", get(public::changes))
        .route("/search", get(search::search))
        .route("/suggest", get(search::suggest));

    // The portal pages; static segments win over `{channel}` and `{slug}`.
    let html = Router::new()
        .route("/", get(pages::network_home))
        .route("/static/default/portico.css", get(pages::stylesheet))
        .route("/sitemap.xml", get(feeds::sitemap_index))
        .route("/{site}/sitemap.xml", get(feeds::site_sitemap))
        .route("/{site}", get(pages::site_home))
        .route("/{site}/", get(pages::site_home))
        .route("/{site}/tim-kiem", get(pages::search_page))
        .route("/{site}/van-ban", get(pages::documents))
        .route("/{site}/thu-tuc", get(pages::procedures))
        .route("/{site}/{channel}", get(pages::channel_page))
        .route("/{site}/{channel}/", get(pages::channel_page))
        .route("/{site}/{channel}/{slug}", get(pages::item_page));

    let html = feeds::FILES.into_iter().fold(html, |r, file| {
        r.route(
            &format!("/{file}"),
            get(move |State(st): State<AppState>, h: HeaderMap| feeds::network_feed(st, h, file)),
        )
        .route(
            &format!("/{{site}}/{file}"),
            get(
                move |State(st): State<AppState>,
                      h: HeaderMap,
                      x: Option<Extension<HostSite>>,
                      Path(site): Path<String>| {
                    feeds::site_feed(st, h, x.is_some(), site, file)
                },
            ),
        )
        .route(
            &format!("/{{site}}/{{channel}}/{file}"),
            get(
                move |State(st): State<AppState>,
                      h: HeaderMap,
                      x: Option<Extension<HostSite>>,
                      Path(p): Path<(String, String)>| {
                    feeds::channel_feed(st, h, x.is_some(), p, file)
                },
            ),
        )
    });

    let x_request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .nest("/api/v1", admin)
        .nest("/api/v1/public", public)
        .merge(html)
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(CatchPanicLayer::custom(|_| {
            axum::response::IntoResponse::into_response(ApiError::internal("handler panicked"))
        }))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), id)
            }),
        )
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(SetRequestIdLayer::new(x_request_id, Counter::default()))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::http(StatusCode::NOT_FOUND, "not_found", "no such path")
}

async fn method_not_allowed() -> ApiError {
    ApiError::http(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this path does not take that method",
    )
}

/// Request ids: a per-process random prefix and a counter, unique enough to find a log line.
#[derive(Clone)]
struct Counter {
    prefix: u32,
    next: std::sync::Arc<AtomicU64>,
}

impl Default for Counter {
    fn default() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        Counter {
            prefix: nanos ^ std::process::id(),
            next: Default::default(),
        }
    }
}

impl MakeRequestId for Counter {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("{:08x}-{n}", self.prefix))
            .ok()
            .map(RequestId::new)
    }
}
