//! The use cases. Each public method of [`Engine`] authorises the actor with
//! [`crate::authorize`], validates input, and makes one atomic store call.

mod audit;
mod catalog;
mod consultations;
mod desk;
mod items;
mod media;
mod proposals;
mod public;
mod questions;
mod sites;
mod sso;
mod tokens;
mod transitions;
mod users;
mod views;
mod webhooks;

#[cfg(test)]
mod tests;

pub use audit::{AuditLine, AuditQuery, MAX_AUDIT_PAGE};
pub use catalog::CHECK_EVERY as CATALOG_CHECK_EVERY;
pub use consultations::{
    CommentInput, ConsultationView, ModerationInput, PublicComment, Report, ReportSection,
    ResponseInput, Window, COMMENT_MAX,
};
pub use desk::{Activity, Desk, DeskSite, ItemListPage, ItemListQuery, ListedItem, MAX_ITEM_PAGE};
pub use items::{NewItemInput, SaveInput};
pub use media::{parse_media_type, MediaDetail, MediaPatch, MAX_MEDIA_PAGE};
pub use questions::{
    AnswerInput, Asked, QuestionInput, QuestionStatusView, QuestionView, MAX_QUESTION_PAGE,
    QUESTION_MAX,
};
pub use sites::{ChannelPatch, NewChannelInput, NewSiteInput, SiteNode};
pub use sso::{ExternalIdentity, Grant, RoleMap, RoleRule};
pub use tokens::{ApiTokenCreated, NewApiTokenInput, API_TOKEN_PREFIX, MAX_API_TOKENS};
pub use transitions::TransitionInput;
pub use users::{NewUserInput, PasswordRule, UserPatch, UserWithRoles};
pub use views::{
    Change, ChangesPage, HistoryEntry, ItemView, PublicItem, PublicPage, QueueEntry,
    RevisionSummary,
};
pub use webhooks::{NewWebhookInput, WebhookCreated};

use crate::clock::Clock;
use crate::content::Limits;
use crate::error::{EngineError, InvalidKind};
use crate::event::AuditEntry;
use crate::ids::{ItemId, SiteId};
use crate::policy::{authorize, Actor, Permission};
use crate::site::Site;
use crate::store::{ItemRecord, Store};
use std::sync::Arc;

/// The register's issuer lists by site, with when each was read.
type IssuerCache =
    Arc<std::sync::Mutex<std::collections::HashMap<SiteId, (std::time::Instant, Vec<String>)>>>;

/// Runs every use case against a store and a clock.
#[derive(Clone)]
pub struct Engine {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    renderer: Arc<dyn crate::Renderer>,
    limits: Limits,
    catalog: catalog::CatalogCell,
    /// The register's issuer lists by site, with when they were read: a list a few seconds
    /// old is good enough for a filter's choices, and the register is a hot page.
    issuers: IssuerCache,
    hash_cost: crate::HashCost,
    webhook_targets: crate::WebhookTargets,
    /// Whether accounts may sign in with a password; off where the province's single
    /// sign-on is the only way in.
    password_sign_in: bool,
    /// Whether mail can be sent: without it nothing is queued, and questions need no
    /// confirmation.
    mail: bool,
    /// Where the province's sign-in service decides who may work here: how long an account
    /// that signs in only through it may stay away before its API tokens stop working (a
    /// person removed from the directory can no longer sign in, so their absence is the
    /// only sign of it that reaches us).
    provider_absence: Option<chrono::Duration>,
}

