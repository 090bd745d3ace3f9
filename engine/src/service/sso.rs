//! Single sign-on: accounts that come from the province's directory (OpenID Connect).
//!
//! The HTTP side (discovery, the code exchange, the ID token's checks) lives in `api`; by the
//! time an identity reaches the engine, the provider has vouched for it. What the engine
//! decides is which account that identity is, whether it may sign in, and which roles it
//! holds. An account is tied to the provider's `issuer` and `sub`, never to a name alone, so
//! a name that changes hands in the directory does not hand over the account.

use super::Engine;
use crate::auth::LoginToken;
use crate::error::EngineError;
use crate::event::NewEvent;
use crate::policy::Role;
use crate::store::{NewUserRecord, ProfileChange, UserRecord};
use crate::user::Username;
use std::collections::BTreeSet;

/// Who the provider says signed in, from a verified ID token.
#[derive(Debug, Clone, Default)]
pub struct ExternalIdentity {
    pub issuer: String,
    pub subject: String,
    pub preferred_username: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    /// The values of the claim named for groups (`groups` unless configured otherwise).
    pub groups: Vec<String>,
}

/// What a directory group grants.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Grant {
    /// A role on one portal (by slug).
    Site { site: String, role: Role },
    /// The network admin's rights.
    NetworkAdmin,
}

/// One line of the mapping: members of `group` get `grant`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleRule {
    pub group: String,
    pub grant: Grant,
}

impl std::str::FromStr for RoleRule {
    type Err = String;

    /// `GROUP=SITE:ROLE` (`bien-tap-stc=so-tai-chinh:editor`) or `GROUP=network_admin`.
    fn from_str(s: &str) -> Result<RoleRule, String> {
        let bad = || {
            format!("'{s}': a role mapping is GROUP=SITE:ROLE (e.g. bien-tap=so-tai-chinh:editor) or GROUP=network_admin")
        };
        let (group, grant) = s.rsplit_once('=').ok_or_else(bad)?;
        let group = group.trim();
        if group.is_empty() {
            return Err(bad());
        }
        let grant = match grant.trim() {
            "network_admin" => Grant::NetworkAdmin,
            g => {
                let (site, role) = g.split_once(':').ok_or_else(bad)?;
                let role: Role = role
                    .trim()
                    .parse()
                    .map_err(|e: String| format!("'{s}': {e}"))?;
                if site.trim().is_empty() {
                    return Err(bad());
                }
                Grant::Site {
                    site: site.trim().to_owned(),
                    role,
                }
            }
        };
        Ok(RoleRule {
            group: group.to_owned(),
            grant,
        })
    }
}

/// How an account's single sign-on identity begins while a network admin has allowed it to
/// be linked and nobody has signed in yet (then the username follows, as the identity is
/// unique): no identity key (`issuer subject`, an issuer being a URL) ever begins so.
pub const LINK_ALLOWED: &str = "link-allowed:";

/// How directory groups become roles.
#[derive(Debug, Clone, Default)]
pub struct RoleMap {
    pub rules: Vec<RoleRule>,
    /// The provider decides every role: at each sign-in, roles it does not grant are taken
    /// away (and the network admin's rights with them). Otherwise mapped roles are only
    /// added, and roles given in Portico stay.
    pub authoritative: bool,
    /// A provider identity is linked to an existing local account of the same
    /// `preferred_username` whatever the account (`--oidc-link-by-username`). Off, only
    /// accounts without a password and without network admin rights are linked by name;
    /// others only after a network admin allowed it (OIDC Core 5.7: `preferred_username`
    /// is not unique, and people often choose their own).
    pub link_by_username: bool,
}

impl RoleMap {
    /// What `groups` grant.
    pub fn grants(&self, groups: &[String]) -> BTreeSet<Grant> {
        self.rules
            .iter()
            .filter(|r| groups.contains(&r.group))
            .map(|r| r.grant.clone())
            .collect()
    }
}

/// The longest value kept from a claim: a directory is trusted, but not with our memory.
const MAX_CLAIM: usize = 255;

fn claim(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(|s| {
            s.trim()
                .chars()
                .filter(|c| !c.is_control())
                .take(MAX_CLAIM)
                .collect::<String>()
        })
        .filter(|s| !s.is_empty())
}

