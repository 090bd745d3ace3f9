//! The real `portico` binary: the demo network, first start-up, the CLI, and crash safety
//! under SIGKILL.

use portico_engine::{EventLog, ItemStore, SiteStore, State};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_portico");

pub(crate) struct Running {
    pub(crate) child: Child,
    pub(crate) base: String,
    banner: Vec<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `portico serve` on a free port and waits for its banner and `/healthz`.
pub(crate) fn serve(data: &Path, extra: &[&str]) -> Running {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .args(extra)
        .env("PORTICO_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn portico");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut banner = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    let base = loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("portico printed no banner");
        banner.push(line.clone());
        if let Some(rest) = line.split("serving on ").nth(1) {
            break rest.split_whitespace().next().expect("url").to_owned();
        }
    };
    // The rest of the banner follows at once.
    while let Ok(line) = rx.recv_timeout(Duration::from_millis(300)) {
        banner.push(line);
    }
    let r = reqwest::blocking::get(format!("{base}/healthz")).expect("healthz");
    assert_eq!(r.status(), StatusCode::OK);
    Running {
        child,
        base,
        banner,
    }
}

pub(crate) fn login(base: &str, user: &str, password: &str) -> String {
    let r = reqwest::blocking::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": user, "password": password}))
        .send()
        .expect("login");
    assert_eq!(r.status(), StatusCode::OK);
    r.json::<Value>().expect("json")["token"]
        .as_str()
        .expect("token")
        .to_owned()
}

pub(crate) fn add_admin(data: &Path, name: &str, password: &str) {
    let mut child = Command::new(BIN)
        .args(["user", "add", "--admin", "--password-stdin", "--data"])
        .arg(data)
        .arg(name)
        .env("PORTICO_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn user add");
    writeln!(child.stdin.take().expect("stdin"), "{password}").expect("write password");
    let out = child.wait_with_output().expect("user add");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("network admin"));
}

/// `portico check` on a data folder.
fn portico_check(data: &Path) -> std::process::Output {
    Command::new(BIN)
        .args(["check", "--data"])
        .arg(data)
        .output()
        .expect("run portico check")
}

/// `portico check` finds nothing wrong.
fn assert_consistent(data: &Path) {
    let check = portico_check(data);
    assert!(
        check.status.success(),
        "portico check: {}",
        String::from_utf8_lossy(&check.stdout)
    );
}

/// How many portals a site tree holds.
fn portals(tree: &Value) -> usize {
    tree.as_array()
        .map_or(0, |a| a.iter().map(|n| 1 + portals(&n["children"])).sum())
}

fn sigterm(child: &Child) {
    // SAFETY: kill(2) on our own child's pid has no memory-safety concerns.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
}

