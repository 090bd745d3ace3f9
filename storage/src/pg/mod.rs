//! The PostgreSQL store, for several nodes sharing one database.
//!
//! Each node keeps a small pool of connections. A write runs in a transaction; a read runs
//! statement by statement at READ COMMITTED, seeing what was committed when each statement
//! began, as SQLite's readers do. Writers on different nodes run at once: the item
//! compare-and-swap takes a row lock, and appends to the event log are serialised by an
//! advisory lock (see `sql::log::append_event`).
//!
//! The synchronous `postgres` client fits the engine's synchronous `Store`, which the server
//! only ever calls off its async threads. It must not be used (connected, queried or dropped)
//! on an async thread: it runs its own small runtime inside.

use crate::sql::{Db, DbError, Dialect, Row, Value};
use portico_engine::StoreError;
use postgres::types::{to_sql_checked, FromSql, IsNull, ToSql, Type};
use postgres::{Client, NoTls, Statement, Transaction};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// The session-scoped advisory lock whose holder leads (runs the scheduler, sends webhooks).
const LEADER_LOCK: i64 = 0x0070_6f72_7469_6301;
/// The advisory lock held while migrating, so that nodes starting together migrate once.
const MIGRATE_LOCK: i64 = 0x0070_6f72_7469_6302;

/// How many prepared statements one connection keeps.
const STATEMENT_CACHE: usize = 256;

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/001_init.sql")),
    (2, include_str!("migrations/002_revision_channels.sql")),
    (3, include_str!("migrations/003_editors_lists.sql")),
    (4, include_str!("migrations/004_disabled_users.sql")),
    (5, include_str!("migrations/005_media_alt.sql")),
    (6, include_str!("migrations/006_site_settings.sql")),
    (7, include_str!("migrations/007_public_kinds.sql")),
    (
        8,
        include_str!("migrations/008_api_tokens_audit_source.sql"),
    ),
    (9, include_str!("migrations/009_single_sign_on.sql")),
    (10, include_str!("migrations/010_participation.sql")),
    (11, include_str!("migrations/011_file_texts.sql")),
    (12, include_str!("migrations/012_api_token_scopes.sql")),
    (13, include_str!("migrations/013_sso_seen.sql")),
];

/// Why the PostgreSQL store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum PgOpenError {
    #[error("invalid PostgreSQL URL: {0}")]
    Url(#[source] postgres::Error),
    #[error("cannot connect to PostgreSQL at {target}")]
    Connect {
        target: String,
        #[source]
        source: postgres::Error,
    },
    #[error("cannot migrate the PostgreSQL database at {target}")]
    Migrate {
        target: String,
        #[source]
        source: postgres::Error,
    },
    #[error("the PostgreSQL database at {target} has schema version {found}, newer than this portico knows ({known}); upgrade portico")]
    TooNew {
        target: String,
        found: i64,
        known: i64,
    },
}

/// One pooled connection and the statements prepared on it.
struct Session {
    client: Client,
    statements: HashMap<String, Statement>,
}

/// The store on a PostgreSQL database.
pub struct PgStore {
    config: postgres::Config,
    pool: Mutex<Pool>,
    /// Signalled when a session is handed back (or given up).
    back: Condvar,
    max: usize,
    /// The session that holds (or tries for) the leadership lock.
    leader: Mutex<Option<(Client, bool)>>,
}

struct Pool {
    idle: Vec<Session>,
    open: usize,
}

/// Enough connections to keep the cores busy while others wait on the network; few enough
/// that ten nodes stay far below PostgreSQL's default of 100 connections.
fn max_connections() -> usize {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    (cores * 2).clamp(4, 8)
}

/// Where the store connects, for messages: host, port and database, never the password.
fn target(config: &postgres::Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            postgres::config::Host::Tcp(h) => h.clone(),
            postgres::config::Host::Unix(p) => p.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let db = config
        .get_dbname()
        .or(config.get_user())
        .unwrap_or_default();
    format!("{host}:{port}/{db}")
}

