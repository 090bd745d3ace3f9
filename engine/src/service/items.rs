//! Creating, saving and reading items.

use super::views::{HistoryEntry, ItemView, QueueEntry, RevisionSummary};
use super::{check_slug, parse_enum, Engine};
use crate::content::{Content, ItemKind};
use crate::error::{EngineError, InvalidKind};
use crate::event::{AuditEntry, EventKind, NewEvent};
use crate::ids::{ChannelId, ItemId, RevisionNo, UserId};
use crate::policy::{authorize, Actor, Permission, Role};
use crate::site::Site;
use crate::store::{
    ItemRecord, ItemUpdate, NewItemRecord, NewRevision, RevisionColumns, StoreError,
};
use crate::workflow::{allowed_actions, State};
use crate::ErrorCode;
use crate::ItemPayload;
use serde::Deserialize;
use std::collections::HashMap;

/// An item to create.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewItemInput {
    pub kind: String,
    #[serde(default)]
    pub channels: Vec<String>,
    /// Made from the title (a document's from its type, number and title) when absent.
    #[serde(default)]
    pub slug: Option<String>,
    pub fields: serde_json::Value,
}

/// A new revision of an item.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaveInput {
    /// The revision the edit started from; a stale one is refused with a conflict.
    pub base_revision: u32,
    pub fields: serde_json::Value,
    /// Replaces the item's channels when present.
    #[serde(default)]
    pub channels: Option<Vec<String>>,
}

const SLUG_MAX: usize = 120;

/// How a save treats the fields it does not name.
#[derive(Clone, Copy)]
enum SaveMode {
    /// `PUT`: the fields sent are the whole item; those left out are emptied.
    Replace,
    /// `PATCH`: the fields sent change, the others stay as they are.
    Merge,
}

/// Applies a merge patch to the working revision's fields: a named field takes the value
/// sent (an array or object is replaced whole), `null` removes it.
fn merge_fields(
    current: serde_json::Value,
    patch: serde_json::Value,
) -> Result<serde_json::Value, EngineError> {
    let serde_json::Value::Object(patch) = patch else {
        return Err(EngineError::invalid(
            InvalidKind::Malformed,
            Some("fields".to_owned()),
            "'fields' must be an object naming the fields to change",
        ));
    };
    let mut merged = match current {
        serde_json::Value::Object(m) => m,
        _ => serde_json::Map::new(),
    };
    for (name, value) in patch {
        if value.is_null() {
            merged.remove(&name);
        } else {
            merged.insert(name, value);
        }
    }
    Ok(serde_json::Value::Object(merged))
}

pub(super) fn columns(c: &Content) -> RevisionColumns {
    let s = |v: &str| (!v.is_empty()).then(|| v.to_owned());
    let json_name = |v: serde_json::Value| v.as_str().map(str::to_owned);
    let media = crate::media::media_refs(&c.to_json());
    let columns = match c {
        Content::Document(d) => RevisionColumns {
            number: s(&d.number),
            doc_type: s(&d.doc_type),
            issuer: s(&d.issuer),
            field: s(&d.field),
            issued_on: Some(d.issued_on.to_string()),
            effect_status: json_name(serde_json::to_value(d.status).unwrap_or_default()),
            ..Default::default()
        },
        Content::Procedure(p) => RevisionColumns {
            code: s(&p.code),
            field: s(&p.field),
            issuer: s(&p.agency),
            level: json_name(serde_json::to_value(p.level).unwrap_or_default()),
            ..Default::default()
        },
        Content::Question(q) => RevisionColumns {
            field: s(&q.field),
            issuer: s(&q.answered_by),
            ..Default::default()
        },
        Content::Consultation(c) => RevisionColumns {
            field: s(&c.field),
            issuer: s(&c.agency),
            ..Default::default()
        },
        _ => RevisionColumns::default(),
    };
    RevisionColumns { media, ..columns }
}

pub(super) fn item_event(kind: EventKind, item: &ItemRecord, state: State) -> NewEvent {
    event_with(kind, item, state, None)
}

