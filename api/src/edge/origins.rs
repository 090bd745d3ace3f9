//! The origins behind an edge: health, choice, fail-over, and the request itself.

use super::{EdgeConfig, EdgeError};
use crate::cache::FetchError;
use axum::body::Body;
use axum::http::{header, request, HeaderMap, HeaderName, Response};
use futures::TryStreamExt;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::watch;

/// One origin.
pub(super) struct Origin {
    pub(super) base: url::Url,
    up: AtomicBool,
    /// The last invalidation applied from this origin's stream; -1 before the first answer.
    pub(super) cursor: AtomicI64,
}

/// All of them, and the client that talks to them.
pub(super) struct Origins {
    list: Vec<Origin>,
    client: reqwest::Client,
    next: AtomicUsize,
}

/// Headers that describe one connection, not the message (RFC 9110, 7.6.1).
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

fn strip_hop_by_hop(h: &mut HeaderMap) {
    let named: Vec<HeaderName> = h
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|n| HeaderName::from_bytes(n.trim().as_bytes()).ok())
        .collect();
    for n in named {
        h.remove(n);
    }
    for n in HOP_BY_HOP {
        h.remove(n);
    }
}

impl Origins {
    pub(super) fn new(config: &EdgeConfig) -> Result<Origins, EdgeError> {
        // The origins are reached directly, whatever proxy the environment names.
        let client = reqwest::Client::builder()
            .no_proxy()
            .connect_timeout(Duration::from_secs(1))
            .read_timeout(config.origin_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(64)
            .build()?;
        Ok(Origins {
            list: config
                .origins
                .iter()
                .map(|u| Origin {
                    base: u.clone(),
                    up: AtomicBool::new(true),
                    cursor: AtomicI64::new(-1),
                })
                .collect(),
            client,
            next: AtomicUsize::new(0),
        })
    }

    pub(super) fn len(&self) -> usize {
        self.list.len()
    }

    pub(super) fn get(&self, i: usize) -> Option<&Origin> {
        self.list.get(i)
    }

    pub(super) fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Origins in the order to try: the healthy ones round-robin, then the others (a health
    /// check may simply not have noticed the recovery yet).
    fn order(&self) -> Vec<usize> {
        let n = self.list.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let (mut up, mut down): (Vec<usize>, Vec<usize>) =
            (0..n).map(|k| (start + k) % n).partition(|&i| {
                self.list
                    .get(i)
                    .is_some_and(|o| o.up.load(Ordering::Relaxed))
            });
        up.append(&mut down);
        up
    }

    /// Sends a request to an origin; a body-less request (`retry`) goes to the next origin
    /// when one cannot be reached.
    pub(super) async fn send(
        &self,
        parts: request::Parts,
        body: Body,
        retry: bool,
    ) -> Result<Response<Body>, FetchError> {
        let mut body = Some(body);
        let mut last = String::from("no origin");
        for i in self.order() {
            let Some(o) = self.list.get(i) else {
                continue;
            };
            let Some(b) = (if retry {
                Some(Body::empty())
            } else {
                body.take()
            }) else {
                break;
            };
            match self.send_to(o, &parts, b).await {
                Ok(r) => {
                    o.up.store(true, Ordering::Relaxed);
                    return Ok(r);
                }
                Err(e) => {
                    tracing::warn!(origin = %o.base, error = %e, "origin failed; trying the next");
                    o.up.store(false, Ordering::Relaxed);
                    last = e.to_string();
                    if !retry {
                        break;
                    }
                }
            }
        }
        Err(FetchError(last))
    }

    async fn send_to(
        &self,
        o: &Origin,
        parts: &request::Parts,
        body: Body,
    ) -> Result<Response<Body>, reqwest::Error> {
        let mut url = o.base.clone();
        url.set_path(parts.uri.path());
        url.set_query(parts.uri.query());
        let mut headers = parts.headers.clone();
        strip_hop_by_hop(&mut headers);
        let resp = self
            .client
            .request(parts.method.clone(), url)
            .headers(headers)
            .body(reqwest::Body::wrap_stream(body.into_data_stream()))
            .send()
            .await?;
        let mut out = Response::builder().status(resp.status());
        if let Some(h) = out.headers_mut() {
            *h = resp.headers().clone();
            strip_hop_by_hop(h);
        }
        let stream = resp.bytes_stream().map_err(std::io::Error::other);
        Ok(out
            .body(Body::from_stream(stream))
            .unwrap_or_else(|_| Response::new(Body::empty())))
    }

    /// Asks each origin's `/healthz` every `every` until `stop`.
    pub(super) async fn check_health(
        self: std::sync::Arc<Self>,
        every: Duration,
        mut stop: watch::Receiver<bool>,
    ) {
        loop {
            for o in &self.list {
                let mut url = o.base.clone();
                url.set_path("/healthz");
                let ok = self
                    .client
                    .get(url)
                    .timeout(Duration::from_secs(1))
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                if o.up.swap(ok, Ordering::Relaxed) != ok {
                    tracing::warn!(origin = %o.base, up = ok, "origin health changed");
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = stop.changed() => return,
            }
        }
    }

    pub(super) fn status(&self) -> Vec<serde_json::Value> {
        self.list
            .iter()
            .map(|o| {
                serde_json::json!({
                    "url": o.base.as_str(),
                    "up": o.up.load(Ordering::Relaxed),
                    "invalidations_seen": o.cursor.load(Ordering::Relaxed),
                })
            })
            .collect()
    }
}
