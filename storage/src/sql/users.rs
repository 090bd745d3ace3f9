//! Users, roles and tokens.

use super::log::{append_audit, append_event};
use super::rows::{micros, name, opt_time, time};
use super::{args, duplicate, Db, Row};
use chrono::{DateTime, Utc};
use portico_engine::{
    AccountChange, ApiToken, AuditEntry, NewApiTokenRecord, NewEvent, NewUserRecord, ProfileChange,
    ProviderStanding, Role, SiteId, StoreError, User, UserId, UserRecord,
};

const USER_COLS: &str =
    "id, username, display_name, network_admin, created_at, disabled, password_hash, sso_subject";

/// A user from the first six columns of `USER_COLS`.
fn user_row(r: &Row) -> Result<User, StoreError> {
    Ok(User {
        id: UserId(r.get(0)?),
        username: r.get(1)?,
        display_name: r.get(2)?,
        network_admin: r.get(3)?,
        created_at: time(r.get(4)?)?,
        disabled: r.get(5)?,
    })
}

fn record(r: &Row) -> Result<UserRecord, StoreError> {
    Ok(UserRecord {
        user: user_row(r)?,
        password_hash: r.get(6)?,
        sso_subject: r.get(7)?,
    })
}

pub(crate) fn insert_user(
    tx: &dyn Db,
    u: &NewUserRecord,
    audit: &AuditEntry,
    event: &NewEvent,
) -> Result<User, StoreError> {
    let id: i64 = tx
        .value(
            "INSERT INTO users (username, display_name, password_hash, network_admin, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
            args![
                &u.username,
                &u.display_name,
                &u.password_hash,
                u.network_admin,
                micros(u.at)
            ],
        )
        .map_err(|e| {
            duplicate(e, "username", || {
                format!("the username '{}' is taken", u.username)
            })
        })?;
    append_audit(tx, audit, None)?;
    append_event(tx, event, micros(u.at), None)?;
    user(tx, UserId(id))?.ok_or_else(|| StoreError::NotFound("user".into()))
}

pub(crate) fn user_by_name(c: &dyn Db, username: &str) -> Result<Option<UserRecord>, StoreError> {
    c.opt_row(
        &format!("SELECT {USER_COLS} FROM users WHERE username = ?1"),
        args![username],
    )?
    .map(|r| record(&r))
    .transpose()
}

pub(crate) fn user_by_sso(c: &dyn Db, subject: &str) -> Result<Option<UserRecord>, StoreError> {
    c.opt_row(
        &format!("SELECT {USER_COLS} FROM users WHERE sso_subject = ?1"),
        args![subject],
    )?
    .map(|r| record(&r))
    .transpose()
}

pub(crate) fn update_profile(
    tx: &dyn Db,
    user: UserId,
    change: &ProfileChange,
    audit: &AuditEntry,
) -> Result<(), StoreError> {
    let n = tx
        .execute(
            "UPDATE users SET sso_subject = CASE WHEN CAST(?2 AS TEXT) IS NULL THEN sso_subject
                                                 ELSE NULLIF(CAST(?2 AS TEXT), '') END,
                          display_name = COALESCE(?3, display_name),
                          email = COALESCE(?4, email),
                          network_admin = COALESCE(?5, network_admin)
         WHERE id = ?1",
            args![
                user.0,
                change.sso_subject.as_deref(),
                change.display_name.as_deref(),
                change.email.as_deref(),
                change.network_admin
            ],
        )
        .map_err(|e| {
            duplicate(e, "sso_subject", || {
                "another account is linked to this identity".to_owned()
            })
        })?;
    if n == 0 {
        return Err(StoreError::NotFound(format!("user {user}")));
    }
    append_audit(tx, audit, None)
}

pub(crate) fn mark_sso_seen(
    tx: &dyn Db,
    user: UserId,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE users SET sso_seen_at = ?2 WHERE id = ?1",
        args![user.0, micros(at)],
    )?;
    Ok(())
}

