//! `portico serve`: the admin and delivery APIs, the pages and the background followers.

use crate::cli::ServeArgs;
use crate::store::{open, store_label};
use anyhow::{bail, Context, Result};
use std::sync::Arc;
use std::time::Instant;

pub fn run(args: ServeArgs) -> Result<()> {
    let started = Instant::now();
    // Settings that cannot work stop the start before anything is opened.
    let oidc = args.sso.config(args.public_url.as_deref())?;
    let mut engine = open(&args.data)?;
    if args.demo && engine.demo_half_built()? {
        // The demo is only ever built on an empty store, so what is there is the demo's.
        if args.data.store.is_some() {
            bail!(
                "the demo network in {} was left half-built (its creation was interrupted); drop and recreate that database, then start again",
                store_label(&args.data)
            );
        }
        println!("The demo network was left half-built (its creation was interrupted); building it anew.");
        drop(engine);
        crate::store::remove_sqlite(&args.data)?;
        engine = open(&args.data)?;
    }
    let engine = engine
        .with_password_sign_in(args.sso.password_sign_in)
        .with_provider_absence(args.sso.provider_absence());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        // Themes first: a broken template stops the start before anything listens.
        let mut themes_note = String::new();
        let themes_dir = args.themes.clone().or_else(|| {
            let d = args.data.data.join("themes");
            d.is_dir().then_some(d)
        });
        if let Some(dir) = &themes_dir {
            let loaded = portico_themes::Themes::load(dir)
                .with_context(|| format!("loading the themes in {}", dir.display()))?;
            themes_note = format!("  themes: {} (from {})", loaded.names().join(", "), dir.display());
        }
        let search = portico_search::SearchIndex::open(&args.data.index_path())?;
        let media = args.media.config(&args.data.data)?;
        let blobs = Arc::new(portico_storage::ObjectBlobs::open(
            &args.media.blobs(&args.data.data)?,
        )?);
        let empty = {
            let e = engine.clone();
            tokio::task::spawn_blocking(move || e.sites()).await??.is_empty()
        };
        if args.demo && empty {
            println!(
                "Creating the demo network in {} (once; a few seconds on SQLite, half a minute on PostgreSQL)...",
                store_label(&args.data)
            );
            let e = engine.clone();
            let demo_size = args.demo_size;
            let t = Instant::now();
            let library = DemoLibrary {
                engine: engine.clone(),
                blobs: blobs.clone(),
                max_pixels: media.max_pixels,
                runtime: tokio::runtime::Handle::current(),
            };
            let summary = tokio::task::spawn_blocking(move || {
                let size = match demo_size {
                    crate::cli::DemoSizeArg::Full => portico_demo::DemoSize::default(),
                    crate::cli::DemoSizeArg::Small => portico_demo::DemoSize::small(),
                };
                portico_demo::seed_with_media(&e, size, 2026, Some(&library))
            })
            .await??;
            println!(
                "  {} portals, {} channels, {} items ({} published) in {:.1} s",
                summary.sites, summary.channels, summary.items, summary.published,
                t.elapsed().as_secs_f64()
            );
        }
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let addr = listener.local_addr()?;
        println!("Portico is serving on http://{addr}  (ready in {} ms)", started.elapsed().as_millis());
        if !themes_note.is_empty() {
            println!("{themes_note}");
        }
        println!("  data: {}", args.data.data.display());
        println!("  store: {}", store_label(&args.data));
        println!("  media: {}", blobs.describe());
        if args.demo {
            println!("  demo users (password '{}'):", portico_demo::DEMO_PASSWORD);
            for (name, what) in portico_demo::DEMO_USERS {
                println!("    {name:<9} {what}");
            }
            println!("  try: curl -s http://{addr}/api/v1/auth/login -H 'content-type: application/json' -d '{{\"username\":\"author\",\"password\":\"demo\"}}'");
        } else {
            let e = engine.clone();
            if !tokio::task::spawn_blocking(move || e.has_users()).await?? {
                println!("  No users yet. Create the first network admin with:");
                println!("    portico user add --admin --data {} <username>", args.data.data.display());
            }
        }
        let config = portico_api::ApiConfig {
            max_body_bytes: args.max_body,
            public_url: args.public_url.clone(),
            themes_dir,
            media,
            cache: (args.cache_mb > 0).then(|| portico_api::cache::CacheConfig {
                max_bytes: args.cache_mb.saturating_mul(1024 * 1024),
                ..Default::default()
            }),
            edge_token: edge_token(args.edge_token.clone())?,
            metrics_token: match args.metrics_token.clone() {
                Some(t) if t.len() < 16 => bail!("the metrics token must be at least 16 characters"),
                t => t,
            },
            trusted_proxies: args.trusted_proxies.clone(),
            connections: args.connections.limits(),
            min_body_rate: args.min_body_rate,
            backups: match args.backup_every {
                Some(every) => Some(crate::backup::scheduled(
                    &args.data,
                    (*blobs).clone(),
                    every,
                    args.backup_dir.clone(),
                    args.backup_keep,
                    args.backup_bucket.as_deref().map(|b| {
                        (args.media.location.bucket(b), args.backup_prefix.clone())
                    }),
                )?),
                None => None,
            },
            oidc,
            mail: args.smtp_url.clone().map(|smtp_url| portico_api::mail::MailConfig {
                smtp_url,
                from: args.mail_from.clone(),
                interval: std::time::Duration::from_secs(2),
            }),
            submissions: portico_api::edge::rate::RateLimit {
                per_second: args.submissions_per_hour.max(0.01) / 3600.0,
                burst: args.submission_burst.max(1.0),
            },
            webhooks: portico_api::WebhookConfig {
                allow: args.webhook_allow.clone(),
                give_up_after: std::time::Duration::from_secs(
                    args.webhook_give_up_hours.saturating_mul(3600),
                ),
                ..Default::default()
            },
            ..Default::default()
        };
        portico_api::serve(
            listener,
            engine,
            Arc::new(search),
            blobs,
            config,
            shutdown_signal(),
        )
        .await?;
        println!("Portico stopped.");
        Ok(())
    })
}

