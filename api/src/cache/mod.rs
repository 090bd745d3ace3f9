//! The HTTP cache, in one place: whole public responses in memory, purged exactly by
//! `Surrogate-Key` tags, shared by `portico serve` (in front of its own router) and
//! `portico edge` (in front of origins over HTTP).
//!
//! Freshness, storability, `Vary` and revalidation are decided by http-cache-semantics (RFC
//! 9111) rather than by hand: it is the part of caching that is easy to get subtly wrong.
//! What the crate leaves to the cache is here: the store (moka, bounded in bytes), the tag
//! index for purges, coalescing of concurrent misses into one origin request, and the two
//! grace periods (`stale-while-revalidate`, `stale-if-error`).

mod admission;
pub(crate) mod conditional;
mod encoding;
mod fields;
pub(crate) mod follower;
pub(crate) mod headers;
pub(crate) mod layer;
mod range;

use axum::body::Body;
use axum::http::{
    header, request, HeaderMap, HeaderName, HeaderValue, Method, Response, StatusCode,
};
use bytes::Bytes;
use encoding::Coding;
use fields::Fields;
use futures::future::{BoxFuture, FutureExt, Shared};
use http_cache_semantics::{AfterResponse, BeforeRequest, CacheOptions, CachePolicy};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// How big the cache may grow and what it stores.
#[derive(Debug, Clone)]
pub struct CacheConfig {
    /// Bytes of responses (bodies, headers and keys) kept in memory.
    pub max_bytes: u64,
    /// Larger responses are passed through, never stored.
    pub max_entry_bytes: usize,
    /// How long a response may be served stale when the origin cannot be reached, whatever
    /// it said: what an edge does when every origin is down.
    pub serve_stale_when_down: Duration,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            max_bytes: 256 * 1024 * 1024,
            max_entry_bytes: 8 * 1024 * 1024,
            serve_stale_when_down: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// Why the origin gave no response at all.
#[derive(Debug, Clone, thiserror::Error)]
#[error("origin unreachable: {0}")]
pub struct FetchError(pub String);

/// How the cache asks the origin: a request without body (GET or HEAD semantics).
pub type Fetch = Arc<
    dyn Fn(request::Parts) -> BoxFuture<'static, Result<Response<Body>, FetchError>> + Send + Sync,
>;

/// What an origin request gave the requests waiting on it.
#[derive(Clone)]
enum Landed {
    /// The answer, and the variant key it was stored under when a shared cache may keep it.
    /// Only then may a request other than the one that asked (the leader) have it: anything
    /// else (`private`, `no-store`, `Set-Cookie`, `Vary: Cookie`, another variant) was the
    /// leader's own, and every other waiter asks the origin itself.
    Entry(Arc<Entry>, Option<Arc<str>>),
    /// Too large to keep: the leader streams it, any other waiter asks the origin itself.
    Large(Arc<Mutex<Option<Response<Body>>>>),
}

/// One stored (or just fetched) response.
///
/// Kept small: at the edge most memory is entries, and an entry's own bookkeeping was once
/// twice its body. The fields are one block of text ([`Fields`]); the RFC 9111 policy is not
/// kept but rebuilt from them on the rare path that needs it (a stale entry), since it is a
/// function of the request, the stored fields and the response time.
pub(crate) struct Entry {
    status: StatusCode,
    fields: Fields,
    /// The body as the origin sent it; empty when `encoded` holds it instead.
    body: Bytes,
    /// The body compressed (br and gzip), for answers worth it: kept instead of the original.
    encoded: Option<encoding::Encoded>,
    /// The original body's length.
    len: usize,
    /// The `Surrogate-Key` tags, space-separated.
    tags: Box<str>,
    /// What the router attached (the route that answered, for the metrics).
    extensions: axum::http::Extensions,
    /// When the response arrived, and the `Age` it arrived with: its age at any time.
    response_time: SystemTime,
    age_at_response: Duration,
    /// `stale-while-revalidate` and `stale-if-error` of the response.
    swr: Duration,
    sie: Duration,
    /// The freshness lifetime (max-age as the policy understood it).
    lifetime: Duration,
    /// `must-revalidate`, `proxy-revalidate` or `s-maxage`: never served stale, not even
    /// when the origin fails (RFC 9111, 4.2.4 and 5.2.2).
    no_stale: bool,
}

/// Bytes an entry holds besides its key, body, fields and tags: the entry itself, the store's
/// bookkeeping for it (moka: about 310 bytes), a tag's place in the tag index, the allocator's
/// rounding. Measured with `api/examples/entry_memory.rs`.
const ENTRY_OVERHEAD: usize = 640;

impl Entry {
    fn weight(&self, key: &str) -> u32 {
        let encoded = self.encoded.as_ref().map_or(0, encoding::Encoded::len);
        // The key is held twice: by the store and in the tag index. Each tag besides its text
        // takes a slot in the index's set for that tag, and its set and name when it is the
        // first of its tag (~72 bytes): a network-wide search answer has two tags per portal,
        // ~190 in all, and uncounted they made the cache's resident memory twice its setting
        // (bench/cache-memory.sh).
        let size = 2 * key.len()
            + self.body.len()
            + encoded
            + self.fields.len()
            + self.tags.len()
            + 72 * self.tags().count()
            + ENTRY_OVERHEAD;
        u32::try_from(size).unwrap_or(u32::MAX)
    }

    fn tags(&self) -> impl Iterator<Item = &str> {
        self.tags.split_ascii_whitespace()
    }

    /// The original body: as stored, or inflated from the gzip copy.
    fn original(&self) -> Bytes {
        match &self.encoded {
            Some(e) => encoding::gunzip(&e.gzip(), self.len).unwrap_or_default(),
            None => self.body.clone(),
        }
    }

    /// How old the response is (RFC 9111, 4.2.3, as the policy counts it).
    fn age(&self, now: SystemTime) -> Duration {
        self.age_at_response + now.duration_since(self.response_time).unwrap_or_default()
    }

