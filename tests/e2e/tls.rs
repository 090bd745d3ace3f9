//! The edge over TLS: a certificate per portal domain chosen by SNI (wildcards and a
//! default), ALPN h2 and http/1.1, TLS 1.2 and 1.3, certificates read again without dropping
//! connections, plain requests redirected to https with HSTS on the answers, and a silent
//! client cut off at the header timeout.

use crate::support::Server;
use reqwest::StatusCode;
use rustls::pki_types::{CertificateDer, ServerName};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

struct Cert {
    pem: String,
    key: String,
    der: Vec<u8>,
}

/// A self-signed certificate for `names`, its subject told apart from the others' (a client
/// finds a root by its subject).
fn cert(names: &[&str]) -> Cert {
    let mut params =
        rcgen::CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
            .unwrap();
    let serial: u64 = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, format!("{} {serial}", names[0]));
    let key = rcgen::KeyPair::generate().unwrap();
    let made = params.self_signed(&key).unwrap();
    Cert {
        pem: made.pem(),
        key: key.serialize_pem(),
        der: made.der().to_vec(),
    }
}

/// `PATH.crt` and `PATH.key` (the name's own dots kept).
fn write(path: &Path, c: &Cert) {
    let with = |ext: &str| format!("{}.{ext}", path.display());
    std::fs::write(with("crt"), &c.pem).unwrap();
    std::fs::write(with("key"), &c.key).unwrap();
}

