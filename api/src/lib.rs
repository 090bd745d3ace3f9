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

// Unit tests build values from loop counters; the library code is held to the lint.
#![cfg_attr(test, allow(clippy::as_conversions))]

pub mod backups;
mod body_limit;
pub mod cache;
mod client_addr;
pub mod edge;
mod error;
mod extract;
mod file_texts;
mod follow;
mod handlers;
mod host_routing;
mod intake;
pub mod listen;
pub mod login_limit;
pub mod mail;
pub mod media;
pub mod metrics;
mod oidc;
pub mod progress;
mod report;
mod routes;
mod scheduler;
mod search_follower;
mod secure_cookies;
pub mod tls;
mod webhooks;

pub use body_limit::BODY_GRACE;
pub use error::ApiError;
pub use handlers::openapi::SPEC as OPENAPI;
pub use oidc::OidcConfig;
pub use routes::{api_routes, router};
pub use webhooks::{signature as webhook_signature, WebhookConfig};

use portico_engine::Engine;
use portico_search::SearchIndex;
use std::future::Future;
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
    /// How failed sign-ins are slowed down (per username and address, and per address).
    pub login_limits: login_limit::LoginLimits,
    /// Timeouts and retry pacing of webhook deliveries.
    pub webhooks: WebhookConfig,
    /// A folder of themes and per-site templates (see `portico_themes`); the built-in
    /// default theme alone when `None`.
    pub themes_dir: Option<std::path::PathBuf>,
    /// Upload limits, resize presets and the key of signed size parameters.
    pub media: media::MediaConfig,
    /// The response cache in front of the public pages and API; `None` turns it off.
    pub cache: Option<cache::CacheConfig>,
    /// How often the cache purger looks for new events.
    pub purge_interval: Duration,
    /// How long the purger waits for the search index to take an event in before it purges
    /// anyway (a stuck index must not stop every page from changing). Search answers made
    /// meanwhile are served but kept by no cache (`progress::IndexView`).
    pub search_grace: Duration,
    /// The bearer token edges present to follow `/_portico/invalidations`; the stream is off
    /// without one.
    pub edge_token: Option<String>,
    /// Proxies (`portico edge`) whose `X-Forwarded-For` names the client, for per-client
    /// login limits; nobody else's is believed. They are exempt from the per-address
    /// connection cap.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Header timeout and connection caps.
    pub connections: listen::ConnLimits,
    /// Bytes per second a request body must arrive at, on average, after its first
    /// [`body_limit::BODY_GRACE`]; slower ones are cut off with `408`.
    pub min_body_rate: u64,
    /// Scheduled backups (on the leading node), when wanted.
    pub backups: Option<backups::BackupSchedule>,
    /// Single sign-on with the province's OpenID Connect provider, when configured.
    pub oidc: Option<oidc::OidcConfig>,
    /// Mail to citizens and staff (confirmations, notices), when an SMTP server is set.
    pub mail: Option<mail::MailConfig>,
    /// How many questions and comments one address may send: a burst, then a steady rate.
    pub submissions: edge::rate::RateLimit,
    /// A bearer token that opens `/metrics` to a scraper elsewhere than this machine or a
    /// trusted proxy.
    pub metrics_token: Option<String>,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            max_body_bytes: 4 * 1024 * 1024,
            scheduler_interval: Duration::from_secs(1),
            search_interval: Duration::from_millis(200),
            public_url: None,
            login_limits: login_limit::LoginLimits::default(),
            webhooks: WebhookConfig::default(),
            themes_dir: None,
            media: media::MediaConfig::default(),
            cache: Some(cache::CacheConfig::default()),
            purge_interval: Duration::from_millis(100),
            search_grace: Duration::from_secs(2),
            edge_token: None,
            trusted_proxies: Vec::new(),
            connections: listen::ConnLimits::default(),
            min_body_rate: 1024,
            backups: None,
            oidc: None,
            mail: None,
            submissions: edge::rate::RateLimit {
                per_second: 1.0 / 60.0,
                burst: 10.0,
            },
            metrics_token: None,
        }
    }
}

/// Why the HTTP layer could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error(transparent)]
    Theme(#[from] portico_themes::ThemeError),
    #[error("single sign-on: {0}")]
    Oidc(String),
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub(crate) engine: Engine,
    pub(crate) search: Arc<SearchIndex>,
    pub(crate) themes: Arc<portico_themes::Themes>,
    pub(crate) config: Arc<ApiConfig>,
    pub(crate) login_limit: Arc<login_limit::LoginLimit>,
    /// Password checks at once (sign-ins and password changes).
    pub(crate) hash_gate: Arc<login_limit::HashGate>,
    pub(crate) media: Arc<media::MediaService>,
    pub(crate) progress: Arc<progress::Progress>,
    pub(crate) metrics: Arc<metrics::Metrics>,
    pub(crate) oidc: Option<Arc<oidc::Oidc>>,
    /// Questions and comments per client address.
    pub(crate) submissions: Arc<edge::rate::Limiter>,
}