/// What a visitor judges the demo by: stories whose headline, summary and body agree, with
/// photos; documents with their PDF; each portal's procedures once, at their level, with
/// their real fee and agency.
fn demo_content_is_coherent(http: &reqwest::blocking::Client, base: &str) {
    let list = |q: &str| -> Vec<Value> {
        let v: Value = http
            .get(format!("{base}/api/v1/public/{q}"))
            .send()
            .unwrap()
            .json()
            .unwrap();
        v["items"].as_array().unwrap().clone()
    };
    let articles = list("sites/main/items?kind=article&limit=100");
    let with_cover: Vec<&Value> = articles
        .iter()
        .filter(|a| a["fields"]["cover"].is_string())
        .collect();
    assert!(
        with_cover.len() * 2 > articles.len(),
        "most stories have a photo: {} of {}",
        with_cover.len(),
        articles.len()
    );
    let cover = with_cover[0]["fields"]["cover"].as_str().unwrap();
    let card = http
        .get(format!("{base}/media/{cover}/card"))
        .header("accept", "image/webp,*/*")
        .send()
        .unwrap();
    assert_eq!(card.status(), 200);
    assert_eq!(card.headers()["content-type"], "image/webp");
    let img = image::load_from_memory(&card.bytes().unwrap()).unwrap();
    assert_eq!((img.width(), img.height()), (480, 320));
    for a in &articles {
        // The topic the headline names is the summary's (and the body's: `words`' tests).
        let title = a["fields"]["title"].as_str().unwrap();
        let summary = a["fields"]["summary"].as_str().unwrap();
        let topic = portico_demo::words::TOPICS
            .iter()
            .find(|t| title.contains(*t))
            .unwrap_or_else(|| panic!("a demo headline names its topic: {title}"));
        assert!(summary.contains(topic), "{title} / {summary}");
    }
    let docs = list("sites/main/items?kind=document&limit=5");
    for d in &docs {
        // Lists leave long fields out; the item itself has them.
        let d: Value = http
            .get(format!(
                "{base}/api/v1/public/sites/main/items/{}",
                d["slug"].as_str().unwrap()
            ))
            .send()
            .unwrap()
            .json()
            .unwrap();
        let att = &d["fields"]["attachments"][0];
        assert!(att["name"].as_str().unwrap().ends_with(".pdf"), "{d}");
        let pdf = http
            .get(format!("{base}{}", att["href"].as_str().unwrap()))
            .send()
            .unwrap();
        assert_eq!(pdf.status(), 200);
        assert_eq!(pdf.headers()["content-type"], "application/pdf");
        assert!(pdf.bytes().unwrap().starts_with(b"%PDF-"));
    }
    for site in ["main", "xa-ta-van", "huyen-bat-xat", "so-tu-phap"] {
        let procs = list(&format!("sites/{site}/items?kind=procedure&limit=100"));
        assert!(!procs.is_empty(), "{site} lists its procedures");
        let mut titles: Vec<&str> = procs
            .iter()
            .map(|p| p["fields"]["title"].as_str().unwrap())
            .collect();
        titles.sort();
        let n = titles.len();
        titles.dedup();
        assert_eq!(titles.len(), n, "{site} lists each procedure once");
    }
    let commune = list("sites/xa-ta-van/items?kind=procedure&limit=100");
    let birth = commune
        .iter()
        .find(|p| p["fields"]["title"] == "Đăng ký khai sinh")
        .expect("a commune registers births");
    assert_eq!(birth["fields"]["level"], "commune");
    assert_eq!(birth["fields"]["agency"], "Ủy ban nhân dân xã Tả Van");
    assert!(birth["fields"]["fees"]
        .as_str()
        .unwrap()
        .starts_with("Miễn lệ phí"));
    assert!(birth["fields"]["online_url"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    assert!(list("sites/ban-to-chuc-tinh-uy/items?kind=procedure&limit=5").is_empty());
}

#[test]
fn the_demo_network_has_92_portals_users_and_items_in_every_state() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = serve(dir.path(), &["--demo"]);
    let banner = server.banner.join("\n");
    for user in ["author", "editor", "approver", "admin"] {
        assert!(banner.contains(user), "the banner names {user}: {banner}");
    }
    let http = reqwest::blocking::Client::new();
    let token = login(&server.base, "author", "demo");
    let tree: Value = http
        .get(format!("{}/api/v1/sites", server.base))
        .bearer_auth(&token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(portals(&tree), 92);
    assert_eq!(tree[0]["slug"], "main");
    let admin = login(&server.base, "admin", "demo");
    for state in State::ALL {
        let q: Value = http
            .get(format!(
                "{}/api/v1/sites/main/queue?state={state}&limit=5",
                server.base
            ))
            .bearer_auth(&admin)
            .send()
            .unwrap()
            .json()
            .unwrap();
        assert!(
            !q.as_array().unwrap().is_empty(),
            "main has an item that is {state}"
        );
    }
    // A commune under its district, with Vietnamese channels.
    let ch: Value = http
        .get(format!("{}/api/v1/sites/xa-ban-vuoc/channels", server.base))
        .bearer_auth(&token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(ch
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["name"] == "Văn bản chỉ đạo điều hành"));

    demo_content_is_coherent(&http, &server.base);

    // Count what the generator published, straight from the store.
    let store = portico_storage::SqliteStore::open(
        &dir.path().join("portico.db"),
        portico_storage::Durability::Normal,
    )
    .unwrap();
    let mut published = 0;
    for site in store.sites().unwrap() {
        published += store
            .queue(site.id, &[State::Published], 100_000)
            .unwrap()
            .len();
    }
    assert!(
        published > 3000,
        "a few thousand published items, got {published}"
    );
    assert!(store.check().unwrap().is_empty());
    drop(store);

    // SIGTERM stops it gracefully; a second start does not generate again.
    sigterm(&server.child);
    let status = server.child.wait().unwrap();
    assert!(status.success(), "graceful shutdown exits 0: {status}");
    let again = serve(dir.path(), &["--demo"]);
    assert!(!again
        .banner
        .join("\n")
        .contains("Creating the demo network"));
    let token = login(&again.base, "approver", "demo");
    let tree: Value = http
        .get(format!("{}/api/v1/sites", again.base))
        .bearer_auth(&token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(portals(&tree), 92);
}

#[test]
fn a_fresh_start_explains_how_to_make_the_first_admin() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &[]);
    let banner = server.banner.join("\n");
    assert!(banner.contains("portico user add --admin"), "{banner}");
    assert!(!banner.contains("demo users"), "{banner}");
    let r = reqwest::blocking::Client::new()
        .post(format!("{}/api/v1/auth/login", server.base))
        .json(&json!({"username": "author", "password": "demo"}))
        .send()
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "no demo users without --demo"
    );
    drop(server);
    add_admin(dir.path(), "quantri", "mot-mat-khau-dai");
    let server = serve(dir.path(), &[]);
    login(&server.base, "quantri", "mot-mat-khau-dai");
}

fn portico_user(data: &Path, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    let mut child = Command::new(BIN)
        .arg("user")
        .args(args)
        .arg("--data")
        .arg(data)
        .env("PORTICO_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn portico user");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(line) = stdin {
        writeln!(input, "{line}").expect("write");
    }
    drop(input);
    child.wait_with_output().expect("portico user")
}

