//! Proposing an item to a parent portal: a component portal's approver offers a published
//! item to a portal above it (usually `main`); it arrives there as a linked copy in review and
//! goes through the parent's own steps. When the source is published anew, the copy is
//! flagged for re-review (the store does that in the publishing transaction).

use super::views::ItemView;
use super::Engine;
use crate::content::Content;
use crate::error::{EngineError, InvalidKind};
use crate::event::{AuditEntry, EventKind, NewEvent};
use crate::ids::{ItemId, RevisionNo};
use crate::policy::{Actor, Permission};
use crate::store::{NewItemRecord, NewRevision};
use crate::workflow::State;
use crate::ErrorCode;

impl Engine {
    /// Proposes the published item `id` to the portal `parent`, which must be above the
    /// item's own portal in the site tree. Returns the copy.
    pub fn propose(
        &self,
        actor: &Actor,
        id: ItemId,
        parent: &str,
    ) -> Result<ItemView, EngineError> {
        let (item, site) = self.visible_item(actor, id)?;
        self.allow(actor, &site, Permission::Propose)?;
        let Some(published) = item.published_rev.filter(|_| item.live) else {
            return Err(EngineError::conflict(
                ErrorCode::NotPublished,
                "only a published item can be proposed to a parent portal",
            ));
        };
        let target = self.site_by_slug(parent)?;
        let mut above = site.parent_id;
        let sites = self.store.sites()?;
        while let Some(p) = above {
            if p == target.id {
                break;
            }
            above = sites.iter().find(|s| s.id == p).and_then(|s| s.parent_id);
        }
        if above != Some(target.id) {
            return Err(EngineError::invalid(
                InvalidKind::InvalidValue,
                "parent".to_owned(),
                format!(
                    "'{}' is not above '{}' in the site tree",
                    target.slug, site.slug
                ),
            ));
        }
        if self
            .store
            .copies_of(item.id)?
            .iter()
            .any(|c| c.site_id == target.id)
        {
            return Err(EngineError::conflict(
                ErrorCode::AlreadyProposed,
                format!("this item was already proposed to '{}'", target.slug),
            ));
        }
        let rev = self.store.revision(item.id, published)?.ok_or_else(|| {
            EngineError::internal(format!("item {} lacks its published revision", item.id))
        })?;
        let content = Content::from_stored(item.kind, rev.fields)?;
        // The copy goes into the parent's channel of the same name, when it has one.
        let source_channels = self.store.channels(site.id)?;
        let target_channels = self.store.channels(target.id)?;
        let channels = item
            .channels
            .iter()
            .filter_map(|c| source_channels.iter().find(|s| s.id == *c))
            .filter_map(|c| target_channels.iter().find(|t| t.slug == c.slug))
            .map(|c| c.id)
            .take(1)
            .collect();
        let slug = self.free_slug(&target, &content.slug_source())?;
        let now = self.clock.now();
        let record = NewItemRecord {
            site_id: target.id,
            kind: item.kind,
            state: State::InReview,
            source_item_id: Some(item.id),
            slug: slug.clone(),
            created_by: actor.user_id,
            channels,
            revision: NewRevision {
                title: content.title().to_owned(),
                columns: super::items::columns(&content),
                fields: content.to_json(),
                created_by: actor.user_id,
            },
            at: now,
            audit: AuditEntry {
                at: now,
                source: actor.from.clone(),
                actor: Some(actor.user_id),
                site_id: Some(target.id),
                item_id: None,
                action: "propose".to_owned(),
                from_state: None,
                to_state: Some(State::InReview),
                revision: Some(RevisionNo(1)),
                comment: Some(format!(
                    "proposed by '{}' from item {} ({})",
                    site.slug, item.id, item.slug
                )),
            },
            events: vec![NewEvent::item(
                EventKind::ItemCreated,
                target.id,
                None,
                &crate::ItemPayload {
                    kind: item.kind,
                    slug: slug.clone(),
                    state: State::InReview,
                    channels: None,
                    source: Some(item.id),
                },
            )],
        };
        let copy = self.store.insert_item(&record)?;
        self.view(actor, &target, copy)
    }
}