    fn is_stale(&self, now: SystemTime) -> bool {
        self.lifetime <= self.age(now)
    }

    /// How long past its freshness the entry is worth keeping.
    fn keep_for(&self, now: SystemTime, down: Duration) -> Duration {
        self.lifetime.saturating_sub(self.age(now)) + self.swr.max(self.sie).max(down)
    }

    /// How long past its freshness lifetime the entry is.
    fn staleness(&self, now: SystemTime) -> Duration {
        self.age(now).saturating_sub(self.lifetime)
    }

    /// The RFC 9111 policy of this entry for a request that found it (same URL and `Vary`
    /// values, so the stored request's fields are the request's own).
    fn policy(&self, req: &request::Parts) -> CachePolicy {
        let headers = self.fields.to_map();
        policy_for(req, self.status, &headers, self.response_time)
    }
}

/// The policy of an answer with these fields to this request, received at `response_time`.
fn policy_for(
    req: &request::Parts,
    status: StatusCode,
    headers: &HeaderMap,
    response_time: SystemTime,
) -> CachePolicy {
    let caching = caching_view(headers);
    let req = policy_request(req, headers);
    let view = policy_response(status, &caching);
    CachePolicy::new_options(&req, &view, response_time, options())
}

/// The `Cache-Control` directives of `headers`, as (name, value) pairs.
fn directives(headers: &HeaderMap) -> impl Iterator<Item = (&str, Option<&str>)> {
    headers
        .get_all(header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|d| match d.split_once('=') {
            Some((k, v)) => (k.trim(), Some(v.trim().trim_matches('"'))),
            None => (d.trim(), None),
        })
}

/// A `Cache-Control` directive's number of seconds.
fn directive(headers: &HeaderMap, name: &str) -> Option<Duration> {
    directives(headers)
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v?.parse::<u64>().ok())
        .map(Duration::from_secs)
}

fn has_directive(headers: &HeaderMap, name: &str) -> bool {
    directives(headers).any(|(k, _)| k.eq_ignore_ascii_case(name))
}

/// Counters for `/metrics`.
#[derive(Default, Debug)]
pub struct CacheStats {
    pub hits: AtomicU64,
    pub misses: AtomicU64,
    /// Requests that waited for another request's origin fetch instead of making their own.
    pub coalesced: AtomicU64,
    pub stale_served: AtomicU64,
    /// Stale entries confirmed by a `304` from the origin.
    pub revalidated: AtomicU64,
    pub purges: AtomicU64,
    pub purged_entries: AtomicU64,
    pub evictions: AtomicU64,
    /// Requests the cache does not handle (authenticated, ranges, other methods).
    pub bypass: AtomicU64,
    /// Origin requests, including background refreshes.
    pub origin_fetches: AtomicU64,
}

/// What the cache did with a request, for the `X-Cache` header and the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Hit,
    Miss,
    Stale,
}

impl Outcome {
    fn header(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Outcome::Hit => "HIT",
            Outcome::Miss => "MISS",
            Outcome::Stale => "STALE",
        })
    }
}

type Flight = Shared<BoxFuture<'static, Result<Landed, FetchError>>>;

/// What an origin request began with: the stored answer it revalidates, if any, and the
/// purge count at that moment.
struct Asked<'a> {
    previous: Option<&'a Entry>,
    epoch: u64,
    /// Whether it may be kept now (`admission`): otherwise it is only handed to whoever asked.
    admit: bool,
}
type TagIndex = Arc<Mutex<HashMap<String, HashSet<Arc<str>>>>>;

/// The response cache.
pub struct HttpCache {
    entries: moka::sync::Cache<Arc<str>, Arc<Entry>>,
    /// The request headers a URL's responses vary on, by URL key.
    vary: moka::sync::Cache<Arc<str>, Arc<[HeaderName]>>,
    tags: TagIndex,
    flights: Mutex<HashMap<Arc<str>, Flight>>,
    /// Counts purges. An answer whose origin request began before a purge may predate what
    /// the purge announced (a search that read the index just before it took an item in or
    /// out): it is handed to its requests but not stored, whatever its tags.
    purge_epoch: AtomicU64,
    /// Answers to queries asked for once so far.
    doorkeeper: admission::Doorkeeper,
    config: CacheConfig,
    stats: Arc<CacheStats>,
}

struct Expiry(Duration);

impl moka::Expiry<Arc<str>, Arc<Entry>> for Expiry {
    fn expire_after_create(
        &self,
        _: &Arc<str>,
        e: &Arc<Entry>,
        _: std::time::Instant,
    ) -> Option<Duration> {
        Some(e.keep_for(SystemTime::now(), self.0))
    }
    fn expire_after_update(
        &self,
        _: &Arc<str>,
        e: &Arc<Entry>,
        _: std::time::Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Some(e.keep_for(SystemTime::now(), self.0))
    }
}

fn options() -> CacheOptions {
    CacheOptions {
        shared: true,
        // Without explicit freshness nothing is stored: heuristic freshness would keep
        // answers the handlers never meant to be kept.
        cache_heuristic: 0.0,
        ..Default::default()
    }
}

impl HttpCache {
    /// An empty cache.
    pub fn new(config: CacheConfig) -> Arc<HttpCache> {
        let stats = Arc::new(CacheStats::default());
        let tags: TagIndex = Arc::default();
        let (t, s) = (tags.clone(), stats.clone());
        let entries = moka::sync::Cache::builder()
            .max_capacity(config.max_bytes)
            .weigher(|k: &Arc<str>, v: &Arc<Entry>| v.weight(k))
            .expire_after(Expiry(config.serve_stale_when_down))
            .support_invalidation_closures()
            .eviction_listener(move |key: Arc<Arc<str>>, v: Arc<Entry>, cause| {
                use moka::notification::RemovalCause;
                // A replacement keeps its key under the new entry's tags, added before.
                if cause == RemovalCause::Replaced {
                    return;
                }
                if matches!(cause, RemovalCause::Size | RemovalCause::Expired) {
                    s.evictions.fetch_add(1, Ordering::Relaxed);
                }
                let mut index = t.lock().unwrap_or_else(|p| p.into_inner());
                for tag in v.tags() {
                    if let Some(keys) = index.get_mut(tag) {
                        keys.remove(&**key);
                        if keys.is_empty() {
                            index.remove(tag);
                        }
                    }
                }
            })
            .build();
        Arc::new(HttpCache {
            entries,
            vary: moka::sync::Cache::builder().max_capacity(1_000_000).build(),
            tags,
            flights: Mutex::default(),
            purge_epoch: AtomicU64::new(0),
            doorkeeper: admission::Doorkeeper::new(),
            config,
            stats,
        })
    }

