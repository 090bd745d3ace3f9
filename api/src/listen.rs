//! Accepting connections for `serve` and `edge`, so that no client can hold the server: a
//! request head must arrive within a time limit (which also closes keep-alive connections
//! that sit idle), open connections are capped overall and per client address, and a reserve
//! of the overall cap is kept for the machine itself and trusted proxies, so health checks
//! and the operator still get in while strangers fill the rest. Slow bodies are the body
//! limit's business (`body_limit`).

use axum::extract::ConnectInfo;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower::ServiceExt;

/// How connections are limited.
#[derive(Debug, Clone)]
pub struct ConnLimits {
    /// A request head (or, on a kept-alive connection, the next one) must arrive within this.
    pub header_timeout: Duration,
    /// Open connections at most; also kept below three quarters of the process's file limit.
    pub max_connections: usize,
    /// Open connections from one client address at most (trusted proxies are exempt: many
    /// clients come through them).
    pub per_address: usize,
    /// Connections of the overall cap that only the machine itself (loopback) and trusted
    /// proxies may use.
    pub reserve: usize,
    /// The IPv6 prefix every per-address limit counts a client by (connections, sign-ins,
    /// citizens' submissions, the edge's rate): an IPv6 client holds a whole /64.
    pub ipv6_prefix: u8,
}

impl Default for ConnLimits {
    fn default() -> Self {
        ConnLimits {
            header_timeout: Duration::from_secs(15),
            max_connections: 10_000,
            per_address: 256,
            reserve: 64,
            ipv6_prefix: crate::client_addr::DEFAULT_IPV6_PREFIX,
        }
    }
}

/// Counters for `/metrics` and `/_edge/metrics`.
#[derive(Debug, Default)]
pub struct ConnStats {
    /// Connections open now.
    pub open: AtomicU64,
    /// Connections closed at once because their address had too many open.
    pub refused_per_address: AtomicU64,
    /// Connections closed at once because the server had too many open.
    pub refused_overall: AtomicU64,
    /// Connections closed because a request head did not arrive in time.
    pub header_timeouts: AtomicU64,
    /// Requests refused because their address was past its rate (the edge's `--rate-limit`).
    pub rate_limited: AtomicU64,
    /// TLS handshakes that failed (a client offering only old versions, no shared cipher,
    /// not TLS at all).
    pub tls_failed: AtomicU64,
}

/// The open connections, by address.
struct Open {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

/// Holds one connection's place; gives it back when the connection ends.
struct Slot {
    open: Arc<Mutex<Open>>,
    stats: Arc<ConnStats>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.total = open.total.saturating_sub(1);
        if let Some(n) = open.by_address.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.by_address.remove(&self.ip);
            }
        }
        self.stats.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The most connections the process can hold: three quarters of its file limit, so that
/// files, the database and outgoing connections keep room.
fn file_limit_cap() -> usize {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own; no other memory is touched.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == 0;
    if !ok {
        return usize::MAX;
    }
    usize::try_from(lim.rlim_cur / 4 * 3).unwrap_or(usize::MAX)
}

/// Whether a new connection from `ip` may be served, and its slot if so.
fn admit(
    open: &Arc<Mutex<Open>>,
    stats: &Arc<ConnStats>,
    limits: &ConnLimits,
    max: usize,
    ip: IpAddr,
    privileged: bool,
    trusted: bool,
) -> Option<Slot> {
    let mut o = open.lock().unwrap_or_else(|p| p.into_inner());
    let cap = if privileged {
        max
    } else {
        max.saturating_sub(limits.reserve)
    };
    if o.total >= cap {
        stats.refused_overall.fetch_add(1, Ordering::Relaxed);
        return None;
    }
    let mine = o.by_address.get(&ip).copied().unwrap_or(0);
    if !trusted && mine >= limits.per_address {
        stats.refused_per_address.fetch_add(1, Ordering::Relaxed);
        return None;
    }
    o.total += 1;
    *o.by_address.entry(ip).or_insert(0) += 1;
    stats.open.fetch_add(1, Ordering::Relaxed);
    Some(Slot {
        open: open.clone(),
        stats: stats.clone(),
        ip,
    })
}

