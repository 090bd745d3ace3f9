//! End-to-end tests: the real server on 127.0.0.1, used over HTTP; and the real binary for
//! the demo network, the CLI and crash safety.

// Test code: a panic is a failed test with its message, which is what we want.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions
)]

mod support;

#[path = "../../storage/tests/support/pg_server.rs"]
mod pg_server;
#[path = "../../storage/tests/support/s3_server.rs"]
mod s3_server;

mod admin;
mod bad_input;
mod binary;
mod cache;
mod delivery;
mod exhaustion;
mod feeds;
mod identity;
mod intake;
mod isolation;
mod leaks;
mod media;
mod nodes;
mod openapi;
mod pages;
mod participation;
mod permissions;
mod proposals;
mod proxies;
mod search;
mod snapshots;
mod tls;
mod webhooks;
mod withdrawal;
mod workflow;