impl Engine {
    /// An engine over `store`, telling time by `clock`.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Engine {
        Engine {
            store,
            clock,
            renderer: Arc::new(crate::EscapingRenderer),
            limits: Limits::default(),
            catalog: Default::default(),
            issuers: Default::default(),
            hash_cost: crate::HashCost::Production,
            webhook_targets: crate::WebhookTargets::default(),
            password_sign_in: true,
            mail: false,
            provider_absence: None,
        }
    }

    /// The same engine refusing the API tokens of accounts that sign in only through the
    /// provider once they have not for `absence` (`None`: tokens last until they expire).
    pub fn with_provider_absence(self, absence: Option<chrono::Duration>) -> Engine {
        Engine {
            provider_absence: absence,
            ..self
        }
    }

    /// The same engine with sign-in by password allowed or not (API tokens and single
    /// sign-on are unaffected).
    pub fn with_password_sign_in(self, password_sign_in: bool) -> Engine {
        Engine {
            password_sign_in,
            ..self
        }
    }

    /// The same engine queueing mail (confirmations, notices) for a sender to deliver.
    pub fn with_mail(self, mail: bool) -> Engine {
        Engine { mail, ..self }
    }

    /// Whether mail is queued.
    pub fn mail(&self) -> bool {
        self.mail
    }

    /// Whether sign-in by password is allowed.
    pub fn password_sign_in(&self) -> bool {
        self.password_sign_in
    }

    /// The same engine checking webhook endpoints against `targets` (the server's resolver
    /// and the operator's allowed networks).
    pub fn with_webhook_targets(self, webhook_targets: crate::WebhookTargets) -> Engine {
        Engine {
            webhook_targets,
            ..self
        }
    }

    /// The rules for webhook endpoints this engine applies.
    pub fn webhook_targets(&self) -> &crate::WebhookTargets {
        &self.webhook_targets
    }

    /// The same engine hashing new passwords at `cost`; only test suites lower it.
    pub fn with_hash_cost(self, hash_cost: crate::HashCost) -> Engine {
        Engine { hash_cost, ..self }
    }

    /// The same engine rendering Markdown with `renderer` when items are published.
    pub fn with_renderer(self, renderer: Arc<dyn crate::Renderer>) -> Engine {
        Engine { renderer, ..self }
    }

    /// The same engine with another clock (the demo generator back-dates content).
    pub fn with_clock(&self, clock: Arc<dyn Clock>) -> Engine {
        Engine {
            clock,
            ..self.clone()
        }
    }

    /// The limits applied to input.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The store, for read-only callers such as the consistency check.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Every event after `after`, at most `limit`.
    /// Whether this node leads (runs the scheduler and sends webhooks); see [`crate::Store::lead`].
    pub fn lead(&self) -> Result<bool, EngineError> {
        Ok(self.store.lead()?)
    }

    pub fn events_after(&self, after: i64, limit: usize) -> Result<Vec<crate::Event>, EngineError> {
        Ok(self.store.events_after(after, limit.min(10_000))?)
    }

    /// Checks the store's invariants: an empty list means consistent.
    pub fn check(&self) -> Result<Vec<String>, EngineError> {
        let mut problems = self.store.check()?;
        if self.demo_half_built()? {
            problems.push(
                "the demo network was left half-built (its creation was interrupted); start `portico serve --demo` again to build it anew on SQLite, or recreate the database"
                    .to_owned(),
            );
        }
        Ok(problems)
    }

    /// Records an action of the system itself (no user) in the audit log.
    pub fn record_system(&self, action: &str, comment: Option<String>) -> Result<(), EngineError> {
        let mut entry = self.audit(None, action);
        entry.comment = comment;
        Ok(self.store.append_audit(&entry)?)
    }

    /// Whether the demo network's creation began (`demo.started` in the audit log) and never
    /// finished (`demo.finished`): a process killed while building it.
    pub fn demo_half_built(&self) -> Result<bool, EngineError> {
        Ok(self.store.audit_count("demo.started")? > self.store.audit_count("demo.finished")?)
    }

    fn site_by_slug(&self, slug: &str) -> Result<Site, EngineError> {
        self.catalog()?
            .by_slug(slug)
            .cloned()
            .ok_or_else(|| EngineError::not_found(format!("site '{slug}'")))
    }

    fn site(&self, id: SiteId) -> Result<Site, EngineError> {
        self.catalog()?
            .by_id(id)
            .cloned()
            .ok_or_else(|| EngineError::internal(format!("site {id} referenced but missing")))
    }

    /// Whether the actor may do `perm` on the site named `site`: for interfaces deciding which
    /// links and buttons to draw. Every use case still checks for itself.
    pub fn may(&self, actor: &Actor, site: &str, perm: Permission) -> bool {
        self.site_by_slug(site)
            .is_ok_and(|s| authorize(actor, (s.id, &s.slug), perm).is_ok())
    }

    fn allow(&self, actor: &Actor, site: &Site, perm: Permission) -> Result<(), EngineError> {
        authorize(actor, (site.id, &site.slug), perm).map_err(|d| EngineError::Forbidden(d.0))
    }

    /// Loads an item and its site, and checks that the actor may see that site at all.
    fn visible_item(&self, actor: &Actor, id: ItemId) -> Result<(ItemRecord, Site), EngineError> {
        let item = self
            .store
            .item(id)?
            .ok_or_else(|| EngineError::not_found(format!("item {id}")))?;
        let site = self.site(item.site_id)?;
        self.allow(actor, &site, Permission::ViewSite)?;
        Ok((item, site))
    }

    /// The item's working revision, with its fields.
    fn working_revision(
        &self,
        item: &crate::ItemRecord,
    ) -> Result<crate::RevisionRecord, EngineError> {
        self.store
            .revision(item.id, item.current_rev)?
            .ok_or_else(|| {
                EngineError::internal(format!(
                    "item {} has no revision {}",
                    item.id, item.current_rev
                ))
            })
    }

    fn audit(&self, actor: Option<&Actor>, action: &str) -> AuditEntry {
        AuditEntry {
            at: self.clock.now(),
            actor: actor.map(|a| a.user_id),
            source: actor.and_then(|a| a.from.clone()),
            site_id: None,
            item_id: None,
            action: action.to_owned(),
            from_state: None,
            to_state: None,
            revision: None,
            comment: None,
        }
    }
}