#[test]
fn the_operator_disables_enables_and_resets_users_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    add_admin(dir.path(), "quantri", "mot-mat-khau-dai");
    let server = serve(dir.path(), &[]);
    let token = login(&server.base, "quantri", "mot-mat-khau-dai");
    let me = |t: &str| {
        reqwest::blocking::Client::new()
            .get(format!("{}/api/v1/me", server.base))
            .bearer_auth(t)
            .send()
            .unwrap()
            .status()
    };
    assert_eq!(me(&token), StatusCode::OK);

    let out = portico_user(dir.path(), &["disable", "quantri"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        me(&token),
        StatusCode::UNAUTHORIZED,
        "a disabled user's token stops at once"
    );
    let r = reqwest::blocking::Client::new()
        .post(format!("{}/api/v1/auth/login", server.base))
        .json(&json!({"username": "quantri", "password": "mot-mat-khau-dai"}))
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let listed = portico_user(dir.path(), &["list"], None);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("[disabled]"));

    assert!(portico_user(dir.path(), &["enable", "quantri"], None)
        .status
        .success());
    // A common breached password is refused, with the reason.
    let weak = portico_user(
        dir.path(),
        &["reset-password", "--password-stdin", "quantri"],
        Some("password123"),
    );
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("common"));
    let reset = portico_user(
        dir.path(),
        &["reset-password", "--password-stdin", "quantri"],
        Some("Núi Fansipan 3143 mét"),
    );
    assert!(
        reset.status.success(),
        "{}",
        String::from_utf8_lossy(&reset.stderr)
    );
    login(&server.base, "quantri", "Núi Fansipan 3143 mét");
}

/// Each worker drives its own items through the workflow and records every acknowledged
/// step; then the process is killed with SIGKILL mid-burst.
/// Creates the main portal on a fresh node.
fn main_site(http: &reqwest::blocking::Client, base: &str, token: &str) {
    let site = http
        .post(format!("{base}/api/v1/sites"))
        .bearer_auth(token)
        .json(&json!({"slug": "main", "name": "Cổng chính", "kind": "main"}))
        .send()
        .unwrap();
    assert_eq!(site.status(), StatusCode::CREATED);
}