pub(crate) fn provider_standing(
    c: &dyn Db,
    user: UserId,
) -> Result<Option<ProviderStanding>, StoreError> {
    c.opt_row(
        "SELECT sso_subject, password_hash, sso_seen_at FROM users WHERE id = ?1",
        args![user.0],
    )?
    .map(|r| {
        let hash: String = r.get(1)?;
        Ok(ProviderStanding {
            sso_subject: r.get(0)?,
            has_password: !hash.is_empty(),
            sso_seen_at: opt_time(r.get(2)?)?,
        })
    })
    .transpose()
}

pub(crate) fn user(c: &dyn Db, id: UserId) -> Result<Option<User>, StoreError> {
    c.opt_row(
        &format!("SELECT {USER_COLS} FROM users WHERE id = ?1"),
        args![id.0],
    )?
    .map(|r| user_row(&r))
    .transpose()
}

pub(crate) fn users(c: &dyn Db) -> Result<Vec<User>, StoreError> {
    c.query(
        &format!("SELECT {USER_COLS} FROM users ORDER BY username"),
        &[],
    )?
    .iter()
    .map(user_row)
    .collect()
}

pub(crate) fn roles_of(c: &dyn Db, user: UserId) -> Result<Vec<(SiteId, Role)>, StoreError> {
    c.query(
        "SELECT site_id, role FROM roles WHERE user_id = ?1",
        args![user.0],
    )?
    .iter()
    .map(|r| Ok((SiteId(r.get(0)?), name("role", &r.get::<String>(1)?)?)))
    .collect()
}

pub(crate) fn site_roles(c: &dyn Db, site: SiteId) -> Result<Vec<(User, Role)>, StoreError> {
    c.query(
        "SELECT u.id, u.username, u.display_name, u.network_admin, u.created_at, u.disabled, r.role
         FROM roles r JOIN users u ON u.id = r.user_id
         WHERE r.site_id = ?1 ORDER BY u.username, r.role",
        args![site.0],
    )?
    .iter()
    .map(|r| Ok((user_row(r)?, name("role", &r.get::<String>(6)?)?)))
    .collect()
}

pub(crate) fn set_role(
    tx: &dyn Db,
    user: UserId,
    site: SiteId,
    role: Role,
    granted: bool,
    audit: &AuditEntry,
    event: &NewEvent,
) -> Result<bool, StoreError> {
    let n = if granted {
        tx.execute(
            "INSERT INTO roles (user_id, site_id, role) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            args![user.0, site.0, role.as_str()],
        )
    } else {
        tx.execute(
            "DELETE FROM roles WHERE user_id = ?1 AND site_id = ?2 AND role = ?3",
            args![user.0, site.0, role.as_str()],
        )
    }?;
    if n > 0 {
        append_audit(tx, audit, None)?;
        append_event(tx, event, micros(audit.at), None)?;
    }
    Ok(n > 0)
}

pub(crate) fn insert_token(
    tx: &dyn Db,
    hash: &str,
    user: UserId,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    // Expired tokens are swept here, where writing happens anyway.
    tx.execute(
        "DELETE FROM tokens WHERE expires_at < ?1",
        args![micros(Utc::now())],
    )?;
    tx.execute(
        "INSERT INTO tokens (hash, user_id, expires_at) VALUES (?1, ?2, ?3)",
        args![hash, user.0, micros(expires_at)],
    )?;
    Ok(())
}

