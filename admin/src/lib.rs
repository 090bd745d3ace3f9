//! The editors' web interface under `/admin/`: sign-in, the desk, item lists, the editing
//! form per kind, the workflow buttons, history, revisions and their comparison.
//!
//! Pages are rendered on the server from templates compiled into the binary and work with
//! JavaScript off; one small script adds comfort (autosave of a working copy, the Markdown
//! toolbar, a filter for the site switcher). Every form POSTs with a CSRF token.
//!
//! This crate decides no permission. It calls the engine's use cases as the signed-in user and
//! draws only what the engine's answers allow (an item's `actions`, `can_edit`); a forged
//! request is refused by the engine like any API call. What it needs from the HTTP layer
//! (signing in under the sign-in limits) comes through [`Gate`].

// Unit tests build values from loop counters; the library code is held to the lint.
#![cfg_attr(test, allow(clippy::as_conversions))]

mod assets;
mod catalogue;
mod diff;
mod fields;
mod pages;
mod render;
mod session;

use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::Router;
use futures::future::BoxFuture;
use portico_engine::{Actor, Engine, EngineError, LoginToken, Media, MediaId};
use std::net::SocketAddr;
use std::sync::Arc;

/// Why a sign-in was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Wrong username or password.
    Wrong,
    /// Too many failures: try again in this many seconds.
    Limited(u64),
    /// The store could not be reached.
    Unavailable,
}

/// What the interface needs from the HTTP layer around it.
pub trait Gate: Send + Sync + 'static {
    /// The client's address for the audit log: the peer's, or the one a trusted proxy
    /// vouches for.
    fn client_address(&self, peer: SocketAddr, headers: &HeaderMap) -> String;

    /// Checks a password under the sign-in limits that the JSON API's sign-in obeys too,
    /// for the client behind `peer` (and the proxy headers the layer trusts).
    fn sign_in(
        &self,
        username: String,
        password: String,
        peer: SocketAddr,
        headers: HeaderMap,
    ) -> BoxFuture<'static, Result<LoginToken, Refusal>>;

    /// Runs `check` (a password change's check of the current password) under the same
    /// limits as a sign-in of `username` from the client behind `peer`: a stolen session
    /// cannot guess the password faster than a stranger can.
    fn password_check(
        &self,
        username: String,
        peer: SocketAddr,
        headers: HeaderMap,
        check: Box<dyn FnOnce() -> Result<(), EngineError> + Send>,
    ) -> BoxFuture<'static, Result<(), EngineError>>;

    /// Adds a file to a site's media library as `actor` (checked, stripped, stored in object
    /// storage) the way the API's upload does.
    fn upload(
        &self,
        actor: Actor,
        site: String,
        filename: String,
        title: Option<String>,
        bytes: Vec<u8>,
    ) -> BoxFuture<'static, Result<Media, EngineError>>;

    /// Replaces a library file's bytes, keeping its id (and every reference to it).
    fn replace(
        &self,
        actor: Actor,
        id: MediaId,
        filename: String,
        bytes: Vec<u8>,
    ) -> BoxFuture<'static, Result<Media, EngineError>>;

    /// Deletes a library file no item uses, and its bytes once nothing else keeps them.
    fn delete(&self, actor: Actor, id: MediaId) -> BoxFuture<'static, Result<(), EngineError>>;

    /// A small picture of an image file (240×160, cropped), for `actor`, who must see the
    /// file's site; the file may still be private.
    fn thumbnail(
        &self,
        actor: Actor,
        id: MediaId,
        headers: HeaderMap,
    ) -> BoxFuture<'static, Result<axum::response::Response, EngineError>>;

    /// The largest file an upload may carry, in bytes.
    fn max_upload_bytes(&self) -> u64;

    /// The audit log from `query` on as a CSV download, exactly as the API's export writes
    /// it, for `actor` (who must be a network admin).
    fn audit_export(
        &self,
        actor: Actor,
        query: portico_engine::AuditQuery,
    ) -> BoxFuture<'static, axum::response::Response>;

    /// Where to send a browser that signed out of a single sign-on session, to end the
    /// provider's session too; `None` when there is no such place.
    fn end_session_url(&self) -> BoxFuture<'static, Option<String>>;

    /// A document's fields read from its file (DOCX, PDF or a scan), as the API's
    /// `POST /api/v1/sites/{site}/intake` answers them, for `actor` (any role on the site).
    fn intake(
        &self,
        actor: Actor,
        site: String,
        filename: String,
        bytes: Vec<u8>,
    ) -> BoxFuture<'static, Result<serde_json::Value, EngineError>>;

    /// A consultation's report of comments taken up and explained as a download (`csv` or
    /// `docx`), exactly as the API writes it, for `actor` (staff of its site).
    fn comment_report(
        &self,
        actor: Actor,
        item: portico_engine::ItemId,
        docx: bool,
    ) -> BoxFuture<'static, axum::response::Response>;
}

pub use pages::auth::safe_next;
pub use session::{same as same_secret, session_cookies};

