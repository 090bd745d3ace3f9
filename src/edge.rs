//! `portico edge`: the caching reverse proxy in front of the nodes.

use crate::cli::EdgeArgs;
use crate::serve::{edge_token, shutdown_signal};
use anyhow::{Context, Result};

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
        ..Default::default()
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
        portico_api::edge::run(listener, config, shutdown_signal()).await?;
        println!("Portico edge stopped.");
        Ok(())
    })
}
