//! TLS where the edge meets the internet: rustls with TLS 1.2 and 1.3 only, ALPN `h2` and
//! `http/1.1`, a certificate per portal domain chosen by the name the browser asks for (SNI),
//! and every certificate read again on demand (`SIGHUP`) without touching the connections
//! already open: a handshake takes the set current when it starts.
//!
//! A folder of certificates holds, per domain, `DOMAIN.crt` (or `.pem`) with `DOMAIN.key`, or
//! certbot's layout, `DOMAIN/fullchain.pem` with `DOMAIN/privkey.pem`; a file named
//! `_.laocai.gov.vn` (or a folder of that name) serves `*.laocai.gov.vn`. A name nobody
//! claims gets the default certificate.

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// Largest certificate or key file read.
const MAX_PEM_BYTES: u64 = 1024 * 1024;

/// Where the certificates are.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The default certificate chain (PEM) and its key.
    pub cert: PathBuf,
    pub key: PathBuf,
    /// A folder with one certificate per domain.
    pub dir: Option<PathBuf>,
}

/// Why certificates could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
}

fn bad(path: &Path, message: impl Into<String>) -> TlsError {
    TlsError::File {
        path: path.to_owned(),
        message: message.into(),
    }
}

/// The certificates in use: the default and one per name.
struct Loaded {
    default: Arc<CertifiedKey>,
    by_name: HashMap<String, Arc<CertifiedKey>>,
}

/// The certificates, swapped whole on reload; a resolver for rustls.
pub struct Certificates {
    files: TlsFiles,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<Loaded>>,
}

impl std::fmt::Debug for Certificates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificates")
            .field("files", &self.files)
            .finish()
    }
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    let len = std::fs::metadata(path)
        .map_err(|e| bad(path, e.to_string()))?
        .len();
    if len > MAX_PEM_BYTES {
        return Err(bad(path, format!("larger than {MAX_PEM_BYTES} bytes")));
    }
    std::fs::read(path).map_err(|e| bad(path, e.to_string()))
}

fn certified(
    cert: &Path,
    key: &Path,
    provider: &CryptoProvider,
) -> Result<Arc<CertifiedKey>, TlsError> {
    let pem = read(cert)?;
    let chain = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(cert, format!("not a PEM certificate chain: {e}")))?;
    if chain.is_empty() {
        return Err(bad(cert, "holds no certificate"));
    }
    let key_der = PrivateKeyDer::from_pem_slice(&read(key)?)
        .map_err(|e| bad(key, format!("not a PEM private key: {e}")))?;
    let ck = CertifiedKey::from_der(chain, key_der, provider)
        .map_err(|e| bad(key, format!("cannot be used with {}: {e}", cert.display())))?;
    Ok(Arc::new(ck))
}

/// The (name, certificate file, key file) triples of a folder.
fn folder(dir: &Path) -> Result<Vec<(String, PathBuf, PathBuf)>, TlsError> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| bad(dir, e.to_string()))?;
    for entry in entries {
        let path = entry.map_err(|e| bad(dir, e.to_string()))?.path();
        let Some(file) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        if path.is_dir() {
            let (chain, key) = (path.join("fullchain.pem"), path.join("privkey.pem"));
            if chain.is_file() && key.is_file() {
                out.push((file, chain, key));
            }
            continue;
        }
        let Some(name) = file
            .strip_suffix(".crt")
            .or_else(|| file.strip_suffix(".pem"))
        else {
            continue;
        };
        let key = dir.join(format!("{name}.key"));
        if key.is_file() {
            out.push((name.to_owned(), path.clone(), key));
        }
    }
    out.sort();
    Ok(out)
}

impl Certificates {
    /// Reads every certificate; a file that cannot be used stops the start with its name.
    pub fn load(files: TlsFiles) -> Result<Arc<Certificates>, TlsError> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let loaded = Self::read_all(&files, &provider)?;
        Ok(Arc::new(Certificates {
            files,
            provider,
            current: RwLock::new(Arc::new(loaded)),
        }))
    }

    fn read_all(files: &TlsFiles, provider: &CryptoProvider) -> Result<Loaded, TlsError> {
        let default = certified(&files.cert, &files.key, provider)?;
        let mut by_name = HashMap::new();
        if let Some(dir) = &files.dir {
            for (name, cert, key) in folder(dir)? {
                let name = match name.strip_prefix("_.") {
                    Some(rest) => format!("*.{rest}"),
                    None => name,
                };
                by_name.insert(name.to_ascii_lowercase(), certified(&cert, &key, provider)?);
            }
        }
        Ok(Loaded { default, by_name })
    }

    /// Reads the files again and, when all of them can be used, serves them from the next
    /// handshake on; otherwise keeps what it had and says why. Returns how many domain
    /// certificates there are now.
    pub fn reload(&self) -> Result<usize, TlsError> {
        let loaded = Self::read_all(&self.files, &self.provider)?;
        let n = loaded.by_name.len();
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(loaded);
        Ok(n)
    }

    /// How many domain certificates are loaded (besides the default).
    pub fn domains(&self) -> usize {
        self.now().by_name.len()
    }

    fn now(&self) -> Arc<Loaded> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The server configuration: these certificates, TLS 1.2 and 1.3, ALPN h2 then
    /// http/1.1, the server's cipher order.
    pub fn server_config(self: &Arc<Self>) -> Result<rustls::ServerConfig, TlsError> {
        let mut config = rustls::ServerConfig::builder_with_provider(self.provider.clone())
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|e| bad(&self.files.cert, e.to_string()))?
            .with_no_client_auth()
            .with_cert_resolver(self.clone());
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        // The server's order of cipher suites, strongest first, not whatever a client lists
        // first (testssl.sh counts a server that follows the client as a weakness).
        config.ignore_client_order = true;
        Ok(config)
    }
}

impl ResolvesServerCert for Certificates {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let now = self.now();
        let Some(name) = hello.server_name().map(str::to_ascii_lowercase) else {
            return Some(now.default.clone());
        };
        if let Some(c) = now.by_name.get(&name) {
            return Some(c.clone());
        }
        let wildcard = name.split_once('.').map(|(_, rest)| format!("*.{rest}"));
        Some(
            wildcard
                .and_then(|w| now.by_name.get(&w).cloned())
                .unwrap_or_else(|| now.default.clone()),
        )
    }
}