/// Settings of the interface.
#[derive(Debug, Clone, Default)]
pub struct AdminConfig {
    /// Mark the session cookie `Secure`: the public URL is https.
    pub secure_cookies: bool,
    /// Single sign-on is configured: the sign-in page offers it (`/auth/oidc/login`).
    pub sso: bool,
    /// The provider's origin (`https://sso.laocai.gov.vn`): signing out of a single sign-on
    /// session is a form whose answer leads there, which the pages' CSP must allow.
    pub sso_origin: Option<String>,
    /// Whether the sign-in page shows the password form (off where single sign-on is the
    /// only way in; the engine refuses password sign-ins then anyway).
    pub password_sign_in: bool,
    /// The themes installed on this server, for new portals.
    pub themes: Vec<String>,
}

/// What every page handler reaches.
#[derive(Clone)]
pub struct Admin {
    pub(crate) engine: Engine,
    pub(crate) gate: Arc<dyn Gate>,
    pub(crate) ui: Arc<render::Ui>,
    pub(crate) config: Arc<AdminConfig>,
    /// The portals' themes, for previews drawn exactly as the site will show them.
    pub(crate) themes: Arc<portico_themes::Themes>,
    /// The pages' Content-Security-Policy (made once: it names the sign-in provider).
    pub(crate) csp: axum::http::HeaderValue,
}

/// Why the interface could not be built (a template that does not compile: a bug).
#[derive(Debug, thiserror::Error)]
#[error("admin template {name}: {source}")]
pub struct AdminError {
    name: String,
    #[source]
    source: minijinja::Error,
}

impl Admin {
    /// The interface over `engine`, signing in through `gate`.
    pub fn new(
        engine: Engine,
        gate: Arc<dyn Gate>,
        themes: Arc<portico_themes::Themes>,
        config: AdminConfig,
    ) -> Result<Admin, AdminError> {
        // Forms post to this interface only; signing out of a single sign-on session
        // leads on to the provider.
        let form_action = match &config.sso_origin {
            Some(o)
                if o.bytes()
                    .all(|b| b.is_ascii_graphic() && b != b';' && b != b',') =>
            {
                format!("'self' {o}")
            }
            _ => "'self'".to_owned(),
        };
        let csp = axum::http::HeaderValue::from_str(&format!(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"
        ))
        .unwrap_or_else(|_| axum::http::HeaderValue::from_static("default-src 'none'"));
        Ok(Admin {
            csp,
            engine,
            gate,
            ui: Arc::new(render::Ui::new()?),
            config: Arc::new(config),
            themes,
        })
    }
}

/// Every `/admin` route. The caller merges it into its router; answers are already
/// `private, no-store` with a CSP of their own.
pub fn router<S: Clone + Send + Sync + 'static>(admin: Admin) -> Router<S> {
    use axum::extract::DefaultBodyLimit;
    use pages::{
        audit, auth, dashboard, editor, items, media, participation, people, preview, revisions,
        settings,
    };
    // Forms that carry files are bounded by the HTTP layer's upload limit, not its JSON one.
    let files = || DefaultBodyLimit::disable();
    Router::new()
        .route("/admin", get(dashboard::desk))
        .route("/admin/", get(dashboard::desk))
        .route("/admin/login", get(auth::form).post(auth::sign_in))
        .route("/admin/logout", post(auth::sign_out))
        .route("/admin/static/{file}", get(assets::serve))
        .route("/admin/sites/{site}/items", get(items::list))
        .route("/admin/sites/{site}/items/bulk", post(items::bulk))
        .route(
            "/admin/sites/{site}/items/new",
            get(editor::new_form).post(editor::create).layer(files()),
        )
        .route(
            "/admin/items/{id}",
            get(editor::item).post(editor::save).layer(files()),
        )
        .route(
            "/admin/sites/{site}/media",
            get(media::library).post(media::upload).layer(files()),
        )
        .route(
            "/admin/media/{id}",
            get(media::file).post(media::change).layer(files()),
        )
        .route("/admin/media/{id}/thumb", get(media::thumbnail))
        .route(
            "/admin/sites/{site}/items/from-file",
            post(editor::from_file).layer(files()),
        )
        .route(
            "/admin/sites/{site}/preview",
            post(preview::show).layer(files()),
        )
        .route("/admin/items/{id}/transition", post(editor::transition))
        .route("/admin/items/{id}/propose", post(editor::propose))
        .route("/admin/items/{id}/revisions", get(revisions::list))
        .route("/admin/items/{id}/compare", get(revisions::compare))
        .route(
            "/admin/sites/{site}/settings",
            get(settings::show).post(settings::act),
        )
        .route(
            "/admin/sites/{site}/webhooks/{id}",
            get(settings::deliveries),
        )
        .route(
            "/admin/account",
            get(people::account).post(people::change_password),
        )
        .route(
            "/admin/account/tokens",
            axum::routing::post(people::tokens_act),
        )
        .route("/admin/users", get(people::users).post(people::users_act))
        .route("/admin/audit", get(audit::log))
        .route(
            "/admin/sites/{site}/questions",
            get(participation::questions),
        )
        .route(
            "/admin/questions/{id}",
            get(participation::question).post(participation::question_act),
        )
        .route(
            "/admin/items/{id}/comments",
            get(participation::comments).post(participation::comments_act),
        )
        .route("/admin/items/{id}/report", get(participation::report))
        .route("/admin/audit/export", get(audit::export))
        .route(
            "/admin/network",
            get(people::network).post(people::create_site),
        )
        .route("/admin/{*rest}", axum::routing::any(pages::not_found))
        .layer(axum::middleware::from_fn_with_state(
            admin.clone(),
            pages::private_headers,
        ))
        .with_state(admin)
}
