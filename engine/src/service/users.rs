//! Login, tokens, users and per-site roles.

use super::{parse_enum, Engine};
use crate::auth::{
    hash_password_at, new_token, token_hash, verify_password, HashCost, LoginToken, TOKEN_TTL_HOURS,
};
use crate::error::{EngineError, InvalidKind};
use crate::event::NewEvent;
use crate::policy::{Actor, Permission, Role};
use crate::store::NewUserRecord;
use crate::user::{User, Username};
use serde::Deserialize;

/// A user to create.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUserInput {
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub network_admin: bool,
}

/// How strict to be about a new password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordRule {
    /// At least 8 characters: every account people create.
    Strong,
    /// Anything non-empty: only the demo network's well-known accounts.
    DemoOnly,
}

/// Passwords that lead the lists of breached ones, refused whatever their length.
const COMMON_PASSWORDS: &str = include_str!("../common_passwords.txt");

/// Whether a password is on the shipped list of common breached passwords.
fn is_common(password: &str) -> bool {
    let p = password.trim().to_lowercase();
    COMMON_PASSWORDS
        .lines()
        .filter(|l| !l.starts_with('#'))
        .any(|l| l.trim() == p)
}

/// The rules a person can live with (NIST SP 800-63B): long enough, not the username, not on
/// the list of common breached passwords; no rules about kinds of characters.
fn check_password(
    field: &str,
    username: &str,
    password: &str,
    rule: PasswordRule,
) -> Result<(), EngineError> {
    let bad = |m: &str| {
        Err(EngineError::invalid(
            InvalidKind::InvalidValue,
            field.to_owned(),
            m.to_owned(),
        ))
    };
    let n = password.chars().count();
    if rule == PasswordRule::DemoOnly {
        return if (1..=1024).contains(&n) {
            Ok(())
        } else {
            bad("password must be 1 to 1024 characters long")
        };
    }
    if !(8..=1024).contains(&n) {
        return bad("password must be 8 to 1024 characters long");
    }
    let lower = password.to_lowercase();
    if lower.contains(username) || crate::text::fold(&lower) == crate::text::fold(username) {
        return bad("password must not contain the username");
    }
    if is_common(password) {
        return bad("this password is on the list of common breached passwords; choose another");
    }
    Ok(())
}

/// A change to a user by a network admin.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// Disable (true) or enable (false) the account; disabling ends its sessions and tokens.
    #[serde(default)]
    pub disabled: Option<bool>,
    /// A new password (a reset): the user's sessions and tokens end.
    #[serde(default)]
    pub password: Option<String>,
    /// Allow (true) the next single sign-on with this username to link the provider's
    /// identity to this account; false forgets a link or an allowance.
    #[serde(default)]
    pub sso_link: Option<bool>,
}

/// A user with the roles they hold, for the network admins' list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UserWithRoles {
    #[serde(flatten)]
    pub user: User,
    /// `(site slug, role)`.
    pub roles: Vec<(String, Role)>,
}

/// Verified against on unknown usernames so that a login's timing does not reveal which
/// names exist.
fn dummy_hash(cost: HashCost) -> &'static str {
    static PRODUCTION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    static TESTS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let cell = match cost {
        HashCost::Production => &PRODUCTION,
        HashCost::TestsOnly => &TESTS,
    };
    cell.get_or_init(|| hash_password_at("portico-dummy", cost).unwrap_or_default())
}

impl Engine {
    /// Checks a username and password and issues a token. Both outcomes go to the audit
    /// log with `from`, the client's address.
    pub fn login(
        &self,
        username: &str,
        password: &str,
        from: Option<&str>,
    ) -> Result<LoginToken, EngineError> {
        if !self.password_sign_in {
            return Err(EngineError::Forbidden(
                "sign-in with a password is turned off here; sign in through the province's sign-in service".to_owned(),
            ));
        }
        let bad = || EngineError::Unauthenticated("wrong username or password".to_owned());
        let failed = |user: Option<crate::UserId>, why: String| -> Result<(), EngineError> {
            let mut audit = self.audit(None, "auth.sign_in_failed");
            audit.actor = user;
            audit.source = from.map(str::to_owned);
            audit.comment = Some(why);
            Ok(self.store.append_audit(&audit)?)
        };
        // What was typed, shortened: the log must not grow by what a stranger sends.
        let typed: String = username
            .trim()
            .chars()
            .filter(|c| !c.is_control())
            .take(64)
            .collect();
        let Ok(name) = Username::parse(username) else {
            failed(None, format!("no such username '{typed}'"))?;
            return Err(bad());
        };
        let Some(rec) = self.store.user_by_name(name.as_str())? else {
            verify_password(password, dummy_hash(self.hash_cost));
            failed(None, format!("no such username '{typed}'"))?;
            return Err(bad());
        };
        if !verify_password(password, &rec.password_hash) {
            failed(Some(rec.user.id), "wrong password".to_owned())?;
            return Err(bad());
        }
        if rec.user.disabled {
            failed(Some(rec.user.id), "the account is disabled".to_owned())?;
            return Err(EngineError::Unauthenticated(
                "this account is disabled; ask a network admin".to_owned(),
            ));
        }
        self.issue_session(rec.user.id, from, None)
    }

