//! The command line: every command, flag and environment variable, as one typed tree that
//! `config` layers a TOML file under (file, then environment, then flags).

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(
    name = "portico",
    version,
    about = "Headless CMS and content delivery for a network of government portals"
)]
pub struct Cli {
    /// A TOML file of settings, keys named like the long flags (see `portico.example.toml`);
    /// the environment and the flags override it.
    #[arg(long, global = true, env = "PORTICO_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
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
    /// Take a backup (the server may run): the store as one snapshot and the media
    /// originals, in one `.tar` with a manifest of SHA-256 sums.
    Backup {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        media: BlobArgs,
        /// The file to write, e.g. `portico-2026-11-30.tar` (`.tar.gz` or `.tgz`: gzip).
        #[arg(long)]
        out: PathBuf,
    },
    /// Write everything (sites, channels, users with roles and password hashes, items with
    /// every revision, the workflow history, webhooks, media) to one `.tar` of JSON Lines per
    /// table, a JSON Schema for each and the media files, with a SHA-256 manifest: readable
    /// without Portico. Stop the server first for an exact copy (a live store moves while it
    /// is read; `backup` takes a snapshot).
    Export {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        media: BlobArgs,
        /// The file to write: `.tar`, or gzip-compressed with a `.tar.gz` or `.tgz` name.
        #[arg(long)]
        out: PathBuf,
        /// Only this portal (a slug): its channels, items, media, history and the accounts
        /// that appear in them, as a network of its own.
        #[arg(long)]
        site: Option<String>,
        /// Leave the password hashes empty and the API tokens out (the accounts then need
        /// new passwords: `portico user reset-password`).
        #[arg(long)]
        without_secrets: bool,
    },
    /// Load an export into an empty store (SQLite in the data folder, or `--store` an empty
    /// PostgreSQL database), keeping ids, and rebuild the search index.
    Import {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        media: BlobArgs,
        /// The export file.
        file: PathBuf,
    },
    /// Bring a backup back: into an empty data folder (SQLite), or an empty PostgreSQL
    /// database with `--store`; every file is checked against the manifest first.
    Restore {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        media: BlobArgs,
        /// The backup file; with --from-bucket, the backup's name in the bucket (e.g.
        /// `portico-20261130T020000Z.tar`) or `latest`.
        file: PathBuf,
        /// Take the backup from this bucket (where `serve --backup-bucket` sends them), on the
        /// S3-compatible service of --s3-endpoint with the same keys.
        #[arg(long)]
        from_bucket: Option<String>,
        /// Where in the bucket the backups are.
        #[arg(long, default_value = "backups/")]
        backup_prefix: String,
    },
}

/// `6h`, `30m`, `1d`, `90s`: how often scheduled backups run.
pub fn parse_every(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = n
        .parse()
        .map_err(|_| format!("'{s}' is not a number followed by s, m, h or d (e.g. 6h)"))?;
    let secs = match unit {
        "s" => n,
        "m" => n.saturating_mul(60),
        "h" | "" => n.saturating_mul(3600),
        "d" => n.saturating_mul(86_400),
        _ => return Err(format!("'{s}': the unit is s, m, h or d (e.g. 6h)")),
    };
    if secs < 5 {
        return Err(format!("'{s}' is too often; at least 5 seconds apart"));
    }
    Ok(std::time::Duration::from_secs(secs))
}

