//! No request exhausts the server: bodies are bounded as they stream in. Run against the real
//! binary, so that its memory can be measured apart from the test process.

use crate::binary::{add_admin, login, serve};
use serde_json::json;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// The resident memory of a process, in kilobytes.
fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap()
}

/// Sends `prefix` then `x`s, chunked, up to `total` bytes, to `path`, and returns the status
/// the server answered with and when it answered (it may answer long before the body ends).
fn endless_post(
    base: &str,
    token: &str,
    path: &str,
    ctype: &str,
    prefix: &[u8],
    total: usize,
) -> (u16, Duration) {
    let addr = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut reader = stream.try_clone().unwrap();
    let started = Instant::now();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: {ctype}\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .unwrap();
    let prefix = prefix.to_vec();
    let writer = std::thread::spawn(move || {
        let filler = vec![b'x'; 256 * 1024];
        let mut sent = 0;
        let mut first = Some(prefix).filter(|p| !p.is_empty());
        while sent < total {
            let data = first.take().unwrap_or_else(|| filler.clone());
            let ok = write!(stream, "{:x}\r\n", data.len()).is_ok()
                && stream.write_all(&data).is_ok()
                && stream.write_all(b"\r\n").is_ok();
            if !ok {
                break;
            }
            sent += data.len();
        }
        sent
    });
    let mut head = [0u8; 64];
    let n = reader.read(&mut head).unwrap();
    let answered = started.elapsed();
    let _ = reader.shutdown(std::net::Shutdown::Both);
    let sent = writer.join().unwrap();
    assert!(
        sent < total,
        "the server read all {total} bytes before answering"
    );
    let line = String::from_utf8_lossy(&head[..n]).into_owned();
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, answered)
}

#[test]
fn endless_bodies_are_refused_early_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    add_admin(dir.path(), "quantri", "mat-khau-dai-du");
    let node = serve(dir.path(), &["--max-upload-mb", "8"]);
    let token = login(&node.base, "quantri", "mat-khau-dai-du");
    let site = reqwest::blocking::Client::new()
        .post(format!("{}/api/v1/sites", node.base))
        .bearer_auth(&token)
        .json(&json!({"slug": "main", "name": "Cổng chính", "kind": "main"}))
        .send()
        .unwrap();
    assert_eq!(site.status(), reqwest::StatusCode::CREATED);
    let pid = node.child.id();
    let before = rss_kb(pid);
    let upload = "/api/v1/sites/main/media";
    let multipart = "multipart/form-data; boundary=XyZ";
    let part =
        b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\r\n";
    const BODY: usize = 200 * 1024 * 1024;
    for (what, path, ctype, prefix, want) in [
        (
            "a multipart body without its boundary",
            upload,
            multipart,
            &b""[..],
            400,
        ),
        (
            "a file part that never ends",
            upload,
            multipart,
            &part[..],
            413,
        ),
        (
            "a JSON body that never ends",
            "/api/v1/sites/main/items",
            "application/json",
            &b"{\"kind\":\""[..],
            413,
        ),
    ] {
        let (status, took) = endless_post(&node.base, &token, path, ctype, prefix, BODY);
        assert_eq!(status, want, "{what}");
        assert!(
            took < Duration::from_secs(5),
            "{what}: answered after {took:?}"
        );
        eprintln!("{what}: {status} after {took:?}");
    }
    let grown = rss_kb(pid).saturating_sub(before);
    assert!(grown < 50 * 1024, "the server grew by {grown} kB");
    eprintln!("resident memory grew by {grown} kB");
}

/// A GET of `path` from the source address `from`, by hand; the status and the time taken.
async fn get_from(base: &str, from: &str, path: &str) -> (u16, Duration) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr: std::net::SocketAddr = base.trim_start_matches("http://").parse().unwrap();
    let started = Instant::now();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    let mut s = socket.connect(addr).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut head = [0u8; 32];
    let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut head))
        .await
        .expect("an answer within 5 s")
        .unwrap();
    let status = String::from_utf8_lossy(&head[..n])
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, started.elapsed())
}

fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or(0)
}

/// A server that gives clients one second to send a request head.
async fn with_header_timeout_of_a_second() -> crate::support::Server {
    crate::support::Server::start_with(portico_api::ApiConfig {
        connections: portico_api::listen::ConnLimits {
            header_timeout: Duration::from_secs(1),
            ..Default::default()
        },
        ..Default::default()
    })
    .await
}

