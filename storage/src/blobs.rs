//! The engine's [`Blobs`] on object_store: a local folder for one node, any S3-compatible
//! service (AWS, MinIO, Ceph, Garage, SeaweedFS...) when several nodes share the files.

use bytes::Bytes;
use futures::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use portico_engine::{BlobError, BlobFuture, Blobs};
use std::path::PathBuf;
use std::sync::Arc;

/// Where the files live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobConfig {
    /// A folder on this machine (created if missing).
    Local(PathBuf),
    /// A bucket on an S3-compatible service.
    S3(S3Config),
}

/// How to reach an S3-compatible bucket.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Config {
    /// `https://s3.example.vn` or `http://127.0.0.1:9000`; AWS's own when `None`.
    pub endpoint: Option<String>,
    pub bucket: String,
    pub region: String,
    pub access_key: String,
    pub secret_key: String,
    /// `https://host/bucket/key` addressing, which most self-hosted services need, rather
    /// than `https://bucket.host/key`.
    pub path_style: bool,
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("access_key", &self.access_key)
            .field("path_style", &self.path_style)
            .finish_non_exhaustive()
    }
}

/// Why the blob store could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum BlobSetupError {
    #[error("cannot create the media folder {path}: {source}")]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("object storage configuration: {0}")]
    Config(String),
}

/// Object storage behind the engine's [`Blobs`] trait.
#[derive(Clone)]
pub struct ObjectBlobs {
    store: Arc<dyn ObjectStore>,
    description: String,
}

impl std::fmt::Debug for ObjectBlobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.description)
    }
}

fn backend(e: impl std::fmt::Display) -> BlobError {
    BlobError::Backend(e.to_string())
}

impl ObjectBlobs {
    /// Connects (lazily: nothing is sent until the first call) to the configured store.
    pub fn open(config: &BlobConfig) -> Result<ObjectBlobs, BlobSetupError> {
        match config {
            BlobConfig::Local(path) => {
                std::fs::create_dir_all(path).map_err(|source| BlobSetupError::Folder {
                    path: path.clone(),
                    source,
                })?;
                let store = LocalFileSystem::new_with_prefix(path)
                    .map_err(|e| BlobSetupError::Config(e.to_string()))?;
                Ok(ObjectBlobs {
                    store: Arc::new(store),
                    description: format!("folder {}", path.display()),
                })
            }
            BlobConfig::S3(s3) => {
                let mut b = AmazonS3Builder::new()
                    .with_bucket_name(&s3.bucket)
                    .with_region(&s3.region)
                    .with_access_key_id(&s3.access_key)
                    .with_secret_access_key(&s3.secret_key)
                    .with_virtual_hosted_style_request(!s3.path_style);
                if let Some(endpoint) = &s3.endpoint {
                    b = b
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"));
                }
                let store = b
                    .build()
                    .map_err(|e| BlobSetupError::Config(e.to_string()))?;
                Ok(ObjectBlobs {
                    store: Arc::new(store),
                    description: format!(
                        "S3 bucket {} at {}",
                        s3.bucket,
                        s3.endpoint.as_deref().unwrap_or("AWS")
                    ),
                })
            }
        }
    }

    /// What it is, for the start-up banner.
    pub fn describe(&self) -> &str {
        &self.description
    }

    /// Uploads a local file as `key`, in parts of 8 MB with at most four in flight: a backup
    /// of many gigabytes goes to a bucket without being held in memory.
    pub async fn upload_file(&self, key: &str, path: &std::path::Path) -> Result<u64, BlobError> {
        use std::io::Read;
        let mut file = std::fs::File::open(path).map_err(backend)?;
        let upload = self
            .store
            .put_multipart(&ObjectPath::from(key))
            .await
            .map_err(backend)?;
        let mut writer = object_store::WriteMultipart::new_with_chunk_size(upload, 8 << 20);
        let mut buf = vec![0u8; 1 << 20];
        let mut total = 0u64;
        loop {
            let n = match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(backend(e));
                }
            };
            writer.wait_for_capacity(4).await.map_err(backend)?;
            writer.write(buf.get(..n).unwrap_or_default());
            total += u64::try_from(n).unwrap_or(0);
        }
        writer.finish().await.map_err(backend)?;
        Ok(total)
    }

    /// Downloads `key` into a local file, a piece at a time.
    pub async fn download_file(&self, key: &str, path: &std::path::Path) -> Result<u64, BlobError> {
        use std::io::Write;
        let got = match self.store.get(&ObjectPath::from(key)).await {
            Ok(g) => g,
            Err(object_store::Error::NotFound { .. }) => {
                return Err(BlobError::Backend(format!(
                    "no object '{key}' in the bucket"
                )))
            }
            Err(e) => return Err(backend(e)),
        };
        let mut out = std::io::BufWriter::new(std::fs::File::create(path).map_err(backend)?);
        let mut stream = got.into_stream();
        let mut total = 0u64;
        while let Some(chunk) = stream.try_next().await.map_err(backend)? {
            out.write_all(&chunk).map_err(backend)?;
            total += u64::try_from(chunk.len()).unwrap_or(0);
        }
        out.into_inner()
            .map_err(|e| backend(e.error()))?
            .sync_all()
            .map_err(backend)?;
        Ok(total)
    }

    /// Every key under `prefix` with its size, in no particular order: what a backup copies.
    pub async fn keys(&self, prefix: &str) -> Result<Vec<(String, u64)>, BlobError> {
        let prefix = ObjectPath::from(prefix);
        self.store
            .list(Some(&prefix))
            .map_ok(|m| (m.location.to_string(), m.size))
            .try_collect()
            .await
            .map_err(backend)
    }
}

impl Blobs for ObjectBlobs {
    fn put<'a>(&'a self, key: &'a str, bytes: Bytes) -> BlobFuture<'a, ()> {
        Box::pin(async move {
            self.store
                .put(&ObjectPath::from(key), PutPayload::from_bytes(bytes))
                .await
                .map(|_| ())
                .map_err(backend)
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> BlobFuture<'a, Option<Bytes>> {
        Box::pin(async move {
            match self.store.get(&ObjectPath::from(key)).await {
                Ok(r) => r.bytes().await.map(Some).map_err(backend),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(backend(e)),
            }
        })
    }

    fn exists<'a>(&'a self, key: &'a str) -> BlobFuture<'a, bool> {
        Box::pin(async move {
            match self.store.head(&ObjectPath::from(key)).await {
                Ok(_) => Ok(true),
                Err(object_store::Error::NotFound { .. }) => Ok(false),
                Err(e) => Err(backend(e)),
            }
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BlobFuture<'a, ()> {
        Box::pin(async move {
            match self.store.delete(&ObjectPath::from(key)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(backend(e)),
            }
        })
    }

    fn delete_prefix<'a>(&'a self, prefix: &'a str) -> BlobFuture<'a, ()> {
        Box::pin(async move {
            let prefix = ObjectPath::from(prefix);
            let keys: Vec<ObjectPath> = self
                .store
                .list(Some(&prefix))
                .map_ok(|m| m.location)
                .try_collect()
                .await
                .map_err(backend)?;
            for key in keys {
                match self.store.delete(&key).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                    Err(e) => return Err(backend(e)),
                }
            }
            Ok(())
        })
    }
}
