//! The `portico` command: runs the portal network and administers it. One module per command;
//! `cli` declares the flags and `config` layers the TOML file under them.

// Unit tests build values from loop counters; the library code is held to the lint.
#![cfg_attr(test, allow(clippy::as_conversions))]

mod backup;
mod check;
mod cli;
mod config;
mod edge;
mod reindex;
mod serve;
mod store;
mod transfer;
mod user;

use anyhow::Result;
use cli::Command;

/// mimalloc: page rendering allocates and frees many short strings and JSON values from
/// many threads, where glibc's allocator spent a third of the CPU time (measured with perf).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    let cli = config::parse(std::env::args_os().collect())?;
    match cli.command {
        Command::Serve(args) => serve::run(*args),
        Command::User { command } => user::run(command),
        Command::Check { data } => check::run(&data),
        Command::Reindex { data } => reindex::run(&data),
        Command::Edge(args) => edge::run(args),
        Command::Backup { data, media, out } => backup::run_backup(&data, &media, &out),
        Command::Export {
            data,
            media,
            out,
            site,
            without_secrets,
        } => transfer::run_export(&data, &media, &out, site.as_deref(), !without_secrets),
        Command::Import { data, media, file } => transfer::run_import(&data, &media, &file),
        Command::Restore {
            data,
            media,
            file,
            from_bucket,
            backup_prefix,
        } => match from_bucket {
            Some(bucket) => {
                backup::restore_from_bucket(&data, &media, &bucket, &backup_prefix, &file)
            }
            None => backup::run_restore(&data, &media, &file),
        },
    }
}
