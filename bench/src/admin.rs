//! The editors' interface under volume: `fill` builds the demo network plus many generated
//! items in a data folder (SQLite) or a PostgreSQL database; `measure` signs in to a running
//! `portico serve` on it as a user with a role on every portal and times the desk, an item
//! list and an edit page over loopback, with the database statements each one costs (from
//! `/metrics`). Run through `bench/admin.sh`.

// Statistics on measured numbers: counts become floats and percentiles index sorted samples
// that are never empty; a benchmark that fails that way fails loudly, as it should.
#![allow(clippy::as_conversions, clippy::indexing_slicing)]

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use portico_engine::{Engine, NewItemInput, SystemClock, TransitionInput};
use rand::{Rng, SeedableRng};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Builds the demo network and `items` more items over its 92 portals.
    Fill {
        #[arg(long)]
        data: PathBuf,
        /// A PostgreSQL URL; SQLite in the data folder when absent.
        #[arg(long)]
        store: Option<String>,
        #[arg(long, default_value_t = 200_000)]
        items: usize,
    },
    /// Times the admin pages of a running server.
    Measure {
        #[arg(long)]
        base: String,
        #[arg(long, default_value_t = 300)]
        requests: usize,
    },
}

fn engine(data: &std::path::Path, store: Option<&str>) -> Result<Engine> {
    std::fs::create_dir_all(data)?;
    let store: Arc<dyn portico_engine::Store> = match store {
        Some(url) => Arc::new(portico_storage::PgStore::connect(url)?),
        None => Arc::new(portico_storage::SqliteStore::open(
            &data.join("portico.db"),
            portico_storage::Durability::Normal,
        )?),
    };
    Ok(Engine::new(store, Arc::new(SystemClock)))
}