#[test]
fn every_acknowledged_write_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    add_admin(dir.path(), "quantri", "mot-mat-khau-dai");
    let mut server = serve(dir.path(), &[]);
    let base = server.base.clone();
    let token = login(&base, "quantri", "mot-mat-khau-dai");
    let http = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    main_site(&http, &base, &token);

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let workers: Vec<_> = (0..4)
        .map(|w| {
            let (base, token, http, stop) = (base.clone(), token.clone(), http.clone(), stop.clone());
            std::thread::spawn(move || {
                // (item id, acknowledged steps in order)
                let mut acked: Vec<(i64, Vec<String>)> = Vec::new();
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    n += 1;
                    let r = http
                        .post(format!("{base}/api/v1/sites/main/items"))
                        .bearer_auth(&token)
                        .json(&json!({"kind": "article", "fields": {"title": format!("Tin số {n} của luồng {w}")}}))
                        .send();
                    let Ok(r) = r else { break };
                    if r.status() != StatusCode::CREATED {
                        break;
                    }
                    let Ok(body) = r.json::<Value>() else { break };
                    let id = body["id"].as_i64().unwrap();
                    acked.push((id, vec!["create".into()]));
                    for step in ["save", "submit", "forward", "publish"] {
                        let r = if step == "save" {
                            http.put(format!("{base}/api/v1/items/{id}"))
                                .bearer_auth(&token)
                                .json(&json!({"base_revision": 1, "fields": {"title": format!("Tin số {n} (sửa)")}}))
                                .send()
                        } else {
                            http.post(format!("{base}/api/v1/items/{id}/transitions"))
                                .bearer_auth(&token)
                                .json(&json!({"action": step}))
                                .send()
                        };
                        // Acknowledged means: a 200 whose whole body arrived.
                        let ok = r.is_ok_and(|r| r.status() == StatusCode::OK && r.bytes().is_ok());
                        if !ok {
                            return acked;
                        }
                        acked.last_mut().unwrap().1.push(step.into());
                    }
                }
                acked
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    server.child.kill().unwrap(); // SIGKILL
    server.child.wait().unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let acked: Vec<(i64, Vec<String>)> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    let steps: usize = acked.iter().map(|(_, s)| s.len()).sum();
    assert!(
        steps > 20,
        "the burst wrote too little to prove anything: {steps} steps"
    );

    assert_consistent(dir.path());
    let server = serve(dir.path(), &[]);
    let token = login(&server.base, "quantri", "mot-mat-khau-dai");
    let store = portico_storage::SqliteStore::open(
        &dir.path().join("portico.db"),
        portico_storage::Durability::Normal,
    )
    .unwrap();
    let events = store.events_after(0, 1_000_000).unwrap();
    for (id, acked_steps) in &acked {
        let history: Value = http
            .get(format!("{}/api/v1/items/{id}/history", server.base))
            .bearer_auth(&token)
            .send()
            .unwrap()
            .json()
            .unwrap();
        let stored: Vec<&str> = history
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["action"].as_str().unwrap())
            .collect();
        assert!(
            stored.len() >= acked_steps.len(),
            "item {id}: acknowledged {acked_steps:?}, stored {stored:?}"
        );
        for (a, s) in acked_steps.iter().zip(&stored) {
            assert_eq!(a, s, "item {id}");
        }
        let item_events = events
            .iter()
            .filter(|e| e.item_id == Some(portico_engine::ItemId(*id)))
            .count();
        assert!(item_events >= acked_steps.len(), "item {id} lost events");
        if acked_steps.last().map(String::as_str) == Some("publish") {
            assert!(events
                .iter()
                .any(|e| e.item_id == Some(portico_engine::ItemId(*id))
                    && e.kind == portico_engine::EventKind::ItemPublished));
        }
    }
}

fn search_total(base: &str, q: &str) -> i64 {
    let v: Value = reqwest::blocking::get(format!("{base}/api/v1/public/search?q={q}"))
        .unwrap()
        .json()
        .unwrap();
    v["total"].as_i64().unwrap()
}

#[test]
fn a_damaged_search_index_is_rebuilt_and_reindex_rebuilds_on_demand() {
    let dir = tempfile::tempdir().unwrap();
    add_admin(dir.path(), "quantri", "mot-mat-khau-dai");
    let server = serve(dir.path(), &[]);
    let token = login(&server.base, "quantri", "mot-mat-khau-dai");
    let http = reqwest::blocking::Client::new();
    let post = |path: &str, body: Value| {
        let r = http
            .post(format!("{}{path}", server.base))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json::<Value>().unwrap()
    };
    post(
        "/api/v1/sites",
        json!({"slug": "main", "name": "Cổng chính", "kind": "main"}),
    );
    let id = post(
        "/api/v1/sites/main/items",
        json!({"kind": "article", "fields": {"title": "Chợ phiên Bắc Hà cuối tuần"}}),
    )["id"]
        .as_i64()
        .unwrap();
    for action in ["submit", "forward", "publish"] {
        post(
            &format!("/api/v1/items/{id}/transitions"),
            json!({"action": action}),
        );
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while search_total(&server.base, "cho+phien+bac+ha") != 1 {
        assert!(Instant::now() < deadline, "never indexed");
        std::thread::sleep(Duration::from_millis(50));
    }
    // While the server holds the index, reindex refuses with a clear message.
    let busy = Command::new(BIN)
        .args(["reindex", "--data"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!busy.status.success());
    assert!(
        String::from_utf8_lossy(&busy.stderr).contains("stop the server first"),
        "{}",
        String::from_utf8_lossy(&busy.stderr)
    );
    drop(server);

    // Damage the index: the next start answers at once and rebuilds it from the store.
    std::fs::write(dir.path().join("index/meta.json"), b"{ not json").unwrap();
    let server = serve(dir.path(), &[]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while search_total(&server.base, "cho+phien+bac+ha") != 1 {
        assert!(
            Instant::now() < deadline,
            "the damaged index was never rebuilt"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(server);

    let out = Command::new(BIN)
        .args(["reindex", "--data"])
        .arg(dir.path())
        .env("PORTICO_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("indexed 1 published items"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn a_store_that_cannot_be_used_is_a_clear_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    for (store, says) in [
        ("mysql://root@127.0.0.1/portico", "only PostgreSQL URLs"),
        (
            "postgres://portico:secret@127.0.0.1:1/portico",
            "cannot connect to PostgreSQL at 127.0.0.1:1/portico",
        ),
        (
            "postgres://portico@127.0.0.1:1/p?sslmode=bogus",
            "invalid PostgreSQL URL",
        ),
    ] {
        let out = Command::new(BIN)
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--store",
                store,
            ])
            .arg("--data")
            .arg(dir.path())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{store}");
        assert!(err.contains(says), "{store}: {err}");
        assert!(!err.contains("panicked"), "{store}: {err}");
        assert!(
            !err.contains("secret"),
            "the password stays out of messages: {err}"
        );
    }
}

#[test]
fn a_demo_killed_while_it_is_built_is_noticed_and_built_anew() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir.path())
        .env("PORTICO_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn portico");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.starts_with("Creating the demo network"), "{first}");
    // Part of the way in: some portals and items exist, most do not.
    std::thread::sleep(Duration::from_millis(700));
    child.kill().unwrap();
    child.wait().unwrap();
    let check = portico_check(dir.path());
    let said = String::from_utf8_lossy(&check.stdout).into_owned();
    assert!(
        !check.status.success(),
        "check calls a half-built demo consistent: {said}"
    );
    assert!(said.contains("half-built"), "{said}");

    let again = serve(dir.path(), &["--demo"]);
    assert!(
        again.banner.iter().any(|l| l.contains("building it anew")),
        "{:?}",
        again.banner
    );
    let sites: Value = reqwest::blocking::get(format!("{}/api/v1/public/sites", again.base))
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(portals(&sites), 92, "the whole network, once");
    drop(again);
    assert_consistent(dir.path());
}

fn portico_cmd(args: &[&str], data: &Path) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .arg("--data")
        .arg(data)
        .env("PORTICO_LOG", "warn")
        .output()
        .expect("run portico")
}

