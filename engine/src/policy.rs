//! Who may do what, on which site: the one place where permissions are decided.
//!
//! Handlers never decide permissions; every use case in [`crate::Engine`] calls [`authorize`]
//! before it touches the store. A refusal names the role that is missing.
//!
//! The rules, per site:
//! - `author`, `editor` and `approver` may all write: create items, edit their own drafts,
//!   submit them, and start a new draft of a published or withdrawn item;
//! - `editor` edits items in review, forwards them to approval or returns them;
//! - `approver` edits items in approval, returns them, publishes, schedules, unpublishes and
//!   archives, and proposes published items to a parent portal;
//! - `site_admin` manages the site's channels, its webhooks and who holds which role there;
//! - any role on a site lets one upload to its media library; editors, approvers and site
//!   admins replace, delete and mark public any of its files, others only their own uploads
//!   (and may not mark them public);
//! - any role on a site lets one read that site's items, queue and history, and the
//!   questions and comments citizens sent it (with their email and phone);
//! - authors, editors and approvers answer, reject and forward questions; editors,
//!   approvers and site admins moderate and respond to comments on consultations;
//! - `site_admin` erases a citizen's personal data on request;
//! - `network_admin` may do everything everywhere, and alone creates users and sites;
//! - whatever the roles, an API token does only what its scopes allow: `read` only reads,
//!   `write` also changes content, `admin` also changes accounts and roles and mints tokens.

use crate::ids::{SiteId, UserId};
use crate::names::named;
use crate::workflow::{Action, State};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A role a user holds on one site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Author,
    Editor,
    Approver,
    SiteAdmin,
}

named!(Role, "role", {
    Author => "author",
    Editor => "editor",
    Approver => "approver",
    SiteAdmin => "site_admin",
});

/// What a credential may do on top of its holder's roles. A session may do everything the
/// roles allow; an API token only what it was given when it was made, so a token stolen
/// from a sync script cannot change accounts or mint more tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scopes {
    pub write: bool,
    pub admin: bool,
}

impl Scopes {
    /// A session's: all its holder's roles allow.
    pub const ALL: Scopes = Scopes {
        write: true,
        admin: true,
    };
    /// A new token's unless it asks for others: read and write.
    pub const DEFAULT: Scopes = Scopes {
        write: true,
        admin: false,
    };

    /// The names, as the API and the store write them (`read` always: every credential reads).
    pub fn names(self) -> Vec<&'static str> {
        let mut v = vec!["read"];
        if self.write {
            v.push("write");
        }
        if self.admin {
            v.push("admin");
        }
        v
    }

    /// Scopes from their names; an unknown name is an error naming it.
    pub fn parse<S: AsRef<str>>(names: &[S]) -> Result<Scopes, String> {
        if names.len() > 3 {
            return Err("at most three scopes, each once: read, write, admin".to_owned());
        }
        let mut s = Scopes {
            write: false,
            admin: false,
        };
        for n in names {
            match n.as_ref().trim() {
                "read" => {}
                "write" => s.write = true,
                "admin" => s.admin = true,
                other => return Err(format!("'{other}' is not a scope (read, write, admin)")),
            }
        }
        Ok(s)
    }

    /// Whether these scopes are no more than `other`'s.
    pub fn within(self, other: Scopes) -> bool {
        (!self.write || other.write) && (!self.admin || other.admin)
    }
}

impl Serialize for Scopes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.names().serialize(s)
    }
}

/// The authenticated user as the policy sees them: identity and every role they hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub user_id: UserId,
    pub username: String,
    pub network_admin: bool,
    /// `(site, role)` pairs; a handful per site at most.
    pub roles: Vec<(SiteId, Role)>,
    /// Where the request came from (the client's address), set by the HTTP layer so that
    /// the audit log can say so; `None` from the CLI.
    pub from: Option<String>,
    /// What the credential this request came with may do ([`Scopes::ALL`] but for API
    /// tokens).
    pub scopes: Scopes,
}

