//! HTTP caching of public answers, in one place: validators (`ETag`, `Last-Modified`),
//! conditional requests (`304`), freshness (`Cache-Control` with stale-while-revalidate and
//! stale-if-error) and `Surrogate-Key` tags naming what an answer depends on, so a purge can
//! be exact (the vocabulary is `portico_engine::Dependency`).

use super::conditional;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use portico_engine::{ChannelId, Dependency, ItemKind, SiteId};
use sha2::{Digest, Sha256};

/// How long shared caches may serve an answer without asking, and how long stale.
pub(crate) const PUBLIC_CACHE_CONTROL: &str =
    "public, max-age=60, stale-while-revalidate=300, stale-if-error=86400";

/// What an answer depends on (sent as its `Surrogate-Key`).
#[derive(Default)]
pub(crate) struct Tags(Vec<Dependency>);

impl Tags {
    pub(crate) fn add(&mut self, dep: Dependency) {
        if !self.0.contains(&dep) {
            self.0.push(dep);
        }
    }

    /// An answer listing what is live on a site (a list, a feed, search results).
    pub(crate) fn list_of(&mut self, site: SiteId) {
        self.add(Dependency::Site(site));
        self.add(Dependency::List(site));
    }

    /// A list of a site narrowed to one channel or one kind ([`Dependency::of_list`]).
    pub(crate) fn list_scoped(
        &mut self,
        site: SiteId,
        kind: Option<ItemKind>,
        channel: Option<ChannelId>,
    ) {
        for d in Dependency::of_list(site, kind, channel) {
            self.add(d);
        }
    }

    /// The `Surrogate-Key` header's text.
    fn header(&self) -> String {
        self.0
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The tags of a site's list with the query `q` (see [`Tags::list_scoped`]).
pub(crate) fn list_tags(
    engine: &portico_engine::Engine,
    site: &portico_engine::Site,
    q: &portico_engine::ContentFilters,
) -> Result<Tags, portico_engine::EngineError> {
    let channel = match &q.channel {
        Some(slug) => engine
            .channels(&site.slug)?
            .into_iter()
            .find(|c| &c.slug == slug)
            .map(|c| c.id),
        None => None,
    };
    let mut tags = Tags::default();
    match (&q.channel, channel) {
        // An unknown channel lists nothing, until the site's channels change (`site:S`).
        (Some(_), None) => tags.add(Dependency::Site(site.id)),
        _ => tags.list_scoped(site.id, q.kind, channel),
    }
    Ok(tags)
}

/// A public JSON answer with validators, honouring `If-None-Match` and `If-Modified-Since`.
pub(crate) fn public_json(
    request: &HeaderMap,
    body: &impl serde::Serialize,
    last_modified: Option<DateTime<Utc>>,
    tags: Tags,
    cache_control: &'static str,
) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    public_bytes(
        request,
        bytes,
        "application/json",
        last_modified,
        tags,
        cache_control,
    )
}

/// A permanent redirect that is cached, and purged, like the page it points to (an item's
/// address follows its first channel, which an editor may change).
pub(crate) fn public_redirect(location: &str, tags: Tags) -> Response {
    let mut resp = StatusCode::MOVED_PERMANENTLY.into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(location) {
        h.insert(header::LOCATION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(PUBLIC_CACHE_CONTROL),
    );
    if let Ok(v) = HeaderValue::from_str(&tags.header()) {
        h.insert("surrogate-key", v);
    }
    resp
}

/// A public answer of any type with validators, honouring conditional requests.
pub(crate) fn public_bytes(
    request: &HeaderMap,
    bytes: Vec<u8>,
    content_type: &'static str,
    last_modified: Option<DateTime<Utc>>,
    tags: Tags,
    cache_control: &'static str,
) -> Response {
    let digest = Sha256::digest(&bytes);
    let etag = format!(
        "\"{}\"",
        digest
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let last_modified =
        last_modified.and_then(|t| HeaderValue::from_str(&conditional::http_date(t.into())).ok());
    let not_modified = conditional::not_modified(request, Some(&etag), last_modified.as_ref());
    let mut resp = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
            bytes,
        )
            .into_response()
    };
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if let Some(v) = last_modified {
        h.insert(header::LAST_MODIFIED, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    if let Ok(v) = HeaderValue::from_str(&tags.header()) {
        h.insert("surrogate-key", v);
    }
    resp
}