/// Whether a request came over TLS: the edge adds HSTS to such answers and redirects the
/// others when asked to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverTls(pub bool);

/// Serves `app` on `listener` until `shutdown` completes; then stops accepting, lets each
/// connection finish its request in flight, and returns when all are closed.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: ConnLimits,
    trusted: Vec<IpAddr>,
    stats: Arc<ConnStats>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, app, limits, trusted, stats, None, shutdown).await
}

/// [`serve`] over TLS: each connection's handshake must finish within the header timeout;
/// then HTTP/2 or HTTP/1.1 as ALPN agreed.
pub async fn serve_tls(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: ConnLimits,
    trusted: Vec<IpAddr>,
    stats: Arc<ConnStats>,
    tls: Arc<rustls::ServerConfig>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    serve_with(
        listener,
        app,
        limits,
        trusted,
        stats,
        Some(acceptor),
        shutdown,
    )
    .await
}

/// Which HTTP a connection speaks.
#[derive(Clone, Copy)]
enum Speaks {
    /// Told by its first bytes (plain connections: HTTP/1.1 or h2c with prior knowledge).
    Either,
    Http1,
    Http2,
}

async fn serve_with(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: ConnLimits,
    trusted: Vec<IpAddr>,
    stats: Arc<ConnStats>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let max = limits.max_connections.min(file_limit_cap()).max(1);
    let open = Arc::new(Mutex::new(Open {
        total: 0,
        by_address: HashMap::new(),
    }));
    let (closing_tx, closing_rx) = tokio::sync::watch::channel(false);
    let (done_tx, done_rx) = tokio::sync::mpsc::channel::<()>(1);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // EMFILE and the like: wait for connections to close rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let ip = peer.ip();
        let is_trusted = trusted.contains(&ip);
        let privileged = is_trusted || ip.is_loopback();
        let counted = crate::client_addr::limit_key(ip, limits.ipv6_prefix);
        let Some(slot) = admit(&open, &stats, &limits, max, counted, privileged, is_trusted) else {
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let stats = stats.clone();
        let mut closing = closing_rx.clone();
        let done = done_tx.clone();
        let header_timeout = limits.header_timeout;
        let tls = tls.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let _done = done;
            let secure = OverTls(tls.is_some());
            let service = app.map_request(move |req: hyper::Request<hyper::body::Incoming>| {
                let mut req = req.map(axum::body::Body::new);
                req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
                req.extensions_mut().insert(secure);
                req
            });
            let Some(acceptor) = tls else {
                // HTTP/1.1, or HTTP/2 with prior knowledge (h2c), told by the first bytes.
                // They must come within the header timeout: the version is read before any
                // timer of hyper's runs, and a client that sends nothing (or half the HTTP/2
                // preface) would otherwise hold the connection for ever.
                match preface_in_time(&stream, header_timeout).await {
                    Preface::Ready => {}
                    Preface::Closed => return,
                    Preface::Slow => {
                        stats.header_timeouts.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                }
                let io = TokioIo::new(stream);
                drive(
                    io,
                    Speaks::Either,
                    service,
                    header_timeout,
                    &mut closing,
                    &stats,
                )
                .await;
                return;
            };
            // The handshake, like a request's head, must come within the header timeout.
            let stream = match tokio::time::timeout(header_timeout, acceptor.accept(stream)).await {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    stats.tls_failed.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(error = %e, "TLS handshake failed");
                    return;
                }
                Err(_) => {
                    stats.header_timeouts.fetch_add(1, Ordering::Relaxed);
                    return;
                }
            };
            // ALPN said which HTTP: no guessing from bytes that may never come.
            let speaks = match stream.get_ref().1.alpn_protocol() {
                Some(b"h2") => Speaks::Http2,
                _ => Speaks::Http1,
            };
            drive(
                TokioIo::new(stream),
                speaks,
                service,
                header_timeout,
                &mut closing,
                &stats,
            )
            .await;
        });
    }
    drop(listener);
    let _ = closing_tx.send(true);
    drop(done_tx);
    // Every connection task holds a sender; the channel closes when the last one ends.
    let mut done_rx = done_rx;
    let _ = done_rx.recv().await;
    Ok(())
}