impl Actor {
    /// Refused unless the credential may change content (`write`).
    pub fn may_write(&self) -> Result<(), Denied> {
        if self.scopes.write {
            Ok(())
        } else {
            Err(Denied(
                "this API token may only read (its scopes: read); make one with the write scope"
                    .to_owned(),
            ))
        }
    }

    /// Refused unless the credential may change accounts and roles and mint tokens (`admin`).
    pub fn may_administer(&self) -> Result<(), Denied> {
        if self.scopes.admin {
            Ok(())
        } else {
            Err(Denied(
                "changing accounts, roles or tokens needs a signed-in session or an API token with the admin scope".to_owned(),
            ))
        }
    }

    /// Whether the actor holds `role` on `site` (network admins hold every role).
    pub fn has(&self, site: SiteId, role: Role) -> bool {
        self.network_admin || self.roles.iter().any(|&(s, r)| s == site && r == role)
    }

    /// Whether the actor holds any role on `site`.
    pub fn any_role_on(&self, site: SiteId) -> bool {
        self.network_admin || self.roles.iter().any(|&(s, _)| s == site)
    }

    fn can_write(&self, site: SiteId) -> bool {
        self.has(site, Role::Author)
            || self.has(site, Role::Editor)
            || self.has(site, Role::Approver)
    }
}

/// Something the actor wants to do on a site (or, for the network-wide ones, anywhere).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read the site's items, revisions, history and queue.
    ViewSite,
    /// Create a new item.
    CreateItem,
    /// Save a new revision of an item whose working copy is in `state`, owned by `owner`.
    EditItem { state: State, owner: UserId },
    /// Apply a workflow action to an item in state `from`, owned by `owner`.
    Transition {
        action: Action,
        from: State,
        owner: UserId,
    },
    /// Apply a workflow action in whatever state allows it: checked before the state, so
    /// that someone who may never publish hears so, not that the draft is not ready.
    AnyTransition(Action),
    /// Propose one of the site's published items to a parent portal.
    Propose,
    /// Create, rename, move, order and delete channels.
    ManageChannels,
    /// Grant and revoke roles on the site.
    ManageRoles,
    /// Register, inspect and remove the site's webhook endpoints.
    ManageWebhooks,
    /// Change the site's settings: its look, footer facts and home blocks.
    ManageSettings,
    /// Upload files to the site's media library and browse it.
    UploadMedia,
    /// Replace or delete a library file uploaded by `uploader`.
    ManageMedia { uploader: UserId },
    /// Mark a library file public before any published item uses it.
    PublishMedia,
    /// Answer, reject or forward a citizen's question.
    AnswerQuestions,
    /// Approve, reject and respond to comments on a consultation.
    ModerateComments,
    /// Erase what a citizen sent of their personal data.
    ErasePersonalData,
    /// Create users (network-wide).
    ManageUsers,
    /// Create and change sites (network-wide).
    ManageSites,
}

/// A refusal, with a message that says what is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied(pub String);