    /// The counters.
    pub fn stats(&self) -> &CacheStats {
        &self.stats
    }

    /// How many responses are stored, and their weight in bytes.
    pub fn size(&self) -> (u64, u64) {
        self.entries.run_pending_tasks();
        (self.entries.entry_count(), self.entries.weighted_size())
    }

    /// Drops every response tagged with any of `tags`; returns how many went.
    pub fn purge<S: AsRef<str>>(&self, tags: &[S]) -> usize {
        // First, so that a store racing this purge sees it (see `store`).
        self.purge_epoch.fetch_add(1, Ordering::SeqCst);
        let mut keys = Vec::new();
        {
            let mut index = self.tags.lock().unwrap_or_else(|p| p.into_inner());
            for tag in tags {
                if let Some(k) = index.remove(tag.as_ref()) {
                    keys.extend(k);
                }
            }
        }
        self.stats.purges.fetch_add(1, Ordering::Relaxed);
        self.stats.purged_entries.fetch_add(
            u64::try_from(keys.len()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
        for k in &keys {
            self.entries.invalidate(k);
        }
        keys.len()
    }

    /// Drops everything (an edge that lost track of the purges it missed).
    pub fn flush(&self) {
        self.purge_epoch.fetch_add(1, Ordering::SeqCst);
        self.entries.invalidate_all();
        self.entries.run_pending_tasks();
        self.tags.lock().unwrap_or_else(|p| p.into_inner()).clear();
        self.stats.purges.fetch_add(1, Ordering::Relaxed);
    }

    /// After an unsafe request (`POST`, `PUT`, `DELETE`, any method not known to be safe)
    /// answered with a success or a redirect, drops what is stored for its URL and for the
    /// URLs of the answer's `Location` and `Content-Location` on the same host (RFC 9111,
    /// 4.4): whatever they said may have changed.
    pub fn invalidate_after(&self, req: &request::Parts, status: StatusCode, answer: &HeaderMap) {
        let safe = matches!(
            req.method,
            Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
        );
        if safe || !(status.is_success() || status.is_redirection()) {
            return;
        }
        let url = url_key(req);
        let host = url.split('/').next().unwrap_or_default().to_owned();
        let mut urls = vec![url];
        for name in [header::LOCATION, header::CONTENT_LOCATION] {
            let Some(v) = answer.get(&name).and_then(|v| v.to_str().ok()) else {
                continue;
            };
            let target = match axum::http::Uri::try_from(v) {
                Ok(u) => u,
                Err(_) => continue,
            };
            // Only this host's: another host's answers are not this request's to drop.
            let same_host = target
                .host()
                .is_none_or(|h| h.eq_ignore_ascii_case(host.split(':').next().unwrap_or("")));
            if let (true, Some(pq)) = (same_host, target.path_and_query()) {
                urls.push(Arc::from(format!("{host}{}", pq.as_str())));
            }
        }
        for url in urls {
            self.invalidate_url(&url);
        }
    }

    /// Drops every stored variant of one URL.
    fn invalidate_url(&self, url: &Arc<str>) {
        self.entries.invalidate(url);
        if self.vary.get(url).is_some_and(|n| !n.is_empty()) {
            let prefix = format!("{url}\n");
            // Variants are keyed by the URL and their headers' values: found by their prefix.
            let _ = self
                .entries
                .invalidate_entries_if(move |k, _| k.starts_with(&prefix));
        }
    }

    pub(crate) fn count_bypass(&self) {
        self.stats.bypass.fetch_add(1, Ordering::Relaxed);
    }

    /// Answers a `GET` or `HEAD` from the cache or through `fetch`, storing what may be stored.
    pub async fn handle(
        self: &Arc<Self>,
        mut req: request::Parts,
        fetch: &Fetch,
    ) -> Response<Body> {
        // A shared cache in front of a public portal does not let a client force the origin
        // (a reload sends `max-age=0`; a crowd pressing F5 during a flood warning would
        // otherwise reach the origin every time). Purges keep answers right instead.
        req.headers.remove(header::CACHE_CONTROL);
        req.headers.remove(header::PRAGMA);
        // A shared answer is a function of the address and the headers it varies on, never of
        // one visitor's cookies: requests with Portico's own cookies never get here
        // (`shared_request`), and anyone else's (analytics, a theme's preference) are not the
        // origin's business on this path.
        req.headers.remove(header::COOKIE);
        // The cache compresses what it keeps itself; the origin is asked for the original.
        let coding = encoding::choose(&req.headers);
        req.headers.remove(header::ACCEPT_ENCODING);
        let head = req.method == Method::HEAD;
        let url = url_key(&req);
        let key = self.variant_key(&url, &req.headers);
        let now = SystemTime::now();
        let cached = self.entries.get(&key);
        if req.headers.contains_key(header::RANGE) {
            // A part of a stored, fresh answer comes from memory (RFC 9110 14); anything else
            // goes to the origin as asked, and nothing partial is stored.
            return match cached {
                Some(e) if !e.is_stale(now) => {
                    self.stats.hits.fetch_add(1, Ordering::Relaxed);
                    respond(&req.headers, &e, Outcome::Hit, head, now, Coding::Identity)
                }
                _ => {
                    self.stats.bypass.fetch_add(1, Ordering::Relaxed);
                    self.stats.origin_fetches.fetch_add(1, Ordering::Relaxed);
                    match fetch(req.clone()).await {
                        Ok(r) => r,
                        Err(err) => unreachable_origin(&err, &req.headers),
                    }
                }
            };
        }
        let (entry, outcome) = match cached {
            // The common case without the policy's general check (which copies the headers):
            // the key already matched `Vary`.
            Some(e) if !e.is_stale(now) => {
                self.stats.hits.fetch_add(1, Ordering::Relaxed);
                (e, Outcome::Hit)
            }
            Some(e) => match e.policy(&req).before_request(&req, now) {
                BeforeRequest::Fresh(_) => {
                    self.stats.hits.fetch_add(1, Ordering::Relaxed);
                    (e, Outcome::Hit)
                }
                BeforeRequest::Stale { request, matches } => {
                    let stale = e.staleness(now);
                    if matches && !e.no_stale && stale <= e.swr {
                        // Serve stale now; refresh behind the client's back.
                        self.stats.stale_served.fetch_add(1, Ordering::Relaxed);
                        let (flight, _) =
                            self.flight(key.clone(), url.clone(), request, Some(e.clone()), fetch);
                        tokio::spawn(flight);
                        (e, Outcome::Stale)
                    } else {
                        let grace = e.sie.max(self.config.serve_stale_when_down);
                        let (flight, leader) =
                            self.flight(key, url.clone(), request, Some(e.clone()), fetch);
                        match flight.await {
                            Ok(Landed::Entry(fresh, _))
                                if fresh.status.is_server_error()
                                    && !e.no_stale
                                    && stale <= e.sie =>
                            {
                                self.stats.stale_served.fetch_add(1, Ordering::Relaxed);
                                (e, Outcome::Stale)
                            }
                            Ok(Landed::Entry(fresh, shared)) => {
                                if !leader && !self.may_share(shared.as_deref(), &url, &req) {
                                    return self.own(req, fetch).await;
                                }
                                (fresh, Outcome::Miss)
                            }
                            Ok(Landed::Large(slot)) => {
                                return self.large(slot, leader, req, fetch).await
                            }
                            Err(_) if !e.no_stale && stale <= grace => {
                                self.stats.stale_served.fetch_add(1, Ordering::Relaxed);
                                (e, Outcome::Stale)
                            }
                            // What must be revalidated and cannot be is a 504 (RFC 9111,
                            // 4.2.4), never the stale copy.
                            Err(err) if e.no_stale => return gateway_timeout(&err, &req.headers),
                            Err(err) => return unreachable_origin(&err, &req.headers),
                        }
                    }
                }
            },
            None => {
                let mut parts = req.clone();
                strip_conditionals(&mut parts.headers);
                parts.method = Method::GET;
                let (flight, leader) = self.flight(key, url.clone(), parts, None, fetch);
                match flight.await {
                    Ok(Landed::Entry(e, shared)) => {
                        if !leader && !self.may_share(shared.as_deref(), &url, &req) {
                            return self.own(req, fetch).await;
                        }
                        (e, Outcome::Miss)
                    }
                    Ok(Landed::Large(slot)) => return self.large(slot, leader, req, fetch).await,
                    Err(err) => return unreachable_origin(&err, &req.headers),
                }
            }
        };
        respond(&req.headers, &entry, outcome, head, now, coding)
    }

    /// Whether a request that waited on another's origin request may have its answer: only
    /// one a shared cache stored, and under the variant this request would find.
    fn may_share(&self, stored_as: Option<&str>, url: &Arc<str>, req: &request::Parts) -> bool {
        stored_as.is_some_and(|k| *self.variant_key(url, &req.headers) == *k)
    }

    /// The origin's answer to this request alone: for a waiter whose leader's answer was not
    /// to be shared.
    async fn own(&self, req: request::Parts, fetch: &Fetch) -> Response<Body> {
        self.stats.origin_fetches.fetch_add(1, Ordering::Relaxed);
        let mut resp = match fetch(req.clone()).await {
            Ok(r) => r,
            Err(err) => return unreachable_origin(&err, &req.headers),
        };
        if req.method == Method::HEAD {
            *resp.body_mut() = Body::empty();
        }
        resp.headers_mut()
            .insert("x-cache", HeaderValue::from_static("MISS"));
        resp
    }

    /// A response too large to keep: streamed to the request that asked for it (the leader);
    /// the others (rare: the same large file asked for at the same instant) ask the origin
    /// themselves.
    async fn large(
        &self,
        slot: Arc<Mutex<Option<Response<Body>>>>,
        leader: bool,
        req: request::Parts,
        fetch: &Fetch,
    ) -> Response<Body> {
        let taken = leader
            .then(|| slot.lock().unwrap_or_else(|p| p.into_inner()).take())
            .flatten();
        let Some(mut resp) = taken else {
            return self.own(req, fetch).await;
        };
        if req.method == Method::HEAD {
            *resp.body_mut() = Body::empty();
        }
        resp.headers_mut()
            .insert("x-cache", HeaderValue::from_static("MISS"));
        resp
    }

    /// The key of the stored variant for this request: the URL plus the values of the headers
    /// its responses vary on.
    fn variant_key(&self, url: &Arc<str>, headers: &HeaderMap) -> Arc<str> {
        match self.vary.get(url) {
            Some(names) if !names.is_empty() => {
                let mut k = String::with_capacity(url.len() + 64);
                k.push_str(url);
                for n in names.iter() {
                    k.push('\n');
                    for v in headers.get_all(n) {
                        k.push_str(v.to_str().unwrap_or(""));
                        k.push(',');
                    }
                }
                Arc::from(k)
            }
            _ => url.clone(),
        }
    }

    /// One origin request for `key` however many ask at once; the result is stored when it
    /// may be. The flag says whether this caller started the request (the leader, whose
    /// request the origin answered) or joined one under way.
    fn flight(
        self: &Arc<Self>,
        key: Arc<str>,
        url: Arc<str>,
        req: request::Parts,
        previous: Option<Arc<Entry>>,
        fetch: &Fetch,
    ) -> (Flight, bool) {
        let mut flights = self.flights.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(f) = flights.get(&key) {
            self.stats.coalesced.fetch_add(1, Ordering::Relaxed);
            self.doorkeeper.remember(&key);
            return (f.clone(), false);
        }
        if previous.is_none() {
            self.stats.misses.fetch_add(1, Ordering::Relaxed);
        }
        let this = self.clone();
        let fetch = fetch.clone();
        let k = key.clone();
        // Spawned, so that the request finishes and is stored even if every client gave up.
        let task = tokio::spawn(async move {
            let epoch = this.purge_epoch.load(Ordering::SeqCst);
            this.stats.origin_fetches.fetch_add(1, Ordering::Relaxed);
            let out = match fetch(req.clone()).await {
                Ok(resp) => match read_whole(resp, this.config.max_entry_bytes).await {
                    Ok(resp) => {
                        let worth = encoding::worth(resp.headers(), resp.body().len());
                        let admit = previous.is_some()
                            || !admission::on_second_asking(req.uri.query())
                            || this.doorkeeper.seen_before(&k);
                        let encoded = if worth && admit {
                            encoding::encode_off_thread(resp.body().clone()).await
                        } else {
                            None
                        };
                        let asked = Asked {
                            previous: previous.as_deref(),
                            epoch,
                            admit,
                        };
                        let (entry, shared) = this.store(&k, &url, &req, resp, encoded, asked);
                        Ok(Landed::Entry(entry, shared))
                    }
                    Err(large) => Ok(Landed::Large(Arc::new(Mutex::new(Some(large))))),
                },
                Err(e) => Err(e),
            };
            this.flights
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&k);
            out
        });
        let f = async move {
            task.await
                .unwrap_or_else(|e| Err(FetchError(format!("origin request failed: {e}"))))
        }
        .boxed()
        .shared();
        flights.insert(key, f.clone());
        (f, true)
    }

    /// Turns the origin's answer into an entry, storing it when RFC 9111 allows and no purge
    /// came since `asked.epoch`; with the key it was stored under, when it was.
    fn store(
        &self,
        key: &Arc<str>,
        url: &Arc<str>,
        req: &request::Parts,
        resp: Response<Bytes>,
        encoded: Option<encoding::Encoded>,
        asked: Asked<'_>,
    ) -> (Arc<Entry>, Option<Arc<str>>) {
        let Asked {
            previous,
            epoch,
            admit,
        } = asked;
        let now = SystemTime::now();
        let (mut parts, body) = resp.into_parts();
        // Timings describe one computation, not the stored answer.
        parts.headers.remove("server-timing");
        // The cache answers `Accept-Encoding` itself (and says so when it responds): an
        // origin's `Vary: Accept-Encoding` must not split the stored answers by every
        // browser's way of writing that header.
        without_vary_on_encoding(&mut parts.headers);
        // Parsed by hyper, header values, URIs and bodies are slices of a connection's read
        // buffer; kept as they are, every entry would pin a whole buffer (measured at the
        // edge: 22 KB resident per 6 KB entry). Everything kept is copied out: the body here,
        // the fields into their block (`Fields::new`).
        let headers = std::mem::take(&mut parts.headers);
        let body = Bytes::copy_from_slice(&body);
        // The policy sees only the fields caching is decided on, as this cache reads them.
        let caching = caching_view(&headers);
        let req = policy_request(req, &headers);
        let view = policy_response(parts.status, &caching);
        let len = body.len();
        let fresh = |body: Bytes, encoded: Option<encoding::Encoded>| match encoded {
            Some(e) => (Bytes::new(), Some(e), len),
            None => (body, None, len),
        };
        let (policy, status, headers, stored) = match previous {
            Some(prev) if parts.status == StatusCode::NOT_MODIFIED => {
                match prev.policy(&req).after_response(&req, &view, now) {
                    AfterResponse::NotModified(policy, _) => {
                        self.stats.revalidated.fetch_add(1, Ordering::Relaxed);
                        let refreshed = refreshed(&prev.fields.to_map(), &headers);
                        let kept = (prev.body.clone(), prev.encoded.clone(), prev.len);
                        (policy, prev.status, refreshed, kept)
                    }
                    AfterResponse::Modified(policy, _) => {
                        (policy, parts.status, headers, fresh(body, encoded))
                    }
                }
            }
            _ => {
                let policy = CachePolicy::new_options(&req, &view, now, options());
                (policy, parts.status, headers, fresh(body, encoded))
            }
        };
        let (body, encoded, len) = stored;
        let mut entry = entry_from(&policy, status, &headers, body);
        entry.encoded = encoded;
        entry.len = len;
        entry.extensions = parts.extensions;
        let entry = Arc::new(entry);
        let caching = caching_view(&headers);
        // A `Set-Cookie` answer is kept only when it says it may be shared (`public`): the
        // cookie is then part of what everyone gets, as RFC 9111 allows (7.3); anything less
        // explicit is somebody's own.
        let cookie_ok =
            !headers.contains_key(header::SET_COOKIE) || has_directive(&caching, "public");
        let storable = policy.is_storable()
            && entry.status != StatusCode::PARTIAL_CONTENT
            && !entry.status.is_informational()
            && cookie_ok
            && !vary_star(&headers)
            && !vary_on_credentials(&headers)
            && entry.len <= self.config.max_entry_bytes
            && (policy.time_to_live(now) > Duration::ZERO || entry.swr > Duration::ZERO);
        let purged_meanwhile = || self.purge_epoch.load(Ordering::SeqCst) != epoch;
        if storable && purged_meanwhile() {
            // Asked before a purge: perhaps of the world before it. Its requests have it; the
            // next one asks again.
            return (entry, None);
        }
        if storable {
            let names: Arc<[HeaderName]> = headers
                .get_all(header::VARY)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|n| HeaderName::from_bytes(n.trim().as_bytes()).ok())
                .collect();
            let key = if names.is_empty() {
                key.clone()
            } else {
                self.vary.insert(url.clone(), names);
                self.variant_key(url, &req.headers)
            };
            if !admit {
                // Not kept until asked again; those waiting on this request may have it.
                return (entry, Some(key));
            }
            {
                let mut index = self.tags.lock().unwrap_or_else(|p| p.into_inner());
                for t in entry.tags() {
                    match index.get_mut(t) {
                        Some(keys) => {
                            keys.insert(key.clone());
                        }
                        None => {
                            index.insert(t.to_owned(), HashSet::from([key.clone()]));
                        }
                    }
                }
            }
            self.entries.insert(key.clone(), entry.clone());
            // A purge that came between the check above and this insert may have found the
            // tags but not yet the entry: it is dropped again, not kept past the purge.
            if purged_meanwhile() {
                self.entries.invalidate(&key);
                return (entry, None);
            }
            (entry, Some(key))
        } else {
            if previous.is_some() && !entry.status.is_server_error() {
                // The resource changed into something not to keep (gone, private): forget the
                // old answer. A failing origin keeps it, for stale-if-error.
                self.entries.invalidate(key);
            }
            (entry, None)
        }
    }
}