#[derive(clap::Args)]
pub struct EdgeArgs {
    /// Address to listen on.
    #[arg(long, env = "PORTICO_EDGE_LISTEN", default_value = "127.0.0.1:8000")]
    pub listen: SocketAddr,
    /// A `portico serve` node, e.g. `http://10.0.0.5:8080`. Repeat for fail-over.
    #[arg(
        long = "origin",
        env = "PORTICO_EDGE_ORIGINS",
        value_delimiter = ',',
        required = true
    )]
    pub origins: Vec<String>,
    /// The nodes' `--edge-token`: to follow their invalidations and to accept purges.
    #[arg(long, env = "PORTICO_EDGE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Memory for cached responses, in megabytes.
    #[arg(long, env = "PORTICO_EDGE_CACHE_MB", default_value_t = 512)]
    pub cache_mb: u64,
    /// Requests per second one client address may send, sustained (off when not given);
    /// past it, `429` with `Retry-After`.
    #[arg(long, env = "PORTICO_EDGE_RATE_LIMIT")]
    pub rate_limit: Option<f64>,
    /// Requests one address may send at once after a quiet spell; by default four seconds'
    /// worth of --rate-limit.
    #[arg(long, env = "PORTICO_EDGE_RATE_LIMIT_BURST")]
    pub rate_limit_burst: Option<f64>,
    /// A proxy in front of the edge (a load balancer) whose `X-Forwarded-For` names the
    /// client, for the rate limits. Repeatable.
    #[arg(
        long = "trusted-proxy",
        env = "PORTICO_EDGE_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Also serve HTTPS (HTTP/2 and HTTP/1.1, TLS 1.2 and 1.3) on this address, e.g.
    /// `0.0.0.0:443`; needs --tls-cert and --tls-key.
    #[arg(long, env = "PORTICO_EDGE_TLS_LISTEN")]
    pub tls_listen: Option<SocketAddr>,
    /// The default certificate chain (PEM): for names no certificate of --tls-dir claims.
    #[arg(long, env = "PORTICO_EDGE_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,
    /// The default certificate's private key (PEM).
    #[arg(long, env = "PORTICO_EDGE_TLS_KEY")]
    pub tls_key: Option<PathBuf>,
    /// A folder with a certificate per portal domain, chosen by the name the browser asks
    /// for: `DOMAIN.crt` + `DOMAIN.key`, or certbot's `DOMAIN/fullchain.pem` +
    /// `DOMAIN/privkey.pem` (`_.example.vn` serves `*.example.vn`). Every certificate is read
    /// again on SIGHUP, without dropping connections.
    #[arg(long, env = "PORTICO_EDGE_TLS_DIR")]
    pub tls_dir: Option<PathBuf>,
    /// Answer plain http:// requests with a redirect to https:// (all but /_edge/).
    #[arg(long, env = "PORTICO_EDGE_HTTPS_REDIRECT")]
    pub https_redirect: bool,
    /// Strict-Transport-Security max-age on answers over TLS, in seconds; 0 sends none.
    #[arg(long, env = "PORTICO_EDGE_HSTS_MAX_AGE", default_value_t = 31_536_000)]
    pub hsts_max_age: u64,
    #[command(flatten)]
    pub connections: ConnArgs,
}

/// How long clients may take and how many connections they may hold.
#[derive(clap::Args)]
pub struct ConnArgs {
    /// Seconds a client has to send a request's head; also how long a kept-alive connection
    /// may sit idle between requests.
    #[arg(long, env = "PORTICO_HEADER_TIMEOUT_SECS", default_value_t = 15)]
    pub header_timeout_secs: u64,
    /// Open connections at most (also kept under three quarters of the file limit); the
    /// last 64 are kept for this machine and trusted proxies.
    #[arg(long, env = "PORTICO_MAX_CONNECTIONS", default_value_t = 10_000)]
    pub max_connections: usize,
    /// Open connections from one client address at most (trusted proxies are exempt).
    #[arg(
        long,
        env = "PORTICO_MAX_CONNECTIONS_PER_ADDRESS",
        default_value_t = 256
    )]
    pub max_connections_per_address: usize,
    /// How many leading bits of an IPv6 address name one client for every per-address limit
    /// (connections, sign-ins, citizens' submissions, the edge's rate): 64, a household's or
    /// an office's network, by default; 128 counts each address.
    #[arg(long, env = "PORTICO_IPV6_PREFIX", default_value_t = 64,
          value_parser = clap::value_parser!(u8).range(1..=128))]
    pub ipv6_prefix: u8,
}

