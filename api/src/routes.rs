//! The whole HTTP surface in one table.

use crate::error::ApiError;
use crate::handlers::{
    auth, channels, feeds, health, intake, items, media, network, openapi, pages, participation,
    public, search, tokens, webhooks,
};
use crate::host_routing::HostSite;
use crate::AppState;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::HeaderMap;
use axum::http::{header, HeaderName, HeaderValue, Method, Request, StatusCode};
use axum::routing::{any, get, on, MethodFilter, MethodRouter};
use axum::Extension;
use axum::Router;
use portico_engine::{ErrorCode, ItemKind};
use std::sync::atomic::{AtomicU64, Ordering};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::classify::ServerErrorsFailureClass;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// One API path (relative to where its table is nested) and the methods it answers, each
/// with its handler. The router is built from these tables, and [`api_routes`] lists them, so
/// the OpenAPI test can check that every route is described.
type Endpoint = (&'static str, Vec<(Method, MethodRouter<AppState>)>);

/// `ep!(GET handler)`: a method and its handler, for the tables below.
macro_rules! ep {
    ($m:ident $h:expr) => {
        (Method::$m, on(MethodFilter::$m, $h))
    };
}

/// An upload: the JSON body limit does not apply; `body_limit` bounds the body by the upload
/// limit instead, and the handler counts the file's bytes against it.
fn upload_ep<H, T>(h: H) -> (Method, MethodRouter<AppState>)
where
    H: axum::handler::Handler<T, AppState>,
    T: 'static,
{
    (
        Method::POST,
        on(MethodFilter::POST, h).layer(DefaultBodyLimit::disable()),
    )
}

/// The admin API, under `/api/v1`.
fn admin_table() -> Vec<Endpoint> {
    vec![
        ("/auth/login", vec![ep!(POST auth::login)]),
        ("/auth/logout", vec![ep!(POST auth::logout)]),
        ("/me", vec![ep!(GET auth::me)]),
        ("/me/password", vec![ep!(PUT network::change_password)]),
        ("/audit", vec![ep!(GET network::audit)]),
        ("/audit/export", vec![ep!(GET network::audit_export)]),
        (
            "/tokens",
            vec![ep!(GET tokens::list), ep!(POST tokens::create)],
        ),
        ("/tokens/{id}", vec![ep!(DELETE tokens::delete)]),
        (
            "/users",
            vec![ep!(GET network::users), ep!(POST network::create_user)],
        ),
        ("/users/{username}", vec![ep!(PATCH network::update_user)]),
        (
            "/sites",
            vec![ep!(GET network::site_tree), ep!(POST network::create_site)],
        ),
        ("/sites/{site}", vec![ep!(GET network::site)]),
        (
            "/sites/{site}/settings",
            vec![ep!(PUT network::site_settings)],
        ),
        (
            "/sites/{site}/channels",
            vec![ep!(GET channels::list), ep!(POST channels::create)],
        ),
        (
            "/sites/{site}/channels/{channel}",
            vec![ep!(PATCH channels::update), ep!(DELETE channels::delete)],
        ),
        (
            "/sites/{site}/roles",
            vec![ep!(GET network::roles), ep!(POST network::grant)],
        ),
        (
            "/sites/{site}/roles/{username}/{role}",
            vec![ep!(DELETE network::revoke)],
        ),
        (
            "/sites/{site}/webhooks",
            vec![ep!(GET webhooks::list), ep!(POST webhooks::create)],
        ),
        (
            "/sites/{site}/webhooks/{id}",
            vec![ep!(GET webhooks::get), ep!(DELETE webhooks::delete)],
        ),
        (
            "/sites/{site}/webhooks/{id}/resume",
            vec![ep!(POST webhooks::resume)],
        ),
        (
            "/sites/{site}/webhooks/{id}/deliveries",
            vec![ep!(GET webhooks::deliveries)],
        ),
        (
            "/sites/{site}/media",
            vec![ep!(GET media::library), upload_ep(media::upload)],
        ),
        (
            "/media/{id}",
            vec![
                ep!(GET media::detail),
                ep!(PATCH media::update),
                ep!(DELETE media::delete),
                (
                    Method::PUT,
                    on(MethodFilter::PUT, media::replace).layer(DefaultBodyLimit::disable()),
                ),
            ],
        ),
        ("/media/{id}/url", vec![ep!(GET media::signed_url)]),
        ("/sites/{site}/items", vec![ep!(POST items::create)]),
        ("/sites/{site}/intake", vec![upload_ep(intake::intake)]),
        ("/sites/{site}/queue", vec![ep!(GET items::queue)]),
        (
            "/items/{id}",
            vec![
                ep!(GET items::get),
                ep!(PUT items::save),
                ep!(PATCH items::patch),
            ],
        ),
        ("/items/{id}/transitions", vec![ep!(POST items::transition)]),
        ("/items/{id}/propose", vec![ep!(POST items::propose)]),
        ("/items/{id}/revisions", vec![ep!(GET items::revisions)]),
        (
            "/items/{id}/revisions/{rev}",
            vec![ep!(GET items::revision)],
        ),
        ("/items/{id}/history", vec![ep!(GET items::history)]),
        (
            "/sites/{site}/questions",
            vec![ep!(GET participation::questions)],
        ),
        ("/questions/{id}", vec![ep!(GET participation::question)]),
        (
            "/questions/{id}/answer",
            vec![ep!(POST participation::answer)],
        ),
        (
            "/questions/{id}/reject",
            vec![ep!(POST participation::reject)],
        ),
        (
            "/questions/{id}/forward",
            vec![ep!(POST participation::forward)],
        ),
        (
            "/questions/{id}/personal-data",
            vec![ep!(DELETE participation::erase_question)],
        ),
        (
            "/items/{id}/comments",
            vec![ep!(GET participation::comments)],
        ),
        (
            "/comments/{id}/moderation",
            vec![ep!(POST participation::moderate)],
        ),
        (
            "/comments/{id}/response",
            vec![ep!(POST participation::respond)],
        ),
        (
            "/comments/{id}/personal-data",
            vec![ep!(DELETE participation::erase_comment)],
        ),
        (
            "/items/{id}/report.csv",
            vec![ep!(GET participation::report_csv)],
        ),
        (
            "/items/{id}/report.docx",
            vec![ep!(GET participation::report_docx)],
        ),
    ]
}

/// The delivery API, under `/api/v1/public`.
fn public_table() -> Vec<Endpoint> {
    vec![
        ("/sites", vec![ep!(GET public::site_tree)]),
        ("/sites/{site}/channels", vec![ep!(GET public::channels)]),
        ("/sites/{site}/items", vec![ep!(GET public::site_items)]),
        ("/sites/{site}/items/{slug}", vec![ep!(GET public::item)]),
        ("/items", vec![ep!(GET public::network_items)]),
        ("/changes", vec![ep!(GET public::changes)]),
        ("/search", vec![ep!(GET search::search)]),
        ("/suggest", vec![ep!(GET search::suggest)]),
        (
            "/sites/{site}/questions",
            vec![ep!(POST participation::ask)],
        ),
        ("/questions/confirm", vec![ep!(POST participation::confirm)]),
        (
            "/questions/{reference}",
            vec![ep!(GET participation::status)],
        ),
        (
            "/items/{id}/sections",
            vec![ep!(GET participation::sections)],
        ),
        (
            "/items/{id}/comments",
            vec![
                ep!(GET participation::public_comments),
                ep!(POST participation::comment),
            ],
        ),
        (
            "/items/{id}/report",
            vec![ep!(GET participation::public_report)],
        ),
    ]
}

/// Operations at the root.
fn root_table() -> Vec<Endpoint> {
    vec![
        ("/api/v1/openapi.json", vec![ep!(GET openapi::spec)]),
        ("/media/{id}", vec![ep!(GET media::original)]),
        ("/media/{id}/{preset}", vec![ep!(GET media::preset)]),
        ("/healthz", vec![ep!(GET health::healthz)]),
        ("/readyz", vec![ep!(GET health::readyz)]),
        ("/metrics", vec![ep!(GET health::metrics)]),
        (
            "/_portico/invalidations",
            vec![ep!(GET health::invalidations)],
        ),
    ]
}

fn table_router(table: Vec<Endpoint>) -> Router<AppState> {
    table.into_iter().fold(Router::new(), |r, (path, methods)| {
        let route = methods
            .into_iter()
            .fold(MethodRouter::new(), |acc, (_, m)| acc.merge(m));
        r.route(path, route)
    })
}

/// Every API path (full, with `{param}` segments) and the methods it answers.
pub fn api_routes() -> Vec<(String, Vec<Method>)> {
    let full = |prefix: &str, table: Vec<Endpoint>| {
        table
            .into_iter()
            .map(|(path, methods)| {
                (
                    format!("{prefix}{path}"),
                    methods.into_iter().map(|(m, _)| m).collect::<Vec<_>>(),
                )
            })
            .collect::<Vec<_>>()
    };
    let mut all = full("/api/v1", admin_table());
    all.extend(full("/api/v1/public", public_table()));
    all.extend(full("", root_table()));
    all
}

/// Builds the router with every route and the layers every response passes through.
pub fn router(state: AppState, editors: portico_admin::Admin) -> Router {
    let max_body = state.config.max_body_bytes;
    // Admin answers are personal: never stored by any cache.
    let admin = table_router(admin_table()).layer(SetResponseHeaderLayer::overriding(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    ));
    let public = table_router(public_table());

    // The portal pages; static segments win over `{channel}` and `{slug}`.
    let html = Router::new()
        .route("/", get(pages::network_home))
        .route("/static/{theme}/{*file}", get(pages::static_file))
        .route("/sitemap.xml", get(feeds::sitemap_index))
        .route("/robots.txt", get(feeds::robots))
        .route("/{site}/robots.txt", get(feeds::robots))
        .route("/{site}/sitemap.xml", get(feeds::site_sitemap))
        .route("/{site}", get(pages::site_home))
        .route("/{site}/", get(pages::site_home))
        .route("/{site}/tim-kiem", get(pages::search_page))
        .route("/{site}/giao-dien.css", get(pages::site_css))
        .route("/{site}/van-ban", pages::register_page(ItemKind::Document))
        .route("/{site}/thu-tuc", pages::register_page(ItemKind::Procedure))
        .route(
            "/{site}/hoi-dap",
            pages::register_page(ItemKind::Question).post(pages::ask),
        )
        .route("/{site}/hoi-dap/tra-cuu", get(pages::lookup))
        .route("/{site}/hoi-dap/xac-nhan", get(pages::confirm))
        .route(
            "/{site}/lay-y-kien",
            pages::register_page(ItemKind::Consultation),
        )
        .route(
            "/{site}/lay-y-kien/{id}/gop-y",
            axum::routing::post(pages::comment),
        )
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
        .merge(table_router(root_table()))
        // Single sign-on: the way to the provider and back (never stored by a cache).
        .route(
            "/auth/oidc/login",
            get(crate::oidc::login).layer(SetResponseHeaderLayer::overriding(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-store"),
            )),
        )
        .route(
            "/auth/oidc/callback",
            get(crate::oidc::callback).layer(SetResponseHeaderLayer::overriding(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-store"),
            )),
        )
        // The editors' interface: its own pages, headers and CSP.
        .merge(portico_admin::router(editors))
        // An unknown API path is the API's JSON 404, whatever the method, not a portal page.
        .route("/api", any(not_found))
        .route("/api/{*rest}", any(not_found))
        .route_layer(axum::middleware::from_fn(crate::metrics::route_label))
        .fallback(pages::unknown_address)
        .method_not_allowed_fallback(method_not_allowed)
        // Answers the cache does not keep (the editors' pages, signed-in API calls) are
        // compressed here, by the client's Accept-Encoding; the cache asks without one and
        // compresses what it keeps itself.
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::body_limit::bound,
        ))
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
            })
            .on_failure(
                |class: ServerErrorsFailureClass, latency: std::time::Duration, _: &tracing::Span| {
                    match class {
                        // `/readyz` answers 503 while a node catches up, once per probe: the
                        // state is in /readyz itself and in /metrics, not worth an error line.
                        ServerErrorsFailureClass::StatusCode(StatusCode::SERVICE_UNAVAILABLE) => {
                            tracing::debug!(latency_ms = millis(latency), "503 Service Unavailable")
                        }
                        other => tracing::error!(
                            classification = %other,
                            latency_ms = millis(latency),
                            "response failed"
                        ),
                    }
                },
            ),
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
    ApiError::http(ErrorCode::NotFound, "no such path")
}

async fn method_not_allowed() -> ApiError {
    ApiError::http(
        ErrorCode::MethodNotAllowed,
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

/// Milliseconds for the log.
fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