    /// Issues a session to `user` and records the sign-in (`how`: by what means, when not by
    /// password).
    pub(crate) fn issue_session(
        &self,
        user: crate::UserId,
        from: Option<&str>,
        how: Option<&str>,
    ) -> Result<LoginToken, EngineError> {
        let token = new_token();
        let expires_at = self.clock.now() + chrono::Duration::hours(TOKEN_TTL_HOURS);
        self.store
            .insert_token(&token_hash(&token), user, expires_at)?;
        let mut audit = self.audit(None, "auth.sign_in");
        audit.actor = Some(user);
        audit.source = from.map(str::to_owned);
        audit.comment = how.map(str::to_owned);
        self.store.append_audit(&audit)?;
        Ok(LoginToken { token, expires_at })
    }

    /// Resolves a bearer token to the actor with all their roles.
    pub fn authenticate(&self, token: &str) -> Result<Actor, EngineError> {
        let bad = || {
            EngineError::Unauthenticated("the token is unknown or expired; log in again".to_owned())
        };
        if token.is_empty() || token.len() > 200 {
            return Err(bad());
        }
        // An API token, or a sign-in's token (which could start with the prefix by chance).
        let by_api = if token.starts_with(super::tokens::API_TOKEN_PREFIX) {
            self.api_token_user(token)?
        } else {
            None
        };
        let (user_id, scopes) = match by_api {
            Some(found) => found,
            None => (
                self.store
                    .token_user(&token_hash(token), self.clock.now())?
                    .ok_or_else(bad)?,
                crate::policy::Scopes::ALL,
            ),
        };
        let user = self.store.user(user_id)?.ok_or_else(bad)?;
        let mut actor = self.actor_for(user)?;
        actor.scopes = scopes;
        Ok(actor)
    }

    /// Forgets a token.
    pub fn logout(&self, token: &str) -> Result<(), EngineError> {
        Ok(self.store.delete_token(&token_hash(token))?)
    }

    /// The actor for a user, with every role they hold.
    pub fn actor_for(&self, user: User) -> Result<Actor, EngineError> {
        let roles = self.store.roles_of(user.id)?;
        Ok(Actor {
            from: None,
            user_id: user.id,
            username: user.username,
            network_admin: user.network_admin,
            roles,
            scopes: crate::policy::Scopes::ALL,
        })
    }

    /// The actor for a username, for the CLI and the demo generator.
    pub fn actor_by_name(&self, username: &str) -> Result<Actor, EngineError> {
        let rec = self
            .store
            .user_by_name(Username::parse(username)?.as_str())?
            .ok_or_else(|| EngineError::not_found(format!("user '{username}'")))?;
        self.actor_for(rec.user)
    }

    /// Creates a user; only network admins may.
    pub fn create_user(&self, actor: &Actor, input: NewUserInput) -> Result<User, EngineError> {
        actor.may_administer()?;
        if !actor.network_admin {
            return Err(EngineError::Forbidden(
                "creating users needs the network_admin role".to_owned(),
            ));
        }
        self.insert_user(Some(actor), input, PasswordRule::Strong)
    }

    /// Creates a user on the operator's word (the `portico user add` command, the demo).
    pub fn create_user_as_operator(
        &self,
        input: NewUserInput,
        rule: PasswordRule,
    ) -> Result<User, EngineError> {
        self.insert_user(None, input, rule)
    }