/// The fields that target this cache before `Cache-Control` (RFC 9213): ours alone, then
/// every CDN's.
const TARGETED: [&str; 2] = ["portico-cache-control", "cdn-cache-control"];

/// The response's caching fields as this cache reads them: the most specific targeted field
/// (RFC 9213) in place of `Cache-Control`, with its own `no-store`, `no-cache`, `private` and
/// `max-age`; directive names in lower case (they are case-insensitive, RFC 9111 5.2); and an
/// `Age` that is not one non-negative integer replaced by one too large to be fresh (such an
/// answer is stale). The client still gets the response's own fields.
fn caching_view(headers: &HeaderMap) -> HeaderMap {
    let mut view = headers.clone();
    let targeted = TARGETED
        .iter()
        .find(|name| headers.contains_key(**name))
        .copied()
        .unwrap_or("cache-control");
    let directives: Vec<String> = headers
        .get_all(targeted)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| match d.split_once('=') {
            Some((k, v)) => format!("{}={}", k.trim().to_ascii_lowercase(), v.trim()),
            None => d.to_ascii_lowercase(),
        })
        .collect();
    view.remove(header::CACHE_CONTROL);
    for name in TARGETED {
        view.remove(name);
    }
    if !directives.is_empty() {
        if let Ok(v) = HeaderValue::from_str(&directives.join(", ")) {
            view.insert(header::CACHE_CONTROL, v);
        }
    }
    let ages: Vec<&HeaderValue> = headers.get_all(header::AGE).iter().collect();
    let valid_age = match ages.as_slice() {
        [] => true,
        [one] => one
            .to_str()
            .is_ok_and(|a| !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit())),
        _ => false,
    };
    if !valid_age {
        // RFC 9111 1.2.2: the largest age a cache needs to tell.
        view.insert(header::AGE, HeaderValue::from_static("2147483648"));
    }
    view
}