impl Engine {
    /// Signs in a person the provider vouched for: finds their account by the provider's
    /// identity, links an existing account of the same username that has none, or creates
    /// one (with no password: it signs in only through the provider); refuses a disabled
    /// account; applies `map`; and issues a session, all recorded in the audit log with
    /// `from`.
    pub fn sign_in_with_provider(
        &self,
        who: &ExternalIdentity,
        map: &RoleMap,
        from: Option<&str>,
    ) -> Result<LoginToken, EngineError> {
        if who.subject.is_empty() || who.subject.len() > MAX_CLAIM || who.issuer.is_empty() {
            return Err(EngineError::Unauthenticated(
                "the sign-in service sent no usable subject".to_owned(),
            ));
        }
        let key = format!("{} {}", who.issuer, who.subject);
        let refuse = |user: Option<crate::UserId>, why: String| -> EngineError {
            let mut audit = self.audit(None, "auth.sign_in_failed");
            audit.actor = user;
            audit.source = from.map(str::to_owned);
            audit.comment = Some(format!("single sign-on: {why}"));
            match self.store.append_audit(&audit) {
                Ok(()) => EngineError::Unauthenticated(why),
                Err(e) => e.into(),
            }
        };
        let name = claim(&who.name);
        let email = claim(&who.email);
        let rec = match self.store.user_by_sso(&key)? {
            Some(rec) => rec,
            None => {
                let Some(wanted) = claim(&who.preferred_username) else {
                    return Err(refuse(
                        None,
                        "the sign-in service sent no preferred_username for a new account"
                            .to_owned(),
                    ));
                };
                let username = Username::parse(&wanted).map_err(|_| {
                    refuse(
                        None,
                        format!("the username '{wanted}' from the sign-in service is not one Portico accepts (2 to 64 of a-z, 0-9, '.', '_', '-')"),
                    )
                })?;
                self.account_for(
                    username,
                    map.link_by_username,
                    &key,
                    name.clone(),
                    email.clone(),
                    &refuse,
                )?
            }
        };
        if rec.user.disabled {
            return Err(refuse(
                Some(rec.user.id),
                "this account is disabled; ask a network admin".to_owned(),
            ));
        }
        let user = rec.user;
        // The directory keeps the name and the address; follow it when they change.
        let renamed = name.filter(|n| *n != user.display_name);
        let grants = map.grants(&who.groups);
        let admin = if map.authoritative {
            Some(grants.contains(&Grant::NetworkAdmin))
        } else {
            grants.contains(&Grant::NetworkAdmin).then_some(true)
        }
        .filter(|a| *a != user.network_admin);
        if renamed.is_some() || email.is_some() || admin.is_some() {
            let mut audit = self.audit(None, "user.update");
            audit.actor = Some(user.id);
            audit.source = from.map(str::to_owned);
            audit.comment = Some(format!(
                "'{}' updated from the sign-in service{}",
                user.username,
                match admin {
                    Some(true) => ": network admin granted",
                    Some(false) => ": network admin taken away",
                    None => "",
                }
            ));
            self.store.update_profile(
                user.id,
                &ProfileChange {
                    sso_subject: None,
                    display_name: renamed,
                    email,
                    network_admin: admin,
                },
                &audit,
            )?;
        }
        self.apply_roles(&user.username, user.id, &grants, map.authoritative)?;
        self.store.mark_sso_seen(user.id, self.clock.now())?;
        self.issue_session(user.id, from, Some("single sign-on"))
    }