impl AppState {
    /// State for a router over `engine`, the search index and the media files in `blobs`;
    /// `progress` and `metrics` are the node's, shared with its background tasks.
    pub fn new(
        engine: Engine,
        search: Arc<SearchIndex>,
        blobs: Arc<dyn portico_engine::Blobs>,
        config: ApiConfig,
        progress: Arc<progress::Progress>,
        metrics: Arc<metrics::Metrics>,
    ) -> Result<AppState, StateError> {
        let oidc = match &config.oidc {
            Some(c) => Some(Arc::new(
                oidc::Oidc::new(c.clone()).map_err(StateError::Oidc)?,
            )),
            None => None,
        };
        Ok(AppState {
            oidc,
            submissions: Arc::new(edge::rate::Limiter::new(config.submissions)),
            progress,
            metrics,
            media: Arc::new(media::MediaService::new(blobs, config.media.clone())),
            themes: Arc::new(match &config.themes_dir {
                Some(dir) => portico_themes::Themes::load(dir)?,
                None => portico_themes::Themes::new()?,
            }),
            search,
            login_limit: Arc::new(login_limit::LoginLimit::new(config.login_limits.clone())),
            hash_gate: Arc::new(login_limit::HashGate::new(64)),
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
    let engine = engine.with_webhook_targets(config.webhooks.targets());
    let progress = Arc::new(progress::Progress::default());
    let response_cache = config.cache.clone().map(cache::HttpCache::new);
    let connections = Arc::new(listen::ConnStats::default());
    let metrics = Arc::new(metrics::Metrics::new(
        response_cache.clone(),
        Some(progress.clone()),
        connections.clone(),
    ));
    let backup_loop = config.backups.clone().map(|schedule| {
        tokio::spawn(backups::run(
            engine.clone(),
            schedule,
            progress.clone(),
            stop_tx.subscribe(),
        ))
    });
    let mail_loop = match &config.mail {
        Some(c) => {
            let mailer = mail::Mailer::new(c).map_err(std::io::Error::other)?;
            Some(tokio::spawn(mail::run(
                engine.clone(),
                mailer,
                config.public_url.clone(),
                c.interval,
                stop_tx.subscribe(),
            )))
        }
        None => None,
    };
    let engine = engine.with_mail(config.mail.is_some());
    let scheduler = tokio::spawn(scheduler::run(
        engine.clone(),
        progress.clone(),
        config.scheduler_interval,
        stop_rx,
    ));
    let follower = tokio::spawn(search_follower::run(
        engine.clone(),
        search.clone(),
        progress.clone(),
        config.search_interval,
        stop_tx.subscribe(),
    ));
    let reader = tokio::spawn(file_texts::run(
        engine.clone(),
        blobs.clone(),
        progress.clone(),
        config.search_interval.max(Duration::from_secs(2)),
        stop_tx.subscribe(),
    ));
    let hooks = tokio::spawn(webhooks::run(
        engine.clone(),
        progress.clone(),
        config.webhooks.clone(),
        stop_tx.subscribe(),
    ));
    let purger = tokio::spawn(cache::follower::run(
        engine.clone(),
        response_cache.clone(),
        progress.clone(),
        config.purge_interval,
        config.search_grace,
        stop_tx.subscribe(),
    ));
    let (engine_for_cache, progress_for_cache) = (engine.clone(), progress.clone());
    let stopping = progress.clone();
    let (conn_limits, trusted) = (config.connections.clone(), config.trusted_proxies.clone());
    let https_public = config
        .public_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"));
    let state = AppState::new(engine, search, blobs, config, progress, metrics.clone())
        .map_err(std::io::Error::other)?;
    let admin = portico_admin::Admin::new(
        state.engine.clone(),
        Arc::new(handlers::auth::AdminGate(state.clone())),
        state.themes.clone(),
        portico_admin::AdminConfig {
            secure_cookies: https_public,
            themes: state.themes.names(),
            sso: state.oidc.is_some(),
            sso_origin: state.oidc.as_ref().and_then(|o| o.origin()),
            password_sign_in: state.engine.password_sign_in(),
        },
    )
    .map_err(std::io::Error::other)?;
    // Host routing rewrites the path, so it must run before the router picks a route.
    let routed = tower::Layer::layer(
        &axum::middleware::from_fn_with_state(state.clone(), host_routing::host_routing),
        router(state, admin),
    );
    let app = match response_cache {
        // The cache keys on the Host and the path as the client sent them, so it sits
        // outside host routing.
        Some(c) => {
            let inner = cache::layer::App::new(routed);
            axum::Router::new().fallback_service(inner.clone()).layer(
                axum::middleware::from_fn_with_state(
                    cache::layer::CacheState::new(c, inner, engine_for_cache, progress_for_cache),
                    cache::layer::middleware,
                ),
            )
        }
        None => axum::Router::new().fallback_service(routed),
    }
    .layer(axum::middleware::from_fn_with_state(
        metrics,
        metrics::track,
    ))
    .layer(axum::middleware::from_fn_with_state(
        secure_cookies::Policy {
            trusted: Arc::<[std::net::IpAddr]>::from(trusted.clone()),
            always: https_public,
        },
        secure_cookies::mark,
    ));
    let result = listen::serve(
        listener,
        app,
        conn_limits,
        trusted,
        connections,
        async move {
            shutdown.await;
            stopping.stop();
        },
    )
    .await;
    let _ = stop_tx.send(true);
    let _ = scheduler.await;
    let _ = follower.await;
    let _ = reader.await;
    let _ = hooks.await;
    let _ = purger.await;
    if let Some(b) = backup_loop {
        let _ = b.await;
    }
    if let Some(m) = mail_loop {
        let _ = m.await;
    }
    result
}