/// The demo's photos and files go where an upload's would: cleaned like one, into the
/// node's object storage, and into the site's library.
struct DemoLibrary {
    engine: portico_engine::Engine,
    blobs: Arc<portico_storage::ObjectBlobs>,
    max_pixels: u64,
    runtime: tokio::runtime::Handle,
}

impl portico_demo::DemoMedia for DemoLibrary {
    fn add(
        &self,
        actor: &portico_engine::Actor,
        site: &str,
        filename: &str,
        title: &str,
        bytes: Vec<u8>,
    ) -> Result<String, portico_engine::EngineError> {
        Ok(self
            .store(actor, site, filename, title, bytes)?
            .id
            .to_string())
    }

    fn add_with_text(
        &self,
        actor: &portico_engine::Actor,
        site: &str,
        filename: &str,
        title: &str,
        bytes: Vec<u8>,
        text: &str,
    ) -> Result<String, portico_engine::EngineError> {
        let m = self.store(actor, site, filename, title, bytes)?;
        self.engine.keep_file_text(portico_engine::FileText {
            checksum: m.checksum.clone(),
            text: text.to_owned(),
            pages: 1,
            ocr_pages: 0,
            warnings: Vec::new(),
            read_at: chrono::Utc::now(),
        })?;
        Ok(m.id.to_string())
    }
}

impl DemoLibrary {
    fn store(
        &self,
        actor: &portico_engine::Actor,
        site: &str,
        filename: &str,
        title: &str,
        bytes: Vec<u8>,
    ) -> Result<portico_engine::Media, portico_engine::EngineError> {
        use portico_engine::{Blobs, EngineError};
        let p = portico_media::prepare(bytes, filename, self.max_pixels)
            .map_err(|e| EngineError::internal(format!("demo file {filename}: {e}")))?;
        let key = portico_engine::original_key(&p.checksum, p.media_type);
        let size = u64::try_from(p.bytes.len()).unwrap_or(u64::MAX);
        // Called from the blocking pool, where waiting on the runtime is allowed.
        self.runtime
            .block_on(self.blobs.put(&key, p.bytes))
            .map_err(|e| EngineError::internal(format!("storing demo file {filename}: {e}")))?;
        let file = portico_engine::MediaFile {
            media_type: p.media_type,
            size,
            checksum: p.checksum,
            width: p.width,
            height: p.height,
        };
        self.engine
            .add_media(actor, site, filename, Some(title), file)
    }
}

pub fn edge_token(t: Option<String>) -> Result<Option<String>> {
    match t {
        Some(t) if t.len() < 16 => bail!("the edge token must be at least 16 characters"),
        t => Ok(t),
    }
}

pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
