//! Conversions between SQLite values and engine types.

use chrono::{DateTime, Utc};
use portico_engine::StoreError;

pub(crate) fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

pub(crate) fn time(v: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_micros(v).ok_or_else(|| StoreError::Corrupt(format!("time {v}")))
}

pub(crate) fn opt_time(v: Option<i64>) -> Result<Option<DateTime<Utc>>, StoreError> {
    v.map(time).transpose()
}

/// Parses a stored enum name.
pub(crate) fn name<T: std::str::FromStr>(what: &str, v: &str) -> Result<T, StoreError> {
    v.parse()
        .map_err(|_| StoreError::Corrupt(format!("{what} '{v}'")))
}

pub(crate) fn json(v: &str) -> Result<serde_json::Value, StoreError> {
    serde_json::from_str(v).map_err(|e| StoreError::Corrupt(format!("json: {e}")))
}