    fn insert_user(
        &self,
        actor: Option<&Actor>,
        input: NewUserInput,
        rule: PasswordRule,
    ) -> Result<User, EngineError> {
        let username = Username::parse(&input.username)?;
        check_password("password", username.as_str(), &input.password, rule)?;
        let display_name = match &input.display_name {
            Some(d) => super::clean_name("display_name", d, 200)?,
            None => username.as_str().to_owned(),
        };
        let password_hash =
            hash_password_at(&input.password, self.hash_cost).map_err(EngineError::internal)?;
        let mut audit = self.audit(actor, "user.create");
        audit.comment = Some(format!("created user '{}'", username.as_str()));
        let event = NewEvent::user_created(username.as_str());
        Ok(self.store.insert_user(
            &NewUserRecord {
                username: username.as_str().to_owned(),
                display_name,
                password_hash,
                network_admin: input.network_admin,
                at: self.clock.now(),
            },
            &audit,
            &event,
        )?)
    }

    /// Changes one's own password: the current one must be right. Every session of the user
    /// ends, this one too, so a stolen session does not outlive the change.
    pub fn change_password(
        &self,
        actor: &Actor,
        current: &str,
        new: &str,
    ) -> Result<(), EngineError> {
        actor.may_administer()?;
        let rec = self
            .store
            .user_by_name(&actor.username)?
            .ok_or_else(|| EngineError::Unauthenticated("the account is gone".to_owned()))?;
        if !verify_password(current, &rec.password_hash) {
            return Err(EngineError::invalid(
                InvalidKind::InvalidValue,
                "current".to_owned(),
                "the current password is not right",
            ));
        }
        check_password("new", &actor.username, new, PasswordRule::Strong)?;
        let hash = hash_password_at(new, self.hash_cost).map_err(EngineError::internal)?;
        let audit = self.audit(Some(actor), "user.password_change");
        self.store.update_account(
            actor.user_id,
            &crate::store::AccountChange {
                password_hash: Some(hash),
                disabled: None,
            },
            &audit,
        )?;
        Ok(())
    }

    /// Disables, enables or resets the password of a user; network admins only (the CLI acts
    /// as the operator with `actor` `None`). A network admin cannot disable themselves, so
    /// the network always keeps one who can undo it.
    pub fn update_user(
        &self,
        actor: Option<&Actor>,
        username: &str,
        patch: UserPatch,
    ) -> Result<User, EngineError> {
        if let Some(a) = actor {
            a.may_administer()?;
        }
        if actor.is_some_and(|a| !a.network_admin) {
            return Err(EngineError::Forbidden(
                "changing users needs the network_admin role".to_owned(),
            ));
        }
        let name = Username::parse(username)?;
        let rec = self
            .store
            .user_by_name(name.as_str())?
            .ok_or_else(|| EngineError::not_found(format!("user '{username}'")))?;
        if patch.disabled == Some(true) && actor.is_some_and(|a| a.user_id == rec.user.id) {
            return Err(EngineError::invalid(
                InvalidKind::InvalidValue,
                "disabled".to_owned(),
                "you cannot disable your own account",
            ));
        }
        let password_hash = match &patch.password {
            Some(p) => {
                check_password("password", name.as_str(), p, PasswordRule::Strong)?;
                Some(hash_password_at(p, self.hash_cost).map_err(EngineError::internal)?)
            }
            None => None,
        };
        if let Some(allow) = patch.sso_link {
            let mut audit = self.audit(
                actor,
                if allow {
                    "user.link_allowed"
                } else {
                    "user.unlink"
                },
            );
            audit.comment = Some(format!("user '{}'", name.as_str()));
            self.store.update_profile(
                rec.user.id,
                &crate::store::ProfileChange {
                    sso_subject: Some(if allow {
                        format!("{}{}", super::sso::LINK_ALLOWED, name.as_str())
                    } else {
                        String::new()
                    }),
                    ..Default::default()
                },
                &audit,
            )?;
            if password_hash.is_none() && patch.disabled.is_none() {
                return self
                    .store
                    .user(rec.user.id)?
                    .ok_or_else(|| EngineError::internal("the user vanished while being changed"));
            }
        }
        if password_hash.is_none() && patch.disabled.is_none() {
            return Err(EngineError::invalid(
                InvalidKind::Required,
                None,
                "name 'disabled', 'password' or 'sso_link' to change",
            ));
        }
        let action = match (patch.disabled, password_hash.is_some()) {
            (Some(true), _) => "user.disable",
            (Some(false), false) => "user.enable",
            (Some(false), true) => "user.enable_and_reset",
            (None, _) => "user.password_reset",
        };
        let mut audit = self.audit(actor, action);
        audit.comment = Some(format!("user '{}'", name.as_str()));
        self.store.update_account(
            rec.user.id,
            &crate::store::AccountChange {
                password_hash,
                disabled: patch.disabled,
            },
            &audit,
        )?;
        self.store
            .user(rec.user.id)?
            .ok_or_else(|| EngineError::internal("the user vanished while being changed"))
    }