    /// The account for a first sign-in of `key`: the local account of that name if it is not
    /// linked to another identity, else a new one.
    fn account_for(
        &self,
        username: Username,
        link_by_username: bool,
        key: &str,
        name: Option<String>,
        email: Option<String>,
        refuse: &dyn Fn(Option<crate::UserId>, String) -> EngineError,
    ) -> Result<UserRecord, EngineError> {
        let link =
            |rec: UserRecord, action: &str, why: String| -> Result<UserRecord, EngineError> {
                let mut audit = self.audit(None, action);
                audit.actor = Some(rec.user.id);
                audit.comment = Some(why);
                self.store.update_profile(
                    rec.user.id,
                    &ProfileChange {
                        sso_subject: Some(key.to_owned()),
                        ..ProfileChange::default()
                    },
                    &audit,
                )?;
                Ok(UserRecord {
                    sso_subject: Some(key.to_owned()),
                    ..rec
                })
            };
        if let Some(rec) = self.store.user_by_name(username.as_str())? {
            let allowed = rec
                .sso_subject
                .as_deref()
                .is_some_and(|s| s.starts_with(LINK_ALLOWED));
            if rec.sso_subject.is_some() && !allowed {
                return Err(refuse(
                    Some(rec.user.id),
                    format!(
                        "the username '{}' belongs to another account of the sign-in service; ask a network admin",
                        username.as_str()
                    ),
                ));
            }
            let by_name = rec.password_hash.is_empty() && !rec.user.network_admin;
            if !(allowed || by_name || link_by_username) {
                return Err(refuse(
                    Some(rec.user.id),
                    format!(
                        "an account '{}' already exists in Portico; a network admin must allow it to be linked to the sign-in service (PATCH /api/v1/users/{} with {{\"sso_link\": true}}, or the users screen)",
                        username.as_str(),
                        username.as_str()
                    ),
                ));
            }
            let why = format!(
                "'{}' linked to the sign-in service at its first single sign-on{}",
                username.as_str(),
                if allowed {
                    ", as a network admin allowed"
                } else {
                    ""
                }
            );
            return link(rec, "user.link", why);
        }
        let display_name = match &name {
            Some(n) => super::clean_name("display_name", n, 200)?,
            None => username.as_str().to_owned(),
        };
        let mut audit = self.audit(None, "user.create");
        audit.comment = Some(format!(
            "created user '{}' at their first single sign-on",
            username.as_str()
        ));
        let user = self.store.insert_user(
            &NewUserRecord {
                username: username.as_str().to_owned(),
                display_name,
                // No hash verifies an empty string: the account has no password here.
                password_hash: String::new(),
                network_admin: false,
                at: self.clock.now(),
            },
            &audit,
            &NewEvent::user_created(username.as_str()),
        )?;
        let rec = UserRecord {
            user,
            password_hash: String::new(),
            sso_subject: None,
        };
        let mut rec = link(
            rec,
            "user.link",
            format!("'{}' linked to the sign-in service", username.as_str()),
        )?;
        if let Some(e) = email {
            let mut audit = self.audit(None, "user.update");
            audit.actor = Some(rec.user.id);
            audit.comment = Some(format!(
                "'{}' email from the sign-in service",
                username.as_str()
            ));
            self.store.update_profile(
                rec.user.id,
                &ProfileChange {
                    email: Some(e),
                    ..ProfileChange::default()
                },
                &audit,
            )?;
        }
        rec.password_hash = String::new();
        Ok(rec)
    }

    /// Grants what the directory grants; when it is authoritative, also takes away the
    /// roles it does not.
    fn apply_roles(
        &self,
        username: &str,
        user: crate::UserId,
        grants: &BTreeSet<Grant>,
        authoritative: bool,
    ) -> Result<(), EngineError> {
        let held = self.store.roles_of(user)?;
        let mut wanted = BTreeSet::new();
        for g in grants {
            if let Grant::Site { site, role } = g {
                match self.store.site_by_slug(site)? {
                    Some(s) => {
                        wanted.insert((s.id, *role));
                    }
                    None => {
                        tracing::warn!(site, "a role mapping names a portal that does not exist")
                    }
                }
            }
        }
        for &(site, role) in &wanted {
            if !held.contains(&(site, role)) {
                self.set_role_by_id(username, user, site, role, true)?;
            }
        }
        if authoritative {
            for &(site, role) in &held {
                if !wanted.contains(&(site, role)) {
                    self.set_role_by_id(username, user, site, role, false)?;
                }
            }
        }
        Ok(())
    }

    fn set_role_by_id(
        &self,
        username: &str,
        user: crate::UserId,
        site: crate::SiteId,
        role: Role,
        granted: bool,
    ) -> Result<(), EngineError> {
        let action = if granted { "role.grant" } else { "role.revoke" };
        let mut audit = self.audit(None, action);
        audit.site_id = Some(site);
        audit.comment = Some(format!(
            "{action} {role} to '{username}' by the sign-in service's groups"
        ));
        let event = NewEvent::role_changed(site, username, role, granted);
        self.store
            .set_role(user, site, role, granted, &audit, &event)?;
        Ok(())
    }
}
