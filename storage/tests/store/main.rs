//! The store contract: every backend must pass these. Each test gets its own database.

// Test code: a panic is a failed test with its message, which is what we want.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions
)]

mod support;

mod concurrency;
mod items;
mod network;
mod participation;
mod persistence;
mod webhooks;

mod blobs;
mod media;
#[path = "../support/pg_server.rs"]
mod pg_server;
#[path = "../support/s3_server.rs"]
mod s3_server;