/// Removes `Accept-Encoding` from `Vary` (keeping the other names).
fn without_vary_on_encoding(headers: &mut HeaderMap) {
    if !headers.contains_key(header::VARY) {
        return;
    }
    let names: Vec<String> = headers
        .get_all(header::VARY)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|n| !n.is_empty() && !n.eq_ignore_ascii_case("accept-encoding"))
        .map(str::to_owned)
        .collect();
    headers.remove(header::VARY);
    if !names.is_empty() {
        if let Ok(v) = HeaderValue::from_str(&names.join(", ")) {
            headers.insert(header::VARY, v);
        }
    }
}

/// Whether `Vary` lists `*` anywhere (in any of its lines): such an answer can never be
/// reused (RFC 9111, 4.1).
fn vary_star(headers: &HeaderMap) -> bool {
    vary_names(headers).any(|n| n == "*")
}

/// The names `Vary` lists, over all its lines.
fn vary_names(headers: &HeaderMap) -> impl Iterator<Item = &str> {
    headers
        .get_all(header::VARY)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
}

/// Whether `Vary` names a header that carries who the client is (`Cookie`, `Authorization`):
/// such an answer is somebody's own, never kept or handed to anyone else by a shared cache.
fn vary_on_credentials(headers: &HeaderMap) -> bool {
    vary_names(headers)
        .any(|n| n.eq_ignore_ascii_case("cookie") || n.eq_ignore_ascii_case("authorization"))
}

