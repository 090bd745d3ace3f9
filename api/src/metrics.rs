//! `/metrics` in the Prometheus (OpenMetrics) text format: requests by route and status with
//! latency histograms, the cache's figures, how far each event-log follower lags, and the
//! scheduler. prometheus-client does the encoding, so the output follows the format exactly.

use crate::cache::HttpCache;
use crate::progress::Progress;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::borrow::Cow;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

type Labels = Vec<(&'static str, String)>;
type Latency = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// A request's labels. Counted on every request, cached answers included: borrowed names
/// where they are fixed (a method, "cached") rather than a string and a vector allocated and
/// hashed per request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: Cow<'static, str>,
    route: Cow<'static, str>,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: Cow<'static, str>,
}

fn latency_buckets() -> Histogram {
    Histogram::new([
        0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
    ])
}

/// The route a request matched, carried out of the router for the outer metrics layer.
#[derive(Clone)]
struct RouteLabel(String);

/// The registry and the request families.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Latency,
    login_refused: Family<Labels, Counter>,
    submissions_limited: Counter,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    /// Metrics of a node (`progress`) or of an edge (`None`), with the cache's when there is one.
    pub fn new(
        cache: Option<Arc<HttpCache>>,
        progress: Option<Arc<Progress>>,
        connections: Arc<crate::listen::ConnStats>,
    ) -> Metrics {
        let mut registry = Registry::with_prefix("portico");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: Latency = Family::new_with_constructor(latency_buckets);
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer, by route",
            latency.clone(),
        );
        let login_refused = Family::<Labels, Counter>::default();
        registry.register(
            "login_refused",
            "Sign-ins refused by a limit, by what was limited (username_and_address, address)",
            login_refused.clone(),
        );
        let submissions_limited = Counter::default();
        registry.register(
            "submissions_rate_limited",
            "Citizens' questions and comments refused by the per-address limit",
            submissions_limited.clone(),
        );
        registry.register_collector(Box::new(StateCollector {
            cache,
            progress,
            connections,
        }));
        Metrics {
            registry,
            requests,
            latency,
            login_refused,
            submissions_limited,
        }
    }

    /// Counts a question or comment refused by the per-address limit.
    pub fn submission_limited(&self) {
        self.submissions_limited.inc();
    }

    /// Counts a sign-in refused by a limit of `scope`.
    pub fn login_refused(&self, scope: &'static str) {
        self.login_refused
            .get_or_create(&vec![("scope", scope.to_owned())])
            .inc();
    }

    /// Counts one answered request.
    pub fn observe(
        &self,
        method: Cow<'static, str>,
        route: Cow<'static, str>,
        status: u16,
        seconds: f64,
    ) {
        self.latency
            .get_or_create(&RouteLabels {
                route: route.clone(),
            })
            .observe(seconds);
        self.requests
            .get_or_create(&RequestLabels {
                method,
                route,
                status,
            })
            .inc();
    }

    /// `/metrics` (a node) or `/_edge/metrics` (an edge).
    pub(crate) fn response(&self) -> axum::response::Response {
        use axum::response::IntoResponse;
        (
            [(
                axum::http::header::CONTENT_TYPE,
                axum::http::HeaderValue::from_static(
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                ),
            )],
            self.render(),
        )
            .into_response()
    }

    /// The text a scraper reads.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

/// Inside the router: remembers which route answered.
pub(crate) async fn route_label(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let mut resp = next.run(req).await;
    if let Some(r) = route {
        resp.extensions_mut().insert(RouteLabel(r));
    }
    resp
}

/// Outermost: times every request and counts it under its route; answers from the cache
/// count as `cached`, paths no route matched as `unmatched`.
pub(crate) async fn track(State(m): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(req.method().as_str());
    let resp = next.run(req).await;
    let route = match resp.extensions().get::<RouteLabel>() {
        Some(r) => Cow::Owned(r.0.clone()),
        None => match resp.headers().get("x-cache").map(|v| v.as_bytes()) {
            Some(b"HIT") | Some(b"STALE") => Cow::Borrowed("cached"),
            _ => Cow::Borrowed("unmatched"),
        },
    };
    m.observe(
        method,
        route,
        resp.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    resp
}

/// Reads the cache's counters and the followers' cursors at scrape time.
struct StateCollector {
    cache: Option<Arc<HttpCache>>,
    progress: Option<Arc<Progress>>,
    connections: Arc<crate::listen::ConnStats>,
}

impl std::fmt::Debug for StateCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StateCollector")
    }
}

fn counter(e: &mut DescriptorEncoder, name: &str, help: &str, v: u64) -> std::fmt::Result {
    let c = ConstCounter::new(v);
    c.encode(e.encode_descriptor(name, help, None, c.metric_type())?)
}

fn gauge(e: &mut DescriptorEncoder, name: &str, help: &str, v: i64) -> std::fmt::Result {
    let g = ConstGauge::new(v);
    g.encode(e.encode_descriptor(name, help, None, g.metric_type())?)
}

