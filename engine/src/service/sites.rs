//! Sites and channels.

use super::{check_slug, clean_name, parse_enum, Engine};
use crate::error::{EngineError, InvalidKind};
use crate::event::NewEvent;
use crate::ids::ChannelId;
use crate::policy::{Actor, Permission};
use crate::site::{Channel, Site, SiteKind};
use crate::store::{ChannelChange, NewSiteRecord};
use crate::ErrorCode;
use serde::{Deserialize, Serialize};

/// A site to create.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSiteInput {
    pub slug: String,
    pub name: String,
    pub kind: String,
    /// The parent site's slug; only the main portal has none.
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub domains: Vec<String>,
    #[serde(default)]
    pub theme: Option<String>,
}

/// A site with its children, for the tree view.
#[derive(Debug, Clone, Serialize)]
pub struct SiteNode {
    #[serde(flatten)]
    pub site: Site,
    pub parent: Option<String>,
    pub children: Vec<SiteNode>,
}

/// A channel to create.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewChannelInput {
    pub name: String,
    /// Made from the name when absent.
    #[serde(default)]
    pub slug: Option<String>,
    /// The parent channel's slug.
    #[serde(default)]
    pub parent: Option<String>,
    /// Place among its siblings; last when absent.
    #[serde(default)]
    pub position: Option<i64>,
}

/// A change to a channel: rename, move (to another parent, or to the top with `null`),
/// re-order. The slug stays, so links keep working.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, with = "double_option")]
    pub parent: Option<Option<String>>,
    #[serde(default)]
    pub position: Option<i64>,
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
mod double_option {
    use serde::{Deserialize, Deserializer};
    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<String>>, D::Error> {
        Option::<String>::deserialize(d).map(Some)
    }
}

fn check_domain(d: &str) -> Result<String, EngineError> {
    let d = d.trim().to_ascii_lowercase();
    let ok = !d.is_empty()
        && d.len() <= 253
        && d.split('.').count() >= 2
        && d.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if ok {
        Ok(d)
    } else {
        Err(EngineError::invalid(
            InvalidKind::InvalidValue,
            "domains".to_owned(),
            format!("'{d}' is not a host name such as sotc.laocai.gov.vn"),
        ))
    }
}

impl Engine {
    /// Creates a site; network admins only (`actor` `None` is the operator or the demo).
    pub fn create_site(
        &self,
        actor: Option<&Actor>,
        input: NewSiteInput,
    ) -> Result<Site, EngineError> {
        if actor.is_some_and(|a| !a.network_admin) {
            return Err(EngineError::Forbidden(
                "creating sites needs the network_admin role".to_owned(),
            ));
        }
        check_slug("slug", &input.slug)?;
        let name = clean_name("name", &input.name, 300)?;
        let kind: SiteKind = parse_enum("kind", &input.kind)?;
        let parent_id = match (&input.parent, kind) {
            (None, SiteKind::Main) => {
                if self.store.sites()?.iter().any(|s| s.parent_id.is_none()) {
                    return Err(EngineError::conflict(
                        ErrorCode::Duplicate,
                        "the network already has its main portal; give this site a parent",
                    ));
                }
                None
            }
            (None, _) => {
                return Err(EngineError::invalid(
                    InvalidKind::Required,
                    "parent".to_owned(),
                    "every site but the main portal needs a parent site",
                ))
            }
            (Some(p), _) => Some(self.site_by_slug(p)?.id),
        };
        let domains = input
            .domains
            .iter()
            .map(|d| check_domain(d))
            .collect::<Result<Vec<_>, _>>()?;
        let theme = match input.theme {
            Some(t) => {
                check_slug("theme", &t)?;
                t
            }
            None => "default".to_owned(),
        };
        let mut audit = self.audit(actor, "site.create");
        audit.comment = Some(format!("created site '{}'", input.slug));
        let event = NewEvent::site_created(&input.slug);
        let made = self.store.insert_site(
            &NewSiteRecord {
                slug: input.slug,
                name,
                kind,
                parent_id,
                domains,
                theme,
                at: self.clock.now(),
            },
            &audit,
            &event,
        )?;
        self.forget_catalog();
        Ok(made)
    }

