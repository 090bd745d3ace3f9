//! Portico's foundation benchmarks: write latency, workflow throughput, start-up time and idle
//! memory of the real `portico` binary over HTTP on 127.0.0.1. Run through `bench/run.sh`,
//! which builds in release mode and prints the machine first.

// Statistics on measured numbers: counts become floats and percentiles index sorted
// samples that are never empty; a benchmark that fails that way fails loudly, as it should.
#![allow(clippy::as_conversions, clippy::indexing_slicing)]

use anyhow::{bail, Context, Result};
use clap::Parser;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
    /// The portico binary to measure.
    #[arg(long, default_value = "target/release/portico")]
    portico: PathBuf,
    /// Items for the create + submit latency run.
    #[arg(long, default_value_t = 2000)]
    latency_items: usize,
    /// Items for each workflow throughput run.
    #[arg(long, default_value_t = 1600)]
    workflow_items: usize,
    /// Start-ups to time.
    #[arg(long, default_value_t = 5)]
    startups: usize,
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(bin: &Path, data: &Path, extra: &[&str]) -> Result<(Server, Duration)> {
    let t = Instant::now();
    let mut child = Command::new(bin)
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .args(extra)
        .env("PORTICO_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .context("start portico")?;
    let stdout = child.stdout.take().context("stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let Some(line) = lines.next() else {
            bail!("portico exited before its banner")
        };
        if let Some(rest) = line?.split("serving on ").nth(1) {
            break rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned();
        }
    };
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    loop {
        if reqwest::blocking::get(format!("{base}/healthz")).is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    Ok((Server { child, base }, t.elapsed()))
}

fn rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .context("VmRSS")
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

async fn call(
    http: &reqwest::Client,
    token: &str,
    method: reqwest::Method,
    url: String,
    body: Value,
) -> Result<Value> {
    let r = http
        .request(method, url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await?;
    let status = r.status();
    let v: Value = r.json().await?;
    if !status.is_success() {
        bail!("{status}: {v}");
    }
    Ok(v)
}

async fn create(http: &reqwest::Client, base: &str, token: &str, n: usize) -> Result<i64> {
    create_with(
        http,
        base,
        token,
        json!({
        "title": format!("Bài đo hiệu năng số {n}: chuyển đổi số ở vùng cao"),
        "summary": "Tóm tắt ngắn của bài viết.",
        "body": "Nội dung bài viết với **định dạng** Markdown.\n\n".repeat(20)}),
    )
    .await
}

/// Creates an article on `main` with these fields; its id.
async fn create_with(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    fields: serde_json::Value,
) -> Result<i64> {
    let body = json!({"kind": "article", "channels": ["tin-tuc-su-kien"], "fields": fields});
    let v = call(
        http,
        token,
        reqwest::Method::POST,
        format!("{base}/api/v1/sites/main/items"),
        body,
    )
    .await?;
    v["id"].as_i64().context("id")
}

async fn act(http: &reqwest::Client, base: &str, token: &str, id: i64, action: &str) -> Result<()> {
    call(
        http,
        token,
        reqwest::Method::POST,
        format!("{base}/api/v1/items/{id}/transitions"),
        json!({"action": action}),
    )
    .await?;
    Ok(())
}

async fn workflow(
    http: reqwest::Client,
    base: String,
    token: String,
    from: usize,
    count: usize,
) -> Result<()> {
    for n in from..from + count {
        let id = create(&http, &base, &token, n).await?;
        for a in ["submit", "forward", "publish"] {
            act(&http, &base, &token, id, a).await?;
        }
    }
    Ok(())
}

fn prepare(bin: &Path, data: &Path) -> Result<()> {
    let mut c = Command::new(bin)
        .args(["user", "add", "--admin", "--password-stdin", "--data"])
        .arg(data)
        .arg("bench")
        .env("PORTICO_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()?;
    writeln!(c.stdin.take().context("stdin")?, "mat-khau-do-hieu-nang")?;
    if !c.wait()?.success() {
        bail!("user add failed");
    }
    Ok(())
}

async fn write_benchmarks(args: &Args, durability: &str) -> Result<()> {
    let dir = tempfile::tempdir()?;
    prepare(&args.portico, dir.path())?;
    let (server, _) = start(&args.portico, dir.path(), &["--durability", durability])?;
    let base = server.base.clone();
    let http = reqwest::Client::new();
    let login = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "bench", "password": "mat-khau-do-hieu-nang"}))
        .send()
        .await?
        .json::<Value>()
        .await?;
    let token = login["token"].as_str().context("token")?.to_owned();
    call(
        &http,
        &token,
        reqwest::Method::POST,
        format!("{base}/api/v1/sites"),
        json!({"slug": "main", "name": "Cổng chính", "kind": "main"}),
    )
    .await?;
    call(
        &http,
        &token,
        reqwest::Method::POST,
        format!("{base}/api/v1/sites/main/channels"),
        json!({"name": "Tin tức – Sự kiện"}),
    )
    .await?;

    // Create + submit, one client, one after another.
    let mut lat = Vec::with_capacity(args.latency_items);
    for n in 0..args.latency_items {
        let t = Instant::now();
        let id = create(&http, &base, &token, n).await?;
        act(&http, &base, &token, id, "submit").await?;
        lat.push(t.elapsed());
    }
    lat.sort();
    println!(
        "create + submit ({durability}), {} items, one client: p50 {:.2} ms, p99 {:.2} ms",
        lat.len(),
        pct(&lat, 0.5),
        pct(&lat, 0.99)
    );

    // The full workflow: create, submit, forward, publish.
    for clients in [1usize, 16] {
        let per = args.workflow_items / clients;
        let t = Instant::now();
        let tasks: Vec<_> = (0..clients)
            .map(|c| {
                tokio::spawn(workflow(
                    http.clone(),
                    base.clone(),
                    token.clone(),
                    1_000_000 * (clients + 1) + c * per,
                    per,
                ))
            })
            .collect();
        for task in tasks {
            task.await??;
        }
        let secs = t.elapsed().as_secs_f64();
        println!(
            "full workflow ({durability}), {} items, {clients} client(s): {:.0} items/s ({:.0} requests/s)",
            per * clients, (per * clients) as f64 / secs, (per * clients * 4) as f64 / secs
        );
    }
    if durability == "normal" {
        freshness(&http, &base, &token).await?;
    }
    drop(server);
    Ok(())
}

