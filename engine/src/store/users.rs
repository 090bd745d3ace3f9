//! Accounts, their roles on sites, and login tokens.

use super::StoreResult;
use crate::event::{AuditEntry, NewEvent};
use crate::ids::{SiteId, UserId};
use crate::policy::Role;
use crate::user::User;
use chrono::{DateTime, Utc};

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUserRecord {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub network_admin: bool,
    pub at: DateTime<Utc>,
}

/// A user with their password hash, for login only.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub user: User,
    pub password_hash: String,
}

/// A change to an account; every one ends the user's sessions and tokens.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountChange {
    pub password_hash: Option<String>,
    pub disabled: Option<bool>,
}

/// Accounts, their roles on sites, and login tokens.
pub trait UserStore {
    /// Creates a user; the username must be free.
    fn insert_user(
        &self,
        user: &NewUserRecord,
        audit: &AuditEntry,
        event: &NewEvent,
    ) -> StoreResult<User>;
    /// A user with their password hash, by username.
    fn user_by_name(&self, username: &str) -> StoreResult<Option<UserRecord>>;
    /// A user by id.
    fn user(&self, id: UserId) -> StoreResult<Option<User>>;
    /// Every user.
    fn users(&self) -> StoreResult<Vec<User>>;
    /// Every role a user holds.
    fn roles_of(&self, user: UserId) -> StoreResult<Vec<(SiteId, Role)>>;
    /// Every role held on a site.
    fn site_roles(&self, site: SiteId) -> StoreResult<Vec<(User, Role)>>;
    /// Grants (`granted`) or revokes a role; returns whether anything changed.
    fn set_role(
        &self,
        user: UserId,
        site: SiteId,
        role: Role,
        granted: bool,
        audit: &AuditEntry,
        event: &NewEvent,
    ) -> StoreResult<bool>;
    /// Changes an account and forgets every token of the user, with the audit entry, at once.
    fn update_account(
        &self,
        user: UserId,
        change: &AccountChange,
        audit: &AuditEntry,
    ) -> StoreResult<()>;
    /// Stores a token's hash.
    fn insert_token(&self, hash: &str, user: UserId, expires_at: DateTime<Utc>) -> StoreResult<()>;
    /// The user a token (by hash) belongs to, if it has not expired at `now` and the user is
    /// not disabled.
    fn token_user(&self, hash: &str, now: DateTime<Utc>) -> StoreResult<Option<UserId>>;
    /// Forgets a token.
    fn delete_token(&self, hash: &str) -> StoreResult<()>;
}
