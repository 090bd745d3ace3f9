//! User accounts.

use crate::error::{EngineError, InvalidKind};
use crate::ids::UserId;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// A user as the API shows them: never with a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub network_admin: bool,
    /// A disabled user cannot sign in, and their sessions and tokens stop working.
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

/// A machine client's credential (a central portal syncing, a script): acts as its owner.
/// The secret itself is shown once, when made; only its hash is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: i64,
    #[serde(skip)]
    pub user_id: UserId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// `None`: until deleted (tokens made before tokens had a default end).
    pub expires_at: Option<DateTime<Utc>>,
    /// When it last authenticated a request (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// What it may do.
    pub scopes: crate::policy::Scopes,
}

/// A validated login name: 2 to 64 of `a-z 0-9 . _ -`, starting with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// Checks and lower-cases a login name.
    pub fn parse(s: &str) -> Result<Username, EngineError> {
        let s = s.trim().to_ascii_lowercase();
        let ok = (2..=64).contains(&s.len())
            && s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        if ok {
            Ok(Username(s))
        } else {
            Err(EngineError::invalid(
                InvalidKind::InvalidValue,
                Some("username".to_owned()),
                "username must be 2 to 64 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit",
            ))
        }
    }

    /// The name as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
