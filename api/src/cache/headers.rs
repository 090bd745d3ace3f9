//! HTTP caching of public answers, in one place: validators (`ETag`, `Last-Modified`),
//! conditional requests (`304`), freshness (`Cache-Control` with stale-while-revalidate and
//! stale-if-error) and `Surrogate-Key` tags naming what an answer depends on, so a purge can
//! be exact (the vocabulary is in `tags.rs`).

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// How long shared caches may serve an answer without asking, and how long stale.
pub(crate) const PUBLIC_CACHE_CONTROL: &str =
    "public, max-age=60, stale-while-revalidate=300, stale-if-error=86400";

/// What an answer depends on.
#[derive(Default)]
pub(crate) struct Tags(Vec<String>);

impl Tags {
    pub(crate) fn add(&mut self, tag: String) {
        if !self.0.contains(&tag) {
            self.0.push(tag);
        }
    }

    /// An answer listing what is live on a site (a list, a feed, search results).
    pub(crate) fn list_of(&mut self, site: portico_engine::SiteId) {
        self.add(format!("site:{site}"));
        self.add(format!("list:{site}"));
    }

    /// A list of a site narrowed to one channel or one kind: a publish purges it only when
    /// the item is (or was) in that channel, or is of that kind. Other filters narrow it
    /// further, which only makes the purge a superset.
    pub(crate) fn list_scoped(
        &mut self,
        site: portico_engine::SiteId,
        kind: Option<&str>,
        channel: Option<portico_engine::ChannelId>,
    ) {
        self.add(format!("site:{site}"));
        match (channel, kind) {
            (Some(c), _) => self.add(format!("channel:{c}")),
            (None, Some(k)) => self.add(format!("kind:{site}:{k}")),
            (None, None) => self.add(format!("list:{site}")),
        }
    }
}

/// The tags of a site's list with the query `q` (see [`Tags::list_scoped`]).
pub(crate) fn list_tags(
    engine: &portico_engine::Engine,
    site: &portico_engine::Site,
    q: &portico_engine::ListQuery,
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
        (Some(_), None) => tags.add(format!("site:{}", site.id)),
        _ => tags.list_scoped(site.id, q.kind.as_deref(), channel),
    }
    Ok(tags)
}

/// A public JSON answer with validators, honouring `If-None-Match` and `If-Modified-Since`.
pub(crate) fn public_json(
    request: &HeaderMap,
    body: &serde_json::Value,
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

/// Whether the request's `If-None-Match` names `etag` (weakly) or is `*`.
pub(crate) fn etag_matches(request: &HeaderMap, etag: &str) -> bool {
    request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|inm| {
            inm.split(',')
                .map(str::trim)
                .any(|t| t == "*" || t.trim_start_matches("W/") == etag)
        })
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
    let last_modified = last_modified.map(|t| t.format("%a, %d %b %Y %H:%M:%S GMT").to_string());
    let not_modified = match request.get(header::IF_NONE_MATCH) {
        Some(_) => etag_matches(request, &etag),
        None => match (
            &last_modified,
            request
                .get(header::IF_MODIFIED_SINCE)
                .and_then(|v| v.to_str().ok()),
        ) {
            (Some(lm), Some(ims)) => {
                let parse = |s: &str| DateTime::parse_from_rfc2822(&s.replace("GMT", "+0000")).ok();
                matches!((parse(lm), parse(ims)), (Some(a), Some(b)) if a <= b)
            }
            _ => false,
        },
    };
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
    if let Some(v) = last_modified.and_then(|lm| HeaderValue::from_str(&lm).ok()) {
        h.insert(header::LAST_MODIFIED, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    if let Ok(v) = HeaderValue::from_str(&tags.0.join(" ")) {
        h.insert("surrogate-key", v);
    }
    resp
}