/// Checks a one-line name: NFC, trimmed, non-empty, at most `max` characters.
pub(crate) fn clean_name(field: &str, v: &str, max: usize) -> Result<String, EngineError> {
    let v = crate::text::nfc(v.trim());
    if v.is_empty() {
        return Err(EngineError::invalid(
            InvalidKind::Required,
            field.to_owned(),
            format!("{field} must not be empty"),
        ));
    }
    let n = v.chars().count();
    if n > max {
        return Err(EngineError::invalid(
            InvalidKind::TooLong,
            field.to_owned(),
            format!("{field} is {n} characters long; at most {max} are allowed"),
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(EngineError::invalid(
            InvalidKind::InvalidValue,
            field.to_owned(),
            format!("{field} contains control characters"),
        ));
    }
    Ok(v)
}

/// Checks a slug the caller chose.
pub(crate) fn check_slug(field: &str, slug: &str) -> Result<(), EngineError> {
    if crate::text::is_slug(slug) {
        Ok(())
    } else {
        Err(EngineError::invalid(
            InvalidKind::InvalidValue,
            field.to_owned(),
            format!("{field} '{slug}' is not a slug: use lower-case a-z, 0-9 and single dashes, at most 200 characters"),
        ))
    }
}

/// Parses a value with `FromStr`, naming the field on failure.
pub(crate) fn parse_enum<T: std::str::FromStr<Err = String>>(
    field: &str,
    v: &str,
) -> Result<T, EngineError> {
    v.parse()
        .map_err(|m: String| EngineError::invalid(InvalidKind::InvalidValue, field.to_owned(), m))
}

/// Checks a workflow comment: NFC, at most 2,000 characters, no control characters but
/// line breaks.
pub(crate) fn clean_comment(c: &str) -> Result<String, EngineError> {
    let c = crate::text::nfc(c);
    let n = c.chars().count();
    if n > transitions::COMMENT_MAX {
        return Err(EngineError::invalid(
            InvalidKind::TooLong,
            "comment".to_owned(),
            format!(
                "comment is {n} characters long; at most {} are allowed",
                transitions::COMMENT_MAX
            ),
        ));
    }
    if c.chars()
        .any(|ch| ch.is_control() && !matches!(ch, '\n' | '\r' | '\t'))
    {
        return Err(EngineError::invalid(
            InvalidKind::InvalidValue,
            "comment".to_owned(),
            "comment contains control characters",
        ));
    }
    Ok(c)
}
