//! Webhook endpoints: registration by site admins, and what the delivery worker needs.

use super::views::ChangesPage;
use super::{parse_enum, Engine};
use crate::content::ItemKind;
use crate::error::{EngineError, InvalidKind};
use crate::ids::SiteId;
use crate::policy::{Actor, Permission};
use crate::webhook::{Delivery, DeliveryAttempt, NewWebhookRecord, Webhook, WebhookId};
use crate::ErrorCode;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Longest accepted endpoint URL.
const MAX_URL: usize = 2048;
/// Most endpoints one site may register; each costs a worker and a log.
const MAX_PER_SITE: usize = 20;

/// An endpoint to register.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookInput {
    /// `http://` or `https://`, where deliveries are POSTed.
    pub url: String,
    /// The HMAC key (16 to 200 printable ASCII characters); generated when absent.
    #[serde(default)]
    pub secret: Option<String>,
    /// Only items of these kinds; every kind when absent or empty.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Also the changes of every portal below the site (the main portal's view of the
    /// network).
    #[serde(default)]
    pub descendants: bool,
}

/// A newly registered endpoint, with the secret shown this once.
#[derive(Debug, Clone, Serialize)]
pub struct WebhookCreated {
    #[serde(flatten)]
    pub webhook: Webhook,
    pub secret: String,
}

fn invalid(field: &str, message: impl Into<String>) -> EngineError {
    EngineError::invalid(InvalidKind::InvalidValue, field.to_owned(), message)
}

fn check_url(raw: &str) -> Result<String, EngineError> {
    let raw = raw.trim();
    if raw.len() > MAX_URL {
        return Err(EngineError::invalid(
            InvalidKind::TooLong,
            "url".to_owned(),
            format!("url is longer than {MAX_URL} characters"),
        ));
    }
    let url =
        url::Url::parse(raw).map_err(|e| invalid("url", format!("url is not a valid URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("url", "url must start with http:// or https://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("url", "url has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "url",
            "url must not carry credentials; deliveries are signed with the secret instead",
        ));
    }
    Ok(url.to_string())
}

/// Refuses an endpoint whose host is, or resolves to, an address webhooks may not reach. A
/// name that does not resolve now is accepted: the sender checks again before each delivery.
fn check_target(url: &str, targets: &crate::WebhookTargets) -> Result<(), EngineError> {
    let Ok(url) = url::Url::parse(url) else {
        return Err(invalid("url", "url is not a valid URL"));
    };
    let port = url.port_or_known_default().unwrap_or(80);
    let addresses = match url.host() {
        Some(url::Host::Ipv4(ip)) => vec![std::net::IpAddr::V4(ip)],
        Some(url::Host::Ipv6(ip)) => vec![std::net::IpAddr::V6(ip)],
        Some(url::Host::Domain(name)) => match &targets.resolver {
            Some(r) => r.resolve(name, port).unwrap_or_default(),
            None => Vec::new(),
        },
        None => Vec::new(),
    };
    for ip in addresses {
        if let Some(why) = crate::refused_address(ip, &targets.allow) {
            return Err(invalid(
                "url",
                format!(
                    "url reaches {ip}, {why}: webhooks go to public addresses only, unless the operator allows that network (--webhook-allow)"
                ),
            ));
        }
    }
    Ok(())
}

fn check_secret(secret: Option<String>) -> Result<String, EngineError> {
    let Some(s) = secret else {
        return Ok(crate::auth::new_token());
    };
    if !(16..=200).contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(invalid(
            "secret",
            "secret must be 16 to 200 printable ASCII characters without spaces",
        ));
    }
    Ok(s)
}

impl Engine {
    /// Registers an endpoint for the site's changes; site admins. Deliveries start with the
    /// next change: what happened before is in the changes API.
    pub fn create_webhook(
        &self,
        actor: &Actor,
        site: &str,
        input: NewWebhookInput,
    ) -> Result<WebhookCreated, EngineError> {
        let site = self.site_by_slug(site)?;
        self.allow(actor, &site, Permission::ManageWebhooks)?;
        let url = check_url(&input.url)?;
        check_target(&url, &self.webhook_targets)?;
        let secret = check_secret(input.secret)?;
        let mut kinds = Vec::new();
        for k in &input.kinds {
            let k: ItemKind = parse_enum("kinds", k)?;
            if !kinds.contains(&k) {
                kinds.push(k);
            }
        }
        if self.store.webhooks(Some(site.id))?.len() >= MAX_PER_SITE {
            return Err(EngineError::conflict(
                ErrorCode::TooManyWebhooks,
                format!(
                    "site '{}' already has {MAX_PER_SITE} webhooks; remove one first",
                    site.slug
                ),
            ));
        }
        let mut audit = self.audit(Some(actor), "webhook.create");
        audit.site_id = Some(site.id);
        audit.comment = Some(url.clone());
        let record = NewWebhookRecord {
            site_id: site.id,
            url,
            secret: secret.clone(),
            kinds,
            descendants: input.descendants,
            cursor: self.store.last_event_seq()?,
            created_at: audit.at,
            created_by: actor.user_id,
        };
        let mut webhook = self.store.insert_webhook(&record, &audit)?;
        self.dress(&mut webhook, &site.slug);
        Ok(WebhookCreated { webhook, secret })
    }