/// A TLS client trusting `roots`, offering `alpn`, limited to `versions`.
fn client(
    roots: &[&Cert],
    alpn: &[&[u8]],
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> tokio_rustls::TlsConnector {
    let mut store = rustls::RootCertStore::empty();
    for c in roots {
        store.add(CertificateDer::from(c.der.clone())).unwrap();
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .unwrap()
        .with_root_certificates(store)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

/// Handshakes as `name`: the certificate the edge chose, the protocol ALPN agreed, the TLS
/// version.
async fn handshake(
    connector: &tokio_rustls::TlsConnector,
    addr: std::net::SocketAddr,
    name: &str,
) -> (Vec<u8>, Option<Vec<u8>>, rustls::ProtocolVersion) {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let tls = connector
        .connect(ServerName::try_from(name.to_owned()).unwrap(), tcp)
        .await
        .unwrap_or_else(|e| panic!("handshake as {name}: {e}"));
    let (_, conn) = tls.get_ref();
    (
        conn.peer_certificates().unwrap()[0].to_vec(),
        conn.alpn_protocol().map(<[u8]>::to_vec),
        conn.protocol_version().unwrap(),
    )
}

#[tokio::test]
async fn the_edge_speaks_tls_with_a_certificate_per_domain_and_takes_renewals_without_dropping_connections(
) {
    let origin = Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("certs");
    std::fs::create_dir_all(folder.join("_.xa.laocai.example")).unwrap();
    let default = cert(&["laocai.example", "khong-ai-nhan.example"]);
    let sotc = cert(&["sotc.laocai.example"]);
    let wildcard = cert(&["*.xa.laocai.example"]);
    write(&dir.path().join("default"), &default);
    write(&folder.join("sotc.laocai.example"), &sotc);
    std::fs::write(
        folder.join("_.xa.laocai.example/fullchain.pem"),
        &wildcard.pem,
    )
    .unwrap();
    std::fs::write(
        folder.join("_.xa.laocai.example/privkey.pem"),
        &wildcard.key,
    )
    .unwrap();
    let certs = portico_api::tls::Certificates::load(portico_api::tls::TlsFiles {
        cert: dir.path().join("default.crt"),
        key: dir.path().join("default.key"),
        dir: Some(folder.clone()),
    })
    .unwrap();
    assert_eq!(certs.domains(), 2);
    let plain = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let secure = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (http, https) = (plain.local_addr().unwrap(), secure.local_addr().unwrap());
    let config = portico_api::edge::EdgeConfig {
        origins: vec![url::Url::parse(&origin.base).unwrap()],
        https_redirect: Some(https.port()),
        hsts_max_age: 31_536_000,
        connections: portico_api::listen::ConnLimits {
            header_timeout: Duration::from_secs(1),
            ..Default::default()
        },
        ..Default::default()
    };
    let tls = portico_api::edge::TlsListener {
        listener: secure,
        config: Arc::new(certs.server_config().unwrap()),
    };
    tokio::spawn(portico_api::edge::run_tls(
        plain,
        Some(tls),
        config,
        std::future::pending(),
    ));

    // SNI picks the portal's certificate; a wildcard; the default for anything else.
    let renewed = cert(&["sotc.laocai.example"]);
    let all = [&default, &sotc, &wildcard, &renewed];
    let h2_first = client(
        &all,
        &[b"h2", b"http/1.1"],
        &[&rustls::version::TLS13, &rustls::version::TLS12],
    );
    let (got, alpn, version) = handshake(&h2_first, https, "sotc.laocai.example").await;
    assert_eq!(got, sotc.der, "sotc's own certificate");
    assert_eq!(alpn.as_deref(), Some(&b"h2"[..]), "ALPN: h2 first");
    assert_eq!(version, rustls::ProtocolVersion::TLSv1_3);
    let (got, _, _) = handshake(&h2_first, https, "ta-van.xa.laocai.example").await;
    assert_eq!(got, wildcard.der, "the wildcard");
    let (got, _, _) = handshake(&h2_first, https, "khong-ai-nhan.example").await;
    assert_eq!(got, default.der, "the default");
    // HTTP/1.1 only, and TLS 1.2 only, work too.
    let old = client(&all, &[b"http/1.1"], &[&rustls::version::TLS12]);
    let (_, alpn, version) = handshake(&old, https, "sotc.laocai.example").await;
    assert_eq!(alpn.as_deref(), Some(&b"http/1.1"[..]));
    assert_eq!(version, rustls::ProtocolVersion::TLSv1_2);

    // A browser's view: HTTP/2 over TLS, answers with HSTS.
    let browser = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(reqwest::Certificate::from_pem(sotc.pem.as_bytes()).unwrap())
        .resolve("sotc.laocai.example", https)
        .build()
        .unwrap();
    let page = format!(
        "https://sotc.laocai.example:{}/api/v1/public/sites",
        https.port()
    );
    let r = browser.get(&page).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.version(), reqwest::Version::HTTP_2);
    assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000");
    // Plain HTTP: to https, the same host and path (the edge's own paths stay plain).
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = no_redirect
        .get(format!("http://{http}/main/van-ban?year=2026"))
        .header("host", "sotc.laocai.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(
        r.headers()["location"],
        format!(
            "https://sotc.laocai.example:{}/main/van-ban?year=2026",
            https.port()
        )
        .as_str()
    );
    assert!(
        r.headers().get("strict-transport-security").is_none(),
        "HSTS only over TLS"
    );
    let r = no_redirect
        .get(format!("http://{http}/_edge/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // A renewal: new handshakes get the new certificate; the open connection goes on.
    write(&folder.join("sotc.laocai.example"), &renewed);
    assert_eq!(certs.reload().unwrap(), 2);
    let (got, _, _) = handshake(&h2_first, https, "sotc.laocai.example").await;
    assert_eq!(
        got, renewed.der,
        "the renewed certificate from the next handshake on"
    );
    let r = browser.get(&page).send().await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "the connection opened before still serves"
    );
    // A broken file is refused, and what served keeps serving.
    std::fs::write(folder.join("sotc.laocai.example.key"), "not a key").unwrap();
    let err = certs.reload().unwrap_err().to_string();
    assert!(err.contains("sotc.laocai.example.key"), "{err}");
    let (got, _, _) = handshake(&h2_first, https, "sotc.laocai.example").await;
    assert_eq!(got, renewed.der);

    // A client that connects and says nothing is cut off at the header timeout; one that
    // speaks plain HTTP to the TLS port is refused at once.
    let mut silent = tokio::net::TcpStream::connect(https).await.unwrap();
    let mut buf = [0u8; 16];
    let started = std::time::Instant::now();
    let n = tokio::time::timeout(
        Duration::from_secs(5),
        tokio::io::AsyncReadExt::read(&mut silent, &mut buf),
    )
    .await
    .expect("closed within the header timeout")
    .unwrap_or(0);
    assert_eq!(n, 0);
    assert!(started.elapsed() >= Duration::from_millis(900));
    let r = reqwest::get(format!("http://{https}/")).await;
    assert!(r.is_err(), "plain HTTP on the TLS port gets no answer");
}

/// A port below the ephemeral range, free now (see `nodes.rs`).
fn free_port() -> u16 {
    use std::hash::{BuildHasher, Hasher};
    for attempt in 0..1000u32 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u32(attempt);
        let port = 20_000 + u16::try_from(h.finish() % 12_000).unwrap();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port")
}

#[tokio::test]
async fn portico_edge_reads_renewed_certificates_on_sighup() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("live");
    std::fs::create_dir_all(folder.join("sotc.laocai.example")).unwrap();
    let default = cert(&["laocai.example"]);
    let first = cert(&["sotc.laocai.example"]);
    write(&dir.path().join("default"), &default);
    let put = |c: &Cert| {
        std::fs::write(folder.join("sotc.laocai.example/fullchain.pem"), &c.pem).unwrap();
        std::fs::write(folder.join("sotc.laocai.example/privkey.pem"), &c.key).unwrap();
    };
    put(&first);
    let (http, https) = (free_port(), free_port());
    let bin = env!("CARGO_BIN_EXE_portico");
    let args: Vec<String> = [
        "edge",
        "--listen",
        &format!("127.0.0.1:{http}"),
        "--origin",
        "http://127.0.0.1:9",
        "--tls-listen",
        &format!("127.0.0.1:{https}"),
        "--tls-cert",
        dir.path().join("default.crt").to_str().unwrap(),
        "--tls-key",
        dir.path().join("default.key").to_str().unwrap(),
        "--tls-dir",
        folder.to_str().unwrap(),
        "--https-redirect",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let mut child = std::process::Command::new(bin)
        .args(&args)
        .env("PORTICO_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .unwrap();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{https}").parse().unwrap();
    let started = std::time::Instant::now();
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the edge did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let renewed = cert(&["sotc.laocai.example"]);
    let trust = client(
        &[&default, &first, &renewed],
        &[b"h2"],
        &[&rustls::version::TLS13],
    );
    let (got, _, _) = handshake(&trust, addr, "sotc.laocai.example").await;
    assert_eq!(got, first.der);
    put(&renewed);
    // SAFETY: a signal to our own child, by its id.
    unsafe {
        libc::kill(i32::try_from(child.id()).unwrap(), libc::SIGHUP);
    }
    let started = std::time::Instant::now();
    loop {
        let (got, _, _) = handshake(&trust, addr, "sotc.laocai.example").await;
        if got == renewed.der {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "SIGHUP did not reload"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "SIGHUP reloads, it does not stop the edge"
    );
    let _ = child.kill();
    let _ = child.wait();
    // Settings that cannot work stop the start with the reason.
    let out = std::process::Command::new(bin)
        .args([
            "edge",
            "--origin",
            "http://127.0.0.1:9",
            "--tls-listen",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--tls-cert"));
}