/// Serves one connection until it ends, or until the server closes (then gracefully).
async fn drive<I, S>(
    io: I,
    speaks: Speaks,
    service: S,
    header_timeout: Duration,
    closing: &mut tokio::sync::watch::Receiver<bool>,
    stats: &ConnStats,
) where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    S: tower::Service<
            hyper::Request<hyper::body::Incoming>,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let mut builder =
        hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(100)
        .keep_alive_interval(Some(header_timeout))
        .keep_alive_timeout(header_timeout);
    let builder = match speaks {
        Speaks::Either => builder,
        Speaks::Http1 => builder.http1_only(),
        Speaks::Http2 => builder.http2_only(),
    };
    let conn = builder.serve_connection_with_upgrades(io, TowerToHyperService::new(service));
    let mut conn = std::pin::pin!(conn);
    let outcome = tokio::select! {
        r = conn.as_mut() => r,
        _ = async { closing.wait_for(|c| *c).await.map(|_| ()) } => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = outcome {
        if e.downcast_ref::<hyper::Error>()
            .is_some_and(|e| e.is_timeout())
        {
            stats.header_timeouts.fetch_add(1, Ordering::Relaxed);
        }
        tracing::trace!(error = %e, "connection ended");
    }
}

/// HTTP/2's connection preface, which a client with prior knowledge sends first.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// How a connection began.
enum Preface {
    /// Enough bytes to tell the protocol.
    Ready,
    /// Closed (or failed) before that.
    Closed,
    /// Not within the header timeout.
    Slow,
}

/// Whether the connection's first bytes arrive within `timeout`, enough of them to tell
/// HTTP/1.1 (anything that is not the start of the HTTP/2 preface) from HTTP/2 (the whole
/// preface). Peeked, not read: the connection's parser reads them again.
async fn preface_in_time(stream: &tokio::net::TcpStream, timeout: Duration) -> Preface {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut buf = [0u8; 24];
    loop {
        let n = match tokio::time::timeout_at(deadline, stream.peek(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Preface::Closed,
            Ok(Ok(n)) => n,
            Err(_) => return Preface::Slow,
        };
        let got = buf.get(..n).unwrap_or_default();
        if n >= H2_PREFACE.len() || !H2_PREFACE.starts_with(got) {
            return Preface::Ready;
        }
        // A part of the preface: wait for the rest (peek returns at once while data is
        // there, so give it a moment).
        tokio::time::sleep(Duration::from_millis(5)).await;
        if tokio::time::Instant::now() >= deadline {
            return Preface::Slow;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_per_address_overall_and_the_reserve() {
        let open = Arc::new(Mutex::new(Open {
            total: 0,
            by_address: HashMap::new(),
        }));
        let stats = Arc::new(ConnStats::default());
        let limits = ConnLimits {
            per_address: 2,
            reserve: 1,
            ..Default::default()
        };
        let a: IpAddr = "203.0.113.5".parse().unwrap();
        let b: IpAddr = "198.51.100.7".parse().unwrap();
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        let admit = |ip, privileged| admit(&open, &stats, &limits, 4, ip, privileged, false);
        let s1 = admit(a, false).unwrap();
        let _s2 = admit(a, false).unwrap();
        assert!(admit(a, false).is_none(), "per address");
        let _s3 = admit(b, false).unwrap();
        assert!(admit(b, false).is_none(), "the last place is the reserve's");
        let _s4 = admit(local, true).unwrap();
        assert!(admit(local, true).is_none(), "full");
        drop(s1);
        assert!(
            admit(a, false).is_none(),
            "the freed place is the reserve's again"
        );
        assert_eq!(stats.open.load(Ordering::Relaxed), 3);
        assert_eq!(stats.refused_per_address.load(Ordering::Relaxed), 1);
    }
}