impl PgStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`, or the key=value
    /// form) and migrates the database to the schema this version knows. Must be called off
    /// the async threads (in `spawn_blocking`, or before the runtime starts).
    pub fn connect(url: &str) -> Result<PgStore, PgOpenError> {
        let mut config: postgres::Config = url.parse().map_err(PgOpenError::Url)?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(5));
        }
        // Notice a dead peer (and free its leadership lock) within a minute or so.
        config.keepalives(true);
        config.keepalives_idle(Duration::from_secs(30));
        if config.get_application_name().is_none() {
            config.application_name("portico");
        }
        let store = PgStore {
            config,
            pool: Mutex::new(Pool {
                idle: Vec::new(),
                open: 0,
            }),
            back: Condvar::new(),
            max: max_connections(),
            leader: Mutex::new(None),
        };
        let target = target(&store.config);
        let mut client = store
            .config
            .connect(NoTls)
            .map_err(|source| PgOpenError::Connect {
                target: target.clone(),
                source,
            })?;
        migrate(&mut client, &target)?;
        lock(&store.pool).open += 1;
        store.give_back(Session {
            client,
            statements: HashMap::new(),
        });
        Ok(store)
    }

    /// Nodes sharing the database elect a leader with a session-scoped advisory lock,
    /// held on a connection of its own: PostgreSQL releases it when that session ends,
    /// however the node dies. Every call checks that the session is still alive, so a node
    /// cut off from the database stops leading at its next tick.
    pub(crate) fn lead(&self) -> Result<bool, StoreError> {
        let mut leader = lock(&self.leader);
        if let Some((client, held)) = leader.as_mut() {
            let alive = if *held {
                client.simple_query("SELECT 1").is_ok()
            } else {
                match client.query_one("SELECT pg_try_advisory_lock($1)", &[&LEADER_LOCK]) {
                    Ok(row) => {
                        *held = row.try_get(0).map_err(backend)?;
                        true
                    }
                    Err(_) => false,
                }
            };
            if alive {
                return Ok(*held);
            }
            if let Some(dead) = leader.take() {
                drop_off_thread(dead);
            }
        }
        let mut client = self.config.connect(NoTls).map_err(backend)?;
        let held: bool = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&LEADER_LOCK])
            .and_then(|r| r.try_get(0))
            .map_err(backend)?;
        *leader = Some((client, held));
        Ok(held)
    }

    fn take(&self) -> Result<Session, StoreError> {
        let mut pool = lock(&self.pool);
        loop {
            if let Some(s) = pool.idle.pop() {
                if !s.client.is_closed() {
                    return Ok(s);
                }
                // The database went away under this session (restart, network): drop it
                // (outside the lock) and take or open another.
                pool.open -= 1;
                drop(pool);
                drop_off_thread(s);
                pool = lock(&self.pool);
                continue;
            }
            if pool.open < self.max {
                pool.open += 1;
                break;
            }
            pool = self.back.wait(pool).unwrap_or_else(|p| p.into_inner());
        }
        drop(pool);
        match self.config.connect(NoTls) {
            Ok(client) => Ok(Session {
                client,
                statements: HashMap::new(),
            }),
            Err(e) => {
                lock(&self.pool).open -= 1;
                self.back.notify_one();
                Err(StoreError::Unavailable(Box::new(e)))
            }
        }
    }

    fn drain_idle(&self) {
        let idle = {
            let mut pool = lock(&self.pool);
            let idle = std::mem::take(&mut pool.idle);
            pool.open -= idle.len();
            idle
        };
        self.back.notify_all();
        drop_off_thread(idle);
    }

    fn give_back(&self, s: Session) {
        if s.client.is_closed() {
            lock(&self.pool).open -= 1;
            self.back.notify_one();
            drop_off_thread(s);
            return;
        }
        lock(&self.pool).idle.push(s);
        self.back.notify_one();
    }

    /// Runs `f` on a pooled session: writes in a transaction that commits when `f`
    /// succeeded, reads statement by statement (READ COMMITTED, as SQLite's readers see the
    /// database), without the two round trips of BEGIN and ROLLBACK. Reads are nine in ten
    /// store calls.
    ///
    /// A pooled session may have died since it was last used (the database restarted): a
    /// read, or a write whose BEGIN failed (nothing was sent), is then tried once more on a
    /// new connection, so a restart costs no request. What still fails with the connection
    /// gone is `Unavailable`, which the server answers with 503 rather than 500.
    fn run<T>(
        &self,
        write: bool,
        f: impl Fn(&dyn Db) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut retried = false;
        loop {
            let mut session = self.take()?;
            let mut began = false;
            let out = (|| {
                let Session { client, statements } = &mut session;
                if !write {
                    let db = PgDb {
                        conn: RefCell::new(Conn::Client(client)),
                        statements: RefCell::new(statements),
                    };
                    return f(&db);
                }
                let tx = client.transaction().map_err(backend)?;
                began = true;
                let db = PgDb {
                    conn: RefCell::new(Conn::Tx(tx)),
                    statements: RefCell::new(statements),
                };
                let out = f(&db)?;
                if let Conn::Tx(tx) = db.conn.into_inner() {
                    tx.commit().map_err(backend)?;
                }
                Ok(out)
            })();
            // The server may say it is ending the session (an administrator's or a
            // shutdown's termination) before the client has seen the socket close.
            let closed = session.client.is_closed()
                || matches!(&out, Err(StoreError::Backend(e)) if terminated(e.as_ref()));
            self.give_back(session);
            if closed {
                // One dead session usually means the database restarted: the idle ones are
                // dead too, though they do not know it until used. Start afresh.
                self.drain_idle();
            }
            match out {
                Err(StoreError::Backend(e)) if closed => {
                    if !retried && (!write || !began) {
                        retried = true;
                        continue;
                    }
                    return Err(StoreError::Unavailable(e));
                }
                other => return other,
            }
        }
    }

    pub(crate) fn write<T>(
        &self,
        f: impl Fn(&dyn Db) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.run(true, f)
    }

    pub(crate) fn read<T>(
        &self,
        f: impl Fn(&dyn Db) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.run(false, f)
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        let idle = std::mem::take(&mut lock(&self.pool).idle);
        let leader = lock(&self.leader).take();
        drop_off_thread((idle, leader));
    }
}

/// Drops clients on a thread of their own: closing one runs the client's inner runtime,
/// which must not happen on an async thread (the store may be dropped on one).
fn drop_off_thread<T: Send + 'static>(t: T) {
    let _ = std::thread::spawn(move || drop(t)).join();
}

fn migrate(client: &mut Client, target: &str) -> Result<(), PgOpenError> {
    let err = |source| PgOpenError::Migrate {
        target: target.to_owned(),
        source,
    };
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATE_LOCK])
        .map_err(err)?;
    let result = (|| {
        let exists: bool = client
            .query_one("SELECT to_regclass('portico_schema') IS NOT NULL", &[])
            .and_then(|r| r.try_get(0))
            .map_err(err)?;
        if !exists {
            client
                .batch_execute(
                    "CREATE TABLE portico_schema (version BIGINT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                )
                .map_err(err)?;
        }
        let found: i64 = client
            .query_one("SELECT COALESCE(MAX(version), 0) FROM portico_schema", &[])
            .and_then(|r| r.try_get(0))
            .map_err(err)?;
        let known = MIGRATIONS.last().map_or(0, |m| m.0);
        if found > known {
            return Err(PgOpenError::TooNew {
                target: target.to_owned(),
                found,
                known,
            });
        }
        for (version, sql) in MIGRATIONS.iter().filter(|m| m.0 > found) {
            let mut tx = client.transaction().map_err(err)?;
            tx.batch_execute(sql).map_err(err)?;
            tx.execute(
                "INSERT INTO portico_schema (version) VALUES ($1)",
                &[version],
            )
            .map_err(err)?;
            tx.commit().map_err(err)?;
            tracing::info!(version, "PostgreSQL schema migrated");
        }
        Ok(())
    })();
    let unlocked = client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATE_LOCK])
        .map_err(err);
    result.and(unlocked.map(|_| ()))
}

/// Where statements run: a write transaction, or the session itself for reads.
enum Conn<'a> {
    Tx(Transaction<'a>),
    Client(&'a mut Client),
}

impl Conn<'_> {
    fn prepare(&mut self, sql: &str) -> Result<Statement, postgres::Error> {
        match self {
            Conn::Tx(t) => t.prepare(sql),
            Conn::Client(c) => c.prepare(sql),
        }
    }

    fn query(
        &mut self,
        st: &Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<postgres::Row>, postgres::Error> {
        match self {
            Conn::Tx(t) => t.query(st, params),
            Conn::Client(c) => c.query(st, params),
        }
    }

    fn execute(
        &mut self,
        st: &Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, postgres::Error> {
        match self {
            Conn::Tx(t) => t.execute(st, params),
            Conn::Client(c) => c.execute(st, params),
        }
    }
}

/// What the query modules run on, with the session's statement cache.
struct PgDb<'a, 'b> {
    conn: RefCell<Conn<'a>>,
    statements: RefCell<&'b mut HashMap<String, Statement>>,
}

impl PgDb<'_, '_> {
    fn statement(&self, sql: &str) -> Result<Statement, DbError> {
        let mut cache = self.statements.borrow_mut();
        if let Some(st) = cache.get(sql) {
            return Ok(st.clone());
        }
        let st = self
            .conn
            .borrow_mut()
            .prepare(&dollar_placeholders(sql))
            .map_err(db_error)?;
        if cache.len() >= STATEMENT_CACHE {
            cache.clear();
        }
        cache.insert(sql.to_owned(), st.clone());
        Ok(st)
    }
}

impl Db for PgDb<'_, '_> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn query(&self, sql: &str, args: &[Value]) -> Result<Vec<Row>, DbError> {
        portico_engine::count_statement();
        let st = self.statement(sql)?;
        let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(as_param).collect();
        let rows = self
            .conn
            .borrow_mut()
            .query(&st, &params)
            .map_err(db_error)?;
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| {
                        r.try_get::<_, Option<Cell>>(i)
                            .map(|c| c.map_or(Value::Null, |c| c.0))
                            .map_err(|e| DbError::Decode(format!("column {i}: {e}")))
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Row)
            })
            .collect()
    }

    fn execute(&self, sql: &str, args: &[Value]) -> Result<u64, DbError> {
        portico_engine::count_statement();
        let st = self.statement(sql)?;
        let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(as_param).collect();
        self.conn
            .borrow_mut()
            .execute(&st, &params)
            .map_err(db_error)
    }
}

/// `?N` placeholders (both databases' dialect as the queries are written) as PostgreSQL's
/// `$N`. The queries hold no `?` in string literals.
fn dollar_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

fn db_error(e: postgres::Error) -> DbError {
    if e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION) {
        DbError::Unique(Box::new(e))
    } else {
        DbError::Backend(Box::new(e))
    }
}

/// An integer bound to a floating-point column: the nearest double, as the database would
/// convert it.
#[allow(
    clippy::as_conversions,
    reason = "integer to float is inherently approximate"
)]
fn to_float(i: i64) -> f64 {
    i as f64
}

/// A double bound to a single-precision column.
#[allow(
    clippy::as_conversions,
    reason = "double to single precision is inherently approximate"
)]
fn narrow(f: f64) -> f32 {
    f as f32
}

fn as_param(v: &Value) -> &(dyn ToSql + Sync) {
    v
}

/// Whether the server ended the session (SQLSTATE class 57P: operator intervention).
fn terminated(e: &(dyn std::error::Error + 'static)) -> bool {
    e.downcast_ref::<postgres::Error>()
        .and_then(postgres::Error::code)
        .is_some_and(|c| c.code().starts_with("57P"))
}

fn backend(e: postgres::Error) -> StoreError {
    StoreError::Backend(Box::new(e))
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

type BoxError = Box<dyn std::error::Error + Sync + Send>;

/// Binds a [`Value`] as whatever type PostgreSQL inferred for the parameter: the queries
/// bind integers to `BIGINT` columns and to `LIMIT ?n + 0` (an `integer`) alike.
impl ToSql for Value {
    fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, BoxError> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::FLOAT8 => to_float(*i).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => i.to_string().to_sql(ty, out),
                _ => Err(format!("cannot bind an integer as {ty}").into()),
            },
            Value::Real(f) => match *ty {
                Type::FLOAT8 => f.to_sql(ty, out),
                Type::FLOAT4 => narrow(*f).to_sql(ty, out),
                _ => Err(format!("cannot bind a float as {ty}").into()),
            },
            Value::Text(s) => match *ty {
                Type::JSONB => {
                    out.extend_from_slice(&[1]);
                    out.extend_from_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
                Type::JSON => {
                    out.extend_from_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
                _ => s.as_str().to_sql(ty, out),
            },
            Value::Blob(b) => b.as_slice().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// One column read back as a [`Value`], whatever its SQL type.
struct Cell(Value);

impl<'a> FromSql<'a> for Cell {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Cell, BoxError> {
        Ok(Cell(match *ty {
            Type::INT8 => Value::Int(i64::from_sql(ty, raw)?),
            Type::INT4 => Value::Int(i32::from_sql(ty, raw)?.into()),
            Type::INT2 => Value::Int(i16::from_sql(ty, raw)?.into()),
            Type::BOOL => Value::Int(bool::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => Value::Real(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => Value::Real(f32::from_sql(ty, raw)?.into()),
            Type::BYTEA => Value::Blob(raw.to_vec()),
            Type::JSONB => {
                Value::Text(std::str::from_utf8(raw.get(1..).unwrap_or_default())?.into())
            }
            Type::JSON => Value::Text(std::str::from_utf8(raw)?.into()),
            _ => Value::Text(<&str>::from_sql(ty, raw)?.into()),
        }))
    }

    fn accepts(ty: &Type) -> bool {
        matches!(
            *ty,
            Type::INT8
                | Type::INT4
                | Type::INT2
                | Type::BOOL
                | Type::FLOAT8
                | Type::FLOAT4
                | Type::BYTEA
                | Type::JSONB
                | Type::JSON
        ) || <&str as FromSql>::accepts(ty)
    }
}

crate::sql::store_impl::impl_store!(PgStore);

#[cfg(test)]
mod tests {
    use super::dollar_placeholders;

    #[test]
    fn placeholders_are_renumbered_for_postgres() {
        assert_eq!(
            dollar_placeholders("SELECT a FROM t WHERE b = ?1 AND c IN (?2,?12) LIMIT ?3 + 0"),
            "SELECT a FROM t WHERE b = $1 AND c IN ($2,$12) LIMIT $3 + 0"
        );
        assert_eq!(dollar_placeholders("SELECT '?' , x"), "SELECT '?' , x");
    }
}
