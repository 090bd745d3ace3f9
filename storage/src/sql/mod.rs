//! The store's queries, written once for SQLite and PostgreSQL.
//!
//! Both backends hand the query modules a [`Db`]: run a statement with [`Value`] arguments
//! and get owned [`Row`]s back. Statements are written in the SQL both databases accept
//! (`?N` placeholders, which the PostgreSQL side renumbers as `$N`; `ON CONFLICT`;
//! `RETURNING`; integer flags rather than booleans) and ask [`Db::dialect`] for the few
//! places where they differ (JSON functions, string aggregation, row locks). One set of
//! queries means one set of bugs, and the contract tests in `storage/tests/store` hold both
//! backends to it.

pub(crate) mod check;
pub(crate) mod items;
pub(crate) mod log;
pub(crate) mod media;
pub(crate) mod participation;
pub(crate) mod rows;
pub(crate) mod sites;
pub(crate) mod store_impl;
pub(crate) mod users;
pub(crate) mod webhooks;

use portico_engine::StoreError;

/// Which SQL a statement may use where the two databases differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

/// One SQL value, as both databases bind and return it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// Why a statement failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DbError {
    /// A UNIQUE or PRIMARY KEY constraint refused the row (callers turn it into
    /// `StoreError::Duplicate` with the field's name).
    #[error("unique constraint violated")]
    Unique(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("database error")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A column held something the row type cannot be read as.
    #[error("{0}")]
    Decode(String),
}

impl DbError {
    pub(crate) fn is_unique(&self) -> bool {
        matches!(self, DbError::Unique(_))
    }
}

impl From<DbError> for StoreError {
    fn from(e: DbError) -> StoreError {
        match e {
            DbError::Unique(e) | DbError::Backend(e) => StoreError::Backend(e),
            DbError::Decode(m) => StoreError::Corrupt(m),
        }
    }
}

/// A connection (or transaction) the query modules run statements on.
pub(crate) trait Db {
    fn dialect(&self) -> Dialect;
    /// Runs a statement and returns every row it produced.
    fn query(&self, sql: &str, args: &[Value]) -> Result<Vec<Row>, DbError>;
    /// Runs a statement and returns how many rows it changed.
    fn execute(&self, sql: &str, args: &[Value]) -> Result<u64, DbError>;
}

impl dyn Db + '_ {
    /// The first row, if any.
    pub(crate) fn opt_row(&self, sql: &str, args: &[Value]) -> Result<Option<Row>, DbError> {
        Ok(self.query(sql, args)?.into_iter().next())
    }

    /// The first column of the one row a statement must return.
    pub(crate) fn value<T: FromValue>(&self, sql: &str, args: &[Value]) -> Result<T, DbError> {
        match self.opt_row(sql, args)? {
            Some(row) => row.get(0),
            None => Err(DbError::Decode(format!("no row from: {sql}"))),
        }
    }

    /// The first column of every row.
    pub(crate) fn column<T: FromValue>(
        &self,
        sql: &str,
        args: &[Value],
    ) -> Result<Vec<T>, DbError> {
        self.query(sql, args)?.iter().map(|r| r.get(0)).collect()
    }

    /// Whether a statement returns any row.
    pub(crate) fn exists(&self, sql: &str, args: &[Value]) -> Result<bool, DbError> {
        Ok(!self.query(sql, args)?.is_empty())
    }
}

/// One result row, owned, so that conversion errors keep their type outside any driver's
/// callback.
#[derive(Debug)]
pub(crate) struct Row(pub(crate) Vec<Value>);

impl Row {
    pub(crate) fn get<T: FromValue>(&self, i: usize) -> Result<T, DbError> {
        let v = self
            .0
            .get(i)
            .ok_or_else(|| DbError::Decode(format!("no column {i}")))?;
        T::from_value(v).ok_or_else(|| {
            DbError::Decode(format!(
                "column {i} holds {v:?}, not {}",
                std::any::type_name::<T>()
            ))
        })
    }
}

/// A Rust type a column can be read as.
pub(crate) trait FromValue: Sized {
    fn from_value(v: &Value) -> Option<Self>;
}

impl FromValue for i64 {
    fn from_value(v: &Value) -> Option<i64> {
        match v {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
}

macro_rules! narrow_int {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(v: &Value) -> Option<$t> {
                i64::from_value(v).and_then(|i| <$t>::try_from(i).ok())
            }
        }
    )*};
}
narrow_int!(u16, u32, i32, u64);

impl FromValue for bool {
    fn from_value(v: &Value) -> Option<bool> {
        i64::from_value(v).map(|i| i != 0)
    }
}

impl FromValue for f64 {
    fn from_value(v: &Value) -> Option<f64> {
        match v {
            Value::Real(f) => Some(*f),
            // SQLite hands back a REAL that happens to be whole as an integer.
            #[allow(
                clippy::as_conversions,
                reason = "integer to float is inherently approximate"
            )]
            Value::Int(i) => Some(*i as f64),
            _ => None,
        }
    }
}

impl FromValue for String {
    fn from_value(v: &Value) -> Option<String> {
        match v {
            Value::Text(s) => Some(s.clone()),
            _ => None,
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> Option<Option<T>> {
        match v {
            Value::Null => Some(None),
            v => T::from_value(v).map(Some),
        }
    }
}

macro_rules! value_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(i: $t) -> Value {
                Value::Int(i64::from(i))
            }
        }
    )*};
}
value_from_int!(i64, i32, u32, u16, bool);

impl From<usize> for Value {
    fn from(n: usize) -> Value {
        Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl From<u64> for Value {
    fn from(n: u64) -> Value {
        Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Text(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Text(s)
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Value {
        Value::Text(s.clone())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

impl From<&Option<String>> for Value {
    fn from(v: &Option<String>) -> Value {
        v.as_deref().into()
    }
}

/// Statement arguments: `args![id.0, slug]`.
macro_rules! args {
    ($($v:expr),* $(,)?) => {
        &[$($crate::sql::Value::from($v)),*]
    };
}
pub(crate) use args;

/// Maps a unique violation to `StoreError::Duplicate`, anything else to itself.
pub(crate) fn duplicate(e: DbError, field: &str, message: impl FnOnce() -> String) -> StoreError {
    if e.is_unique() {
        StoreError::Duplicate {
            field: field.into(),
            message: message(),
        }
    } else {
        e.into()
    }
}