impl ConnArgs {
    /// The limits for `portico_api`.
    pub fn limits(&self) -> portico_api::listen::ConnLimits {
        portico_api::listen::ConnLimits {
            header_timeout: std::time::Duration::from_secs(self.header_timeout_secs.max(1)),
            max_connections: self.max_connections.max(1),
            per_address: self.max_connections_per_address.max(1),
            ipv6_prefix: self.ipv6_prefix,
            ..Default::default()
        }
    }
}

#[derive(clap::Args)]
pub struct DataArgs {
    /// The data folder: the SQLite database (unless `--store` names PostgreSQL), the media
    /// files (unless they go to S3) and the search index.
    #[arg(long, env = "PORTICO_DATA", default_value = "./data")]
    pub data: PathBuf,
    /// The store: `postgres://user:password@host:port/database` for a PostgreSQL database
    /// that several nodes share (it is migrated on start); by default SQLite in the data
    /// folder.
    #[arg(long, env = "PORTICO_STORE", hide_env_values = true)]
    pub store: Option<String>,
    /// How hard commits try to survive failures: `normal` survives a crash of the process,
    /// `full` also a power cut (slower writes).
    #[arg(long, env = "PORTICO_DURABILITY", value_enum, default_value_t = DurabilityArg::Normal)]
    pub durability: DurabilityArg,
    /// The search index folder; by default `<data>/index`. Every node keeps its own, so nodes
    /// on one machine that share a data folder need one each.
    #[arg(long, env = "PORTICO_INDEX")]
    pub index: Option<PathBuf>,
}

impl DataArgs {
    pub fn index_path(&self) -> PathBuf {
        self.index
            .clone()
            .unwrap_or_else(|| self.data.join("index"))
    }
}

