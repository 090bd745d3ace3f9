//! The `portico` command: runs the portal network and administers it.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use portico_engine::{Engine, NewUserInput, PasswordRule, SystemClock};
use portico_storage::{Durability, PgStore, SqliteStore};
use std::io::BufRead;

/// mimalloc: page rendering allocates and frees many short strings and JSON values from
/// many threads, where glibc's allocator spent a third of the CPU time (measured with perf).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

#[derive(Parser)]
#[command(
    name = "portico",
    version,
    about = "Headless CMS and content delivery for a network of government portals"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the admin and delivery APIs.
    Serve(Box<ServeArgs>),
    /// Manage user accounts from the machine the data lives on.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Rebuild the search index from the store (stop the server first).
    Reindex {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Check the store's consistency; exits non-zero when something is wrong.
    Check {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Run a caching reverse proxy in front of one or more `portico serve` nodes.
    Edge(EdgeArgs),
}

#[derive(clap::Args)]
struct EdgeArgs {
    /// Address to listen on.
    #[arg(long, env = "PORTICO_EDGE_LISTEN", default_value = "127.0.0.1:8000")]
    listen: SocketAddr,
    /// A `portico serve` node, e.g. `http://10.0.0.5:8080`. Repeat for fail-over.
    #[arg(
        long = "origin",
        env = "PORTICO_EDGE_ORIGINS",
        value_delimiter = ',',
        required = true
    )]
    origins: Vec<String>,
    /// The nodes' `--edge-token`: to follow their invalidations and to accept purges.
    #[arg(long, env = "PORTICO_EDGE_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Memory for cached responses, in megabytes.
    #[arg(long, env = "PORTICO_EDGE_CACHE_MB", default_value_t = 512)]
    cache_mb: u64,
}

#[derive(clap::Args)]
struct DataArgs {
    /// The data folder: the SQLite database (unless `--store` names PostgreSQL), the media
    /// files (unless they go to S3) and the search index.
    #[arg(long, env = "PORTICO_DATA", default_value = "./data")]
    data: PathBuf,
    /// The store: `postgres://user:password@host:port/database` for a PostgreSQL database
    /// that several nodes share (it is migrated on start); by default SQLite in the data
    /// folder.
    #[arg(long, env = "PORTICO_STORE", hide_env_values = true)]
    store: Option<String>,
    /// How hard commits try to survive failures: `normal` survives a crash of the process,
    /// `full` also a power cut (slower writes).
    #[arg(long, env = "PORTICO_DURABILITY", value_enum, default_value_t = DurabilityArg::Normal)]
    durability: DurabilityArg,
    /// The search index folder; by default `<data>/index`. Every node keeps its own, so nodes
    /// on one machine that share a data folder need one each.
    #[arg(long, env = "PORTICO_INDEX")]
    index: Option<PathBuf>,
}

