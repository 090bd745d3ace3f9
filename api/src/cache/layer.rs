//! The cache in front of `portico serve`'s own router.

use super::purge_tags;
use super::{shared_request, Fetch, FetchError, HttpCache};
use crate::progress::Progress;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use futures::FutureExt;
use portico_engine::Engine;
use std::convert::Infallible;
use std::sync::Arc;
use tower::util::BoxCloneSyncService;
use tower::ServiceExt;

/// The router as a service the cache can call again for background refreshes.
pub(crate) type App = BoxCloneSyncService<Request, Response, Infallible>;

/// What the middleware needs.
#[derive(Clone)]
pub(crate) struct CacheState {
    pub(crate) cache: Arc<HttpCache>,
    fetch: Fetch,
    engine: Engine,
    progress: Arc<Progress>,
}

impl CacheState {
    /// A cache that asks `app` on a miss.
    pub(crate) fn new(
        cache: Arc<HttpCache>,
        app: App,
        engine: Engine,
        progress: Arc<Progress>,
    ) -> CacheState {
        let fetch: Fetch = Arc::new(move |parts| {
            let app = app.clone();
            async move {
                let resp = app
                    .oneshot(Request::from_parts(parts, Body::empty()))
                    .await
                    .map_err(|e: Infallible| FetchError(e.to_string()))?;
                Ok(resp)
            }
            .boxed()
        });
        CacheState {
            cache,
            fetch,
            engine,
            progress,
        }
    }

    /// Purges what the events the purger has not reached yet change, at once: whoever just
    /// published reads the new page from this node. The purger's own pass follows (after the
    /// search index), so a search answer cached in between is dropped again.
    async fn purge_unfollowed(&self) {
        let from = self.progress.purged();
        if from < 0 {
            return;
        }
        let engine = self.engine.clone();
        match tokio::task::spawn_blocking(move || engine.events_after(from, 1000)).await {
            Ok(Ok(events)) => {
                for e in &events {
                    let tags = purge_tags(e);
                    if !tags.is_empty() {
                        self.cache.purge(&tags);
                    }
                }
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "cannot read the events of a write; the purger will catch up")
            }
            Err(e) => tracing::warn!(error = %e, "purge after a write panicked"),
        }
    }
}

/// Answers cacheable requests from the cache; everything else goes straight through.
pub(crate) async fn middleware(State(st): State<CacheState>, req: Request, next: Next) -> Response {
    // Operations answers describe this moment, and signed-in answers are somebody's own:
    // never from memory, never shared (`shared_request`).
    if !shared_request(req.method(), req.uri().path(), req.headers()) {
        st.cache.count_bypass();
        let write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
        let asked = write.then(|| {
            let mut r = axum::http::Request::new(());
            *r.method_mut() = req.method().clone();
            *r.uri_mut() = req.uri().clone();
            *r.headers_mut() = req.headers().clone();
            r.into_parts().0
        });
        let resp = next.run(req).await;
        if let Some(asked) = asked {
            st.cache
                .invalidate_after(&asked, resp.status(), resp.headers());
            if resp.status().is_success() {
                st.progress.wrote();
                st.purge_unfollowed().await;
            }
        }
        return resp;
    }
    let (parts, _) = req.into_parts();
    st.cache.handle(parts, &st.fetch).await
}
