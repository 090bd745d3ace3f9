//! The blob contract: the local folder and a real S3-compatible server behave alike.

use crate::s3_server::S3Server;
use portico_engine::Blobs;
use portico_storage::{BlobConfig, ObjectBlobs};

async fn contract(blobs: &dyn Blobs) {
    let photo = bytes::Bytes::from(vec![7u8; 300_000]);
    assert_eq!(blobs.get("originals/abc.jpg").await.unwrap(), None);
    assert!(!blobs.exists("originals/abc.jpg").await.unwrap());
    blobs.put("originals/abc.jpg", photo.clone()).await.unwrap();
    assert!(blobs.exists("originals/abc.jpg").await.unwrap());
    assert_eq!(blobs.get("originals/abc.jpg").await.unwrap(), Some(photo));
    // Replacing overwrites.
    blobs
        .put("originals/abc.jpg", bytes::Bytes::from_static(b"new"))
        .await
        .unwrap();
    assert_eq!(
        blobs.get("originals/abc.jpg").await.unwrap().as_deref(),
        Some(&b"new"[..])
    );
    // A prefix removes a file's derivatives and nothing else.
    for k in [
        "derived/abc/w1.jpg",
        "derived/abc/w2.webp",
        "derived/abcd/w1.jpg",
    ] {
        blobs.put(k, bytes::Bytes::from_static(b"d")).await.unwrap();
    }
    blobs.delete_prefix("derived/abc").await.unwrap();
    assert!(!blobs.exists("derived/abc/w1.jpg").await.unwrap());
    assert!(!blobs.exists("derived/abc/w2.webp").await.unwrap());
    assert!(blobs.exists("derived/abcd/w1.jpg").await.unwrap());
    blobs.delete("originals/abc.jpg").await.unwrap();
    blobs.delete("originals/abc.jpg").await.unwrap(); // deleting twice is fine
    assert_eq!(blobs.get("originals/abc.jpg").await.unwrap(), None);
}

#[tokio::test]
async fn local_folder_keeps_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = ObjectBlobs::open(&BlobConfig::Local(dir.path().join("media"))).unwrap();
    contract(&blobs).await;
}

#[tokio::test]
async fn s3_compatible_server_keeps_blobs() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let blobs = ObjectBlobs::open(&server.config()).unwrap();
    contract(&blobs).await;
    // A second client (another node) sees what the first stored.
    blobs
        .put(
            "originals/shared.pdf",
            bytes::Bytes::from_static(b"%PDF-1.7"),
        )
        .await
        .unwrap();
    let other = ObjectBlobs::open(&server.config()).unwrap();
    assert!(other.exists("originals/shared.pdf").await.unwrap());
}

#[tokio::test]
async fn wrong_credentials_are_an_error_not_a_miss() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let BlobConfig::S3(mut cfg) = server.config() else {
        unreachable!()
    };
    cfg.secret_key = "wrong".to_owned();
    let blobs = ObjectBlobs::open(&BlobConfig::S3(cfg)).unwrap();
    assert!(blobs.get("originals/x.jpg").await.is_err());
}
