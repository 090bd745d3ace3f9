//! Portico's persistence: the engine's [`portico_engine::Store`] on SQLite, the embedded
//! default for one node, and on PostgreSQL, shared by several nodes. Both run the same
//! queries (`sql`) and pass the same contract tests in `storage/tests/store`.
//!
//! ```no_run
//! let store = portico_storage::SqliteStore::open(std::path::Path::new("data/portico.db"),
//!     portico_storage::Durability::Normal)?;
//! # Ok::<(), portico_storage::OpenError>(())
//! ```

// Unit tests build values from loop counters; the library code is held to the lint.
#![cfg_attr(test, allow(clippy::as_conversions))]

mod archive;
pub mod backup;
mod blobs;
mod pg;
mod sql;
mod sqlite;
pub mod transfer;

pub use blobs::{BlobConfig, BlobSetupError, ObjectBlobs, S3Config};
pub use pg::{PgOpenError, PgStore};
pub use sqlite::{Durability, OpenError, SqliteStore};