/// `--demo-size`.
#[derive(Clone, Copy, ValueEnum)]
pub enum DemoSizeArg {
    Full,
    Small,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum DurabilityArg {
    Normal,
    Full,
}

#[derive(clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Address to listen on.
    #[arg(long, env = "PORTICO_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// On an empty data folder, create the demo network: 92 portals, users `author`,
    /// `editor`, `approver` and `admin` (password `demo`) and a few thousand items.
    #[arg(long)]
    pub demo: bool,
    /// How much the demo network holds: `full` (a few thousand items) or `small` (the same
    /// portals with a few articles each; quick to build).
    #[arg(long, value_enum, default_value_t = DemoSizeArg::Full)]
    pub demo_size: DemoSizeArg,
    /// Where the public reaches the portals (e.g. `https://laocai.gov.vn`), for absolute URLs
    /// in feeds and sitemaps; without it the request's Host header is used.
    #[arg(long, env = "PORTICO_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Largest JSON request body in bytes.
    #[arg(long, env = "PORTICO_MAX_BODY", default_value_t = 4 * 1024 * 1024)]
    pub max_body: usize,
    /// A folder of themes (`<theme>/templates`, `<theme>/static`) and per-site templates
    /// (`sites/<site>/`); by default `<data>/themes` when it exists.
    #[arg(long, env = "PORTICO_THEMES")]
    pub themes: Option<PathBuf>,
    /// Memory for the response cache in front of the public pages and API, in megabytes;
    /// 0 turns the cache off.
    #[arg(long, env = "PORTICO_CACHE_MB", default_value_t = 256)]
    pub cache_mb: u64,
    /// A secret that `portico edge` presents to follow this node's invalidations; without
    /// it, `/_portico/invalidations` is off. Every node and edge shares it.
    #[arg(long, env = "PORTICO_EDGE_TOKEN", hide_env_values = true)]
    pub edge_token: Option<String>,
    /// A bearer token that lets a scraper elsewhere read `/metrics`; without it only this
    /// machine and the trusted proxies' own addresses may.
    #[arg(long, env = "PORTICO_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// The address of a `portico edge` (or other proxy) in front of this node: its
    /// `X-Forwarded-For` names the client, for per-client login limits. Repeatable.
    #[arg(
        long = "trusted-proxy",
        env = "PORTICO_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// A network that may receive webhooks although it is not public (e.g. the province's
    /// integration bus, `10.20.0.0/16`); loopback, private, link-local and other internal
    /// addresses are refused otherwise. Repeatable.
    #[arg(
        long = "webhook-allow",
        env = "PORTICO_WEBHOOK_ALLOW",
        value_delimiter = ','
    )]
    pub webhook_allow: Vec<ipnet::IpNet>,
    /// Hours an endpoint may keep failing before its deliveries stop until a site admin
    /// resumes it.
    #[arg(long, env = "PORTICO_WEBHOOK_GIVE_UP_HOURS", default_value_t = 72)]
    pub webhook_give_up_hours: u64,
    /// Take a backup this often on the leading node (`6h`, `1d`, `30m`); off when not given.
    #[arg(long, env = "PORTICO_BACKUP_EVERY", value_parser = parse_every)]
    pub backup_every: Option<std::time::Duration>,
    /// The folder scheduled backups go to; by default `<data>/backups`.
    #[arg(long, env = "PORTICO_BACKUP_DIR")]
    pub backup_dir: Option<PathBuf>,
    /// How many scheduled backups to keep; the oldest beyond that are deleted.
    #[arg(long, env = "PORTICO_BACKUP_KEEP", default_value_t = 7)]
    pub backup_keep: usize,
    /// Send scheduled backups to this bucket, on the S3-compatible service of --s3-endpoint
    /// with the same keys (the bucket may be the media's), instead of keeping them in
    /// --backup-dir (which then only stages each one while it is written).
    #[arg(long, env = "PORTICO_BACKUP_BUCKET")]
    pub backup_bucket: Option<String>,
    /// Where in the bucket scheduled backups go.
    #[arg(long, env = "PORTICO_BACKUP_PREFIX", default_value = "backups/")]
    pub backup_prefix: String,
    /// Bytes per second a request body must arrive at, on average, after its first 10 s;
    /// slower uploads are cut off (408).
    #[arg(long, env = "PORTICO_MIN_BODY_RATE", default_value_t = 1024)]
    pub min_body_rate: u64,
    /// The SMTP server for mail to citizens and staff (question confirmations, notices of
    /// answers, new questions and comments): `smtp://host:587` (STARTTLS when offered) or
    /// `smtps://user:password@host:465`. No mail is sent without it.
    #[arg(long, env = "PORTICO_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender of that mail.
    #[arg(
        long,
        env = "PORTICO_MAIL_FROM",
        default_value = "Cổng thông tin điện tử <no-reply@localhost>"
    )]
    pub mail_from: String,
    /// Questions and comments one address may send per hour, sustained (citizens behind
    /// one office's address share it); 429 beyond.
    #[arg(long, env = "PORTICO_SUBMISSIONS_PER_HOUR", default_value_t = 60.0)]
    pub submissions_per_hour: f64,
    /// Questions and comments one address may send at once after a quiet spell.
    #[arg(long, env = "PORTICO_SUBMISSION_BURST", default_value_t = 10.0)]
    pub submission_burst: f64,
    #[command(flatten)]
    pub connections: ConnArgs,
    #[command(flatten)]
    pub media: MediaArgs,
    #[command(flatten)]
    pub sso: SsoArgs,
}