    /// Replaces a site's settings (its site admins): each value checked, texts NFC and one
    /// line, channels that exist, pictures from the site's library.
    pub fn update_site_settings(
        &self,
        actor: &Actor,
        site: &str,
        settings: crate::SiteSettings,
    ) -> Result<Site, EngineError> {
        let site = self.site_by_slug(site)?;
        self.allow(actor, &site, Permission::ManageSettings)?;
        let bad = |field: &str, m: &str| {
            EngineError::invalid(InvalidKind::InvalidValue, field.to_owned(), m.to_owned())
        };
        let line =
            |field: &str, v: Option<String>, max: usize| -> Result<Option<String>, EngineError> {
                let Some(v) = v
                    .map(|v| crate::text::nfc(v.trim()))
                    .filter(|v| !v.is_empty())
                else {
                    return Ok(None);
                };
                if v.chars().count() > max || v.chars().any(char::is_control) {
                    return Err(bad(field, &format!("one line of at most {max} characters")));
                }
                Ok(Some(v))
            };
        let picture = |field: &str, v: Option<String>| -> Result<Option<String>, EngineError> {
            let v = line(field, v, 200)?;
            if let Some(p) = &v {
                let id = p
                    .strip_prefix("/media/")
                    .and_then(|n| n.parse::<i64>().ok())
                    .ok_or_else(|| bad(field, "a file of the site's library, as /media/12"))?;
                let m = self
                    .store
                    .media(crate::MediaId(id))?
                    .filter(|m| m.site_id == site.id && m.media_type.is_image())
                    .ok_or_else(|| bad(field, "no such image in this site's library"))?;
                return Ok(Some(format!("/media/{}", m.id)));
            }
            Ok(v)
        };
        let color = line("color", settings.color, 7)?;
        if let Some(c) = &color {
            let hex = c.strip_prefix('#').unwrap_or_default();
            if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad("color", "a colour as #rrggbb, e.g. #8b1a1a"));
            }
        }
        let url = line("public_service_url", settings.public_service_url, 300)?;
        if let Some(u) = &url {
            if !(u.starts_with("https://") || u.starts_with("http://")) {
                return Err(bad(
                    "public_service_url",
                    "an address starting with https://",
                ));
            }
        }
        let email = line("email", settings.email, 200)?;
        if email.as_ref().is_some_and(|e| !e.contains('@')) {
            return Err(bad("email", "an email address"));
        }
        // From the store, not the snapshot: a channel made a moment ago counts.
        let channels = self.store.channels(site.id)?;
        for c in &settings.home_channels {
            if !channels.iter().any(|ch| &ch.slug == c) {
                return Err(bad(
                    "home_channels",
                    &format!("'{}' has no channel '{c}'", site.slug),
                ));
            }
        }
        if settings.home_channels.len() > 12 {
            return Err(bad("home_channels", "at most 12 blocks"));
        }
        if settings.home_items.is_some_and(|n| !(1..=12).contains(&n)) {
            return Err(bad("home_items", "1 to 12 items per block"));
        }
        if settings
            .answer_days
            .is_some_and(|n| !(1..=365).contains(&n))
        {
            return Err(bad("answer_days", "1 to 365 days"));
        }
        if settings
            .retention_days
            .is_some_and(|n| !(30..=3650).contains(&n))
        {
            return Err(bad("retention_days", "30 to 3650 days"));
        }
        let notify_email = line("notify_email", settings.notify_email, 200)?;
        if notify_email
            .as_ref()
            .is_some_and(|e| !crate::participation::is_email(e))
        {
            return Err(bad("notify_email", "an email address"));
        }
        let clean = crate::SiteSettings {
            logo: picture("logo", settings.logo)?,
            banner: picture("banner", settings.banner)?,
            color,
            agency: line("agency", settings.agency, 300)?,
            responsible: line("responsible", settings.responsible, 300)?,
            address: line("address", settings.address, 300)?,
            phone: line("phone", settings.phone, 100)?,
            email,
            licence: line("licence", settings.licence, 300)?,
            public_service_url: url,
            home_channels: settings.home_channels,
            home_items: settings.home_items,
            answer_days: settings.answer_days,
            retention_days: settings.retention_days,
            confirm_questions: settings.confirm_questions,
            notify_email,
        };
        let mut audit = self.audit(Some(actor), "site.settings");
        audit.site_id = Some(site.id);
        let saved = self.store.update_site_settings(
            site.id,
            &clean,
            &audit,
            &crate::NewEvent::site_changed(site.id),
        )?;
        self.forget_catalog();
        Ok(saved)
    }

    /// Every site, flat, in creation order. The site tree is public knowledge.
    pub fn sites(&self) -> Result<Vec<Site>, EngineError> {
        Ok(self.catalog()?.sites.clone())
    }

    /// Whether `slugs` (distinct) name every portal of the network: a search filtered to
    /// them is a search of everything, and the index then needs no filter (building one of
    /// 92 terms cost a tenth of every search's time).
    pub fn is_whole_network(&self, slugs: &[String]) -> Result<bool, EngineError> {
        Ok(!slugs.is_empty() && slugs.len() == self.catalog()?.sites.len())
    }

    /// The ids of the portals named in `slugs`, in the network's order.
    pub fn site_ids_of(&self, slugs: &[String]) -> Result<Vec<crate::SiteId>, EngineError> {
        Ok(self
            .catalog()?
            .sites
            .iter()
            .filter(|s| slugs.contains(&s.slug))
            .map(|s| s.id)
            .collect())
    }

    /// The slug and name of each portal directly under `site`, in the network's order: a
    /// home page's links, without copying every site's settings on every request.
    pub fn child_sites(&self, site: &Site) -> Result<Vec<(String, String)>, EngineError> {
        Ok(self
            .catalog()?
            .sites
            .iter()
            .filter(|s| s.parent_id == Some(site.id))
            .map(|s| (s.slug.clone(), s.name.clone()))
            .collect())
    }

    /// The main portal and the parent of `site`, for page headers and breadcrumbs.
    pub fn main_and_parent(
        &self,
        site: &Site,
    ) -> Result<(Option<Site>, Option<Site>), EngineError> {
        let catalog = self.catalog()?;
        let main = catalog
            .sites
            .iter()
            .find(|s| s.parent_id.is_none())
            .cloned();
        let parent = site.parent_id.and_then(|p| catalog.by_id(p)).cloned();
        Ok((main, parent))
    }

    /// The main portal (the site with no parent), once the network has one.
    pub fn main_site(&self) -> Result<Option<Site>, EngineError> {
        Ok(self
            .catalog()?
            .sites
            .iter()
            .find(|s| s.parent_id.is_none())
            .cloned())
    }

    /// One site by slug.
    pub fn site_named(&self, slug: &str) -> Result<Site, EngineError> {
        self.site_by_slug(slug)
    }

    /// The sites as a tree under the main portal.
    pub fn site_tree(&self) -> Result<Vec<SiteNode>, EngineError> {
        let sites = self.catalog()?.sites.clone();
        fn build(sites: &[Site], parent: Option<&Site>) -> Vec<SiteNode> {
            sites
                .iter()
                .filter(|s| s.parent_id == parent.map(|p| p.id))
                .map(|s| SiteNode {
                    site: s.clone(),
                    parent: parent.map(|p| p.slug.clone()),
                    children: build(sites, Some(s)),
                })
                .collect()
        }
        Ok(build(&sites, None))
    }

    /// A site's channels in display order. Channel lists are public knowledge.
    pub fn channels(&self, site: &str) -> Result<Vec<Channel>, EngineError> {
        let catalog = self.catalog()?;
        let site = catalog
            .by_slug(site)
            .ok_or_else(|| EngineError::not_found(format!("site '{site}'")))?;
        Ok(catalog.channels(site.id).to_vec())
    }

    fn channel_by_slug(
        &self,
        site: &Site,
        slug: &str,
        field: &str,
    ) -> Result<Channel, EngineError> {
        self.store
            .channels(site.id)?
            .into_iter()
            .find(|c| c.slug == slug)
            .ok_or_else(|| {
                EngineError::invalid(
                    InvalidKind::InvalidValue,
                    field.to_owned(),
                    format!("site '{}' has no channel '{slug}'", site.slug),
                )
            })
    }

    /// Creates a channel; site admins.
    pub fn create_channel(
        &self,
        actor: Option<&Actor>,
        site: &str,
        input: NewChannelInput,
    ) -> Result<Channel, EngineError> {
        let site = self.site_by_slug(site)?;
        if let Some(a) = actor {
            self.allow(a, &site, Permission::ManageChannels)?;
        }
        let name = clean_name("name", &input.name, 200)?;
        let slug = match input.slug {
            Some(s) => {
                check_slug("slug", &s)?;
                s
            }
            None => crate::text::slugify(&name, 80),
        };
        if slug.is_empty() {
            return Err(EngineError::invalid(
                InvalidKind::InvalidValue,
                "slug".to_owned(),
                "the name has no letters or digits to make a slug from; give a slug",
            ));
        }
        let existing = self.store.channels(site.id)?;
        let parent_id = match &input.parent {
            Some(p) => Some(self.channel_by_slug(&site, p, "parent")?.id),
            None => None,
        };
        let position = input.position.unwrap_or_else(|| {
            existing
                .iter()
                .filter(|c| c.parent_id == parent_id)
                .map(|c| c.position + 1)
                .max()
                .unwrap_or(0)
        });
        let change = ChannelChange {
            site_id: site.id,
            parent_id,
            slug,
            name,
            position,
        };
        let (audit, event) = self.channel_audit(actor, &site, "channel.create", &change.slug);
        let made = self.store.insert_channel(&change, &audit, &event)?;
        self.forget_catalog();
        Ok(made)
    }

    /// Renames, moves or re-orders a channel; site admins.
    pub fn update_channel(
        &self,
        actor: &Actor,
        site: &str,
        channel: &str,
        patch: ChannelPatch,
    ) -> Result<Channel, EngineError> {
        let site = self.site_by_slug(site)?;
        self.allow(actor, &site, Permission::ManageChannels)?;
        let all = self.store.channels(site.id)?;
        let ch = all
            .iter()
            .find(|c| c.slug == channel)
            .ok_or_else(|| EngineError::not_found(format!("channel '{channel}'")))?;
        let name = match &patch.name {
            Some(n) => clean_name("name", n, 200)?,
            None => ch.name.clone(),
        };
        let parent_id = match &patch.parent {
            None => ch.parent_id,
            Some(None) => None,
            Some(Some(p)) => {
                let parent = self.channel_by_slug(&site, p, "parent")?;
                // Walk up from the new parent: meeting the channel itself means a cycle.
                let mut cursor = Some(parent.id);
                while let Some(id) = cursor {
                    if id == ch.id {
                        return Err(EngineError::invalid(
                            InvalidKind::InvalidValue,
                            "parent".to_owned(),
                            format!("channel '{channel}' cannot move under itself or its own sub-channel '{p}'"),
                        ));
                    }
                    cursor = all.iter().find(|c| c.id == id).and_then(|c| c.parent_id);
                }
                Some(parent.id)
            }
        };
        let change = ChannelChange {
            site_id: site.id,
            parent_id,
            slug: ch.slug.clone(),
            name,
            position: patch.position.unwrap_or(ch.position),
        };
        let (audit, event) = self.channel_audit(Some(actor), &site, "channel.update", &ch.slug);
        let changed = self.store.update_channel(ch.id, &change, &audit, &event)?;
        self.forget_catalog();
        Ok(changed)
    }

    /// Deletes a channel that holds no items and no sub-channels; site admins.
    pub fn delete_channel(
        &self,
        actor: &Actor,
        site: &str,
        channel: &str,
    ) -> Result<(), EngineError> {
        let site = self.site_by_slug(site)?;
        self.allow(actor, &site, Permission::ManageChannels)?;
        let ch: ChannelId = self
            .store
            .channels(site.id)?
            .into_iter()
            .find(|c| c.slug == channel)
            .map(|c| c.id)
            .ok_or_else(|| EngineError::not_found(format!("channel '{channel}'")))?;
        let (audit, event) = self.channel_audit(Some(actor), &site, "channel.delete", channel);
        self.store
            .delete_channel(ch, &audit, &event)
            .map_err(|e| match e {
                crate::StoreError::Refused { code, message } => {
                    EngineError::conflict(code, message)
                }
                other => other.into(),
            })?;
        self.forget_catalog();
        Ok(())
    }

    pub(super) fn resolve_channels(
        &self,
        site: &Site,
        slugs: &[String],
    ) -> Result<Vec<ChannelId>, EngineError> {
        if slugs.len() > 20 {
            return Err(EngineError::invalid(
                InvalidKind::TooLong,
                "channels".to_owned(),
                "an item may be in at most 20 channels",
            ));
        }
        let all = self.store.channels(site.id)?;
        let mut ids = Vec::with_capacity(slugs.len());
        for (i, s) in slugs.iter().enumerate() {
            let c = all.iter().find(|c| &c.slug == s).ok_or_else(|| {
                EngineError::invalid(
                    InvalidKind::InvalidValue,
                    format!("channels[{i}]"),
                    format!("site '{}' has no channel '{s}'", site.slug),
                )
            })?;
            if !ids.contains(&c.id) {
                ids.push(c.id);
            }
        }
        Ok(ids)
    }

    fn channel_audit(
        &self,
        actor: Option<&Actor>,
        site: &Site,
        action: &str,
        slug: &str,
    ) -> (crate::AuditEntry, NewEvent) {
        let mut audit = self.audit(actor, action);
        audit.site_id = Some(site.id);
        audit.comment = Some(format!("{action} '{slug}'"));
        let event = NewEvent::channel_changed(site.id, slug, action);
        (audit, event)
    }
}
