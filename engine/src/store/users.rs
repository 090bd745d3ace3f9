//! Accounts, their roles on sites, and login tokens.

use super::StoreResult;
use crate::event::{AuditEntry, NewEvent};
use crate::ids::{SiteId, UserId};
use crate::policy::Role;
use crate::user::{ApiToken, User};
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
    /// The single sign-on identity (`issuer subject`) the account is linked to, if any.
    pub sso_subject: Option<String>,
}

/// What the province's sign-in service says of an account, kept with it. `None` leaves a
/// value as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileChange {
    /// The identity to link; `Some("")` forgets the link.
    pub sso_subject: Option<String>,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub network_admin: Option<bool>,
}

/// How an account stands with the province's sign-in service, for deciding whether its API
/// tokens still work where the provider is authoritative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderStanding {
    /// The identity the account is linked to (or a network admin's leave to link it).
    pub sso_subject: Option<String>,
    /// Whether the account can also sign in with a password of its own.
    pub has_password: bool,
    /// When the person last signed in through the provider.
    pub sso_seen_at: Option<DateTime<Utc>>,
}

/// An API token to store.
#[derive(Debug, Clone)]
pub struct NewApiTokenRecord {
    pub user_id: UserId,
    pub name: String,
    pub hash: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub scopes: crate::policy::Scopes,
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
    /// The user linked to a single sign-on identity (`issuer subject`).
    fn user_by_sso(&self, subject: &str) -> StoreResult<Option<UserRecord>>;
    /// Updates what the sign-in service keeps of an account, with the audit entry; sessions
    /// stay (the person is the same).
    fn update_profile(
        &self,
        user: UserId,
        change: &ProfileChange,
        audit: &AuditEntry,
    ) -> StoreResult<()>;
    /// Notes that the user signed in through the provider at `at`.
    fn mark_sso_seen(&self, user: UserId, at: DateTime<Utc>) -> StoreResult<()>;
    /// How the account stands with the provider; `None` if there is no such user.
    fn provider_standing(&self, user: UserId) -> StoreResult<Option<ProviderStanding>>;
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
    /// Changes an account and forgets every session and API token of the user, with the
    /// audit entry, at once.
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
    /// Stores an API token with its audit entry.
    fn insert_api_token(&self, t: &NewApiTokenRecord, audit: &AuditEntry) -> StoreResult<ApiToken>;
    /// A user's API tokens, oldest first.
    fn api_tokens(&self, user: UserId) -> StoreResult<Vec<ApiToken>>;
    /// One API token.
    fn api_token(&self, id: i64) -> StoreResult<Option<ApiToken>>;
    /// Deletes an API token with its audit entry; whether it existed.
    fn delete_api_token(&self, id: i64, audit: &AuditEntry) -> StoreResult<bool>;
    /// The API token with this hash, if it has not expired at `now` and its owner is not
    /// disabled.
    fn api_token_by_hash(&self, hash: &str, now: DateTime<Utc>) -> StoreResult<Option<ApiToken>>;
    /// Notes that a token was used at `now`.
    fn touch_api_token(&self, id: i64, now: DateTime<Utc>) -> StoreResult<()>;
}