impl DataArgs {
    fn index_path(&self) -> PathBuf {
        self.index
            .clone()
            .unwrap_or_else(|| self.data.join("index"))
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum DurabilityArg {
    Normal,
    Full,
}

#[derive(clap::Args)]
struct ServeArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Address to listen on.
    #[arg(long, env = "PORTICO_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// On an empty data folder, create the demo network: 92 portals, users `author`,
    /// `editor`, `approver` and `admin` (password `demo`) and a few thousand items.
    #[arg(long)]
    demo: bool,
    /// Where the public reaches the portals (e.g. `https://laocai.gov.vn`), for absolute URLs
    /// in feeds and sitemaps; without it the request's Host header is used.
    #[arg(long, env = "PORTICO_PUBLIC_URL")]
    public_url: Option<String>,
    /// Largest JSON request body in bytes.
    #[arg(long, env = "PORTICO_MAX_BODY", default_value_t = 4 * 1024 * 1024)]
    max_body: usize,
    /// A folder of themes (`<theme>/templates`, `<theme>/static`) and per-site templates
    /// (`sites/<site>/`); by default `<data>/themes` when it exists.
    #[arg(long, env = "PORTICO_THEMES")]
    themes: Option<PathBuf>,
    /// Memory for the response cache in front of the public pages and API, in megabytes;
    /// 0 turns the cache off.
    #[arg(long, env = "PORTICO_CACHE_MB", default_value_t = 256)]
    cache_mb: u64,
    /// A secret that `portico edge` presents to follow this node's invalidations; without
    /// it, `/_portico/invalidations` is off. Every node and edge shares it.
    #[arg(long, env = "PORTICO_EDGE_TOKEN", hide_env_values = true)]
    edge_token: Option<String>,
    /// The address of a `portico edge` (or other proxy) in front of this node: its
    /// `X-Forwarded-For` names the client, for per-client login limits. Repeatable.
    #[arg(
        long = "trusted-proxy",
        env = "PORTICO_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<std::net::IpAddr>,
    #[command(flatten)]
    media: MediaArgs,
}

/// Where uploads live and how they are served.
#[derive(clap::Args)]
struct MediaArgs {
    /// The folder of uploaded files when no S3 bucket is given; by default `<data>/media`.
    #[arg(long, env = "PORTICO_MEDIA_DIR")]
    media_dir: Option<PathBuf>,
    /// Keep uploads in this S3 bucket (shared by every node) instead of a folder.
    #[arg(long, env = "PORTICO_S3_BUCKET")]
    s3_bucket: Option<String>,
    /// The S3-compatible service, e.g. `https://s3.laocai.gov.vn` or `http://127.0.0.1:9000`;
    /// AWS when absent.
    #[arg(long, env = "PORTICO_S3_ENDPOINT")]
    s3_endpoint: Option<String>,
    #[arg(long, env = "PORTICO_S3_REGION", default_value = "us-east-1")]
    s3_region: String,
    #[arg(long, env = "PORTICO_S3_ACCESS_KEY", default_value = "")]
    s3_access_key: String,
    #[arg(
        long,
        env = "PORTICO_S3_SECRET_KEY",
        default_value = "",
        hide_env_values = true
    )]
    s3_secret_key: String,
    /// Address buckets as `host/bucket` (most self-hosted services) rather than `bucket.host`.
    #[arg(long, env = "PORTICO_S3_PATH_STYLE", default_value_t = true, action = clap::ArgAction::Set)]
    s3_path_style: bool,
    /// Largest upload in megabytes.
    #[arg(long, env = "PORTICO_MAX_UPLOAD_MB", default_value_t = 50)]
    max_upload_mb: u64,
    /// Largest image in megapixels; bigger ones are refused before decoding.
    #[arg(long, env = "PORTICO_MAX_MEGAPIXELS", default_value_t = 50)]
    max_megapixels: u64,
    /// A resize preset `name=WxH:fit[:fmt[:quality]]` (e.g. `card=480x320:cover`); adds to or
    /// replaces the defaults thumb, card, content, hero and og. Repeatable.
    #[arg(
        long = "media-preset",
        env = "PORTICO_MEDIA_PRESETS",
        value_delimiter = ','
    )]
    presets: Vec<String>,
    /// The key that signs explicit size parameters; every node must share it. By default a
    /// random key kept in `<data>/media.key`.
    #[arg(long, env = "PORTICO_MEDIA_KEY", hide_env_values = true)]
    media_key: Option<String>,
}

impl MediaArgs {
    fn blobs(&self, data: &Path) -> Result<portico_storage::BlobConfig> {
        Ok(match &self.s3_bucket {
            Some(bucket) => portico_storage::BlobConfig::S3(portico_storage::S3Config {
                endpoint: self.s3_endpoint.clone(),
                bucket: bucket.clone(),
                region: self.s3_region.clone(),
                access_key: self.s3_access_key.clone(),
                secret_key: self.s3_secret_key.clone(),
                path_style: self.s3_path_style,
            }),
            None => portico_storage::BlobConfig::Local(
                self.media_dir.clone().unwrap_or_else(|| data.join("media")),
            ),
        })
    }

    fn config(&self, data: &Path) -> Result<portico_api::media::MediaConfig> {
        let mut c = portico_api::media::MediaConfig {
            max_upload_bytes: self.max_upload_mb.saturating_mul(1024 * 1024),
            max_pixels: self.max_megapixels.saturating_mul(1_000_000),
            signing_key: match &self.media_key {
                Some(k) if k.len() >= 16 => k.as_bytes().to_vec(),
                Some(_) => bail!("--media-key must be at least 16 characters"),
                None => stored_key(&data.join("media.key"))?,
            },
            ..Default::default()
        };
        for p in &self.presets {
            let (name, v) = portico_api::media::parse_preset(p).map_err(anyhow::Error::msg)?;
            c.presets.insert(name, v);
        }
        Ok(c)
    }
}