fn fill(data: PathBuf, store: Option<String>, items: usize) -> Result<()> {
    let e = engine(&data, store.as_deref())?;
    let t = Instant::now();
    portico_demo::seed(&e, portico_demo::DemoSize::default(), 1)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    eprintln!("demo network built in {:.0?}", t.elapsed());
    let sites = e.sites().map_err(|e| anyhow::anyhow!("{e}"))?;
    let actor = |n: &str| e.actor_by_name(n).map_err(|e| anyhow::anyhow!("{e}"));
    let (author, editor, approver) = (actor("author")?, actor("editor")?, actor("approver")?);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let words = [
        "Ủy ban",
        "nhân dân",
        "tỉnh",
        "huyện",
        "xã",
        "kế hoạch",
        "triển khai",
        "chuyển đổi số",
        "nông thôn mới",
        "đất đai",
        "giáo dục",
        "y tế",
        "du lịch",
        "Sa Pa",
        "Bắc Hà",
        "hội nghị",
    ];
    let t = Instant::now();
    for i in 0..items {
        let site = &sites[rng.gen_range(0..sites.len())];
        let channels = e.channels(&site.slug).map_err(|e| anyhow::anyhow!("{e}"))?;
        let channel: Vec<String> = channels
            .first()
            .map(|c| c.slug.clone())
            .into_iter()
            .collect();
        let title: Vec<&str> = (0..6)
            .map(|_| words[rng.gen_range(0..words.len())])
            .collect();
        let item = e
            .create_item(
                &author,
                &site.slug,
                NewItemInput {
                    kind: "article".into(),
                    channels: channel,
                    slug: Some(format!("tin-tao-sinh-{i}")),
                    fields: serde_json::json!({
                        "title": format!("{} {i}", title.join(" ")),
                        "summary": "Tin tạo sinh cho phép đo giao diện biên tập.",
                        "body": "Nội dung.",
                    }),
                },
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        // Most items are published, as on a portal that has run for years; a few wait in
        // each step of the workflow.
        let steps: &[(&portico_engine::Actor, &str)] = match rng.gen_range(0..100) {
            0..=84 => &[
                (&author, "submit"),
                (&editor, "forward"),
                (&approver, "publish"),
            ],
            85..=89 => &[(&author, "submit"), (&editor, "forward")],
            90..=94 => &[(&author, "submit")],
            _ => &[],
        };
        for (who, action) in steps {
            e.transition(
                who,
                item.id,
                TransitionInput {
                    action: (*action).into(),
                    comment: None,
                    at: None,
                },
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        if (i + 1) % 20_000 == 0 {
            eprintln!("{} items in {:.0?}", i + 1, t.elapsed());
        }
    }
    eprintln!("{items} items generated in {:.0?}", t.elapsed());
    Ok(())
}

/// The number `name` of a Prometheus text page.
fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or(f64::NAN)
}

fn measure(base: String, requests: usize) -> Result<()> {
    let http = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    // Sign in through the form, as a browser does.
    let form = http.get(format!("{base}/admin/login")).send()?;
    let cookie = form
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("portico_login="))
        .and_then(|c| c.split(';').next())
        .context("no sign-in cookie")?
        .to_owned();
    let body = form.text()?;
    let csrf = body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .context("no csrf")?
        .to_owned();
    let signed = http
        .post(format!("{base}/admin/login"))
        .header("cookie", &cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "editor"),
            ("password", "demo"),
            ("next", "/admin/"),
        ])
        .send()?;
    let session = signed
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("portico_session="))
        .and_then(|c| c.split(';').next())
        .context("sign-in failed")?
        .to_owned();
    let get = |path: &str| -> Result<(Duration, usize)> {
        let t = Instant::now();
        let r = http
            .get(format!("{base}{path}"))
            .header("cookie", &session)
            .send()?;
        let status = r.status();
        let n = r.bytes()?.len();
        let d = t.elapsed();
        if !status.is_success() {
            bail!("{path} answered {status}");
        }
        Ok((d, n))
    };
    // An item of the main portal in review: what an editor opens from the desk.
    let list = http
        .get(format!("{base}/admin/sites/main/items?state=in_review"))
        .header("cookie", &session)
        .send()?
        .text()?;
    let id = list
        .split("href=\"/admin/items/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .context("no item in review on the main portal")?
        .to_owned();
    println!(
        "{:<34} {:>8} {:>8} {:>8} {:>10} {:>9}",
        "page", "p50 ms", "p95 ms", "max ms", "stmts/req", "bytes"
    );
    for (name, path) in [
        ("desk (92 portals)", "/admin/".to_owned()),
        (
            "item list, main portal",
            "/admin/sites/main/items".to_owned(),
        ),
        (
            "item list, filtered by text",
            "/admin/sites/main/items?q=chuyen+doi+so".to_owned(),
        ),
        ("edit page", format!("/admin/items/{id}")),
    ] {
        for _ in 0..10 {
            get(&path)?;
        }
        let before = metric(
            &http.get(format!("{base}/metrics")).send()?.text()?,
            "portico_store_statements_total",
        );
        let mut times = Vec::with_capacity(requests);
        let mut bytes = 0;
        for _ in 0..requests {
            let (d, n) = get(&path)?;
            times.push(d);
            bytes = n;
        }
        let after = metric(
            &http.get(format!("{base}/metrics")).send()?.text()?,
            "portico_store_statements_total",
        );
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let p = |q: f64| ms(times[((times.len() as f64 * q) as usize).min(times.len() - 1)]);
        println!(
            "{:<34} {:>8.1} {:>8.1} {:>8.1} {:>10.1} {:>9}",
            name,
            p(0.50),
            p(0.95),
            ms(*times.last().unwrap_or(&Duration::ZERO)),
            (after - before) / requests as f64,
            bytes
        );
    }
    Ok(())
}

fn main() -> Result<()> {
    match Args::parse().command {
        Cmd::Fill { data, store, items } => fill(data, store, items),
        Cmd::Measure { base, requests } => measure(base, requests),
    }
}
