//! Users, roles and tokens.

use super::log::{append_audit, append_event};
use super::rows::{micros, name, time};
use super::{backend, is_unique_violation};
use chrono::{DateTime, Utc};
use portico_engine::{
    AuditEntry, NewEvent, NewUserRecord, Role, SiteId, StoreError, User, UserId, UserRecord,
};
use rusqlite::{params, Connection, OptionalExtension, Row};

const USER_COLS: &str = "id, username, display_name, network_admin, created_at, password_hash";

fn user_row(r: &Row<'_>) -> rusqlite::Result<(User, i64, String)> {
    Ok((
        User {
            id: UserId(r.get(0)?),
            username: r.get(1)?,
            display_name: r.get(2)?,
            network_admin: r.get(3)?,
            created_at: DateTime::<Utc>::default(),
        },
        r.get(4)?,
        r.get(5)?,
    ))
}

fn finish((mut u, created, hash): (User, i64, String)) -> Result<UserRecord, StoreError> {
    u.created_at = time(created)?;
    Ok(UserRecord {
        user: u,
        password_hash: hash,
    })
}

pub(crate) fn insert_user(
    tx: &Connection,
    u: &NewUserRecord,
    audit: &AuditEntry,
    event: &NewEvent,
) -> Result<User, StoreError> {
    tx.execute(
        "INSERT INTO users (username, display_name, password_hash, network_admin, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            u.username,
            u.display_name,
            u.password_hash,
            u.network_admin,
            micros(u.at)
        ],
    )
    .map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Duplicate {
                field: "username".into(),
                message: format!("the username '{}' is taken", u.username),
            }
        } else {
            backend(e)
        }
    })?;
    let id = UserId(tx.last_insert_rowid());
    append_audit(tx, audit, None)?;
    append_event(tx, event, micros(u.at), None)?;
    user(tx, id)?.ok_or_else(|| StoreError::NotFound("user".into()))
}

pub(crate) fn user_by_name(
    c: &Connection,
    username: &str,
) -> Result<Option<UserRecord>, StoreError> {
    c.prepare_cached(&format!(
        "SELECT {USER_COLS} FROM users WHERE username = ?1"
    ))
    .and_then(|mut st| st.query_row(params![username], user_row).optional())
    .map_err(backend)?
    .map(finish)
    .transpose()
}

pub(crate) fn user(c: &Connection, id: UserId) -> Result<Option<User>, StoreError> {
    c.prepare_cached(&format!("SELECT {USER_COLS} FROM users WHERE id = ?1"))
        .and_then(|mut st| st.query_row(params![id.0], user_row).optional())
        .map_err(backend)?
        .map(|r| finish(r).map(|u| u.user))
        .transpose()
}

pub(crate) fn users(c: &Connection) -> Result<Vec<User>, StoreError> {
    let mut st = c
        .prepare_cached(&format!("SELECT {USER_COLS} FROM users ORDER BY username"))
        .map_err(backend)?;
    let rows: Vec<_> = st
        .query_map([], user_row)
        .map_err(backend)?
        .collect::<Result<_, _>>()
        .map_err(backend)?;
    rows.into_iter()
        .map(|r| finish(r).map(|u| u.user))
        .collect()
}

pub(crate) fn roles_of(c: &Connection, user: UserId) -> Result<Vec<(SiteId, Role)>, StoreError> {
    let mut st = c
        .prepare_cached("SELECT site_id, role FROM roles WHERE user_id = ?1")
        .map_err(backend)?;
    let rows: Vec<(i64, String)> = st
        .query_map(params![user.0], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(backend)?
        .collect::<Result<_, _>>()
        .map_err(backend)?;
    rows.into_iter()
        .map(|(s, r)| Ok((SiteId(s), name("role", &r)?)))
        .collect()
}

pub(crate) fn site_roles(c: &Connection, site: SiteId) -> Result<Vec<(User, Role)>, StoreError> {
    let mut st = c
        .prepare_cached(
            "SELECT u.id, u.username, u.display_name, u.network_admin, u.created_at, r.role
             FROM roles r JOIN users u ON u.id = r.user_id
             WHERE r.site_id = ?1 ORDER BY u.username, r.role",
        )
        .map_err(backend)?;
    let rows: Vec<_> = st
        .query_map(params![site.0], user_row)
        .map_err(backend)?
        .collect::<Result<_, _>>()
        .map_err(backend)?;
    rows.into_iter()
        .map(|(mut u, created, role)| {
            u.created_at = time(created)?;
            Ok((u, name("role", &role)?))
        })
        .collect()
}

pub(crate) fn set_role(
    tx: &Connection,
    user: UserId,
    site: SiteId,
    role: Role,
    granted: bool,
    audit: &AuditEntry,
    event: &NewEvent,
) -> Result<bool, StoreError> {
    let n = if granted {
        tx.execute(
            "INSERT OR IGNORE INTO roles (user_id, site_id, role) VALUES (?1, ?2, ?3)",
            params![user.0, site.0, role.as_str()],
        )
    } else {
        tx.execute(
            "DELETE FROM roles WHERE user_id = ?1 AND site_id = ?2 AND role = ?3",
            params![user.0, site.0, role.as_str()],
        )
    }
    .map_err(backend)?;
    if n > 0 {
        append_audit(tx, audit, None)?;
        append_event(tx, event, micros(audit.at), None)?;
    }
    Ok(n > 0)
}

pub(crate) fn insert_token(
    tx: &Connection,
    hash: &str,
    user: UserId,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    // Expired tokens are swept here, where writing happens anyway.
    tx.execute(
        "DELETE FROM tokens WHERE expires_at < ?1",
        params![micros(Utc::now())],
    )
    .map_err(backend)?;
    tx.execute(
        "INSERT INTO tokens (hash, user_id, expires_at) VALUES (?1, ?2, ?3)",
        params![hash, user.0, micros(expires_at)],
    )
    .map_err(backend)?;
    Ok(())
}

pub(crate) fn token_user(
    c: &Connection,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<UserId>, StoreError> {
    c.prepare_cached("SELECT user_id FROM tokens WHERE hash = ?1 AND expires_at > ?2")
        .and_then(|mut st| {
            st.query_row(params![hash, micros(now)], |r| r.get(0))
                .optional()
        })
        .map(|v| v.map(UserId))
        .map_err(backend)
}