/// Response headers caching is decided on (RFC 9111 and the policy's own checks).
const POLICY_RESPONSE_HEADERS: [&str; 9] = [
    "cache-control",
    "expires",
    "date",
    "age",
    "etag",
    "last-modified",
    "vary",
    "pragma",
    "set-cookie",
];

/// The request as the policy needs it: its URI, method, Host, its own cache directives and
/// the headers the response varies on.
fn policy_request(req: &request::Parts, response: &HeaderMap) -> request::Parts {
    let vary: Vec<String> = response
        .get_all(header::VARY)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|n| n.trim().to_ascii_lowercase())
        .collect();
    let keep = |k: &HeaderName| {
        matches!(
            k.as_str(),
            "host" | "cache-control" | "pragma" | "authorization"
        ) || vary.iter().any(|v| v == k.as_str())
    };
    let mut b = axum::http::Request::builder()
        .method(req.method.clone())
        .uri(req.uri.clone());
    if let Some(h) = b.headers_mut() {
        *h = req
            .headers
            .iter()
            .filter(|(k, _)| keep(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
    }
    b.body(())
        .map(|r| r.into_parts().0)
        .unwrap_or_else(|_| axum::http::Request::new(()).into_parts().0)
}

/// The response as the policy needs it.
fn policy_response(status: StatusCode, headers: &HeaderMap) -> axum::http::response::Parts {
    let mut r = Response::new(());
    *r.status_mut() = status;
    for name in POLICY_RESPONSE_HEADERS {
        for v in headers.get_all(name) {
            r.headers_mut().append(name, v.clone());
        }
    }
    r.into_parts().0
}

/// A stored response's headers updated by a `304` (RFC 9111, 4.3.4), but for those that
/// describe the body, which the `304` does not carry.
fn refreshed(stored: &HeaderMap, update: &HeaderMap) -> HeaderMap {
    let mut h = stored.clone();
    for (k, v) in update {
        if !matches!(
            k.as_str(),
            "content-length"
                | "content-encoding"
                | "transfer-encoding"
                | "content-range"
                | "content-type"
        ) {
            h.insert(k.clone(), v.clone());
        }
    }
    h
}

/// The response with its body read whole, or (too large to keep) as a stream again.
async fn read_whole(resp: Response<Body>, max: usize) -> Result<Response<Bytes>, Response<Body>> {
    use futures::StreamExt;
    let (parts, body) = resp.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > max) {
        return Err(Response::from_parts(parts, body));
    }
    let mut stream = body.into_data_stream();
    let mut chunks: Vec<Bytes> = Vec::new();
    let mut total = 0;
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(c) => {
                total += c.len();
                chunks.push(c);
                if total > max {
                    let head = futures::stream::iter(chunks.into_iter().map(Ok));
                    return Err(Response::from_parts(
                        parts,
                        Body::from_stream(head.chain(stream).fuse()),
                    ));
                }
            }
            Err(e) => {
                // A body cut short is not an answer to keep or to coalesce on.
                tracing::warn!(error = %e, "origin body failed");
                return Err(unreachable_origin(
                    &FetchError(e.to_string()),
                    &HeaderMap::new(),
                ));
            }
        }
    }
    let body = match chunks.len() {
        1 => chunks.pop().unwrap_or_default(),
        _ => {
            let mut b = bytes::BytesMut::with_capacity(total);
            for c in chunks {
                b.extend_from_slice(&c);
            }
            b.freeze()
        }
    };
    Ok(Response::from_parts(parts, body))
}