fn event_with(
    kind: EventKind,
    item: &ItemRecord,
    state: State,
    channels: Option<Vec<ChannelId>>,
) -> NewEvent {
    NewEvent::item(
        kind,
        item.site_id,
        Some(item.id),
        &ItemPayload {
            kind: item.kind,
            slug: item.slug.clone(),
            state,
            channels,
            source: None,
        },
    )
}

/// An event that changes public lists (publish, withdraw): it also names the channels whose
/// lists it changes, so caches purge those and not every channel page of the site.
pub(super) fn list_event(
    kind: EventKind,
    item: &ItemRecord,
    state: State,
    channels: &[ChannelId],
) -> NewEvent {
    event_with(kind, item, state, Some(channels.to_vec()))
}

impl Engine {
    /// Creates an item as a draft owned by the actor.
    pub fn create_item(
        &self,
        actor: &Actor,
        site: &str,
        input: NewItemInput,
    ) -> Result<ItemView, EngineError> {
        let site = self.site_by_slug(site)?;
        self.allow(actor, &site, Permission::CreateItem)?;
        let kind: ItemKind = parse_enum("kind", &input.kind)?;
        let content = Content::parse(kind, input.fields, &self.limits)?;
        let channels = self.resolve_channels(&site, &input.channels)?;
        let explicit = input.slug.is_some();
        let mut slug = match input.slug {
            Some(s) => {
                check_slug("slug", &s)?;
                if self.store.slug_exists(site.id, &s)? {
                    return Err(slug_taken(&site, &s));
                }
                s
            }
            None => self.free_slug(&site, &content.slug_source())?,
        };
        let now = self.clock.now();
        let title = content.title().to_owned();
        let revision = NewRevision {
            title: title.clone(),
            columns: columns(&content),
            fields: content.to_json(),
            created_by: actor.user_id,
        };
        for attempt in 0..5 {
            let record = NewItemRecord {
                site_id: site.id,
                kind,
                state: State::Draft,
                source_item_id: None,
                slug: slug.clone(),
                created_by: actor.user_id,
                channels: channels.clone(),
                revision: revision.clone(),
                at: now,
                audit: AuditEntry {
                    at: now,
                    source: actor.from.clone(),
                    actor: Some(actor.user_id),
                    site_id: Some(site.id),
                    item_id: None,
                    action: "create".to_owned(),
                    from_state: None,
                    to_state: Some(State::Draft),
                    revision: Some(RevisionNo(1)),
                    comment: None,
                },
                events: vec![NewEvent::item(
                    EventKind::ItemCreated,
                    site.id,
                    None,
                    &ItemPayload {
                        kind,
                        slug: slug.clone(),
                        state: State::Draft,
                        channels: None,
                        source: None,
                    },
                )],
            };
            match self.store.insert_item(&record) {
                Ok(item) => return self.view(actor, &site, item),
                // Someone took the generated slug between our check and our insert: pick again.
                Err(StoreError::Duplicate { .. }) if !explicit && attempt < 4 => {
                    slug = self.free_slug(&site, &content.slug_source())?;
                }
                Err(StoreError::Duplicate { .. }) => return Err(slug_taken(&site, &slug)),
                Err(e) => return Err(e.into()),
            }
        }
        Err(slug_taken(&site, &slug))
    }

    /// A slug made from `source` that no item of the site has yet.
    pub(super) fn free_slug(&self, site: &Site, source: &str) -> Result<String, EngineError> {
        let mut base = crate::text::slugify(source, SLUG_MAX);
        if base.is_empty() {
            base = crate::DEFAULT_SEGMENT.to_owned();
        }
        if !self.store.slug_exists(site.id, &base)? {
            return Ok(base);
        }
        for n in 2..200 {
            let candidate = format!("{base}-{n}");
            if !self.store.slug_exists(site.id, &candidate)? {
                return Ok(candidate);
            }
        }
        let stamp = self.clock.now().timestamp_micros();
        Ok(format!("{base}-{stamp}"))
    }

