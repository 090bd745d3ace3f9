//! `portico edge`: the caching reverse proxy in front of the nodes.

use crate::cli::EdgeArgs;
use crate::serve::{edge_token, shutdown_signal};
use anyhow::{Context, Result};

/// Reads the certificates again on each SIGHUP (a renewal); connections already open keep
/// theirs, new handshakes get the new ones. A set that cannot be read is refused and the old
/// one kept.
fn reload_on_hangup(certs: std::sync::Arc<portico_api::tls::Certificates>) -> Result<()> {
    let mut hangups = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            let c = certs.clone();
            match tokio::task::spawn_blocking(move || c.reload()).await {
                Ok(Ok(n)) => println!(
                    "TLS certificates read again ({n} domain certificates besides the default)."
                ),
                Ok(Err(e)) => {
                    eprintln!("TLS certificates NOT reloaded, the previous ones stay: {e}")
                }
                Err(e) => eprintln!("TLS certificates NOT reloaded: {e}"),
            }
        }
    });
    Ok(())
}

pub fn run(args: EdgeArgs) -> Result<()> {
    let origins = args
        .origins
        .iter()
        .map(|o| {
            url::Url::parse(o)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
                .with_context(|| format!("--origin {o} is not an http:// or https:// URL"))
        })
        .collect::<Result<Vec<_>>>()?;
    let config = portico_api::edge::EdgeConfig {
        origins,
        token: edge_token(args.token)?,
        cache: portico_api::cache::CacheConfig {
            max_bytes: args.cache_mb.max(1).saturating_mul(1024 * 1024),
            ..Default::default()
        },
        connections: args.connections.limits(),
        rate_limit: match args.rate_limit {
            None => None,
            Some(r) if r.is_finite() && r > 0.0 => Some(portico_api::edge::rate::RateLimit {
                per_second: r,
                burst: args.rate_limit_burst.unwrap_or(r * 4.0).max(1.0),
            }),
            Some(r) => anyhow::bail!("--rate-limit {r}: give requests per second above 0"),
        },
        trusted_proxies: args.trusted_proxies.clone(),
        https_redirect: match (args.https_redirect, args.tls_listen) {
            (false, _) => None,
            (true, Some(a)) => Some(a.port()),
            (true, None) => anyhow::bail!("--https-redirect needs --tls-listen"),
        },
        hsts_max_age: args.hsts_max_age,
        ..Default::default()
    };
    // Certificates first: one that cannot be used stops the start with its file's name.
    let certificates = match (&args.tls_listen, &args.tls_cert, &args.tls_key) {
        (None, None, None) if args.tls_dir.is_none() => None,
        (Some(_), Some(cert), Some(key)) => Some(
            portico_api::tls::Certificates::load(portico_api::tls::TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
                dir: args.tls_dir.clone(),
            })
            .context("reading the TLS certificates")?,
        ),
        _ => anyhow::bail!("TLS needs --tls-listen, --tls-cert and --tls-key together"),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        println!(
            "Portico edge is serving on http://{}  (origins: {})",
            listener.local_addr()?,
            args.origins.join(", ")
        );
        if config.token.is_none() {
            println!("  no --token: purges arrive only as cached answers expire (max-age)");
        }
        let tls = match (&certificates, args.tls_listen) {
            (Some(certs), Some(addr)) => {
                let l = tokio::net::TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("cannot listen on {addr}"))?;
                println!(
                    "  and on https://{} ({} domain certificates besides the default; SIGHUP reads them again)",
                    l.local_addr()?,
                    certs.domains()
                );
                reload_on_hangup(certs.clone())?;
                Some(portico_api::edge::TlsListener {
                    listener: l,
                    config: std::sync::Arc::new(certs.server_config()?),
                })
            }
            _ => None,
        };
        portico_api::edge::run_tls(listener, tls, config, shutdown_signal()).await?;
        println!("Portico edge stopped.");
        Ok(())
    })
}
