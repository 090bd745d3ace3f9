//! Portico's HTTP surface: the admin API (JSON, bearer tokens), the delivery API and the
//! health endpoints, on axum.
//!
//! Handlers are thin: they extract and parse, call one [`portico_engine::Engine`] use case on
//! the blocking pool (the store is synchronous SQLite), and map the result. Every route is in
//! `routes.rs`; every error becomes HTTP in `error.rs`.
//!
//! ```no_run
//! # async fn run(engine: portico_engine::Engine) -> Result<(), Box<dyn std::error::Error>> {
//! let search = std::sync::Arc::new(portico_search::SearchIndex::open("data/index".as_ref())?);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! let config = portico_api::ApiConfig::default();
//! let blobs = std::sync::Arc::new(portico_storage::ObjectBlobs::open(
//!     &portico_storage::BlobConfig::Local("data/media".into()))?);
//! portico_api::serve(listener, engine, search, blobs, config, std::future::pending()).await?;
//! # Ok(())
//! # }
//! ```

mod cache_headers;
mod error;
mod extract;
mod handlers;
mod login_limit;
pub mod media;
mod routes;
mod scheduler;
mod search_follower;
mod webhooks;

pub use error::ApiError;
pub use handlers::openapi::SPEC as OPENAPI;
pub use routes::{api_routes, router};
pub use webhooks::{signature as webhook_signature, WebhookConfig};

use portico_engine::Engine;
use portico_search::SearchIndex;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Largest JSON request body, in bytes; larger ones get `413`.
    pub max_body_bytes: usize,
    /// How often the scheduler looks for due items.
    pub scheduler_interval: Duration,
    /// Where the public reaches the portals (`https://laocai.gov.vn`), for absolute URLs in
    /// feeds and sitemaps; without it the request's `Host` is used.
    pub public_url: Option<String>,
    /// How often the search follower looks for new events.
    pub search_interval: Duration,
    /// Failed logins allowed per user name and per client address within `login_window`.
    pub login_failures: u32,
    /// The window for counting failed logins.
    pub login_window: Duration,
    /// Timeouts and retry pacing of webhook deliveries.
    pub webhooks: WebhookConfig,
    /// A folder of themes and per-site templates (see `portico_themes`); the built-in
    /// default theme alone when `None`.
    pub themes_dir: Option<std::path::PathBuf>,
    /// Upload limits, resize presets and the key of signed size parameters.
    pub media: media::MediaConfig,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            max_body_bytes: 4 * 1024 * 1024,
            scheduler_interval: Duration::from_secs(1),
            search_interval: Duration::from_millis(200),
            public_url: None,
            login_failures: 10,
            login_window: Duration::from_secs(600),
            webhooks: WebhookConfig::default(),
            themes_dir: None,
            media: media::MediaConfig::default(),
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub(crate) engine: Engine,
    pub(crate) search: Arc<SearchIndex>,
    pub(crate) themes: Arc<portico_themes::Themes>,
    pub(crate) config: Arc<ApiConfig>,
    pub(crate) login_limit: Arc<login_limit::LoginLimit>,
    pub(crate) media: Arc<media::MediaService>,
}

impl AppState {
    /// State for a router over `engine`, the search index and the media files in `blobs`.
    pub fn new(
        engine: Engine,
        search: Arc<SearchIndex>,
        blobs: Arc<dyn portico_engine::Blobs>,
        config: ApiConfig,
    ) -> Result<AppState, portico_themes::ThemeError> {
        Ok(AppState {
            media: Arc::new(media::MediaService::new(blobs, config.media.clone())),
            themes: Arc::new(match &config.themes_dir {
                Some(dir) => portico_themes::Themes::load(dir)?,
                None => portico_themes::Themes::new()?,
            }),
            search,
            login_limit: Arc::new(login_limit::LoginLimit::new(
                config.login_failures,
                config.login_window,
            )),
            engine,
            config: Arc::new(config),
        })
    }
}

/// Serves the API on `listener` and runs the scheduler until `shutdown` completes; then stops
/// accepting, lets requests in flight finish, and returns.
pub async fn serve(
    listener: tokio::net::TcpListener,
    engine: Engine,
    search: Arc<SearchIndex>,
    blobs: Arc<dyn portico_engine::Blobs>,
    config: ApiConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let scheduler = tokio::spawn(scheduler::run(
        engine.clone(),
        config.scheduler_interval,
        stop_rx,
    ));
    let follower = tokio::spawn(search_follower::run(
        engine.clone(),
        search.clone(),
        config.search_interval,
        stop_rx_search(&stop_tx),
    ));
    let hooks = tokio::spawn(webhooks::run(
        engine.clone(),
        config.webhooks.clone(),
        stop_tx.subscribe(),
    ));
    let state = AppState::new(engine, search, blobs, config).map_err(std::io::Error::other)?;
    // Host routing rewrites the path, so it must run before the router picks a route.
    let app = tower::Layer::layer(
        &axum::middleware::from_fn_with_state(state.clone(), handlers::pages::host_routing),
        router(state),
    );
    let result =
        axum::serve(
            listener,
            axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<
                SocketAddr,
            >(app),
        )
        .with_graceful_shutdown(shutdown)
        .await;
    let _ = stop_tx.send(true);
    let _ = scheduler.await;
    let _ = follower.await;
    let _ = hooks.await;
    result
}

fn stop_rx_search(tx: &tokio::sync::watch::Sender<bool>) -> tokio::sync::watch::Receiver<bool> {
    tx.subscribe()
}
