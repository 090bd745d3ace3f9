//! The SQLite store: one writer connection behind a mutex (SQLite has one writer anyway,
//! and queuing in-process beats retrying on `SQLITE_BUSY`), and a small pool of reader
//! connections that run beside it thanks to WAL.
//!
//! Queries write `LIMIT ?n + 0`, never `LIMIT ?n`: SQLite's planner looks at a bare bound
//! LIMIT, which makes it re-prepare the statement on every run (a tenth of the time of a
//! list request, measured with perf); an expression keeps the cached plan.

use crate::sql::{Db, DbError, Dialect, Row, Value};
use portico_engine::StoreError;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, MutexGuard};

/// How hard a commit tries to survive failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `synchronous=NORMAL` in WAL mode: a committed write survives a crash or kill of the
    /// process; a power cut may lose the last commits but never corrupts the database.
    #[default]
    Normal,
    /// `synchronous=FULL`: every commit is on disk before it is acknowledged.
    Full,
}

/// Why the store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot open the SQLite database {path}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot migrate the SQLite database {path}")]
    Migrate {
        path: PathBuf,
        #[source]
        source: rusqlite_migration::Error,
    },
}

/// The embedded store.
pub struct SqliteStore {
    path: PathBuf,
    durability: Durability,
    writer: Mutex<Connection>,
    readers: Mutex<Readers>,
    /// Signalled when a reader is handed back.
    reader_back: Condvar,
    max_readers: usize,
    /// The leadership lock, once taken (see [`SqliteStore::lead`]).
    leader: Mutex<Option<std::fs::File>>,
    /// How much of the file readers map into memory.
    mmap_bytes: i64,
}

/// The pool of read-only connections: those idle, and how many exist.
struct Readers {
    idle: Vec<Connection>,
    open: usize,
}

/// How many read connections may exist: enough to keep every core busy while others wait
/// on I/O, few enough that a burst of requests queues for a connection instead of opening
/// (and parsing the schema for) a new one each time.
fn max_readers() -> usize {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    (cores * 2).clamp(4, 16)
}

fn migrations() -> rusqlite_migration::Migrations<'static> {
    rusqlite_migration::Migrations::new(vec![
        rusqlite_migration::M::up(include_str!("migrations/001_init.sql")),
        rusqlite_migration::M::up(include_str!("migrations/002_renderings.sql")),
        rusqlite_migration::M::up(include_str!("migrations/003_public_lists.sql")),
        rusqlite_migration::M::up(include_str!("migrations/004_proposals.sql")),
        rusqlite_migration::M::up(include_str!("migrations/005_webhooks.sql")),
        rusqlite_migration::M::up(include_str!("migrations/006_brief_fields.sql")),
        rusqlite_migration::M::up(include_str!("migrations/007_media.sql")),
        rusqlite_migration::M::up(include_str!("migrations/008_revision_channels.sql")),
        rusqlite_migration::M::up(include_str!("migrations/009_editors_lists.sql")),
        rusqlite_migration::M::up(include_str!("migrations/010_disabled_users.sql")),
        rusqlite_migration::M::up(include_str!("migrations/011_media_alt.sql")),
        rusqlite_migration::M::up(include_str!("migrations/012_site_settings.sql")),
        rusqlite_migration::M::up(include_str!("migrations/013_public_kinds.sql")),
        rusqlite_migration::M::up(include_str!("migrations/014_api_tokens_audit_source.sql")),
        rusqlite_migration::M::up(include_str!("migrations/015_single_sign_on.sql")),
        rusqlite_migration::M::up(include_str!("migrations/016_participation.sql")),
        rusqlite_migration::M::up(include_str!("migrations/017_file_texts.sql")),
        rusqlite_migration::M::up(include_str!("migrations/018_api_token_scopes.sql")),
        rusqlite_migration::M::up(include_str!("migrations/019_sso_seen.sql")),
    ])
}