    /// Saves a new revision, based on `base_revision`. Editing a published or withdrawn
    /// item starts a new draft; the public keeps seeing the published revision.
    pub fn save_item(
        &self,
        actor: &Actor,
        id: ItemId,
        input: SaveInput,
    ) -> Result<ItemView, EngineError> {
        self.write_revision(actor, id, input, SaveMode::Replace)
    }

    /// Saves a new revision from the working one with only the named fields changed (JSON
    /// Merge Patch, RFC 7396, on the top level: `null` removes a field), so a client that
    /// edits a title need not send back a body it never read. Same base-revision rule as
    /// [`Engine::save_item`].
    pub fn patch_item(
        &self,
        actor: &Actor,
        id: ItemId,
        input: SaveInput,
    ) -> Result<ItemView, EngineError> {
        self.write_revision(actor, id, input, SaveMode::Merge)
    }

    fn write_revision(
        &self,
        actor: &Actor,
        id: ItemId,
        input: SaveInput,
        mode: SaveMode,
    ) -> Result<ItemView, EngineError> {
        let (item, site) = self.visible_item(actor, id)?;
        match item.state {
            State::Scheduled => return Err(EngineError::conflict(
                ErrorCode::InvalidState,
                "a scheduled item cannot be edited; cancel the schedule first (action 'unpublish')",
            )),
            State::Archived => {
                return Err(EngineError::conflict(
                    ErrorCode::InvalidState,
                    "an archived item cannot be edited",
                ))
            }
            _ => {}
        }
        self.allow(
            actor,
            &site,
            Permission::EditItem {
                state: item.state,
                owner: item.owner_id,
            },
        )?;
        if input.base_revision != item.current_rev.0 {
            return Err(StoreError::StaleRevision {
                current: item.current_rev.0,
            }
            .into());
        }
        let fields = match mode {
            SaveMode::Replace => input.fields,
            SaveMode::Merge => merge_fields(self.working_revision(&item)?.fields, input.fields)?,
        };
        let content = Content::parse(item.kind, fields, &self.limits)?;
        let channels = match &input.channels {
            Some(c) => Some(self.resolve_channels(&site, c)?),
            None => None,
        };
        let new_draft = item.state.edit_starts_new_draft();
        let state = if new_draft { State::Draft } else { item.state };
        let owner_id = if new_draft {
            actor.user_id
        } else {
            item.owner_id
        };
        let now = self.clock.now();
        let rev = RevisionNo(item.current_rev.0 + 1);
        let mut events = vec![item_event(EventKind::ItemSaved, &item, state)];
        if state != item.state {
            events.push(item_event(EventKind::ItemStateChanged, &item, state));
        }
        let update = ItemUpdate {
            item_id: item.id,
            expect_rev: item.current_rev,
            expect_state: item.state,
            new_revision: Some(NewRevision {
                title: content.title().to_owned(),
                columns: columns(&content),
                fields: content.to_json(),
                created_by: actor.user_id,
            }),
            channels,
            state,
            owner_id,
            published_rev: item.published_rev,
            live: item.live,
            scheduled_at: item.scheduled_at,
            first_published_at: item.first_published_at,
            published_at: item.published_at,
            at: now,
            audit: AuditEntry {
                at: now,
                source: actor.from.clone(),
                actor: Some(actor.user_id),
                site_id: Some(site.id),
                item_id: Some(item.id),
                action: "save".to_owned(),
                from_state: Some(item.state),
                to_state: Some(state),
                revision: Some(rev),
                comment: None,
            },
            events,
            rendered: None,
            published_anew: false,
        };
        let saved = self.store.update_item(&update)?;
        self.view(actor, &site, saved)
    }