/// The tags named by `Surrogate-Key` headers.
pub(crate) fn surrogate_keys(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all("surrogate-key")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split_ascii_whitespace())
        .map(str::to_owned)
        .collect()
}

fn entry_from(policy: &CachePolicy, status: StatusCode, headers: &HeaderMap, body: Bytes) -> Entry {
    let tags = surrogate_keys(headers).join(" ").into_boxed_str();
    let now = SystemTime::now();
    let caching = caching_view(headers);
    let age = policy.age(now);
    Entry {
        lifetime: policy.time_to_live(now) + age,
        response_time: now,
        age_at_response: age,
        swr: directive(&caching, "stale-while-revalidate").unwrap_or(Duration::ZERO),
        sie: directive(&caching, "stale-if-error").unwrap_or(Duration::ZERO),
        no_stale: ["must-revalidate", "proxy-revalidate", "s-maxage"]
            .iter()
            .any(|d| has_directive(&caching, d)),
        status,
        fields: Fields::new(headers),
        len: body.len(),
        body,
        encoded: None,
        tags,
        extensions: axum::http::Extensions::new(),
    }
}

/// The URL part of the key: host, path and query (the method is folded: `HEAD` is answered
/// from a stored `GET`).
fn url_key(req: &request::Parts) -> Arc<str> {
    let host = req
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri.host())
        .unwrap_or("");
    let pq = req.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut k = String::with_capacity(host.len() + pq.len() + 1);
    k.push_str(&host.to_ascii_lowercase());
    k.push_str(pq);
    Arc::from(k)
}

fn strip_conditionals(h: &mut HeaderMap) {
    for name in [
        header::IF_NONE_MATCH,
        header::IF_MODIFIED_SINCE,
        header::IF_MATCH,
        header::IF_UNMODIFIED_SINCE,
        header::IF_RANGE,
    ] {
        h.remove(name);
    }
}

/// Whether a request may be answered by the shared cache, from memory or from another
/// request's origin fetch: a `GET` or `HEAD` of a public address, carrying no credentials.
///
/// Everything else goes to the origin on its own: any other method; a request with
/// `Authorization` or one of Portico's own cookies (a session, single sign-on's pending
/// state, the sign-in form's token), whatever its address; and, whoever asks, the editors'
/// interface (`/admin`, but its content-hashed assets), single sign-on (`/auth/`), the API
/// but for its public part and its description, and the node's operations paths.
pub(crate) fn shared_request(method: &Method, path: &str, headers: &HeaderMap) -> bool {
    (method == Method::GET || method == Method::HEAD)
        && !headers.contains_key(header::AUTHORIZATION)
        && !has_portico_cookie(headers)
        && public_path(path)
}