/// Single sign-on with the province's OpenID Connect provider, and whether passwords are
/// still accepted.
#[derive(clap::Args)]
pub struct SsoArgs {
    /// The OpenID Connect provider's issuer URL (e.g.
    /// `https://sso.laocai.gov.vn/realms/laocai`): the editors' sign-in page then offers
    /// single sign-on. Needs --public-url (the redirect URI is
    /// `{public-url}/auth/oidc/callback`) and --oidc-client-id.
    #[arg(long, env = "PORTICO_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,
    /// The client id Portico is registered under at the provider.
    #[arg(long, env = "PORTICO_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,
    /// The client secret (a confidential client); none for a public client with PKCE only.
    #[arg(long, env = "PORTICO_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<String>,
    /// The ID token claim that lists a person's groups.
    #[arg(long, env = "PORTICO_OIDC_GROUPS_CLAIM", default_value = "groups")]
    pub oidc_groups_claim: String,
    /// A directory group that grants a role: `GROUP=SITE:ROLE` (e.g.
    /// `bien-tap-stc=so-tai-chinh:editor`) or `GROUP=network_admin`. Repeatable.
    #[arg(
        long = "oidc-role-map",
        env = "PORTICO_OIDC_ROLE_MAP",
        value_delimiter = ','
    )]
    pub oidc_role_map: Vec<portico_engine::RoleRule>,
    /// The provider decides every role: at each sign-in, roles its groups do not grant are
    /// taken away. Without it, mapped roles are only added.
    /// Also: API tokens of accounts that sign in only through the provider stop working once
    /// the person has not signed in through it for `--oidc-max-absence` days.
    #[arg(long, env = "PORTICO_OIDC_AUTHORITATIVE")]
    pub oidc_authoritative: bool,
    /// With `--oidc-authoritative`: the days an account that signs in only through the
    /// provider may stay away before its API tokens are paused (signing in resumes them).
    #[arg(long, env = "PORTICO_OIDC_MAX_ABSENCE", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub oidc_max_absence: u32,
    /// Link a provider identity to any existing account of the same `preferred_username`,
    /// passwords and network admins included. Without it only accounts without a password
    /// and without network admin rights are linked by name; a network admin allows the
    /// others (`PATCH /api/v1/users/NAME {"sso_link": true}` or the users screen).
    #[arg(long, env = "PORTICO_OIDC_LINK_BY_USERNAME")]
    pub oidc_link_by_username: bool,
    /// Whether accounts may sign in with a password (`false` where single sign-on is the
    /// only way in; API tokens keep working, and `portico user` on the server still works).
    #[arg(
        long,
        env = "PORTICO_PASSWORD_SIGN_IN",
        default_value_t = true,
        action = clap::ArgAction::Set
    )]
    pub password_sign_in: bool,
}

impl SsoArgs {
    /// How long a provider-only account's tokens outlive its last sign-in, where the
    /// provider is authoritative.
    pub fn provider_absence(&self) -> Option<chrono::Duration> {
        (self.oidc_issuer.is_some() && self.oidc_authoritative)
            .then(|| chrono::Duration::days(i64::from(self.oidc_max_absence)))
    }

    /// The single sign-on settings, when an issuer is given.
    pub fn config(
        &self,
        public_url: Option<&str>,
    ) -> anyhow::Result<Option<portico_api::OidcConfig>> {
        let Some(issuer) = self.oidc_issuer.clone() else {
            if !self.password_sign_in {
                anyhow::bail!("--password-sign-in false needs single sign-on (--oidc-issuer): nobody could sign in");
            }
            return Ok(None);
        };
        let Some(public_url) = public_url else {
            anyhow::bail!("--oidc-issuer needs --public-url: the provider sends people back to {{public-url}}/auth/oidc/callback");
        };
        let Some(client_id) = self.oidc_client_id.clone() else {
            anyhow::bail!("--oidc-issuer needs --oidc-client-id");
        };
        Ok(Some(portico_api::OidcConfig {
            issuer,
            client_id,
            client_secret: self.oidc_client_secret.clone(),
            public_url: public_url.trim_end_matches('/').to_owned(),
            groups_claim: self.oidc_groups_claim.clone(),
            roles: portico_engine::RoleMap {
                rules: self.oidc_role_map.clone(),
                authoritative: self.oidc_authoritative,
                link_by_username: self.oidc_link_by_username,
            },
        }))
    }
}