/// Runs a command that must succeed; its error output says why when it does not.
fn portico_ok(args: &[&str], data: &Path) {
    let out = portico_cmd(args, data);
    assert!(
        out.status.success(),
        "portico {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_backup_taken_while_writers_run_restores_every_write_acknowledged_before_it_began() {
    restore_drill(None);
}

/// The same drill on PostgreSQL: pg_dump's snapshot, pg_restore into an empty database.
#[test]
fn a_postgresql_backup_taken_while_writers_run_restores_into_an_empty_database() {
    let Some(pg) = crate::pg_server::cluster() else {
        return;
    };
    restore_drill(Some((pg.fresh_database(), pg.fresh_database())));
}

/// Writers run while a backup is taken; what was acknowledged before it began must come back.
/// `pg`: the source database and an empty one to restore into; `None`: SQLite.
fn restore_drill(pg: Option<(String, String)>) {
    let dir = tempfile::tempdir().unwrap();
    let store_args = |url: &Option<String>| -> Vec<String> {
        url.iter()
            .flat_map(|u| ["--store".to_owned(), u.clone()])
            .collect()
    };
    let (source, target) = match &pg {
        Some((a, b)) => (Some(a.clone()), Some(b.clone())),
        None => (None, None),
    };
    let src_args = store_args(&source);
    let src: Vec<&str> = src_args.iter().map(String::as_str).collect();
    let mut add = Command::new(BIN)
        .args(["user", "add", "--admin", "--password-stdin", "--data"])
        .arg(dir.path())
        .args(&src)
        .arg("quantri")
        .env("PORTICO_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(add.stdin.take().unwrap(), "mot-mat-khau-dai").unwrap();
    assert!(add.wait_with_output().unwrap().status.success());
    let server = serve(dir.path(), &src);
    let base = server.base.clone();
    let token = login(&base, "quantri", "mot-mat-khau-dai");
    let http = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    main_site(&http, &base, &token);
    // A photo in the library, which the backup must carry.
    let png: Vec<u8> = {
        let mut b = Vec::new();
        image::RgbImage::from_pixel(40, 30, image::Rgb([200, 30, 30]))
            .write_to(&mut std::io::Cursor::new(&mut b), image::ImageFormat::Png)
            .unwrap();
        b
    };
    let up = http
        .post(format!("{base}/api/v1/sites/main/media"))
        .bearer_auth(&token)
        .multipart(reqwest::blocking::multipart::Form::new().part(
            "file",
            reqwest::blocking::multipart::Part::bytes(png.clone()).file_name("anh.png"),
        ))
        .send()
        .unwrap();
    assert_eq!(up.status(), StatusCode::CREATED);
    let media: Value = up.json().unwrap();
    // Published as a story's cover, so the public may fetch it.
    let story: Value = http
        .post(format!("{base}/api/v1/sites/main/items"))
        .bearer_auth(&token)
        .json(&json!({"kind": "article", "fields": {"title": "Có ảnh", "cover": media["id"].to_string()}}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    for step in ["submit", "forward", "publish"] {
        let r = http
            .post(format!("{base}/api/v1/items/{}/transitions", story["id"]))
            .bearer_auth(&token)
            .json(&json!({"action": step}))
            .send()
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{step}");
    }

    // Writers run before, during and after the backup; each notes when its write was
    // acknowledged.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..3)
        .map(|w| {
            let (base, token, http, stop) =
                (base.clone(), token.clone(), http.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut acked: Vec<(i64, Instant)> = Vec::new();
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    n += 1;
                    let r = http
                        .post(format!("{base}/api/v1/sites/main/items"))
                        .bearer_auth(&token)
                        .json(&json!({"kind": "article", "fields": {"title": format!("Tin {n} của luồng {w}")}}))
                        .send()
                        .unwrap();
                    assert_eq!(r.status(), StatusCode::CREATED);
                    let id = r.json::<Value>().unwrap()["id"].as_i64().unwrap();
                    acked.push((id, Instant::now()));
                }
                acked
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(700));
    let began = Instant::now();
    let archive = dir.path().join("sao-luu.tar");
    let mut args = vec!["backup", "--out", archive.to_str().unwrap()];
    args.extend(&src);
    portico_ok(&args, dir.path());
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let acked: Vec<(i64, Instant)> = writers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    let before: Vec<i64> = acked
        .iter()
        .filter(|(_, at)| *at < began)
        .map(|(id, _)| *id)
        .collect();
    assert!(
        before.len() > 10 && acked.len() > before.len(),
        "writes before ({}) and after ({}) the backup began",
        before.len(),
        acked.len() - before.len()
    );
    drop(server);

    // Restored into a new folder: every write acknowledged before the backup began, the
    // photo, and a store that passes its check.
    let restored = tempfile::tempdir().unwrap();
    let dst_args = store_args(&target);
    let dst: Vec<&str> = dst_args.iter().map(String::as_str).collect();
    let mut args = vec!["restore", archive.to_str().unwrap()];
    args.extend(&dst);
    portico_ok(&args, &restored.path().join("du-lieu"));
    let data = restored.path().join("du-lieu");
    let mut args = vec!["check"];
    args.extend(&dst);
    let check = portico_cmd(&args, &data);
    assert!(
        check.status.success(),
        "check: {}",
        String::from_utf8_lossy(&check.stdout)
    );
    let store: Box<dyn ItemStore> = match &target {
        Some(url) => Box::new(portico_storage::PgStore::connect(url).unwrap()),
        None => Box::new(
            portico_storage::SqliteStore::open(
                &data.join("portico.db"),
                portico_storage::Durability::Normal,
            )
            .unwrap(),
        ),
    };
    for id in &before {
        assert!(
            store.item(portico_engine::ItemId(*id)).unwrap().is_some(),
            "item {id}, acknowledged before the backup began, is in it"
        );
    }
    drop(store);
    let again = serve(&data, &dst);
    // The accounts came back with their passwords.
    let token = login(&again.base, "quantri", "mot-mat-khau-dai");
    let me: Value = http
        .get(format!("{}/api/v1/me", again.base))
        .bearer_auth(&token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(me["username"], "quantri");
    // The photo came back, byte for byte.
    let photo = http
        .get(format!("{}/media/{}", again.base, media["id"]))
        .send()
        .unwrap();
    assert_eq!(photo.status(), StatusCode::OK);
    assert_eq!(photo.bytes().unwrap().to_vec(), png);
    drop(again);

    // Restoring over data is refused; a damaged archive is refused before anything is
    // written.
    let mut args = vec!["restore", archive.to_str().unwrap()];
    args.extend(&dst);
    let twice = portico_cmd(&args, &data);
    assert!(
        !twice.status.success(),
        "a second restore over the first is refused"
    );
    if target.is_none() {
        assert!(String::from_utf8_lossy(&twice.stderr).contains("empty data folder"));
    }
    let mut bytes = std::fs::read(&archive).unwrap();
    let at = bytes.len() / 3;
    bytes[at] ^= 0xff;
    let damaged = dir.path().join("hong.tar");
    std::fs::write(&damaged, &bytes).unwrap();
    let target = restored.path().join("khac");
    let bad = portico_cmd(&["restore", damaged.to_str().unwrap()], &target);
    assert!(!bad.status.success());
    let said = String::from_utf8_lossy(&bad.stderr);
    assert!(
        said.contains("damaged") || said.contains("does not match"),
        "{said}"
    );
    assert!(
        !target.join("portico.db").exists(),
        "nothing restored from a damaged archive"
    );
}

#[test]
fn the_leading_node_takes_scheduled_backups_and_reports_them_in_metrics() {
    let dir = tempfile::tempdir().unwrap();
    add_admin(dir.path(), "quantri", "mot-mat-khau-dai");
    let backups = dir.path().join("sao-luu");
    let server = serve(
        dir.path(),
        &[
            "--backup-every",
            "5s",
            "--backup-keep",
            "2",
            "--backup-dir",
            backups.to_str().unwrap(),
        ],
    );
    wait_for_backup(&server.base, 0.0);
    assert!(metric(&server.base, "portico_backup_last_bytes") > 0.0);
    let files: Vec<_> = std::fs::read_dir(&backups)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tar"))
        .collect();
    assert!(!files.is_empty() && files.len() <= 2, "{files:?}");
    // A scheduled backup is a whole one: it restores.
    let restored = tempfile::tempdir().unwrap();
    portico_ok(
        &["restore", files[0].to_str().unwrap()],
        &restored.path().join("d"),
    );
}

/// A value of the node's `/metrics`.
fn metric(base: &str, name: &str) -> f64 {
    let text = reqwest::blocking::get(format!("{base}/metrics"))
        .unwrap()
        .text()
        .unwrap();
    text.lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

/// Waits (40 s at most) for a scheduled backup that succeeded after `after` (a timestamp);
/// returns its timestamp.
fn wait_for_backup(base: &str, after: f64) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let last = metric(base, "portico_backup_last_success_timestamp_seconds");
        if last > after {
            return last;
        }
        assert!(
            metric(base, "portico_backup_failures_total") == 0.0,
            "a scheduled backup failed"
        );
        assert!(Instant::now() < deadline, "no scheduled backup within 40 s");
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn scheduled_backups_go_to_a_bucket_keep_the_newest_and_restore_from_it() {
    let Some(s3) = crate::s3_server::S3Server::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    add_admin(dir.path(), "quantri", "mot-mat-khau-dai");
    let s3_args = [
        "--s3-endpoint",
        s3.endpoint.as_str(),
        "--s3-access-key",
        crate::s3_server::ACCESS_KEY,
        "--s3-secret-key",
        crate::s3_server::SECRET_KEY,
    ];
    let mut args = vec![
        "--backup-every",
        "5s",
        "--backup-keep",
        "1",
        "--backup-bucket",
        crate::s3_server::BUCKET,
        "--backup-prefix",
        "sao-luu/",
    ];
    args.extend(s3_args);
    let server = serve(dir.path(), &args);
    let first = wait_for_backup(&server.base, 0.0);
    wait_for_backup(&server.base, first);
    let bucket = portico_storage::ObjectBlobs::open(&s3.config()).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let kept = rt.block_on(bucket.keys("sao-luu/")).unwrap();
    assert_eq!(kept.len(), 1, "only the newest is kept: {kept:?}");
    assert!(kept[0].1 > 0);
    // Nothing is left behind in the staging folder.
    let staged = dir.path().join("backups");
    assert!(
        !staged.exists() || std::fs::read_dir(&staged).unwrap().next().is_none(),
        "the staged copy was removed"
    );
    drop(server);
    // The newest backup comes back from the bucket.
    let restored = tempfile::tempdir().unwrap();
    let mut restore = vec![
        "restore",
        "latest",
        "--from-bucket",
        crate::s3_server::BUCKET,
        "--backup-prefix",
        "sao-luu/",
    ];
    restore.extend(s3_args);
    portico_ok(&restore, &restored.path().join("d"));
    let server = serve(&restored.path().join("d"), &[]);
    login(&server.base, "quantri", "mot-mat-khau-dai");
    // A name that is not in the bucket says so.
    let mut missing = vec![
        "restore",
        "portico-20000101T000000Z.tar",
        "--from-bucket",
        crate::s3_server::BUCKET,
    ];
    missing.extend(s3_args);
    let out = portico_cmd(&missing, &restored.path().join("e"));
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no object"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The entries of an archive's manifest (path, size, SHA-256), and one entry's bytes.
fn manifest_entries(archive: &Path) -> Vec<Value> {
    let json = tar_entry(archive, "manifest.json");
    let m: Value = serde_json::from_slice(&json).unwrap();
    m["entries"].as_array().unwrap().clone()
}

fn tar_entry(archive: &Path, path: &str) -> Vec<u8> {
    let out = Command::new("tar")
        .arg("-xOf")
        .arg(archive)
        .arg(path)
        .output()
        .expect("tar");
    assert!(out.status.success(), "{path} in {}", archive.display());
    out.stdout
}

#[test]
fn an_export_imports_into_sqlite_and_postgresql_and_exports_the_same_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let mut demo = serve(dir.path(), &["--demo", "--demo-size", "small"]);
    sigterm(&demo.child);
    demo.child.wait().unwrap();
    drop(demo);
    let first = dir.path().join("ban-giao.tar");
    portico_ok(&["export", "--out", first.to_str().unwrap()], dir.path());
    let entries = manifest_entries(&first);
    for table in [
        "users",
        "sites",
        "channels",
        "roles",
        "items",
        "revisions",
        "audit",
        "media",
    ] {
        assert!(
            entries
                .iter()
                .any(|e| e["path"] == format!("data/{table}.jsonl")),
            "{table} is exported"
        );
    }
    assert!(entries
        .iter()
        .any(|e| e["path"].as_str().unwrap().starts_with("media/originals/")));
    // Readable without Portico: every row of a table matches its JSON Schema, and the
    // manifest's checksums are the files'.
    for table in ["users", "items", "revisions"] {
        let schema: Value =
            serde_json::from_slice(&tar_entry(&first, &format!("schema/{table}.json"))).unwrap();
        let v = jsonschema::validator_for(&schema).unwrap();
        let rows = tar_entry(&first, &format!("data/{table}.jsonl"));
        let mut n = 0;
        for line in String::from_utf8(rows.clone()).unwrap().lines() {
            let row: Value = serde_json::from_str(line).unwrap();
            assert!(v.is_valid(&row), "{table}: {line}");
            n += 1;
        }
        assert!(n > 0, "{table} has rows");
        let e = entries
            .iter()
            .find(|e| e["path"] == format!("data/{table}.jsonl"))
            .unwrap();
        use sha2::Digest;
        let sum: String = sha2::Sha256::digest(&rows)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(e["sha256"], sum);
    }

    // Into an empty SQLite folder, and out again: the same entries.
    let sqlite = tempfile::tempdir().unwrap();
    let data = sqlite.path().join("d");
    portico_ok(&["import", first.to_str().unwrap()], &data);
    let again = sqlite.path().join("lai.tar");
    portico_ok(&["export", "--out", again.to_str().unwrap()], &data);
    assert_eq!(manifest_entries(&again), entries, "SQLite round trip");
    // Compressed (by its name): plain tar reads it, and it imports to the same data.
    let gz = sqlite.path().join("ban-giao.tar.gz");
    portico_ok(&["export", "--out", gz.to_str().unwrap()], dir.path());
    assert_eq!(std::fs::read(&gz).unwrap()[..2], [0x1f, 0x8b], "gzip");
    assert!(std::fs::metadata(&gz).unwrap().len() < std::fs::metadata(&first).unwrap().len());
    let listed = Command::new("tar")
        .arg("-xzOf")
        .arg(&gz)
        .arg("manifest.json")
        .output()
        .expect("tar");
    let listed: Value = serde_json::from_slice(&listed.stdout).expect("manifest via tar");
    assert_eq!(listed["entries"].as_array().unwrap(), &entries);
    let from_gz = sqlite.path().join("tu-gz");
    portico_ok(&["import", gz.to_str().unwrap()], &from_gz);
    let plain = sqlite.path().join("tu-gz.tar");
    portico_ok(&["export", "--out", plain.to_str().unwrap()], &from_gz);
    assert_eq!(manifest_entries(&plain), entries, "gzip round trip");
    // Importing twice is refused: ids would collide.
    let twice = portico_cmd(&["import", first.to_str().unwrap()], &data);
    assert!(!twice.status.success());
    assert!(String::from_utf8_lossy(&twice.stderr).contains("empty"));
    // The accounts work, with their passwords, and search finds the content.
    let node = serve(&data, &[]);
    let token = login(&node.base, "editor", "demo");
    assert!(!token.is_empty());
    assert!(search_total(&node.base, "Lào Cai") > 0);
    drop(node);

    // One portal alone: a network of its own, with only its accounts.
    let one = sqlite.path().join("xa.tar");
    portico_ok(
        &[
            "export",
            "--site",
            "xa-ta-van",
            "--out",
            one.to_str().unwrap(),
        ],
        dir.path(),
    );
    let sites = String::from_utf8(tar_entry(&one, "data/sites.jsonl")).unwrap();
    assert_eq!(sites.lines().count(), 1);
    assert!(sites.contains("\"slug\":\"xa-ta-van\"") && sites.contains("\"parent_id\":null"));
    let alone = sqlite.path().join("xa");
    portico_ok(&["import", one.to_str().unwrap()], &alone);
    let node = serve(&alone, &[]);
    let page = reqwest::blocking::get(format!("{}/xa-ta-van/", node.base)).unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    login(&node.base, "author", "demo");
    drop(node);
    let none = portico_cmd(
        &[
            "export",
            "--site",
            "khong-co",
            "--out",
            one.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(String::from_utf8_lossy(&none.stderr).contains("no site 'khong-co'"));

    // Without secrets: no password hash and no API token leaves.
    let bare = sqlite.path().join("khong-mat-khau.tar");
    portico_ok(
        &[
            "export",
            "--without-secrets",
            "--out",
            bare.to_str().unwrap(),
        ],
        dir.path(),
    );
    let users = String::from_utf8(tar_entry(&bare, "data/users.jsonl")).unwrap();
    assert!(
        users.lines().count() >= 4 && !users.contains("$argon2"),
        "{users}"
    );
    assert!(tar_entry(&bare, "data/api_tokens.jsonl").is_empty());

    // Into an empty PostgreSQL database, and out again: the same entries.
    if let Some(pg) = crate::pg_server::cluster() {
        let url = pg.fresh_database();
        let pgdir = tempfile::tempdir().unwrap();
        portico_ok(
            &["import", first.to_str().unwrap(), "--store", &url],
            pgdir.path(),
        );
        let from_pg = pgdir.path().join("tu-pg.tar");
        portico_ok(
            &[
                "export",
                "--out",
                from_pg.to_str().unwrap(),
                "--store",
                &url,
            ],
            pgdir.path(),
        );
        assert_eq!(manifest_entries(&from_pg), entries, "PostgreSQL round trip");
        // New rows continue after the imported ids.
        let node = serve(pgdir.path(), &["--store", &url]);
        let token = login(&node.base, "admin", "demo");
        let made = reqwest::blocking::Client::new()
            .post(format!("{}/api/v1/sites/main/items", node.base))
            .bearer_auth(&token)
            .json(&json!({"kind": "article", "fields": {"title": "Sau khi chuyển"}}))
            .send()
            .unwrap();
        assert_eq!(made.status(), StatusCode::CREATED, "{:?}", made.text());
    }
}

#[test]
fn single_sign_on_settings_are_checked_and_password_sign_in_can_be_turned_off() {
    let data = tempfile::tempdir().expect("tempdir");
    // Settings that cannot work stop the start with the reason.
    for (args, says) in [
        (
            vec![
                "--oidc-issuer",
                "http://127.0.0.1:9/",
                "--oidc-client-id",
                "p",
            ],
            "--oidc-issuer needs --public-url",
        ),
        (vec!["--password-sign-in", "false"], "needs single sign-on"),
        (
            vec!["--oidc-role-map", "bien-tap=main"],
            "a role mapping is GROUP=SITE:ROLE",
        ),
    ] {
        let mut all = vec!["serve", "--listen", "127.0.0.1:0"];
        all.extend(args);
        let out = portico_cmd(&all, data.path());
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{all:?}: {err}");
    }
    add_admin(data.path(), "quantri", "mat-khau-rat-dai-1");
    // A provider that does not answer (a closed port): the sign-in page offers single sign-on
    // only, the password is refused by the API too, and a sign-in that cannot reach the
    // provider comes back to the sign-in page saying so.
    // A provider that does not answer: a closed port.
    let sso = [
        "--public-url",
        "http://127.0.0.1:1",
        "--oidc-issuer",
        "http://127.0.0.1:9",
        "--oidc-client-id",
        "portico",
    ];
    let server = serve(
        data.path(),
        &[&sso[..], &["--password-sign-in", "false"]].concat(),
    );
    let http = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let r = http
        .post(format!("{}/api/v1/auth/login", server.base))
        .json(&json!({"username": "quantri", "password": "mat-khau-rat-dai-1"}))
        .send()
        .expect("login");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let page = http
        .get(format!("{}/admin/login", server.base))
        .send()
        .expect("login page")
        .text()
        .expect("text");
    assert!(page.contains("href=\"/auth/oidc/login?next="), "{page}");
    assert!(!page.contains("name=\"password\""), "no password form");
    let r = http
        .get(format!("{}/auth/oidc/login", server.base))
        .send()
        .expect("sso");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()["location"].to_str().expect("location"),
        "/admin/login?sso=unavailable"
    );
    assert_eq!(r.headers()["cache-control"], "no-store");
    drop(server);
    // With passwords on again: a callback nobody started is refused, but it is a link anyone
    // can make: it neither signs the browser out nor writes to the audit log.
    let server = serve(data.path(), &sso);
    let token = login(&server.base, "quantri", "mat-khau-rat-dai-1");
    for query in ["code=x&state=y", "error=access_denied", "error=x&state=y"] {
        let r = http
            .get(format!("{}/auth/oidc/callback?{query}", server.base))
            .header("cookie", format!("portico_session={token}"))
            .send()
            .expect("callback");
        assert!(
            r.headers()["location"]
                .to_str()
                .expect("location")
                .starts_with("/admin/login?sso="),
            "{query}"
        );
        assert!(
            r.headers().get("set-cookie").is_none(),
            "{query}: signed out"
        );
    }
    let audit: Value = http
        .get(format!(
            "{}/api/v1/audit?action=auth.sign_in_failed",
            server.base
        ))
        .bearer_auth(&token)
        .send()
        .expect("audit")
        .json()
        .expect("json");
    assert_eq!(audit.as_array().map(Vec::len), Some(0), "{audit}");
    // The session the links carried still works.
    let me = http
        .get(format!("{}/api/v1/me", server.base))
        .bearer_auth(&token)
        .send()
        .expect("me");
    assert_eq!(me.status(), StatusCode::OK);
}