    /// What `fields` would look like published: validated like a save, Markdown rendered as
    /// at publication, nothing stored. For the editors' preview, for anyone with a role on
    /// the site.
    pub fn preview(
        &self,
        actor: &Actor,
        site: &str,
        kind: &str,
        fields: serde_json::Value,
        channels: &[String],
    ) -> Result<crate::PublicItem, EngineError> {
        let site = self.site_by_slug(site)?;
        self.allow(actor, &site, Permission::ViewSite)?;
        let kind: ItemKind = parse_enum("kind", kind)?;
        let content = Content::parse(kind, fields, &self.limits)?;
        let channel_ids = self.resolve_channels(&site, channels)?;
        let html: serde_json::Map<String, serde_json::Value> = content
            .markdown_fields()
            .into_iter()
            .map(|(name, md)| (name.to_owned(), self.renderer.markdown(md).into()))
            .collect();
        let now = self.clock.now();
        Ok(crate::PublicItem {
            id: ItemId(0),
            site_id: site.id,
            site: site.slug.clone(),
            kind,
            slug: "xem-truoc".to_owned(),
            title: content.title().to_owned(),
            channels: self.channel_slugs(&site, &channel_ids)?,
            fields: content.to_json(),
            html: serde_json::Value::Object(html),
            revision: crate::ids::RevisionNo(0),
            first_published_at: Some(now),
            published_at: Some(now),
        })
    }

    /// An item's working revision, for anyone with a role on its site.
    pub fn item(&self, actor: &Actor, id: ItemId) -> Result<ItemView, EngineError> {
        let (item, site) = self.visible_item(actor, id)?;
        self.view(actor, &site, item)
    }

    /// Every revision of an item, newest first.
    pub fn revisions(
        &self,
        actor: &Actor,
        id: ItemId,
    ) -> Result<Vec<RevisionSummary>, EngineError> {
        let (item, _) = self.visible_item(actor, id)?;
        let mut names = NameCache::default();
        self.store
            .revisions(item.id)?
            .into_iter()
            .map(|r| {
                Ok(RevisionSummary {
                    revision: r.rev,
                    based_on: r.based_on,
                    title: r.title,
                    created_by: names.get(self, r.created_by)?,
                    created_at: r.created_at,
                    fields: None,
                })
            })
            .collect()
    }

    /// One revision with its fields.
    pub fn revision(
        &self,
        actor: &Actor,
        id: ItemId,
        rev: u32,
    ) -> Result<RevisionSummary, EngineError> {
        let (item, _) = self.visible_item(actor, id)?;
        let r = self
            .store
            .revision(item.id, RevisionNo(rev))?
            .ok_or_else(|| EngineError::not_found(format!("revision {rev} of item {id}")))?;
        let mut names = NameCache::default();
        Ok(RevisionSummary {
            revision: r.rev,
            based_on: r.based_on,
            title: r.title,
            created_by: names.get(self, r.created_by)?,
            created_at: r.created_at,
            fields: Some(r.fields),
        })
    }

    /// An item's audit trail, oldest first: who, when, from which state to which, and why.
    pub fn history(&self, actor: &Actor, id: ItemId) -> Result<Vec<HistoryEntry>, EngineError> {
        let (item, _) = self.visible_item(actor, id)?;
        Ok(self
            .store
            .history(item.id)?
            .into_iter()
            .map(HistoryEntry::from)
            .collect())
    }

    /// What waits on a site. With no `state`, what waits for this actor: drafts they own,
    /// items in review for editors, items in approval and scheduled ones for approvers.
    pub fn queue(
        &self,
        actor: &Actor,
        site: &str,
        state: Option<&str>,
        limit: usize,
    ) -> Result<Vec<QueueEntry>, EngineError> {
        let site = self.site_by_slug(site)?;
        self.allow(actor, &site, Permission::ViewSite)?;
        let limit = limit.clamp(1, 500);
        let (states, only_own_drafts) = match state {
            Some(s) => (vec![parse_enum::<State>("state", s)?], false),
            None => {
                let mut st = vec![State::Draft];
                if actor.has(site.id, Role::Editor) {
                    st.push(State::InReview);
                }
                if actor.has(site.id, Role::Approver) {
                    st.extend([State::InApproval, State::Scheduled]);
                }
                (st, true)
            }
        };
        let mut names = NameCache::default();
        self.store
            .queue(site.id, &states, limit)?
            .into_iter()
            .filter(|i| {
                !(only_own_drafts && i.state == State::Draft && i.owner_id != actor.user_id)
            })
            .map(|i| {
                Ok(QueueEntry {
                    owner: names.get(self, i.owner_id)?,
                    proposed: i.source_item_id.is_some(),
                    source_changed: i.source_changed,
                    id: i.id,
                    kind: i.kind,
                    slug: i.slug,
                    title: i.title,
                    state: i.state,
                    revision: i.current_rev,
                    updated_at: i.updated_at,
                    scheduled_at: i.scheduled_at,
                })
            })
            .collect()
    }