/// Where uploads live and how they are served.
#[derive(clap::Args)]
pub struct MediaArgs {
    #[command(flatten)]
    pub location: BlobArgs,
    /// Largest upload in megabytes.
    #[arg(long, env = "PORTICO_MAX_UPLOAD_MB", default_value_t = 50)]
    pub max_upload_mb: u64,
    /// Largest image in megapixels; bigger ones are refused before decoding.
    #[arg(long, env = "PORTICO_MAX_MEGAPIXELS", default_value_t = 50)]
    pub max_megapixels: u64,
    /// A resize preset `name=WxH:fit[:fmt[:quality]]` (e.g. `card=480x320:cover`); adds to or
    /// replaces the defaults thumb, card, content, hero and og. Repeatable.
    #[arg(
        long = "media-preset",
        env = "PORTICO_MEDIA_PRESETS",
        value_delimiter = ','
    )]
    pub presets: Vec<String>,
    /// The key that signs explicit size parameters; every node must share it. By default a
    /// random key kept in `<data>/media.key`.
    #[arg(long, env = "PORTICO_MEDIA_KEY", hide_env_values = true)]
    pub media_key: Option<String>,
}

/// Where uploaded files live: what backups, exports and their restores read and write.
#[derive(clap::Args)]
pub struct BlobArgs {
    /// The folder of uploaded files when no S3 bucket is given; by default `<data>/media`.
    #[arg(long, env = "PORTICO_MEDIA_DIR")]
    pub media_dir: Option<PathBuf>,
    /// Keep uploads in this S3 bucket (shared by every node) instead of a folder.
    #[arg(long, env = "PORTICO_S3_BUCKET")]
    pub s3_bucket: Option<String>,
    /// The S3-compatible service, e.g. `https://s3.laocai.gov.vn` or `http://127.0.0.1:9000`;
    /// AWS when absent.
    #[arg(long, env = "PORTICO_S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,
    /// The bucket's region (most self-hosted services accept any).
    #[arg(long, env = "PORTICO_S3_REGION", default_value = "us-east-1")]
    pub s3_region: String,
    /// The access key id for the bucket.
    #[arg(long, env = "PORTICO_S3_ACCESS_KEY", default_value = "")]
    pub s3_access_key: String,
    /// The secret key for the bucket.
    #[arg(
        long,
        env = "PORTICO_S3_SECRET_KEY",
        default_value = "",
        hide_env_values = true
    )]
    pub s3_secret_key: String,
    /// Address buckets as `host/bucket` (most self-hosted services) rather than `bucket.host`.
    #[arg(long, env = "PORTICO_S3_PATH_STYLE", default_value_t = true, action = clap::ArgAction::Set)]
    pub s3_path_style: bool,
}

impl BlobArgs {
    /// Another bucket on the same S3-compatible service, with the same keys.
    pub fn bucket(&self, bucket: &str) -> portico_storage::BlobConfig {
        portico_storage::BlobConfig::S3(portico_storage::S3Config {
            endpoint: self.s3_endpoint.clone(),
            bucket: bucket.to_owned(),
            region: self.s3_region.clone(),
            access_key: self.s3_access_key.clone(),
            secret_key: self.s3_secret_key.clone(),
            path_style: self.s3_path_style,
        })
    }

    pub fn blobs(&self, data: &Path) -> Result<portico_storage::BlobConfig> {
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
}

impl MediaArgs {
    pub fn blobs(&self, data: &Path) -> Result<portico_storage::BlobConfig> {
        self.location.blobs(data)
    }

    pub fn config(&self, data: &Path) -> Result<portico_media::MediaConfig> {
        let mut c = portico_media::MediaConfig {
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
            let (name, v) = portico_media::parse_preset(p).map_err(anyhow::Error::msg)?;
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
    let key = portico_media::random_key();
    std::fs::write(path, &key).with_context(|| format!("writing {}", path.display()))?;
    Ok(key)
}

#[derive(Subcommand)]
pub enum UserCommand {
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
    /// List the users with their roles and whether they are disabled.
    List {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Disable a user: they cannot sign in, and their sessions and tokens stop at once.
    Disable {
        username: String,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Enable a disabled user again.
    Enable {
        username: String,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Set a new password for a user (asked for, or read with `--password-stdin`); their
    /// sessions and tokens end.
    ResetPassword {
        username: String,
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        data: DataArgs,
    },
}