pub(crate) fn token_user(
    c: &dyn Db,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<UserId>, StoreError> {
    let row = c.opt_row(
        "SELECT t.user_id FROM tokens t JOIN users u ON u.id = t.user_id
         WHERE t.hash = ?1 AND t.expires_at > ?2 AND u.disabled = 0",
        args![hash, micros(now)],
    )?;
    Ok(row.map(|r| r.get(0)).transpose()?.map(UserId))
}

pub(crate) fn update_account(
    tx: &dyn Db,
    user: UserId,
    change: &AccountChange,
    audit: &AuditEntry,
) -> Result<(), StoreError> {
    let found: Option<i64> = tx
        .opt_row("SELECT id FROM users WHERE id = ?1", args![user.0])?
        .map(|r| r.get(0))
        .transpose()?;
    if found.is_none() {
        return Err(StoreError::NotFound(format!("user {user}")));
    }
    if let Some(h) = &change.password_hash {
        tx.execute(
            "UPDATE users SET password_hash = ?2 WHERE id = ?1",
            args![user.0, h.as_str()],
        )?;
    }
    if let Some(off) = change.disabled {
        tx.execute(
            "UPDATE users SET disabled = ?2 WHERE id = ?1",
            args![user.0, i64::from(off)],
        )?;
    }
    tx.execute("DELETE FROM tokens WHERE user_id = ?1", args![user.0])?;
    tx.execute("DELETE FROM api_tokens WHERE user_id = ?1", args![user.0])?;
    append_audit(tx, audit, None)
}

pub(crate) fn delete_token(tx: &dyn Db, hash: &str) -> Result<(), StoreError> {
    tx.execute("DELETE FROM tokens WHERE hash = ?1", args![hash])?;
    Ok(())
}

const API_TOKEN_COLS: &str = "id, user_id, name, created_at, expires_at, last_used_at, scopes";

fn api_token_row(r: &Row) -> Result<ApiToken, StoreError> {
    let scopes: String = r.get(6)?;
    let names: Vec<&str> = scopes.split_whitespace().collect();
    Ok(ApiToken {
        id: r.get(0)?,
        user_id: UserId(r.get(1)?),
        name: r.get(2)?,
        created_at: time(r.get(3)?)?,
        expires_at: opt_time(r.get(4)?)?,
        last_used_at: opt_time(r.get(5)?)?,
        scopes: portico_engine::Scopes::parse(&names).map_err(StoreError::Corrupt)?,
    })
}

pub(crate) fn insert_api_token(
    tx: &dyn Db,
    t: &NewApiTokenRecord,
    audit: &AuditEntry,
) -> Result<ApiToken, StoreError> {
    let id: i64 = tx.value(
        "INSERT INTO api_tokens (user_id, name, hash, created_at, expires_at, scopes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        args![
            t.user_id.0,
            &t.name,
            &t.hash,
            micros(t.created_at),
            t.expires_at.map(micros),
            t.scopes.names().join(" ")
        ],
    )?;
    append_audit(tx, audit, None)?;
    api_token(tx, id)?.ok_or_else(|| StoreError::NotFound(format!("API token {id}")))
}

pub(crate) fn api_tokens(c: &dyn Db, user: UserId) -> Result<Vec<ApiToken>, StoreError> {
    c.query(
        &format!("SELECT {API_TOKEN_COLS} FROM api_tokens WHERE user_id = ?1 ORDER BY id"),
        args![user.0],
    )?
    .iter()
    .map(api_token_row)
    .collect()
}

pub(crate) fn api_token(c: &dyn Db, id: i64) -> Result<Option<ApiToken>, StoreError> {
    c.opt_row(
        &format!("SELECT {API_TOKEN_COLS} FROM api_tokens WHERE id = ?1"),
        args![id],
    )?
    .map(|r| api_token_row(&r))
    .transpose()
}

pub(crate) fn delete_api_token(
    tx: &dyn Db,
    id: i64,
    audit: &AuditEntry,
) -> Result<bool, StoreError> {
    let n = tx.execute("DELETE FROM api_tokens WHERE id = ?1", args![id])?;
    if n == 0 {
        return Ok(false);
    }
    append_audit(tx, audit, None)?;
    Ok(true)
}

pub(crate) fn api_token_by_hash(
    c: &dyn Db,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<ApiToken>, StoreError> {
    let cols = API_TOKEN_COLS
        .split(", ")
        .map(|c| format!("t.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    c.opt_row(
        &format!(
            "SELECT {cols} FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.hash = ?1 AND (t.expires_at IS NULL OR t.expires_at > ?2) AND u.disabled = 0"
        ),
        args![hash, micros(now)],
    )?
    .map(|r| api_token_row(&r))
    .transpose()
}

pub(crate) fn touch_api_token(tx: &dyn Db, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1",
        args![id, micros(now)],
    )?;
    Ok(())
}