/// Publish to searchable: publish an item, then poll search (every 5 ms) until it is found.
async fn freshness(http: &reqwest::Client, base: &str, token: &str) -> Result<()> {
    let mut lat = Vec::new();
    for n in 0..20 {
        let word = format!("tuoi{n}moi{}", std::process::id());
        let id = create_with(http, base, token, json!({"title": format!("Tin {word}")})).await?;
        act(http, base, token, id, "submit").await?;
        act(http, base, token, id, "forward").await?;
        act(http, base, token, id, "publish").await?;
        let published = Instant::now();
        loop {
            let r: Value = http
                .get(format!("{base}/api/v1/public/search?q={word}&facets=false"))
                .send()
                .await?
                .json()
                .await?;
            if r["total"].as_u64() == Some(1) {
                break;
            }
            if published.elapsed() > Duration::from_secs(10) {
                bail!("item {id} never became searchable");
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        lat.push(published.elapsed());
    }
    lat.sort();
    println!(
        "publish to searchable, {} items: p50 {:.0} ms, p99 {:.0} ms",
        lat.len(),
        pct(&lat, 0.5),
        pct(&lat, 0.99)
    );
    Ok(())
}

fn startup_benchmarks(args: &Args) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let t = Instant::now();
    let (first, _) = start(&args.portico, dir.path(), &["--demo"])?;
    println!(
        "demo network created and served in {:.2} s",
        t.elapsed().as_secs_f64()
    );
    drop(first);
    let mut times = Vec::new();
    let mut rss = Vec::new();
    for _ in 0..args.startups {
        let (s, took) = start(&args.portico, dir.path(), &["--demo"])?;
        times.push(took);
        std::thread::sleep(Duration::from_secs(2));
        rss.push(rss_kib(s.child.id())?);
        drop(s);
    }
    times.sort();
    rss.sort();
    println!(
        "start-up with the demo network present ({} runs, spawn to /healthz 200): p50 {:.0} ms, max {:.0} ms",
        times.len(), pct(&times, 0.5), pct(&times, 1.0)
    );
    println!(
        "idle memory after start-up: median {:.1} MB RSS",
        rss[rss.len() / 2] as f64 / 1024.0
    );
    Ok(())
}

fn main() -> Result<()> {
    let args = Args::parse();
    if !args.portico.exists() {
        bail!(
            "{} not found: build it with cargo build --release",
            args.portico.display()
        );
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(write_benchmarks(&args, "normal"))?;
    rt.block_on(write_benchmarks(&args, "full"))?;
    startup_benchmarks(&args)
}