    /// Every user with their roles; network admins only.
    pub fn users_with_roles(&self, actor: &Actor) -> Result<Vec<UserWithRoles>, EngineError> {
        let users = self.users(actor)?;
        let catalog = self.catalog()?;
        users
            .into_iter()
            .map(|user| {
                let roles = self
                    .store
                    .roles_of(user.id)?
                    .into_iter()
                    .filter_map(|(site, role)| Some((catalog.by_id(site)?.slug.clone(), role)))
                    .collect();
                Ok(UserWithRoles { user, roles })
            })
            .collect()
    }

    /// Every user; network admins only.
    pub fn users(&self, actor: &Actor) -> Result<Vec<User>, EngineError> {
        if !actor.network_admin {
            return Err(EngineError::Forbidden(
                "listing users needs the network_admin role".to_owned(),
            ));
        }
        Ok(self.store.users()?)
    }

    /// Who holds which role on a site; anyone with a role there may look.
    pub fn site_roles(&self, actor: &Actor, site: &str) -> Result<Vec<(User, Role)>, EngineError> {
        let site = self.site_by_slug(site)?;
        self.allow(actor, &site, Permission::ViewSite)?;
        Ok(self.store.site_roles(site.id)?)
    }

    /// Grants or revokes a role on a site; network admins anywhere, site admins on their site.
    /// `actor` is `None` for the operator's CLI and the demo generator.
    pub fn set_role(
        &self,
        actor: Option<&Actor>,
        site: &str,
        username: &str,
        role: &str,
        granted: bool,
    ) -> Result<bool, EngineError> {
        let site = self.site_by_slug(site)?;
        if let Some(a) = actor {
            self.allow(a, &site, Permission::ManageRoles)?;
        }
        let role: Role = parse_enum("role", role)?;
        let user = self
            .store
            .user_by_name(Username::parse(username)?.as_str())?
            .ok_or_else(|| EngineError::not_found(format!("user '{username}'")))?
            .user;
        let action = if granted { "role.grant" } else { "role.revoke" };
        let mut audit = self.audit(actor, action);
        audit.site_id = Some(site.id);
        audit.comment = Some(format!("{action} {role} to '{}'", user.username));
        let event = NewEvent::role_changed(site.id, &user.username, role, granted);
        Ok(self
            .store
            .set_role(user.id, site.id, role, granted, &audit, &event)?)
    }

    /// Whether any user exists (a fresh installation has none).
    pub fn has_users(&self) -> Result<bool, EngineError> {
        Ok(!self.store.users()?.is_empty())
    }

    /// Records a single sign-on that the provider's answer did not prove (state, signature,
    /// issuer, audience, nonce, expiry) or that the person cancelled: a failed sign-in with
    /// no account known.
    pub fn record_sso_refused(&self, why: &str, from: Option<&str>) -> Result<(), EngineError> {
        let mut audit = self.audit(None, "auth.sign_in_failed");
        audit.source = from.map(str::to_owned);
        audit.comment = Some(format!(
            "single sign-on: {}",
            why.chars()
                .filter(|c| !c.is_control())
                .take(500)
                .collect::<String>()
        ));
        Ok(self.store.append_audit(&audit)?)
    }

    /// Records that sign-ins of `username` from `address` (or every sign-in from `address`,
    /// for the `address` scope) started being refused after `failures` failures: once per
    /// limit, not per refused attempt, so a flood of guesses cannot flood the audit log.
    pub fn record_login_limited(
        &self,
        username: &str,
        address: &str,
        scope: &str,
        failures: u32,
    ) -> Result<(), EngineError> {
        let name: String = username.chars().take(64).collect();
        self.record_system(
            "login.limited",
            Some(format!(
                "{failures} failed sign-ins; limited by {scope}: username '{name}' from {address}"
            )),
        )
    }
}
