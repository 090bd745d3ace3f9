//! Two nodes and an edge, as an operator runs them: real `portico` processes on 127.0.0.1.
//! In production the nodes share a PostgreSQL database and an S3 bucket, each with its own
//! data folder (search index); on one machine they may instead share one data folder
//! (SQLite in WAL mode and the media folder). Both ways are tested.

use reqwest::blocking::Client;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_portico");
const TOKEN: &str = "the-edge-token-of-the-node-test";

struct Proc {
    child: Child,
    base: String,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port for a child process to listen on, free now and below the kernel's ephemeral range
/// (32768–60999 by default): a port taken from that range (`bind(:0)`) is released before the
/// child binds it, and meanwhile the other tests' servers and outgoing connections draw from
/// the same range, which once made a node fail with "address already in use".
fn free_port() -> u16 {
    use std::hash::{BuildHasher, Hasher};
    for attempt in 0..1000u32 {
        // RandomState is keyed at random: a cheap random number without another crate.
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u32(attempt);
        let port = 20_000 + u16::try_from(h.finish() % 12_000).expect("in range");
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port between 20000 and 32000")
}

/// Starts the binary with `args` and waits until `health` answers 200.
fn start(args: &[String], base: String, health: &str, wait: Duration) -> Proc {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env("PORTICO_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    // Should the test process die without unwinding, the nodes go with it.
    // SAFETY: prctl is async-signal-safe; the closure allocates nothing.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    let child = cmd.spawn().expect("spawn portico");
    let p = Proc { child, base };
    let http = Client::new();
    let deadline = Instant::now() + wait;
    loop {
        let ok = http
            .get(format!("{}{health}", p.base))
            .timeout(Duration::from_secs(2))
            .send()
            .is_ok_and(|r| r.status() == StatusCode::OK);
        if ok {
            return p;
        }
        assert!(Instant::now() < deadline, "{args:?} never became healthy");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// What the nodes share.
struct Shared {
    dir: tempfile::TempDir,
    /// A PostgreSQL URL; without it, SQLite in the shared folder.
    store: Option<String>,
    /// An S3-compatible server; without it, a shared media folder.
    s3: Option<S3Server>,
}

impl Shared {
    fn describe(&self) -> String {
        format!(
            "store: {}, media: {}",
            if self.store.is_some() {
                "PostgreSQL"
            } else {
                "shared SQLite folder"
            },
            if self.s3.is_some() {
                "S3"
            } else {
                "shared folder"
            }
        )
    }
}

fn node(shared: &Shared, name: &str, port: u16, demo: bool) -> Proc {
    let data = shared.dir.path();
    let mut args: Vec<String> = ["serve", "--listen"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push(format!("127.0.0.1:{port}"));
    match &shared.store {
        Some(url) => {
            args.extend(["--store".into(), url.clone(), "--data".into()]);
            args.push(data.join(format!("node-{name}")).display().to_string());
        }
        None => {
            args.extend(["--data".into(), data.display().to_string()]);
            args.push("--index".into());
            args.push(data.join(format!("index-{name}")).display().to_string());
        }
    }
    match &shared.s3 {
        Some(s3) => args.extend([
            "--s3-bucket".into(),
            s3_server::BUCKET.into(),
            "--s3-endpoint".into(),
            s3.endpoint.clone(),
            "--s3-access-key".into(),
            s3_server::ACCESS_KEY.into(),
            "--s3-secret-key".into(),
            s3_server::SECRET_KEY.into(),
        ]),
        None => {
            args.push("--media-dir".into());
            args.push(data.join("media").display().to_string());
        }
    }
    args.extend([
        "--media-key".into(),
        "the-media-key-of-the-node-test".into(),
    ]);
    args.push("--edge-token".into());
    args.push(TOKEN.into());
    if demo {
        // The scenario needs the network and its users, not thousands of items.
        args.extend(["--demo".into(), "--demo-size".into(), "small".into()]);
    }
    // Ready: the search index has taken in the store, the purger runs.
    start(
        &args,
        format!("http://127.0.0.1:{port}"),
        "/readyz",
        Duration::from_secs(180),
    )
}

fn edge(port: u16, origins: &[&Proc]) -> Proc {
    let mut args = vec![
        "edge".to_owned(),
        "--listen".into(),
        format!("127.0.0.1:{port}"),
    ];
    for o in origins {
        args.push("--origin".into());
        args.push(o.base.clone());
    }
    args.push("--token".into());
    args.push(TOKEN.into());
    start(
        &args,
        format!("http://127.0.0.1:{port}"),
        "/_edge/healthz",
        Duration::from_secs(30),
    )
}

fn call(http: &Client, method: &str, url: &str, token: &str, body: Value) -> Value {
    let r = http
        .request(method.parse().expect("method"), url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .expect("request");
    let status = r.status();
    let v: Value = r.json().unwrap_or(Value::Null);
    assert!(status.is_success(), "{method} {url}: {status} {v}");
    v
}

/// Creates an article on the main portal and takes it to `last` (publish or schedule).
fn article(http: &Client, base: &str, token: &str, title: &str, last: Value) -> Value {
    let item = call(
        http,
        "POST",
        &format!("{base}/api/v1/sites/main/items"),
        token,
        json!({"kind": "article", "channels": ["tin-tuc-su-kien"], "fields": {"title": title, "body": "Nội dung."}}),
    );
    let id = item["id"].as_i64().expect("id");
    for step in [
        json!({"action": "submit"}),
        json!({"action": "forward"}),
        last,
    ] {
        call(
            http,
            "POST",
            &format!("{base}/api/v1/items/{id}/transitions"),
            token,
            step,
        );
    }
    item
}

/// Whether a node says it leads (runs the scheduler, sends webhooks).
fn leads(http: &Client, node: &Proc) -> bool {
    let text = http
        .get(format!("{}/metrics", node.base))
        .send()
        .and_then(|r| r.text())
        .unwrap_or_default();
    text.lines().any(|l| l == "portico_leader 1")
}

/// Waits until `url` answers 200 with `needle` in its body; how long that took.
fn until_shows(http: &Client, url: &str, needle: &str, within: Duration) -> Duration {
    let started = Instant::now();
    loop {
        if let Ok(r) = http.get(url).send() {
            if r.status() == StatusCode::OK && r.text().unwrap_or_default().contains(needle) {
                return started.elapsed();
            }
        }
        assert!(
            started.elapsed() < within,
            "{url} did not show '{needle}' within {within:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

use crate::{pg_server, s3_server, s3_server::S3Server};

/// The production shape: a PostgreSQL database and an S3 bucket shared by the nodes.
#[test]
fn two_nodes_on_postgresql_and_an_edge_survive_the_nodes_and_catch_up() {
    let Some(pg) = pg_server::cluster() else {
        return;
    };
    scenario(Shared {
        dir: tempfile::tempdir().expect("tempdir"),
        store: Some(pg.fresh_database()),
        s3: S3Server::start(),
    });
}

/// Nodes on one machine may share a data folder instead.
#[test]
fn two_nodes_sharing_a_sqlite_folder_and_an_edge_survive_the_nodes() {
    scenario(Shared {
        dir: tempfile::tempdir().expect("tempdir"),
        store: None,
        s3: None,
    });
}

fn small_png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 5) as u8, 90])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("png");
    out.into_inner()
}

fn scenario(shared: Shared) {
    eprintln!("{}", shared.describe());
    let (pa, pb, pe) = (free_port(), free_port(), free_port());
    let a = node(&shared, "a", pa, true);
    let b = node(&shared, "b", pb, false);
    let e = edge(pe, &[&a, &b]);
    let http = Client::new();
    let admin = call(
        &http,
        "POST",
        &format!("{}/api/v1/auth/login", a.base),
        "",
        json!({"username": "admin", "password": "demo"}),
    )["token"]
        .as_str()
        .expect("token")
        .to_owned();
    // Exactly one node runs the scheduler and the webhooks: the first one started.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !leads(&http, &a) {
        assert!(Instant::now() < deadline, "A never took the lead");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!leads(&http, &b), "B must not lead while A does");
    let home = format!("{}/main/", e.base);
    for _ in 0..2 {
        assert_eq!(
            http.get(&home).send().expect("home").status(),
            StatusCode::OK
        );
    }
    // The edge's streams have reached the nodes' head (they share one log).
    let head = |node: &Proc| -> i64 {
        let text = http
            .get(format!("{}/metrics", node.base))
            .send()
            .and_then(|r| r.text())
            .unwrap_or_default();
        text.lines()
            .find_map(|l| {
                l.strip_prefix("portico_event_log_head ")?
                    .trim()
                    .parse()
                    .ok()
            })
            .unwrap_or(i64::MAX)
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let want = head(&a).max(head(&b));
        let status: Value = http
            .get(format!("{}/_edge/status", e.base))
            .send()
            .and_then(|r| r.json())
            .unwrap_or_default();
        let seen = |i: usize| {
            status["origins"][i]["invalidations_seen"]
                .as_i64()
                .unwrap_or(-1)
        };
        if seen(0) >= want && seen(1) >= want {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the edge never caught up: {status}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    // Published through A: on B, at the edge and in B's search within a second.
    let title = "Thông báo khẩn về phòng chống lũ quét";
    article(&http, &a.base, &admin, title, json!({"action": "publish"}));
    let second = Duration::from_secs(1);
    until_shows(&http, &format!("{}/main/", b.base), title, second);
    until_shows(&http, &home, title, second);
    until_shows(
        &http,
        &format!("{}/api/v1/public/search?q=lu+quet+phong+chong", b.base),
        "phòng chống lũ quét",
        second,
    );

    // A file uploaded through A is in the shared blob store: B resizes it.
    let form = reqwest::blocking::multipart::Form::new().part(
        "file",
        reqwest::blocking::multipart::Part::bytes(small_png()).file_name("toan-canh.png"),
    );
    let r = http
        .post(format!("{}/api/v1/sites/main/media", a.base))
        .bearer_auth(&admin)
        .multipart(form)
        .send()
        .expect("upload");
    assert_eq!(r.status(), StatusCode::CREATED);
    let media: Value = r.json().expect("media");
    let mid = media["id"].as_i64().expect("media id");
    call(
        &http,
        "PATCH",
        &format!("{}/api/v1/media/{mid}", a.base),
        &admin,
        json!({"public": true}),
    );
    let r = http
        .get(format!("{}/media/{mid}/thumb", b.base))
        .send()
        .expect("thumb from B");
    assert_eq!(r.status(), StatusCode::OK, "B serves what A stored");
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap_or_default()
        .starts_with("image/"));

    // A dies: the edge fails over to B; no request fails.
    let paths = [
        "/main/",
        "/api/v1/public/sites/main/items?limit=3",
        "/main/feed.rss",
        "/api/v1/public/search?q=giao+duc",
        "/sitemap.xml",
    ];
    drop(a);
    let until = Instant::now() + Duration::from_secs(3);
    let mut asked = 0;
    while Instant::now() < until {
        for p in paths {
            let r = http.get(format!("{}{p}", e.base)).send().expect("edge");
            assert_eq!(r.status(), StatusCode::OK, "{p} after A died");
            asked += 1;
        }
    }
    assert!(asked > 20);
    // B took over the scheduler.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !leads(&http, &b) {
        assert!(
            Instant::now() < deadline,
            "B never took the lead after A died"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    // Scheduled through B for a moment when no node will be up.
    let at = chrono::Utc::now() + chrono::TimeDelta::seconds(4);
    let later = "Lịch tiếp công dân tháng mười hai";
    article(
        &http,
        &b.base,
        &admin,
        later,
        json!({"action": "schedule", "at": at.to_rfc3339()}),
    );
    drop(b);
    // Both down: the edge serves what it holds, stale or not, with its age.
    std::thread::sleep(Duration::from_secs(1));
    let r = http.get(&home).send().expect("edge");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().contains_key("age"));
    assert!(r.text().expect("body").contains(title));
    let r = http
        .get(format!("{}/api/v1/public/sites/main/items?limit=4", e.base))
        .send()
        .expect("edge");
    assert_eq!(
        r.status(),
        StatusCode::BAD_GATEWAY,
        "never cached, nobody to ask"
    );
    while chrono::Utc::now() < at + chrono::TimeDelta::seconds(1) {
        std::thread::sleep(Duration::from_millis(100));
    }

    // A comes back: its scheduler publishes what came due meanwhile, and the edge, resuming
    // its stream where it stopped, drops the old home page.
    let a = node(&shared, "a", pa, false);
    let took = until_shows(&http, &home, later, Duration::from_secs(5));
    eprintln!("scheduled item at the edge {took:?} after A was ready again");
    drop(a);
    drop(e);
}