    pub(super) fn channel_slugs(
        &self,
        site: &Site,
        channels: &[ChannelId],
    ) -> Result<Vec<String>, EngineError> {
        if channels.is_empty() {
            return Ok(Vec::new());
        }
        let all = self.store.channels(site.id)?;
        Ok(channels
            .iter()
            .filter_map(|id| all.iter().find(|c| c.id == *id).map(|c| c.slug.clone()))
            .collect())
    }

    pub(super) fn view(
        &self,
        actor: &Actor,
        site: &Site,
        item: ItemRecord,
    ) -> Result<ItemView, EngineError> {
        let rev = self.working_revision(&item)?;
        let actions = allowed_actions(item.state, item.live)
            .into_iter()
            .filter(|&action| {
                authorize(
                    actor,
                    (site.id, &site.slug),
                    Permission::Transition {
                        action,
                        from: item.state,
                        owner: item.owner_id,
                    },
                )
                .is_ok()
            })
            .collect();
        let can_edit = !matches!(item.state, State::Scheduled | State::Archived)
            && authorize(
                actor,
                (site.id, &site.slug),
                Permission::EditItem {
                    state: item.state,
                    owner: item.owner_id,
                },
            )
            .is_ok();
        // The portals above this one, where a live item may be proposed by those allowed to.
        let propose_to =
            if item.live && authorize(actor, (site.id, &site.slug), Permission::Propose).is_ok() {
                let catalog = self.catalog()?;
                let mut above = Vec::new();
                let mut next = site.parent_id;
                while let Some(p) = next.and_then(|p| catalog.by_id(p)) {
                    if above.contains(&p.slug) {
                        break;
                    }
                    above.push(p.slug.clone());
                    next = p.parent_id;
                }
                above
            } else {
                Vec::new()
            };
        let owner = self.store.user(item.owner_id)?.map(|u| u.username);
        let source = match item.source_item_id {
            Some(src) => self.store.item(src)?.and_then(|s| {
                let site = self.store.site(s.site_id).ok().flatten()?;
                Some(super::views::SourceLink {
                    id: s.id,
                    site: site.slug,
                    slug: s.slug,
                })
            }),
            None => None,
        };
        Ok(ItemView {
            source,
            source_changed: item.source_changed,
            // Editors see the channels of the revision they work on; the public sees the
            // item's, which are the published revision's.
            channels: self
                .channel_slugs(site, rev.channels.as_deref().unwrap_or(&item.channels))?,
            id: item.id,
            site: site.slug.clone(),
            kind: item.kind,
            slug: item.slug,
            state: item.state,
            revision: item.current_rev,
            published_revision: item.published_rev,
            live: item.live,
            owner,
            title: rev.title,
            fields: rev.fields,
            created_at: item.created_at,
            updated_at: item.updated_at,
            published_at: item.published_at,
            scheduled_at: item.scheduled_at,
            actions,
            can_edit,
            propose_to,
        })
    }
}

fn slug_taken(site: &Site, slug: &str) -> EngineError {
    EngineError::Conflict {
        code: ErrorCode::SlugTaken,
        message: format!(
            "site '{}' already has an item with slug '{slug}'",
            site.slug
        ),
        field: Some("slug".to_owned()),
        current_revision: None,
    }
}

/// Looks each user's name up once per call.
#[derive(Default)]
pub(super) struct NameCache(HashMap<UserId, Option<String>>);

impl NameCache {
    pub(super) fn get(
        &mut self,
        engine: &Engine,
        id: UserId,
    ) -> Result<Option<String>, EngineError> {
        if let Some(n) = self.0.get(&id) {
            return Ok(n.clone());
        }
        let n = engine.store.user(id)?.map(|u| u.username);
        self.0.insert(id, n.clone());
        Ok(n)
    }
}
