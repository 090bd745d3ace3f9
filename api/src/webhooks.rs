//! Delivers changes to registered webhook endpoints.
//!
//! One task per endpoint, so a slow or dead endpoint delays only itself, and publishing never
//! waits for any of them: the tasks read the event log after the fact. A task sends one change
//! at a time, in log order, and retries it with exponential backoff until the endpoint answers
//! 2xx; only then does the endpoint's cursor (in the store) move past it. So every change
//! arrives at least once and the changes of one item in order, also across restarts.
//!
//! Each request carries `X-Portico-Timestamp` (Unix seconds) and `X-Portico-Signature:
//! sha256=<hex>`, the HMAC-SHA256 of `"{timestamp}.{body}"` under the endpoint's secret.

use crate::follow::Loop;
use crate::progress::Progress;
use hmac::{Hmac, Mac};
use portico_engine::{Change, DeliveryAttempt, Engine, Webhook, WebhookId};
use serde::Serialize;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How deliveries are paced.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// How long an endpoint has to answer one delivery.
    pub timeout: Duration,
    /// The wait after the first failure; doubled after each further one.
    pub retry_base: Duration,
    /// The longest wait between two attempts.
    pub retry_max: Duration,
    /// How often idle endpoints look for new changes, and the list of endpoints is reread.
    pub interval: Duration,
    /// Networks that may receive webhooks although they are not public
    /// (`--webhook-allow`); see `portico_engine::refused_address`.
    pub allow: Vec<ipnet::IpNet>,
    /// How long an endpoint may keep failing before its deliveries stop until a site admin
    /// resumes it.
    pub give_up_after: Duration,
}

impl WebhookConfig {
    /// The engine's rules for endpoints: these settings, with the system's resolver.
    pub fn targets(&self) -> portico_engine::WebhookTargets {
        portico_engine::WebhookTargets {
            resolver: Some(Arc::new(SystemResolver)),
            allow: self.allow.clone(),
            give_up_after: self.give_up_after,
        }
    }
}

/// The system's resolver, for checking an endpoint when it is registered (the engine calls
/// it on a blocking thread).
struct SystemResolver;

impl portico_engine::Resolver for SystemResolver {
    fn resolve(&self, host: &str, port: u16) -> Result<Vec<IpAddr>, String> {
        use std::net::ToSocketAddrs;
        (host, port)
            .to_socket_addrs()
            .map(|a| a.map(|s| s.ip()).collect())
            .map_err(|e| e.to_string())
    }
}

/// The sender's resolver: what a name resolves to at delivery, less the addresses webhooks
/// may not reach. A name that resolves only to refused addresses is not sent to at all, so a
/// name re-pointed at an internal address after registration gains nothing.
struct GuardedResolver {
    allow: Arc<Vec<ipnet::IpNet>>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow = self.allow.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let (ok, refused): (Vec<SocketAddr>, Vec<SocketAddr>) = found
                .into_iter()
                .partition(|a| portico_engine::refused_address(a.ip(), &allow).is_none());
            if ok.is_empty() {
                let why = refused
                    .first()
                    .and_then(|a| portico_engine::refused_address(a.ip(), &allow))
                    .unwrap_or("no address");
                return Err(format!(
                    "{host} resolves to {why}; webhooks go to public addresses only"
                )
                .into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(ok.into_iter());
            Ok(addrs)
        })
    }
}

/// Why a delivery to `url` must not be attempted: a literal address webhooks may not reach
/// (names are checked by [`GuardedResolver`]).
fn refused_literal(url: &str, allow: &[ipnet::IpNet]) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let ip = match parsed.host()? {
        url::Host::Ipv4(ip) => IpAddr::V4(ip),
        url::Host::Ipv6(ip) => IpAddr::V6(ip),
        url::Host::Domain(_) => return None,
    };
    portico_engine::refused_address(ip, allow)
        .map(|why| format!("refused: {ip} is {why}; webhooks go to public addresses only"))
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            timeout: Duration::from_secs(10),
            retry_base: Duration::from_secs(1),
            retry_max: Duration::from_secs(600),
            interval: Duration::from_millis(500),
            allow: Vec::new(),
            give_up_after: Duration::from_secs(3 * 24 * 3600),
        }
    }
}