impl SqliteStore {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path, durability: Durability) -> Result<SqliteStore, OpenError> {
        let open_err = |source| OpenError::Open {
            path: path.to_owned(),
            source,
        };
        let mut writer = Connection::open(path).map_err(open_err)?;
        configure(&writer, durability).map_err(open_err)?;
        writer
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        migrations()
            .to_latest(&mut writer)
            .map_err(|source| OpenError::Migrate {
                path: path.to_owned(),
                source,
            })?;
        Ok(SqliteStore {
            path: path.to_owned(),
            durability,
            writer: Mutex::new(writer),
            readers: Mutex::new(Readers {
                idle: Vec::new(),
                open: 0,
            }),
            reader_back: Condvar::new(),
            max_readers: max_readers(),
            leader: Mutex::new(None),
            mmap_bytes: 1 << 30,
        })
    }

    /// Readers copy pages instead of mapping the file: for a command that reads the whole
    /// database once (an export), where a mapping would only make its memory look like the
    /// database's size.
    pub fn without_mmap(mut self) -> SqliteStore {
        self.mmap_bytes = 0;
        self
    }

    /// Nodes sharing this database (processes on one machine) elect a leader with an
    /// exclusive lock on `<database>.leader`: the operating system releases it when the
    /// holder dies, however it dies.
    pub(crate) fn lead(&self) -> Result<bool, StoreError> {
        let mut held = lock(&self.leader);
        if held.is_some() {
            return Ok(true);
        }
        let path = self.path.with_extension("leader");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| StoreError::Backend(Box::new(e)))?;
        match file.try_lock() {
            Ok(()) => {
                *held = Some(file);
                Ok(true)
            }
            Err(std::fs::TryLockError::WouldBlock) => Ok(false),
            Err(std::fs::TryLockError::Error(e)) => Err(StoreError::Backend(Box::new(e))),
        }
    }

    /// Runs `f` in an immediate write transaction and commits it.
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&dyn Db) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = lock(&self.writer);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        let out = f(&*tx)?;
        tx.commit().map_err(backend)?;
        Ok(out)
    }

    /// Runs `f` on a reader connection, waiting for one when all are busy.
    pub(crate) fn read<T>(
        &self,
        f: impl FnOnce(&dyn Db) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let conn = {
            let mut pool = lock(&self.readers);
            loop {
                if let Some(c) = pool.idle.pop() {
                    break Some(c);
                }
                if pool.open < self.max_readers {
                    pool.open += 1;
                    break None;
                }
                pool = self
                    .reader_back
                    .wait(pool)
                    .unwrap_or_else(|p| p.into_inner());
            }
        };
        let conn = match conn {
            Some(c) => c,
            None => match self.open_reader() {
                Ok(c) => c,
                Err(e) => {
                    lock(&self.readers).open -= 1;
                    self.reader_back.notify_one();
                    return Err(backend(e));
                }
            },
        };
        // Handed back on drop, so that even a panicking `f` cannot leak a pool slot.
        let guard = ReaderGuard {
            store: self,
            conn: Some(conn),
        };
        match &guard.conn {
            Some(c) => f(c),
            None => Err(StoreError::Corrupt("reader vanished".into())),
        }
    }

    fn open_reader(&self) -> rusqlite::Result<Connection> {
        let c = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        configure(&c, self.durability)?;
        // Reads map the file instead of copying pages through read(2).
        c.pragma_update(None, "mmap_size", self.mmap_bytes)?;
        Ok(c)
    }
}

struct ReaderGuard<'a> {
    store: &'a SqliteStore,
    conn: Option<Connection>,
}

impl Drop for ReaderGuard<'_> {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            lock(&self.store.readers).idle.push(c);
            self.store.reader_back.notify_one();
        }
    }
}

fn configure(c: &Connection, durability: Durability) -> rusqlite::Result<()> {
    c.busy_timeout(std::time::Duration::from_secs(10))?;
    c.pragma_update(None, "foreign_keys", "ON")?;
    let sync = match durability {
        Durability::Normal => "NORMAL",
        Durability::Full => "FULL",
    };
    c.pragma_update(None, "synchronous", sync)?;
    c.pragma_update(None, "cache_size", -16_000)?;
    c.set_prepared_statement_cache_capacity(64);
    Ok(())
}

/// A poisoned mutex only means another thread panicked while holding it; the connection
/// inside is still usable (SQLite rolls back an unfinished transaction when it is dropped).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

pub(crate) fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(Box::new(e))
}

/// Whether an error is a UNIQUE or PRIMARY KEY violation.
fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
    )
}

fn db_error(e: rusqlite::Error) -> DbError {
    if is_unique_violation(&e) {
        DbError::Unique(Box::new(e))
    } else {
        DbError::Backend(Box::new(e))
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

/// Statements are prepared once per connection and kept (`prepare_cached`).
impl Db for Connection {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn query(&self, sql: &str, args: &[Value]) -> Result<Vec<Row>, DbError> {
        portico_engine::count_statement();
        let mut st = self.prepare_cached(sql).map_err(db_error)?;
        let width = st.column_count();
        let mut rows = st
            .query(rusqlite::params_from_iter(args))
            .map_err(db_error)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(db_error)? {
            let mut values = Vec::with_capacity(width);
            for i in 0..width {
                values.push(match r.get_ref(i).map_err(db_error)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(i) => Value::Int(i),
                    ValueRef::Real(f) => Value::Real(f),
                    ValueRef::Text(t) => Value::Text(
                        std::str::from_utf8(t)
                            .map_err(|e| DbError::Decode(format!("text column {i}: {e}")))?
                            .to_owned(),
                    ),
                    ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                });
            }
            out.push(Row(values));
        }
        Ok(out)
    }

    fn execute(&self, sql: &str, args: &[Value]) -> Result<u64, DbError> {
        portico_engine::count_statement();
        let mut st = self.prepare_cached(sql).map_err(db_error)?;
        let n = st
            .execute(rusqlite::params_from_iter(args))
            .map_err(db_error)?;
        Ok(u64::try_from(n).unwrap_or(u64::MAX))
    }
}

crate::sql::store_impl::impl_store!(SqliteStore);