    /// The site's endpoints with their delivery state; site admins.
    pub fn webhooks(&self, actor: &Actor, site: &str) -> Result<Vec<Webhook>, EngineError> {
        let site = self.site_by_slug(site)?;
        self.allow(actor, &site, Permission::ManageWebhooks)?;
        let mut hooks = self.store.webhooks(Some(site.id))?;
        for h in &mut hooks {
            self.dress(h, &site.slug);
        }
        Ok(hooks)
    }

    fn site_webhook(
        &self,
        actor: &Actor,
        site: &str,
        id: WebhookId,
    ) -> Result<(crate::Site, Webhook), EngineError> {
        let site = self.site_by_slug(site)?;
        self.allow(actor, &site, Permission::ManageWebhooks)?;
        let mut hook = self
            .store
            .webhook(id)?
            .filter(|h| h.site_id == site.id)
            .ok_or_else(|| {
                EngineError::not_found(format!("webhook {id} of site '{}'", site.slug))
            })?;
        self.dress(&mut hook, &site.slug);
        Ok((site, hook))
    }

    /// Fills in what the store does not keep: the site's slug and whether deliveries stopped.
    fn dress(&self, hook: &mut Webhook, site: &str) {
        hook.site = site.to_owned();
        let give_up = chrono::Duration::from_std(self.webhook_targets.give_up_after)
            .unwrap_or(chrono::Duration::MAX);
        hook.suspended = hook
            .failing_since
            .is_some_and(|since| self.clock.now() - since >= give_up);
    }

    /// Starts deliveries again to an endpoint that was suspended after failing too long;
    /// site admins.
    pub fn resume_webhook(
        &self,
        actor: &Actor,
        site: &str,
        id: WebhookId,
    ) -> Result<Webhook, EngineError> {
        let (site, hook) = self.site_webhook(actor, site, id)?;
        let mut audit = self.audit(Some(actor), "webhook.resume");
        audit.site_id = Some(site.id);
        audit.comment = Some(hook.url);
        self.store.resume_webhook(id, &audit)?;
        self.site_webhook(actor, &site.slug, id).map(|(_, h)| h)
    }

    /// One endpoint; site admins.
    pub fn webhook(
        &self,
        actor: &Actor,
        site: &str,
        id: WebhookId,
    ) -> Result<Webhook, EngineError> {
        Ok(self.site_webhook(actor, site, id)?.1)
    }

    /// Removes an endpoint; deliveries stop at once. Site admins.
    pub fn delete_webhook(
        &self,
        actor: &Actor,
        site: &str,
        id: WebhookId,
    ) -> Result<(), EngineError> {
        let (site, hook) = self.site_webhook(actor, site, id)?;
        let mut audit = self.audit(Some(actor), "webhook.delete");
        audit.site_id = Some(site.id);
        audit.comment = Some(hook.url);
        Ok(self.store.delete_webhook(id, &audit)?)
    }

    /// The endpoint's delivery log, newest first; site admins.
    pub fn webhook_deliveries(
        &self,
        actor: &Actor,
        site: &str,
        id: WebhookId,
        limit: usize,
    ) -> Result<Vec<Delivery>, EngineError> {
        self.site_webhook(actor, site, id)?;
        Ok(self.store.deliveries(id, limit.clamp(1, 1000))?)
    }

    /// Every endpoint, for the delivery worker.
    pub fn all_webhooks(&self) -> Result<Vec<Webhook>, EngineError> {
        Ok(self.store.webhooks(None)?)
    }

    /// The endpoint (with its secret) and the changes waiting for it, for the delivery
    /// worker; `None` once the endpoint was removed.
    pub fn webhook_pending(
        &self,
        id: WebhookId,
        limit: usize,
    ) -> Result<Option<(Webhook, ChangesPage)>, EngineError> {
        let Some(mut hook) = self.store.webhook(id)? else {
            return Ok(None);
        };
        let slug = self.site(hook.site_id)?.slug;
        self.dress(&mut hook, &slug);
        let sites: HashSet<SiteId> = if hook.descendants {
            self.catalog()?
                .subtree(hook.site_id)
                .into_iter()
                .map(|s| s.id)
                .collect()
        } else {
            HashSet::from([hook.site_id])
        };
        let page = self.changes_where(hook.cursor, limit, |site, kind| {
            sites.contains(&site) && (hook.kinds.is_empty() || hook.kinds.contains(&kind))
        })?;
        Ok(Some((hook, page)))
    }

    /// Logs a delivery attempt; a success moves the endpoint past that change.
    pub fn record_delivery(&self, attempt: &DeliveryAttempt) -> Result<(), EngineError> {
        Ok(self.store.record_delivery(attempt)?)
    }

    /// Moves the endpoint's cursor over events that did not concern it.
    pub fn advance_webhook(&self, id: WebhookId, seq: i64) -> Result<(), EngineError> {
        Ok(self.store.advance_webhook(id, seq)?)
    }

    /// Now, by the engine's clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}