/// The body of every delivery.
#[derive(Serialize)]
struct Payload<'a> {
    /// Unique per endpoint and change; the same on every retry, so receivers can drop
    /// duplicates.
    delivery: String,
    webhook: WebhookId,
    change: &'a Change,
}

/// Signs `body` sent at `timestamp` with `secret`: `sha256=` and the HMAC in hex.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = match Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let mut out = String::with_capacity(7 + bytes.len() * 2);
    out.push_str("sha256=");
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Runs the delivery tasks until `stop` turns true.
pub(crate) async fn run(
    engine: Engine,
    progress: Arc<Progress>,
    config: WebhookConfig,
    stop: watch::Receiver<bool>,
) {
    // No proxy from the environment (`HTTPS_PROXY`...): a proxy would resolve the target
    // itself, past the resolver that refuses internal addresses.
    let client = match reqwest::Client::builder()
        .no_proxy()
        .timeout(config.timeout)
        .connect_timeout(config.timeout.min(Duration::from_secs(5)))
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(Arc::new(GuardedResolver {
            allow: Arc::new(config.allow.clone()),
        }))
        .user_agent(concat!("Portico-Webhook/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(c) => c,
        Err(err) => {
            tracing::error!(error = %err, "webhook client could not be built; no deliveries");
            return;
        }
    };
    let mut tasks: HashMap<WebhookId, JoinHandle<()>> = HashMap::new();
    let mut task = Loop::new("webhook sender", stop.clone());
    loop {
        let e = engine.clone();
        // Only the leading node sends: a follower has no endpoints to serve.
        let listed = task.blocking(move || {
            if e.lead()? {
                e.all_webhooks()
            } else {
                Ok(Vec::new())
            }
        });
        if let Some(hooks) = listed.await {
            // The endpoint furthest behind is the sender's lag.
            progress.set_delivered(hooks.iter().map(|h| h.cursor).min());
            // Removed endpoints stop at once; new ones start.
            tasks.retain(|id, task| {
                let keep = hooks.iter().any(|h| h.id == *id) && !task.is_finished();
                if !keep {
                    task.abort();
                }
                keep
            });
            for hook in hooks {
                tasks.entry(hook.id).or_insert_with(|| {
                    tokio::spawn(deliver_all(
                        engine.clone(),
                        client.clone(),
                        hook.id,
                        config.clone(),
                        stop.clone(),
                    ))
                });
            }
        }
        if !task.sleep(config.interval).await {
            break;
        }
    }
    for (_, task) in tasks {
        task.abort();
    }
}

/// Delivers everything waiting for one endpoint, forever, until it is removed.
async fn deliver_all(
    engine: Engine,
    client: reqwest::Client,
    id: WebhookId,
    config: WebhookConfig,
    stop: watch::Receiver<bool>,
) {
    let mut task = Loop::new("webhook delivery", stop);
    let mut failures: u32 = 0;
    let mut suspended = false;
    loop {
        let e = engine.clone();
        let pending = match task.blocking(move || e.webhook_pending(id, 100)).await {
            Some(None) => return,
            Some(Some(p)) => Some(p),
            None => None,
        };
        let mut idle = true;
        // An endpoint failing for longer than the operator allows rests until resumed.
        let pending = match pending {
            Some((hook, _)) if hook.suspended => {
                if !suspended {
                    tracing::warn!(webhook = %id, site = %hook.site, since = ?hook.failing_since, "webhook suspended: it kept failing; a site admin can resume it");
                    suspended = true;
                }
                None
            }
            other => {
                suspended = false;
                other
            }
        };
        if let Some((hook, page)) = pending {
            let mut all_sent = true;
            for change in &page.changes {
                idle = false;
                let attempt = deliver(&client, &engine, &hook, change, &config.allow).await;
                let ok = attempt.succeeded();
                if !ok {
                    tracing::warn!(webhook = %id, seq = change.seq, error = ?attempt.error, "webhook delivery failed");
                }
                let e = engine.clone();
                // Not recorded: sending again later is the at-least-once promise.
                task.blocking(move || e.record_delivery(&attempt)).await;
                if ok {
                    failures = 0;
                    continue;
                }
                // Wait, then read the endpoint again (it may have been suspended or removed)
                // and retry from the change that failed.
                failures = failures.saturating_add(1);
                all_sent = false;
                if !task.sleep(backoff(&config, failures)).await {
                    return;
                }
                break;
            }
            if all_sent && page.next > hook.cursor {
                let e = engine.clone();
                let next = page.next;
                task.blocking(move || e.advance_webhook(id, next)).await;
            }
            idle = idle && !page.more;
        }
        if idle && !task.sleep(config.interval).await {
            return;
        }
    }
}

fn backoff(config: &WebhookConfig, failures: u32) -> Duration {
    let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(20));
    config
        .retry_base
        .saturating_mul(factor)
        .min(config.retry_max)
}