/// Whether an address is one whose answers are the same for everyone who may see them.
pub(crate) fn public_path(path: &str) -> bool {
    let under = |prefix: &str| {
        path == prefix
            || path
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    if under("/admin") {
        return path.starts_with("/admin/static/");
    }
    if under("/api") {
        return path.starts_with("/api/v1/public/") || path == "/api/v1/openapi.json";
    }
    !(under("/auth") || under("/_portico") || matches!(path, "/metrics" | "/healthz" | "/readyz"))
}

/// Whether the request carries a cookie Portico set (all of them are named `portico_...`,
/// with or without the `__Host-` prefix): someone's session or sign-in under way.
fn has_portico_cookie(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .any(|v| {
            v.split(';').any(|pair| {
                let name = pair.split('=').next().unwrap_or("").trim();
                let name = name.strip_prefix("__Host-").unwrap_or(name);
                name.starts_with("portico_")
            })
        })
}

/// `504` for an answer that must be revalidated when no origin can revalidate it.
fn gateway_timeout(err: &FetchError, request: &HeaderMap) -> Response<Body> {
    tracing::warn!(error = %err, "no origin answered, and the stored answer may not be served stale");
    let mut r = origin_unreachable(request);
    *r.status_mut() = StatusCode::GATEWAY_TIMEOUT;
    r
}

fn unreachable_origin(err: &FetchError, request: &HeaderMap) -> Response<Body> {
    tracing::warn!(error = %err, "no origin answered and nothing stale to serve");
    origin_unreachable(request)
}

/// `502` when no origin answers: an HTML page for browsers, the error JSON for the rest, with
/// `Retry-After`, and nothing of the origins (addresses, errors) in it; the log has those.
pub(crate) fn origin_unreachable(request: &HeaderMap) -> Response<Body> {
    let html = request
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("text/html"));
    let (ctype, body) = if html {
        (
            "text/html; charset=utf-8",
            "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>Tạm thời gián đoạn</title></head><body style=\"font-family:sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem\">\
             <h1>Tạm thời gián đoạn</h1><p>Cổng thông tin đang tạm gián đoạn. Xin vui lòng thử lại sau ít phút.</p>\
             </body></html>",
        )
    } else {
        (
            "application/json",
            "{\"error\":{\"code\":\"origin_unreachable\",\"message\":\"the portal cannot be reached right now; try again shortly\",\"field\":null}}",
        )
    };
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = StatusCode::BAD_GATEWAY;
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    r
}

/// The client's answer from an entry: `304` when its validators match, the body unless
/// `HEAD`, an honest `Age` and `X-Cache`.
fn respond(
    req: &HeaderMap,
    e: &Entry,
    outcome: Outcome,
    head: bool,
    now: SystemTime,
    coding: Coding,
) -> Response<Body> {
    let not_modified = e.status == StatusCode::OK && not_modified(req, &e.fields);
    let part = if e.status == StatusCode::OK && !not_modified && req.contains_key(header::RANGE) {
        range::wanted(req, &e.fields.to_map(), e.len)
    } else {
        None
    };
    if let Some(range::Part::Unsatisfiable) = part {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::RANGE_NOT_SATISFIABLE;
        if let Ok(v) = HeaderValue::from_str(&format!("bytes */{}", e.len)) {
            r.headers_mut().insert(header::CONTENT_RANGE, v);
        }
        r.headers_mut().insert("x-cache", outcome.header());
        return r;
    }
    // A range is of the original; otherwise the coding the client prefers, when kept.
    let coding = match (&e.encoded, part) {
        (Some(_), None) => coding,
        _ => Coding::Identity,
    };
    let body = match (&e.encoded, coding) {
        (Some(enc), Coding::Br) => enc.br(),
        (Some(enc), Coding::Gzip) => enc.gzip(),
        _ if not_modified || head => Bytes::new(),
        _ => e.original(),
    };
    let length = if coding == Coding::Identity {
        e.len
    } else {
        body.len()
    };
    let mut r = if not_modified || head {
        Response::new(Body::empty())
    } else if let Some(range::Part::Bytes(from, to)) = part {
        Response::new(Body::from(body.slice(from..=to)))
    } else {
        Response::new(Body::from(body))
    };
    if outcome == Outcome::Miss {
        *r.extensions_mut() = e.extensions.clone();
    }
    // Room for the stored fields and the few added below: grown one field at a time, the map
    // was reallocated three times on every hit.
    *r.headers_mut() = HeaderMap::with_capacity(e.fields.count() + 8);
    *r.status_mut() = if not_modified {
        StatusCode::NOT_MODIFIED
    } else {
        e.status
    };
    let h = r.headers_mut();
    for (k, v) in e.fields.iter() {
        if k == header::CONTENT_LENGTH
            || (not_modified && k == header::CONTENT_TYPE)
            || (coding != Coding::Identity && k == header::ETAG)
        {
            continue;
        }
        h.append(k, v);
    }
    if e.encoded.is_some() {
        // Which coding goes out depends on the request's Accept-Encoding.
        h.append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
    if let Some(token) = coding.token() {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(token));
        // Another coding is another representation: its validator can only be weak
        // (RFC 9110, 8.8.3), and still matches the stored one for a `304`.
        let etag = e.fields.get("etag");
        if let Some(etag) = etag.as_ref().and_then(|v| v.to_str().ok()) {
            let weak = if etag.starts_with("W/") {
                etag.to_owned()
            } else {
                format!("W/{etag}")
            };
            if let Ok(v) = HeaderValue::from_str(&weak) {
                h.insert(header::ETAG, v);
            }
        }
    }
    if !not_modified {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    if let Some(range::Part::Bytes(from, to)) = part {
        *r.status_mut() = StatusCode::PARTIAL_CONTENT;
        let h = r.headers_mut();
        h.remove(header::CONTENT_LENGTH);
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {from}-{to}/{}", e.len)) {
            h.insert(header::CONTENT_RANGE, v);
        }
    }
    let h = r.headers_mut();
    h.insert(header::AGE, HeaderValue::from(e.age(now).as_secs()));
    h.insert("x-cache", outcome.header());
    r
}

/// The cache tags an event purges: the text form of what it invalidates
/// ([`portico_engine::Dependency`], the same vocabulary the answers' `Surrogate-Key` uses).
pub(crate) fn purge_tags(e: &portico_engine::Event) -> Vec<String> {
    e.invalidates().iter().map(ToString::to_string).collect()
}

/// Whether the stored answer is `304` for this request.
fn not_modified(req: &HeaderMap, stored: &Fields) -> bool {
    if !req.contains_key(header::IF_NONE_MATCH) && !req.contains_key(header::IF_MODIFIED_SINCE) {
        return false;
    }
    let etag = stored.get("etag");
    let etag = etag.as_ref().and_then(|v| v.to_str().ok());
    conditional::not_modified(req, etag, stored.get("last-modified").as_ref())
}

#[cfg(test)]
mod tests;