impl fmt::Display for Denied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Decides whether `actor` may do `perm` on the site `(id, slug)`; the slug is only for the
/// message. Network-wide permissions ignore the site.
pub fn authorize(actor: &Actor, site: (SiteId, &str), perm: Permission) -> Result<(), Denied> {
    let (site_id, slug) = site;
    // The credential's scopes first: they bound even a network admin's token.
    if perm != Permission::ViewSite {
        actor.may_write()?;
    }
    if matches!(perm, Permission::ManageUsers | Permission::ManageRoles) {
        actor.may_administer()?;
    }
    if actor.network_admin {
        return Ok(());
    }
    let need = |roles: &str, what: &str| {
        Err(Denied(format!(
            "{what} needs the {roles} role on site '{slug}'; you ({}) do not hold it",
            actor.username
        )))
    };
    match perm {
        Permission::ManageUsers => Err(Denied(
            "managing users needs the network_admin role".to_owned(),
        )),
        Permission::ManageSites => Err(Denied(
            "managing sites needs the network_admin role".to_owned(),
        )),
        _ if !actor.any_role_on(site_id) => Err(Denied(format!(
            "you ({}) hold no role on site '{slug}'",
            actor.username
        ))),
        Permission::ViewSite => Ok(()),
        Permission::CreateItem if actor.can_write(site_id) => Ok(()),
        Permission::CreateItem => need("author, editor or approver", "creating an item"),
        Permission::Propose if actor.has(site_id, Role::Approver) => Ok(()),
        Permission::Propose => need("approver", "proposing an item to a parent portal"),
        Permission::ManageChannels if actor.has(site_id, Role::SiteAdmin) => Ok(()),
        Permission::ManageChannels => need("site_admin", "managing channels"),
        Permission::ManageRoles if actor.has(site_id, Role::SiteAdmin) => Ok(()),
        Permission::ManageRoles => need("site_admin", "granting or revoking roles"),
        Permission::ManageWebhooks if actor.has(site_id, Role::SiteAdmin) => Ok(()),
        Permission::ManageWebhooks => need("site_admin", "managing webhooks"),
        Permission::ManageSettings if actor.has(site_id, Role::SiteAdmin) => Ok(()),
        Permission::ManageSettings => need("site_admin", "changing the site's settings"),
        Permission::UploadMedia => Ok(()),
        Permission::AnswerQuestions if actor.can_write(site_id) => Ok(()),
        Permission::AnswerQuestions => need(
            "author, editor or approver",
            "answering, rejecting or forwarding questions",
        ),
        Permission::ModerateComments
            if actor.has(site_id, Role::Editor)
                || actor.has(site_id, Role::Approver)
                || actor.has(site_id, Role::SiteAdmin) =>
        {
            Ok(())
        }
        Permission::ModerateComments => need(
            "editor, approver or site_admin",
            "moderating or answering comments",
        ),
        Permission::ErasePersonalData if actor.has(site_id, Role::SiteAdmin) => Ok(()),
        Permission::ErasePersonalData => need("site_admin", "erasing personal data"),
        Permission::ManageMedia { uploader } => {
            if uploader == actor.user_id
                || actor.has(site_id, Role::Editor)
                || actor.has(site_id, Role::Approver)
                || actor.has(site_id, Role::SiteAdmin)
            {
                Ok(())
            } else {
                need(
                    "editor, approver or site_admin",
                    "replacing or deleting a file someone else uploaded",
                )
            }
        }
        Permission::PublishMedia
            if actor.has(site_id, Role::Editor)
                || actor.has(site_id, Role::Approver)
                || actor.has(site_id, Role::SiteAdmin) =>
        {
            Ok(())
        }
        Permission::PublishMedia => need(
            "editor, approver or site_admin",
            "marking a file public",
        ),
        Permission::AnyTransition(action) => {
            let (ok, roles) = match action {
                Action::Submit => (actor.can_write(site_id), "author, editor or approver"),
                Action::Forward => (actor.has(site_id, Role::Editor), "editor"),
                Action::Return => (
                    actor.has(site_id, Role::Editor) || actor.has(site_id, Role::Approver),
                    "editor or approver",
                ),
                _ => (actor.has(site_id, Role::Approver), "approver"),
            };
            if ok {
                Ok(())
            } else {
                need(roles, &format!("'{action}'"))
            }
        }
        Permission::EditItem { state, owner } => match state {
            State::Draft if actor.can_write(site_id) && owner == actor.user_id => Ok(()),
            State::Draft if actor.can_write(site_id) => Err(Denied(format!(
                "this draft belongs to another user; only its owner may edit it until it is submitted (site '{slug}')"
            ))),
            State::Draft => need("author", "editing a draft"),
            State::InReview if actor.has(site_id, Role::Editor) => Ok(()),
            State::InReview => need("editor", "editing an item in review"),
            State::InApproval if actor.has(site_id, Role::Approver) => Ok(()),
            State::InApproval => need("approver", "editing an item in approval"),
            State::Published | State::Unpublished if actor.can_write(site_id) => Ok(()),
            State::Published | State::Unpublished => {
                need("author, editor or approver", "starting a new draft")
            }
            State::Scheduled | State::Archived => need("approver", "editing this item"),
        },
        Permission::Transition {
            action,
            from,
            owner,
        } => match (action, from) {
            (Action::Submit, _) if actor.can_write(site_id) && owner == actor.user_id => Ok(()),
            (Action::Submit, _) if actor.can_write(site_id) => Err(Denied(format!(
                "only the draft's owner may submit it (site '{slug}')"
            ))),
            (Action::Submit, _) => need("author", "submitting"),
            (Action::Forward, _) | (Action::Return, State::InReview) => {
                if actor.has(site_id, Role::Editor) {
                    Ok(())
                } else {
                    need("editor", &format!("'{action}' from {from}"))
                }
            }
            _ if actor.has(site_id, Role::Approver) => Ok(()),
            _ => need("approver", &format!("'{action}'")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(roles: &[Role]) -> Actor {
        Actor {
            from: None,
            user_id: UserId(7),
            username: "u".into(),
            network_admin: false,
            roles: roles.iter().map(|r| (SiteId(1), *r)).collect(),
            scopes: Scopes::ALL,
        }
    }

    #[test]
    fn a_tokens_scopes_bound_even_a_network_admin() {
        let mut a = actor(&[Role::SiteAdmin]);
        a.network_admin = true;
        a.scopes = Scopes::parse(&["read"]).unwrap();
        assert!(
            Scopes::parse(&["read", "write", "admin", "read"]).is_err(),
            "the API description allows three at most"
        );
        assert!(authorize(&a, (SiteId(1), "main"), Permission::ViewSite).is_ok());
        let no = authorize(&a, (SiteId(1), "main"), Permission::CreateItem).unwrap_err();
        assert!(no.0.contains("only read"), "{no}");
        a.scopes = Scopes::DEFAULT;
        assert!(authorize(&a, (SiteId(1), "main"), Permission::CreateItem).is_ok());
        assert!(authorize(&a, (SiteId(1), "main"), Permission::ManageUsers).is_err());
        assert!(authorize(&a, (SiteId(1), "main"), Permission::ManageRoles).is_err());
        a.scopes = Scopes::ALL;
        assert!(authorize(&a, (SiteId(1), "main"), Permission::ManageUsers).is_ok());
        assert_eq!(Scopes::DEFAULT.names(), ["read", "write"]);
        assert!(Scopes::parse(&["sudo"]).is_err());
        assert!(Scopes::DEFAULT.within(Scopes::ALL) && !Scopes::ALL.within(Scopes::DEFAULT));
    }

    #[test]
    fn author_cannot_publish_and_is_told_why() {
        let a = actor(&[Role::Author]);
        let perm = Permission::Transition {
            action: Action::Publish,
            from: State::InApproval,
            owner: UserId(7),
        };
        let err = authorize(&a, (SiteId(1), "main"), perm).unwrap_err();
        assert!(err.0.contains("approver"), "{err}");
        assert!(err.0.contains("'main'"), "{err}");
    }

    #[test]
    fn no_role_on_another_site() {
        let a = actor(&[Role::Approver, Role::SiteAdmin]);
        for perm in [
            Permission::ViewSite,
            Permission::CreateItem,
            Permission::ManageChannels,
        ] {
            let err = authorize(&a, (SiteId(2), "xa-ban-vuoc"), perm).unwrap_err();
            assert!(err.0.contains("no role"), "{err}");
        }
    }

    #[test]
    fn network_admin_may_do_anything() {
        let mut a = actor(&[]);
        a.network_admin = true;
        assert!(authorize(&a, (SiteId(9), "x"), Permission::ManageUsers).is_ok());
        assert!(authorize(&a, (SiteId(9), "x"), Permission::CreateItem).is_ok());
    }
}