/// One attempt: POST the signed change, and say how it went.
async fn deliver(
    client: &reqwest::Client,
    engine: &Engine,
    hook: &Webhook,
    change: &Change,
    allow: &[ipnet::IpNet],
) -> DeliveryAttempt {
    let at = engine.now();
    let started = Instant::now();
    let delivery = format!("{}-{}", hook.id, change.seq);
    let body = serde_json::to_vec(&Payload {
        delivery: delivery.clone(),
        webhook: hook.id,
        change,
    });
    let refused = refused_literal(&hook.url, allow);
    let (status, error) = match body {
        Err(err) => (None, Some(format!("could not encode the change: {err}"))),
        Ok(_) if refused.is_some() => (None, refused),
        Ok(body) => {
            let timestamp = at.timestamp();
            let sent = client
                .post(&hook.url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header("X-Portico-Event", change.kind)
                .header("X-Portico-Delivery", &delivery)
                .header("X-Portico-Timestamp", timestamp.to_string())
                .header(
                    "X-Portico-Signature",
                    signature(&hook.secret, timestamp, &body),
                )
                .body(body)
                .send()
                .await;
            match sent {
                Ok(resp) if resp.status().is_success() => (Some(resp.status().as_u16()), None),
                Ok(resp) => (
                    Some(resp.status().as_u16()),
                    Some(format!("the endpoint answered HTTP {}", resp.status())),
                ),
                Err(err) => (None, Some(describe(&err))),
            }
        }
    };
    DeliveryAttempt {
        webhook_id: hook.id,
        seq: change.seq,
        item_id: change.id,
        change: change.kind.to_owned(),
        at,
        status,
        error,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    }
}

/// A transport error in words an admin can act on, with its underlying cause.
fn describe(err: &reqwest::Error) -> String {
    let what = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut cause = String::new();
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    let msg = if cause.is_empty() {
        what.to_owned()
    } else {
        format!("{what}: {cause}")
    };
    msg.chars().take(500).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_of_timestamp_dot_body() {
        // Reference value from `printf '1700000000.{}' | openssl dgst -sha256 -hmac secret`.
        let sig = signature("secret", 1_700_000_000, b"{}");
        assert_eq!(
            sig,
            "sha256=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163"
        );
        assert_ne!(sig, signature("secret", 1_700_000_001, b"{}"));
        assert_ne!(sig, signature("other", 1_700_000_000, b"{}"));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let c = WebhookConfig {
            retry_base: Duration::from_secs(1),
            retry_max: Duration::from_secs(60),
            ..Default::default()
        };
        let waits: Vec<u64> = (1..=8).map(|n| backoff(&c, n).as_secs()).collect();
        assert_eq!(waits, vec![1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(backoff(&c, u32::MAX), Duration::from_secs(60));
    }
}