impl Collector for StateCollector {
    fn encode(&self, mut e: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        counter(
            &mut e,
            "store_statements",
            "Statements sent to the database by this node",
            portico_engine::statements(),
        )?;
        if let Some(c) = &self.cache {
            let s = c.stats();
            let get = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
            counter(
                &mut e,
                "cache_hits",
                "Answers served fresh from the cache",
                get(&s.hits),
            )?;
            counter(
                &mut e,
                "cache_misses",
                "Requests that needed the origin",
                get(&s.misses),
            )?;
            counter(
                &mut e,
                "cache_coalesced",
                "Requests that waited on another request's origin fetch",
                get(&s.coalesced),
            )?;
            counter(
                &mut e,
                "cache_stale_served",
                "Answers served stale (while revalidating, or the origin failing)",
                get(&s.stale_served),
            )?;
            counter(
                &mut e,
                "cache_revalidated",
                "Stale entries confirmed by a 304",
                get(&s.revalidated),
            )?;
            counter(&mut e, "cache_purges", "Purge operations", get(&s.purges))?;
            counter(
                &mut e,
                "cache_purged_entries",
                "Entries dropped by purges",
                get(&s.purged_entries),
            )?;
            counter(
                &mut e,
                "cache_evictions",
                "Entries dropped for room or age",
                get(&s.evictions),
            )?;
            counter(
                &mut e,
                "cache_bypass",
                "Requests the cache does not handle",
                get(&s.bypass),
            )?;
            counter(
                &mut e,
                "cache_origin_fetches",
                "Requests sent to the origin",
                get(&s.origin_fetches),
            )?;
            let (entries, bytes) = c.size();
            gauge(
                &mut e,
                "cache_entries",
                "Responses stored",
                i64::try_from(entries).unwrap_or(i64::MAX),
            )?;
            gauge(
                &mut e,
                "cache_bytes",
                "Bytes of responses stored",
                i64::try_from(bytes).unwrap_or(i64::MAX),
            )?;
        }
        let c = &self.connections;
        gauge(
            &mut e,
            "connections_open",
            "Client connections open now",
            i64::try_from(c.open.load(Ordering::Relaxed)).unwrap_or(i64::MAX),
        )?;
        counter(
            &mut e,
            "connections_refused_per_address",
            "Connections closed at once: their address had too many open",
            c.refused_per_address.load(Ordering::Relaxed),
        )?;
        counter(
            &mut e,
            "connections_refused_overall",
            "Connections closed at once: the server had too many open",
            c.refused_overall.load(Ordering::Relaxed),
        )?;
        counter(
            &mut e,
            "connections_header_timeouts",
            "Connections closed because a request head did not arrive in time",
            c.header_timeouts.load(Ordering::Relaxed),
        )?;
        counter(
            &mut e,
            "tls_handshakes_failed",
            "TLS handshakes that failed (old versions only, no shared cipher, not TLS)",
            c.tls_failed.load(Ordering::Relaxed),
        )?;
        counter(
            &mut e,
            "requests_rate_limited",
            "Requests refused (429) because their address was past its rate",
            c.rate_limited.load(Ordering::Relaxed),
        )?;
        if let Some(p) = &self.progress {
            let head = p.head();
            gauge(&mut e, "event_log_head", "The last event in the log", head)?;
            gauge(
                &mut e,
                "search_lag_events",
                "Events the search index has yet to take in",
                (head - p.indexed()).max(0),
            )?;
            gauge(
                &mut e,
                "purge_lag_events",
                "Events whose cache purge is yet to be applied",
                (head - p.purged()).max(0),
            )?;
            counter(
                &mut e,
                "scheduler_runs",
                "Scheduler passes",
                p.scheduler_runs.load(Ordering::Relaxed),
            )?;
            counter(
                &mut e,
                "scheduler_failures",
                "Scheduler passes that failed",
                p.scheduler_failures.load(Ordering::Relaxed),
            )?;
            counter(
                &mut e,
                "file_texts_read",
                "Attached files whose text this node read for search",
                p.files_read.load(Ordering::Relaxed),
            )?;
            gauge(
                &mut e,
                "scheduler_ok",
                "Whether the last scheduler pass succeeded",
                i64::from(p.scheduler_ok.load(Ordering::Relaxed)),
            )?;
            if let Some(d) = p.delivered() {
                gauge(
                    &mut e,
                    "webhook_lag_events",
                    "Events the webhook endpoint furthest behind has yet to be sent or skip",
                    (head - d).max(0),
                )?;
            }
            gauge(
                &mut e,
                "leader",
                "Whether this node leads: runs the scheduler and sends webhooks",
                i64::from(p.scheduler_leads.load(Ordering::Relaxed)),
            )?;
            gauge(
                &mut e,
                "backup_last_success_timestamp_seconds",
                "When this node last wrote a scheduled backup (unix time; 0: never)",
                p.backup_last_success.load(Ordering::Relaxed),
            )?;
            gauge(
                &mut e,
                "backup_last_bytes",
                "The size of the last scheduled backup",
                p.backup_last_bytes.load(Ordering::Relaxed),
            )?;
            counter(
                &mut e,
                "backup_failures",
                "Scheduled backups that failed",
                p.backup_failures.load(Ordering::Relaxed),
            )?;
        }
        Ok(())
    }
}

/// A method's label: the common ones borrowed, any other copied.
fn method_label(v: &str) -> Cow<'static, str> {
    const FIXED: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];
    match FIXED.iter().find(|f| **f == v) {
        Some(f) => Cow::Borrowed(f),
        None => Cow::Owned(v.to_owned()),
    }
}
