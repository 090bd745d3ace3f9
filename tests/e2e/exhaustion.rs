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
