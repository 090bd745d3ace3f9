//! Sites with their own domain (`sotc.laocai.gov.vn`) are served at that domain's root: the
//! path is rewritten to the site's (`/x` → `/{site}/x`) before the router picks a route, and
//! the request is marked so pages write their links without the `/{site}` prefix.

use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{header, Uri};
use axum::middleware::Next;
use axum::response::Response;

/// Set by host routing: this request came to a site's own domain, so its links have no
/// `/{site}` prefix.
#[derive(Clone)]
pub(crate) struct HostSite;

/// Serves a site with its own domain at that domain's root, by rewriting `/x` to `/{site}/x`.
pub(crate) async fn host_routing(
    State(st): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    let passthrough = [
        "/api/",
        "/static/",
        "/healthz",
        "/readyz",
        "/media/",
        "/_portico/",
        "/admin/",
    ];
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned);
    // The editors' interface is the same on every domain; `/admin` itself too, but not a
    // site's own `/admin-...` channel.
    let own = path == "/admin" || passthrough.iter().any(|p| path.starts_with(p));
    if let (Some(host), false) = (host, own) {
        let engine = st.engine.clone();
        let found = crate::handlers::off_thread(move || engine.site_for_domain(&host)).await;
        if let Ok(Ok(Some(site))) = found {
            let query = req
                .uri()
                .query()
                .map(|q| format!("?{q}"))
                .unwrap_or_default();
            if let Ok(uri) = format!("/{}{}{}", site.slug, path, query).parse::<Uri>() {
                *req.uri_mut() = uri;
                req.extensions_mut().insert(HostSite);
            }
        }
    }
    next.run(req).await
}
