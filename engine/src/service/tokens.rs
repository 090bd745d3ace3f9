//! API tokens: machine clients' credentials that act as their owner.

use super::{clean_name, Engine};
use crate::auth::{new_token, token_hash};
use crate::error::{EngineError, InvalidKind};
use crate::policy::Actor;
use crate::store::NewApiTokenRecord;
use crate::user::ApiToken;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

/// What marks a secret as an API token rather than a sign-in's token: the two are looked up
/// in different places, and a person reading a config file can tell which one it holds.
pub const API_TOKEN_PREFIX: &str = "pt_";
/// How many tokens one account may hold: enough for every machine a person runs.
pub const MAX_API_TOKENS: usize = 50;
/// How often the "last used" time is written: every request would turn each read into a
/// write.
const TOUCH_EVERY: Duration = Duration::minutes(1);

/// How long a token works when its maker names no end: a forgotten token does not work for
/// ever.
pub const API_TOKEN_DEFAULT_DAYS: i64 = 365;

/// `POST /api/v1/tokens`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewApiTokenInput {
    pub name: String,
    /// When it stops working (RFC 3339); by default a year from now.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// What it may do: `read`, `write`, `admin`; by default `["read", "write"]`.
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
}

/// A token just made: the secret is in `token`, shown this once.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ApiTokenCreated {
    #[serde(flatten)]
    pub info: ApiToken,
    pub token: String,
}

impl Engine {
    /// Makes an API token for the actor (who may be signed in with another token).
    pub fn create_api_token(
        &self,
        actor: &Actor,
        input: NewApiTokenInput,
    ) -> Result<ApiTokenCreated, EngineError> {
        // A token cannot mint tokens unless it may administer (a session may).
        actor.may_administer()?;
        let name = clean_name("name", &input.name, 100)?;
        let scopes = match &input.scopes {
            None => crate::policy::Scopes::DEFAULT,
            Some(list) => crate::policy::Scopes::parse(list).map_err(|why| {
                EngineError::invalid(InvalidKind::InvalidValue, "scopes".to_owned(), why)
            })?,
        };
        if !scopes.within(actor.scopes) {
            return Err(EngineError::Forbidden(
                "a token cannot be given scopes its maker does not have".to_owned(),
            ));
        }
        let now = self.clock.now();
        let expires_at = match input.expires_at.as_deref().map(str::trim) {
            None | Some("") => Some(now + Duration::days(API_TOKEN_DEFAULT_DAYS)),
            Some(s) => {
                let t = DateTime::parse_from_rfc3339(s)
                    .map_err(|_| {
                        EngineError::invalid(
                            InvalidKind::InvalidDate,
                            "expires_at".to_owned(),
                            format!("expires_at '{s}' is not an RFC 3339 time such as 2027-01-31T00:00:00+07:00"),
                        )
                    })?
                    .with_timezone(&Utc);
                if t <= now {
                    return Err(EngineError::invalid(
                        InvalidKind::InvalidDate,
                        "expires_at".to_owned(),
                        "expires_at is in the past; a token must work for some time".to_owned(),
                    ));
                }
                Some(t)
            }
        };
        let Some(expires_at) = expires_at else {
            return Err(EngineError::internal("a token without an end"));
        };
        if self.store.api_tokens(actor.user_id)?.len() >= MAX_API_TOKENS {
            return Err(EngineError::invalid(
                InvalidKind::TooLong,
                None,
                format!("an account holds at most {MAX_API_TOKENS} API tokens; delete one first"),
            ));
        }
        let secret = format!("{API_TOKEN_PREFIX}{}", new_token());
        let mut audit = self.audit(Some(actor), "token.create");
        audit.comment = Some(format!("API token '{name}'"));
        let info = self.store.insert_api_token(
            &NewApiTokenRecord {
                user_id: actor.user_id,
                name,
                hash: token_hash(&secret),
                created_at: now,
                expires_at: Some(expires_at),
                scopes,
            },
            &audit,
        )?;
        Ok(ApiTokenCreated {
            info,
            token: secret,
        })
    }

    /// The actor's own API tokens, never with their secrets.
    pub fn api_tokens(&self, actor: &Actor) -> Result<Vec<ApiToken>, EngineError> {
        Ok(self.store.api_tokens(actor.user_id)?)
    }

    /// Deletes a token: its owner or a network admin may. It is refused from the next
    /// request on.
    pub fn delete_api_token(&self, actor: &Actor, id: i64) -> Result<(), EngineError> {
        let token = self
            .store
            .api_token(id)?
            .filter(|t| t.user_id == actor.user_id || actor.network_admin)
            .ok_or_else(|| EngineError::not_found(format!("API token {id}")))?;
        let mut audit = self.audit(Some(actor), "token.delete");
        audit.comment = Some(format!("API token '{}'", token.name));
        if !self.store.delete_api_token(id, &audit)? {
            return Err(EngineError::not_found(format!("API token {id}")));
        }
        Ok(())
    }

    /// The owner of an API token and what it may do, when the token is known, unexpired and
    /// its owner enabled.
    pub(crate) fn api_token_user(
        &self,
        secret: &str,
    ) -> Result<Option<(crate::UserId, crate::policy::Scopes)>, EngineError> {
        let now = self.clock.now();
        let Some(token) = self.store.api_token_by_hash(&token_hash(secret), now)? else {
            return Ok(None);
        };
        self.check_provider_absence(token.user_id, now)?;
        if token.last_used_at.is_none_or(|t| now - t >= TOUCH_EVERY) {
            self.store.touch_api_token(token.id, now)?;
        }
        Ok(Some((token.user_id, token.scopes)))
    }

    /// Refuses the token of an account that signs in only through an authoritative provider
    /// and has not for longer than the operator allows: removed from the directory, a
    /// person can no longer sign in, but a token would otherwise outlive them by a year.
    /// Signing in through the provider again brings the tokens back.
    fn check_provider_absence(
        &self,
        user: crate::UserId,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), EngineError> {
        let Some(absence) = self.provider_absence else {
            return Ok(());
        };
        let Some(standing) = self.store.provider_standing(user)? else {
            return Ok(());
        };
        let linked = standing
            .sso_subject
            .as_deref()
            .is_some_and(|s| !s.starts_with(super::sso::LINK_ALLOWED));
        if !linked || standing.has_password {
            return Ok(());
        }
        // Never seen (linked before sign-ins were noted): as good as absent, until the person
        // signs in once.
        if standing
            .sso_seen_at
            .is_some_and(|seen| now - seen <= absence)
        {
            return Ok(());
        }
        Err(EngineError::Unauthenticated(format!(
            "this account signs in through the province's sign-in service and has not for more than {} days, so its API tokens are paused; sign in there once to use them again",
            absence.num_days()
        )))
    }
}
