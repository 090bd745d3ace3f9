//! A real S3-compatible server for tests: s3s-fs (an S3 implementation over a folder, from
//! the s3s project), installed by `scripts/s3-server.sh` and started here on 127.0.0.1 with a
//! throwaway folder, one per test, stopped when dropped.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The bucket every test server has.
pub const BUCKET: &str = "portico";
pub const ACCESS_KEY: &str = "portico-test";
pub const SECRET_KEY: &str = "portico-test-secret";

pub struct S3Server {
    child: Child,
    pub endpoint: String,
    _root: tempfile::TempDir,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn binary() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("PORTICO_S3S_FS") {
        return Some(PathBuf::from(p));
    }
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for root in [here.clone(), here.join("..")] {
        let p = root.join("target/tools/bin/s3s-fs");
        if p.is_file() {
            return Some(p);
        }
    }
    None
}

impl S3Server {
    /// Starts a server, or returns `None` when the developer opted out with
    /// `PORTICO_SKIP_S3=1` (never in CI). Fails the test, saying what to install, when the
    /// server is missing.
    pub fn start() -> Option<S3Server> {
        let opted_out = std::env::var("PORTICO_SKIP_S3").is_ok_and(|v| v == "1")
            && std::env::var("CI").map_or(true, |v| v != "true");
        if opted_out {
            eprintln!("S3 tests skipped (PORTICO_SKIP_S3=1)");
            return None;
        }
        let Some(bin) = binary() else {
            panic!(
                "the S3-compatible test server s3s-fs is not installed: run scripts/s3-server.sh \
                 (scripts/test does), or set PORTICO_SKIP_S3=1 to skip these tests outside CI"
            );
        };
        let root = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(root.path().join(BUCKET)).expect("bucket folder");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = Command::new(&bin)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(root.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let server = S3Server {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            _root: root,
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "s3s-fs did not start listening on {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(server)
    }

    /// How Portico reaches it.
    pub fn config(&self) -> portico_storage::BlobConfig {
        portico_storage::BlobConfig::S3(portico_storage::S3Config {
            endpoint: Some(self.endpoint.clone()),
            bucket: BUCKET.to_owned(),
            region: "us-east-1".to_owned(),
            access_key: ACCESS_KEY.to_owned(),
            secret_key: SECRET_KEY.to_owned(),
            path_style: true,
        })
    }
}