#[tokio::test]
async fn half_open_connections_neither_fill_the_server_nor_stay() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = with_header_timeout_of_a_second().await;
    let addr = s.base.trim_start_matches("http://").to_owned();
    // 3,000 connections from one address, each with half a request head.
    let mut held = Vec::new();
    for _ in 0..3000 {
        let Ok(mut c) = tokio::net::TcpStream::connect(&addr).await else {
            continue;
        };
        let _ = c.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await;
        held.push(c);
    }
    // Another client still gets its health check, at once.
    let (status, took) = get_from(&s.base, "127.0.0.2", "/healthz").await;
    assert_eq!(status, 200);
    assert!(took < Duration::from_secs(1), "/healthz took {took:?}");
    // After the header timeout, none of the half-open connections is still open.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let mut open = 0;
    for c in &mut held {
        let mut b = [0u8; 256];
        // An answer (408 or none) and then the end, or a reset: closed either way.
        loop {
            match tokio::time::timeout(Duration::from_millis(200), c.read(&mut b)).await {
                Ok(Ok(0)) | Ok(Err(_)) => break,
                Ok(Ok(_)) => continue,
                Err(_) => {
                    open += 1;
                    break;
                }
            }
        }
    }
    assert_eq!(
        open, 0,
        "half-open connections still open after the header timeout"
    );
    let text = s.metrics().await;
    assert!(
        metric(&text, "portico_connections_refused_per_address_total") >= 2500,
        "{text}"
    );
    assert!(
        metric(&text, "portico_connections_header_timeouts_total") >= 200,
        "{text}"
    );
}

#[tokio::test]
async fn a_connection_that_sends_nothing_or_half_the_http2_preface_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = with_header_timeout_of_a_second().await;
    let addr = s.base.trim_start_matches("http://").to_owned();
    let mut silent = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut half = tokio::net::TcpStream::connect(&addr).await.unwrap();
    half.write_all(b"PRI * HTTP/2.0\r\n").await.unwrap();
    tokio::time::sleep(Duration::from_millis(1600)).await;
    for c in [&mut silent, &mut half] {
        let mut b = [0u8; 64];
        let closed = matches!(
            tokio::time::timeout(Duration::from_millis(500), c.read(&mut b)).await,
            Ok(Ok(0)) | Ok(Err(_))
        );
        assert!(closed, "still open after the header timeout");
    }
    assert!(
        metric(
            &s.metrics().await,
            "portico_connections_header_timeouts_total"
        ) >= 2
    );
}

#[tokio::test]
async fn a_body_trickling_in_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = crate::support::Server::start_with(portico_api::ApiConfig {
        min_body_rate: 1_000_000,
        ..Default::default()
    })
    .await;
    let token = s.login("author").await;
    let addr = s.base.trim_start_matches("http://").to_owned();
    let mut c = tokio::net::TcpStream::connect(&addr).await.unwrap();
    c.write_all(
        format!(
            "POST /api/v1/sites/main/items HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    // One byte a second: far below the rate once the grace period is over.
    let started = Instant::now();
    let mut head = [0u8; 64];
    let n = loop {
        tokio::select! {
            r = c.read(&mut head) => break r.unwrap(),
            _ = tokio::time::sleep(Duration::from_secs(1)) => {
                let _ = c.write_all(b" ").await;
            }
        }
        assert!(started.elapsed() < Duration::from_secs(30), "never cut off");
    };
    let answer = String::from_utf8_lossy(&head[..n]).into_owned();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let took = started.elapsed();
    assert!(
        took >= portico_api::BODY_GRACE && took < portico_api::BODY_GRACE + Duration::from_secs(3),
        "{took:?}"
    );
}

#[tokio::test]
async fn an_http2_body_without_a_length_is_bounded_like_any_other() {
    let s = crate::support::Server::start_with(portico_api::ApiConfig {
        max_body_bytes: 64 * 1024,
        ..Default::default()
    })
    .await;
    let token = s.login("author").await;
    let h2 = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    // HTTP/2 carries no Content-Length for a streamed body: DATA frames until the end.
    let chunks = futures::stream::iter(
        (0..64).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b' '; 16 * 1024]))),
    );
    let r = h2
        .post(format!("{}/api/v1/sites/main/items", s.base))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(r.version(), reqwest::Version::HTTP_2);
    assert_eq!(r.status(), reqwest::StatusCode::PAYLOAD_TOO_LARGE);
    // A small one still goes through.
    let r = h2
        .post(format!("{}/api/v1/sites/main/items", s.base))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures::stream::iter([Ok::<
            _,
            std::io::Error,
        >(
            bytes::Bytes::from(r#"{"kind":"article","fields":{"title":"Qua HTTP/2"}}"#),
        )])))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::CREATED);
}