/// The signing key kept beside the data, made on first start, so that signed URLs in
/// published pages keep working across restarts.
fn stored_key(path: &Path) -> Result<Vec<u8>> {
    match std::fs::read(path) {
        Ok(k) if k.len() >= 32 => return Ok(k),
        Ok(_) => bail!(
            "{} is too short to be a signing key; delete it to make a new one",
            path.display()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    }
    let key = portico_api::media::random_key();
    std::fs::write(path, &key).with_context(|| format!("writing {}", path.display()))?;
    Ok(key)
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user. The password is asked for, or read from standard input with
    /// `--password-stdin`.
    Add {
        username: String,
        /// Make the user a network admin (all rights on every portal).
        #[arg(long)]
        admin: bool,
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Grant a role on a site: author, editor, approver or site_admin.
    Grant {
        username: String,
        #[arg(long)]
        site: String,
        #[arg(long)]
        role: String,
        #[command(flatten)]
        data: DataArgs,
    },
}

/// Opens the store and the engine on it. Not on an async thread: the PostgreSQL client
/// runs a small runtime of its own.
fn open(data: &DataArgs) -> Result<Engine> {
    std::fs::create_dir_all(&data.data)
        .with_context(|| format!("cannot create the data folder {}", data.data.display()))?;
    let store: Arc<dyn portico_engine::Store> = match &data.store {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Arc::new(PgStore::connect(url)?)
        }
        Some(other) => bail!(
            "--store {}: only PostgreSQL URLs (postgres://user:password@host:port/database) \
             are known; leave it out for SQLite in the data folder",
            other.split('@').next_back().unwrap_or_default()
        ),
        None => {
            let durability = match data.durability {
                DurabilityArg::Normal => Durability::Normal,
                DurabilityArg::Full => Durability::Full,
            };
            Arc::new(SqliteStore::open(&db_path(&data.data), durability)?)
        }
    };
    Ok(Engine::new(store, Arc::new(SystemClock))
        .with_renderer(Arc::new(portico_themes::MarkdownRenderer)))
}

/// Where the store is, for messages (never the password).
fn store_label(data: &DataArgs) -> String {
    match &data.store {
        Some(url) => format!(
            "PostgreSQL at {}",
            url.split('@').next_back().unwrap_or_default()
        ),
        None => format!("SQLite in {}", db_path(&data.data).display()),
    }
}

/// `check` and `reindex` read an existing store: refuse an empty data folder rather than
/// create a database in it.
fn existing(data: &DataArgs) -> Result<()> {
    if data.store.is_none() && !db_path(&data.data).exists() {
        bail!("no Portico database in {}", data.data.display());
    }
    Ok(())
}

fn db_path(data: &Path) -> PathBuf {
    data.join("portico.db")
}

fn main() -> Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PORTICO_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=warn"));
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("PORTICO_LOG_FORMAT").is_ok_and(|f| f == "json") {
        fmt.json().init();
    } else {
        fmt.init();
    }
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve(*args),
        Command::User { command } => user(command),
        Command::Check { data } => check(&data),
        Command::Reindex { data } => reindex(&data),
        Command::Edge(args) => edge(args),
    }
}

fn serve(args: ServeArgs) -> Result<()> {
    let started = Instant::now();
    let engine = open(&args.data)?;
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
        let blobs = portico_storage::ObjectBlobs::open(&args.media.blobs(&args.data.data)?)?;
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
            let t = Instant::now();
            let summary = tokio::task::spawn_blocking(move || {
                portico_demo::seed(&e, portico_demo::DemoSize::default(), 2026)
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
            trusted_proxies: args.trusted_proxies.clone(),
            ..Default::default()
        };
        portico_api::serve(
            listener,
            engine,
            Arc::new(search),
            Arc::new(blobs),
            config,
            shutdown_signal(),
        )
        .await?;
        println!("Portico stopped.");
        Ok(())
    })
}

fn edge_token(t: Option<String>) -> Result<Option<String>> {
    match t {
        Some(t) if t.len() < 16 => bail!("the edge token must be at least 16 characters"),
        t => Ok(t),
    }
}

fn edge(args: EdgeArgs) -> Result<()> {
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

async fn shutdown_signal() {
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

fn user(command: UserCommand) -> Result<()> {
    match command {
        UserCommand::Add {
            username,
            admin,
            display_name,
            password_stdin,
            data,
        } => {
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                line.trim_end_matches(['\r', '\n']).to_owned()
            } else {
                let p = rpassword::prompt_password(format!("Password for {username}: "))?;
                let again = rpassword::prompt_password("Again: ")?;
                if p != again {
                    bail!("the two passwords differ");
                }
                p
            };
            let engine = open(&data)?;
            let user = engine
                .create_user_as_operator(
                    NewUserInput {
                        username,
                        password,
                        display_name,
                        network_admin: admin,
                    },
                    PasswordRule::Strong,
                )
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "created user '{}'{}",
                user.username,
                if user.network_admin {
                    " (network admin)"
                } else {
                    ""
                }
            );
            Ok(())
        }
        UserCommand::Grant {
            username,
            site,
            role,
            data,
        } => {
            let engine = open(&data)?;
            engine
                .set_role(None, &site, &username, &role, true)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("'{username}' is {role} on '{site}'");
            Ok(())
        }
    }
}

fn check(data: &DataArgs) -> Result<()> {
    existing(data)?;
    let engine = open(data)?;
    let problems = engine.check().map_err(|e| anyhow::anyhow!("{e}"))?;
    if problems.is_empty() {
        println!("the store is consistent");
        Ok(())
    } else {
        for p in &problems {
            println!("{p}");
        }
        bail!("{} problems found", problems.len())
    }
}

fn reindex(data: &DataArgs) -> Result<()> {
    existing(data)?;
    let engine = open(data)?;
    let index = portico_search::SearchIndex::open(&data.index_path())?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} items ({per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let n = portico_search::follower::rebuild(&engine, &index, |done, total| {
        bar.set_length(total);
        bar.set_position(done as u64);
    })?;
    bar.finish_and_clear();
    println!(
        "indexed {n} published items in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
