//! A [`Store`](super::Store) in memory: the whole data behind one lock, each write atomic
//! (checked first, then applied). For the engine's own tests, and tools that need a network
//! for a moment; it keeps nothing when dropped. The store contract tests hold it to the same
//! behaviour as SQLite and PostgreSQL.

mod participation;

use super::{
    AccountChange, AuditFilter, AuditRow, ChannelChange, EventLog, ItemListFilter, ItemRecord,
    ItemSort, ItemStore, ItemUpdate, ListCursor, ListFilter, ListOrder, MediaEvent, MediaStore,
    NewApiTokenRecord, NewItemRecord, NewRevision, NewSiteRecord, NewUserRecord, ProfileChange,
    ProviderStanding, RevisionColumns, RevisionRecord, SiteStore, StateCount, StoreError,
    StoreResult, TextEvent, UserRecord, UserStore, WebhookStore,
};
use crate::event::{AuditEntry, Event, EventKind, NewEvent};
use crate::ids::{ChannelId, ItemId, RevisionNo, SiteId, UserId};
use crate::media::{
    AttachmentText, FileText, FileToRead, Media, MediaFile, MediaFilter, MediaId, MediaUse,
    NewMediaRecord,
};
use crate::policy::Role;
use crate::site::{Channel, Site};
use crate::user::{ApiToken, User};
use crate::webhook::{Delivery, DeliveryAttempt, NewWebhookRecord, Webhook, WebhookId};
use crate::workflow::State;
use crate::{ErrorCode, LONG_FIELDS};
use chrono::{DateTime, Datelike, Utc};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

/// How many deliveries of one endpoint the log keeps (the newest), as the databases do.
const KEEP_DELIVERIES: usize = 1000;

/// A revision as kept: the record (with its fields) and the columns lists filter on.
#[derive(Clone)]
struct Rev {
    record: RevisionRecord,
    columns: RevisionColumns,
}

#[derive(Default)]
struct Data {
    sites: Vec<Site>,
    channels: Vec<Channel>,
    users: Vec<(User, String)>,
    /// Single sign-on identity and email by user.
    sso: HashMap<UserId, (Option<String>, Option<String>)>,
    /// When each user last signed in through the provider.
    sso_seen: HashMap<UserId, DateTime<Utc>>,
    roles: Vec<(UserId, SiteId, Role)>,
    tokens: HashMap<String, (UserId, DateTime<Utc>)>,
    /// API tokens with their hashes.
    api_tokens: BTreeMap<i64, (ApiToken, String)>,
    items: BTreeMap<ItemId, ItemRecord>,
    revisions: BTreeMap<(ItemId, u32), Rev>,
    renderings: HashMap<(ItemId, u32), serde_json::Value>,
    events: Vec<Event>,
    audit: Vec<AuditEntry>,
    webhooks: BTreeMap<WebhookId, Webhook>,
    deliveries: BTreeMap<(WebhookId, i64), Delivery>,
    media: BTreeMap<MediaId, Media>,
    /// Files' texts by checksum.
    file_texts: HashMap<String, FileText>,
    participation: participation::Participation,
    next_id: i64,
}

impl Data {
    fn id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    fn event(&mut self, e: &NewEvent, at: DateTime<Utc>, item: Option<ItemId>) {
        let seq = i64::try_from(self.events.len()).unwrap_or(i64::MAX - 1) + 1;
        self.events.push(Event {
            seq,
            at,
            kind: e.kind,
            site_id: e.site_id,
            item_id: item.or(e.item_id),
            data: e.data.clone(),
        });
    }

    fn audit(&mut self, a: &AuditEntry, item: Option<ItemId>) {
        let mut a = a.clone();
        a.item_id = item.or(a.item_id);
        self.audit.push(a);
    }

    fn rev(&self, item: ItemId, rev: u32, with_fields: bool) -> Option<RevisionRecord> {
        let r = self.revisions.get(&(item, rev))?;
        let mut record = r.record.clone();
        if with_fields {
            record.rendered = self
                .renderings
                .get(&(item, rev))
                .cloned()
                .unwrap_or(serde_json::Value::Null);
        } else {
            record.fields = serde_json::Value::Null;
        }
        Some(record)
    }

    fn published(&self, item: &ItemRecord) -> StoreResult<Option<(ItemRecord, RevisionRecord)>> {
        let Some(rev) = item.published_rev.filter(|_| item.live) else {
            return Ok(None);
        };
        let r = self.rev(item.id, rev.0, true).ok_or_else(|| {
            StoreError::Corrupt(format!("item {} lacks its published revision", item.id))
        })?;
        Ok(Some((item.clone(), r)))
    }

    fn username(&self, id: Option<UserId>) -> Option<String> {
        let id = id?;
        self.users
            .iter()
            .find(|(u, _)| u.id == id)
            .map(|(u, _)| u.username.clone())
    }

    fn webhook_mut(&mut self, id: WebhookId) -> StoreResult<&mut Webhook> {
        self.webhooks
            .get_mut(&id)
            .ok_or_else(|| StoreError::NotFound(format!("webhook {id}")))
    }

    fn media_mut(&mut self, id: MediaId) -> StoreResult<&mut Media> {
        self.media
            .get_mut(&id)
            .ok_or_else(|| StoreError::NotFound(format!("media {id}")))
    }
}

/// The in-memory store.
#[derive(Default)]
pub struct MemoryStore {
    data: Mutex<Data>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn lock(&self) -> MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn duplicate(field: &str, message: String) -> StoreError {
    StoreError::Duplicate {
        field: field.to_owned(),
        message,
    }
}

impl SiteStore for MemoryStore {
    fn insert_site(
        &self,
        site: &NewSiteRecord,
        audit: &AuditEntry,
        event: &NewEvent,
    ) -> StoreResult<Site> {
        let mut d = self.lock();
        if d.sites.iter().any(|s| s.slug == site.slug) {
            return Err(duplicate(
                "slug",
                format!("a site with slug '{}' exists already", site.slug),
            ));
        }
        if let Some(taken) = site
            .domains
            .iter()
            .find(|dom| d.sites.iter().any(|s| s.domains.contains(dom)))
        {
            return Err(duplicate(
                "domains",
                format!("the domain '{taken}' already serves another site"),
            ));
        }
        let id = SiteId(d.id());
        let mut domains = site.domains.clone();
        domains.sort();
        let made = Site {
            id,
            slug: site.slug.clone(),
            name: site.name.clone(),
            kind: site.kind,
            parent_id: site.parent_id,
            domains,
            theme: site.theme.clone(),
            created_at: site.at,
            settings: Default::default(),
        };
        d.sites.push(made.clone());
        let mut audit = audit.clone();
        audit.site_id = Some(id);
        d.audit(&audit, None);
        let mut event = event.clone();
        event.site_id = Some(id);
        d.event(&event, site.at, None);
        Ok(made)
    }

    fn sites(&self) -> StoreResult<Vec<Site>> {
        Ok(self.lock().sites.clone())
    }

    fn update_site_settings(
        &self,
        site: SiteId,
        settings: &crate::site::SiteSettings,
        audit: &AuditEntry,
        event: &NewEvent,
    ) -> StoreResult<Site> {
        let mut d = self.lock();
        let Some(s) = d.sites.iter_mut().find(|s| s.id == site) else {
            return Err(StoreError::NotFound(format!("site {site}")));
        };
        s.settings = settings.clone();
        let made = s.clone();
        d.audit(audit, None);
        d.event(event, audit.at, None);
        Ok(made)
    }

    fn site_by_slug(&self, slug: &str) -> StoreResult<Option<Site>> {
        Ok(self.lock().sites.iter().find(|s| s.slug == slug).cloned())
    }

    fn site(&self, id: SiteId) -> StoreResult<Option<Site>> {
        Ok(self.lock().sites.iter().find(|s| s.id == id).cloned())
    }

    fn channels(&self, site: SiteId) -> StoreResult<Vec<Channel>> {
        let mut out: Vec<Channel> = self
            .lock()
            .channels
            .iter()
            .filter(|c| c.site_id == site)
            .cloned()
            .collect();
        out.sort_by_key(|c| (c.parent_id.map_or(0, |p| p.0), c.position, c.id));
        Ok(out)
    }

    fn insert_channel(
        &self,
        ch: &ChannelChange,
        audit: &AuditEntry,
        event: &NewEvent,
    ) -> StoreResult<Channel> {
        let mut d = self.lock();
        if d.channels
            .iter()
            .any(|c| c.site_id == ch.site_id && c.slug == ch.slug)
        {
            return Err(duplicate(
                "slug",
                format!("the site already has a channel with slug '{}'", ch.slug),
            ));
        }
        let made = Channel {
            id: ChannelId(d.id()),
            site_id: ch.site_id,
            parent_id: ch.parent_id,
            slug: ch.slug.clone(),
            name: ch.name.clone(),
            position: ch.position,
        };
        d.channels.push(made.clone());
        d.audit(audit, None);
        d.event(event, audit.at, None);
        Ok(made)
    }

    fn update_channel(
        &self,
        id: ChannelId,
        ch: &ChannelChange,
        audit: &AuditEntry,
        event: &NewEvent,
    ) -> StoreResult<Channel> {
        let mut d = self.lock();
        let Some(c) = d
            .channels
            .iter_mut()
            .find(|c| c.id == id && c.site_id == ch.site_id)
        else {
            return Err(StoreError::NotFound(format!("channel '{}'", ch.slug)));
        };
        c.parent_id = ch.parent_id;
        c.name.clone_from(&ch.name);
        c.position = ch.position;
        let made = c.clone();
        d.audit(audit, None);
        d.event(event, audit.at, None);
        Ok(made)
    }

    fn delete_channel(
        &self,
        id: ChannelId,
        audit: &AuditEntry,
        event: &NewEvent,
    ) -> StoreResult<()> {
        let mut d = self.lock();
        let items = d
            .items
            .values()
            .filter(|i| i.channels.contains(&id))
            .count();
        if items > 0 {
            return Err(StoreError::Refused {
                code: ErrorCode::ChannelNotEmpty,
                message: format!(
                    "the channel holds {items} items; move them to another channel first"
                ),
            });
        }
        let children = d
            .channels
            .iter()
            .filter(|c| c.parent_id == Some(id))
            .count();
        if children > 0 {
            return Err(StoreError::Refused {
                code: ErrorCode::ChannelNotEmpty,
                message: format!(
                    "the channel has {children} sub-channels; move or delete them first"
                ),
            });
        }
        d.channels.retain(|c| c.id != id);
        d.audit(audit, None);
        d.event(event, audit.at, None);
        Ok(())
    }

    fn catalog_version(&self) -> StoreResult<i64> {
        Ok(self
            .lock()
            .events
            .iter()
            .rev()
            .find(|e| {
                matches!(
                    e.kind,
                    EventKind::SiteCreated | EventKind::ChannelChanged | EventKind::SiteChanged
                )
            })
            .map_or(0, |e| e.seq))
    }
}

impl UserStore for MemoryStore {
    fn insert_user(
        &self,
        user: &NewUserRecord,
        audit: &AuditEntry,
        event: &NewEvent,
    ) -> StoreResult<User> {
        let mut d = self.lock();
        if d.users.iter().any(|(u, _)| u.username == user.username) {
            return Err(duplicate(
                "username",
                format!("the username '{}' is taken", user.username),
            ));
        }
        let made = User {
            id: UserId(d.id()),
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            network_admin: user.network_admin,
            disabled: false,
            created_at: user.at,
        };
        d.users.push((made.clone(), user.password_hash.clone()));
        d.audit(audit, None);
        d.event(event, user.at, None);
        Ok(made)
    }

    fn user_by_name(&self, username: &str) -> StoreResult<Option<UserRecord>> {
        let d = self.lock();
        Ok(d.users
            .iter()
            .find(|(u, _)| u.username == username)
            .map(|(u, h)| UserRecord {
                sso_subject: d.sso.get(&u.id).and_then(|(s, _)| s.clone()),
                user: u.clone(),
                password_hash: h.clone(),
            }))
    }

    fn user_by_sso(&self, subject: &str) -> StoreResult<Option<UserRecord>> {
        let d = self.lock();
        let Some((&id, _)) = d
            .sso
            .iter()
            .find(|(_, (s, _))| s.as_deref() == Some(subject))
        else {
            return Ok(None);
        };
        Ok(d.users
            .iter()
            .find(|(u, _)| u.id == id)
            .map(|(u, h)| UserRecord {
                user: u.clone(),
                password_hash: h.clone(),
                sso_subject: Some(subject.to_owned()),
            }))
    }

    fn update_profile(
        &self,
        user: UserId,
        change: &ProfileChange,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        let mut d = self.lock();
        if let Some(s) = change.sso_subject.as_ref().filter(|s| !s.is_empty()) {
            if d.sso
                .iter()
                .any(|(id, (x, _))| x.as_ref() == Some(s) && *id != user)
            {
                return Err(duplicate(
                    "sso_subject",
                    "another account is linked to this identity".to_owned(),
                ));
            }
        }
        let Some((u, _)) = d.users.iter_mut().find(|(u, _)| u.id == user) else {
            return Err(StoreError::NotFound(format!("user {user}")));
        };
        if let Some(n) = &change.display_name {
            u.display_name = n.clone();
        }
        if let Some(a) = change.network_admin {
            u.network_admin = a;
        }
        let entry = d.sso.entry(user).or_default();
        if let Some(s) = &change.sso_subject {
            entry.0 = Some(s.clone()).filter(|s| !s.is_empty());
        }
        if let Some(e) = &change.email {
            entry.1 = Some(e.clone());
        }
        d.audit(audit, None);
        Ok(())
    }

    fn mark_sso_seen(&self, user: UserId, at: DateTime<Utc>) -> StoreResult<()> {
        self.lock().sso_seen.insert(user, at);
        Ok(())
    }

    fn provider_standing(&self, user: UserId) -> StoreResult<Option<ProviderStanding>> {
        let d = self.lock();
        Ok(d.users
            .iter()
            .find(|(u, _)| u.id == user)
            .map(|(_, h)| ProviderStanding {
                sso_subject: d.sso.get(&user).and_then(|(s, _)| s.clone()),
                has_password: !h.is_empty(),
                sso_seen_at: d.sso_seen.get(&user).copied(),
            }))
    }

    fn user(&self, id: UserId) -> StoreResult<Option<User>> {
        Ok(self
            .lock()
            .users
            .iter()
            .find(|(u, _)| u.id == id)
            .map(|(u, _)| u.clone()))
    }

    fn users(&self) -> StoreResult<Vec<User>> {
        let mut out: Vec<User> = self.lock().users.iter().map(|(u, _)| u.clone()).collect();
        out.sort_by(|a, b| a.username.cmp(&b.username));
        Ok(out)
    }

    fn roles_of(&self, user: UserId) -> StoreResult<Vec<(SiteId, Role)>> {
        Ok(self
            .lock()
            .roles
            .iter()
            .filter(|(u, _, _)| *u == user)
            .map(|&(_, s, r)| (s, r))
            .collect())
    }

    fn site_roles(&self, site: SiteId) -> StoreResult<Vec<(User, Role)>> {
        let d = self.lock();
        let mut out: Vec<(User, Role)> = d
            .roles
            .iter()
            .filter(|(_, s, _)| *s == site)
            .filter_map(|&(u, _, r)| {
                d.users
                    .iter()
                    .find(|(x, _)| x.id == u)
                    .map(|(x, _)| (x.clone(), r))
            })
            .collect();
        out.sort_by(|a, b| {
            (a.0.username.as_str(), a.1.as_str()).cmp(&(b.0.username.as_str(), b.1.as_str()))
        });
        Ok(out)
    }

    fn set_role(
        &self,
        user: UserId,
        site: SiteId,
        role: Role,
        granted: bool,
        audit: &AuditEntry,
        event: &NewEvent,
    ) -> StoreResult<bool> {
        let mut d = self.lock();
        let held = d.roles.contains(&(user, site, role));
        let changed = held != granted;
        if changed {
            if granted {
                d.roles.push((user, site, role));
            } else {
                d.roles.retain(|r| *r != (user, site, role));
            }
            d.audit(audit, None);
            d.event(event, audit.at, None);
        }
        Ok(changed)
    }

    fn insert_token(&self, hash: &str, user: UserId, expires_at: DateTime<Utc>) -> StoreResult<()> {
        let mut d = self.lock();
        let now = Utc::now();
        d.tokens.retain(|_, (_, exp)| *exp >= now);
        d.tokens.insert(hash.to_owned(), (user, expires_at));
        Ok(())
    }

    fn token_user(&self, hash: &str, now: DateTime<Utc>) -> StoreResult<Option<UserId>> {
        let d = self.lock();
        Ok(d.tokens
            .get(hash)
            .filter(|(_, exp)| *exp > now)
            .map(|(u, _)| *u)
            .filter(|id| d.users.iter().any(|(u, _)| u.id == *id && !u.disabled)))
    }

    fn update_account(
        &self,
        user: UserId,
        change: &AccountChange,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        let mut d = self.lock();
        let Some((u, hash)) = d.users.iter_mut().find(|(u, _)| u.id == user) else {
            return Err(StoreError::NotFound(format!("user {user}")));
        };
        if let Some(h) = &change.password_hash {
            *hash = h.clone();
        }
        if let Some(off) = change.disabled {
            u.disabled = off;
        }
        d.tokens.retain(|_, (owner, _)| *owner != user);
        d.api_tokens.retain(|_, (t, _)| t.user_id != user);
        d.audit(audit, None);
        Ok(())
    }

    fn delete_token(&self, hash: &str) -> StoreResult<()> {
        self.lock().tokens.remove(hash);
        Ok(())
    }

    fn insert_api_token(&self, t: &NewApiTokenRecord, audit: &AuditEntry) -> StoreResult<ApiToken> {
        let mut d = self.lock();
        let token = ApiToken {
            id: d.id(),
            user_id: t.user_id,
            name: t.name.clone(),
            created_at: t.created_at,
            expires_at: t.expires_at,
            last_used_at: None,
            scopes: t.scopes,
        };
        d.api_tokens
            .insert(token.id, (token.clone(), t.hash.clone()));
        d.audit(audit, None);
        Ok(token)
    }

    fn api_tokens(&self, user: UserId) -> StoreResult<Vec<ApiToken>> {
        Ok(self
            .lock()
            .api_tokens
            .values()
            .filter(|(t, _)| t.user_id == user)
            .map(|(t, _)| t.clone())
            .collect())
    }

    fn api_token(&self, id: i64) -> StoreResult<Option<ApiToken>> {
        Ok(self.lock().api_tokens.get(&id).map(|(t, _)| t.clone()))
    }

    fn delete_api_token(&self, id: i64, audit: &AuditEntry) -> StoreResult<bool> {
        let mut d = self.lock();
        let gone = d.api_tokens.remove(&id).is_some();
        if gone {
            d.audit(audit, None);
        }
        Ok(gone)
    }

    fn api_token_by_hash(&self, hash: &str, now: DateTime<Utc>) -> StoreResult<Option<ApiToken>> {
        let d = self.lock();
        Ok(d.api_tokens
            .values()
            .find(|(t, h)| h == hash && t.expires_at.is_none_or(|e| e > now))
            .map(|(t, _)| t.clone())
            .filter(|t| {
                d.users
                    .iter()
                    .any(|(u, _)| u.id == t.user_id && !u.disabled)
            }))
    }

    fn touch_api_token(&self, id: i64, now: DateTime<Utc>) -> StoreResult<()> {
        if let Some((t, _)) = self.lock().api_tokens.get_mut(&id) {
            t.last_used_at = Some(now);
        }
        Ok(())
    }
}

/// The revision whose channels file the public item: the published one while live.
fn public_revision(live: bool, published: Option<RevisionNo>, current: u32) -> Option<u32> {
    if live {
        published.map(|r| r.0)
    } else {
        Some(current)
    }
}

fn new_rev(
    item: ItemId,
    no: u32,
    based_on: Option<u32>,
    r: &NewRevision,
    at: DateTime<Utc>,
    channels: &[ChannelId],
) -> Rev {
    Rev {
        record: RevisionRecord {
            item_id: item,
            rev: RevisionNo(no),
            based_on: based_on.map(RevisionNo),
            title: r.title.clone(),
            fields: r.fields.clone(),
            rendered: serde_json::Value::Null,
            channels: Some(channels.to_vec()),
            created_by: r.created_by,
            created_at: at,
        },
        columns: r.columns.clone(),
    }
}

/// The year a list's year filter reads: documents by their issue date, the rest by their
/// first publication.
fn list_year(item: &ItemRecord, columns: &RevisionColumns) -> Option<i32> {
    match &columns.issued_on {
        Some(d) => d.get(..4)?.parse().ok(),
        None => item.first_published_at.map(|t| t.year()),
    }
}

fn matches(f: &ListFilter, item: &ItemRecord, c: &RevisionColumns) -> bool {
    let eq = |want: &Option<String>, have: &Option<String>| want.is_none() || want == have;
    f.site.is_none_or(|s| item.site_id == s)
        && f.kind.is_none_or(|k| item.kind == k)
        && f.channel.is_none_or(|ch| item.channels.contains(&ch))
        && eq(&f.doc_type, &c.doc_type)
        && eq(&f.issuer, &c.issuer)
        && eq(&f.field, &c.field)
        && f.effect_status
            .is_none_or(|s| c.effect_status.as_deref() == Some(s.as_str()))
        && f.level
            .is_none_or(|l| c.level.as_deref() == Some(l.as_str()))
        && (f.year_from.is_none() && f.year_to.is_none()
            || list_year(item, c).is_some_and(|y| {
                f.year_from.is_none_or(|a| y >= a) && f.year_to.is_none_or(|b| y <= b)
            }))
}

impl ItemStore for MemoryStore {
    fn insert_item(&self, n: &NewItemRecord) -> StoreResult<ItemRecord> {
        let mut d = self.lock();
        if d.items
            .values()
            .any(|i| i.site_id == n.site_id && i.slug == n.slug)
        {
            return Err(duplicate(
                "slug",
                format!("the site already has an item with slug '{}'", n.slug),
            ));
        }
        let id = ItemId(d.id());
        let item = ItemRecord {
            id,
            site_id: n.site_id,
            kind: n.kind,
            slug: n.slug.clone(),
            state: n.state,
            owner_id: n.created_by,
            created_by: n.created_by,
            current_rev: RevisionNo(1),
            published_rev: None,
            live: false,
            scheduled_at: None,
            created_at: n.at,
            updated_at: n.at,
            first_published_at: None,
            published_at: None,
            title: n.revision.title.clone(),
            channels: n.channels.clone(),
            source_item_id: n.source_item_id,
            source_changed: false,
        };
        let rev = new_rev(id, 1, None, &n.revision, n.at, &n.channels);
        d.revisions.insert((id, 1), rev);
        d.items.insert(id, item.clone());
        d.audit(&n.audit, Some(id));
        for e in &n.events {
            d.event(e, n.at, Some(id));
        }
        Ok(item)
    }

    fn item(&self, id: ItemId) -> StoreResult<Option<ItemRecord>> {
        Ok(self.lock().items.get(&id).cloned())
    }

    fn update_item(&self, u: &ItemUpdate) -> StoreResult<ItemRecord> {
        let mut d = self.lock();
        let current = d
            .items
            .get(&u.item_id)
            .cloned()
            .ok_or_else(|| StoreError::NotFound(format!("item {}", u.item_id)))?;
        let rev = current.current_rev.0;
        if rev != u.expect_rev.0 {
            return Err(StoreError::StaleRevision { current: rev });
        }
        if current.state != u.expect_state {
            return Err(StoreError::StaleState {
                current: current.state,
            });
        }
        let was_public = public_revision(current.live, current.published_rev, rev);
        let channels_of = |d: &Data, no: u32| -> Vec<ChannelId> {
            d.revisions
                .get(&(u.item_id, no))
                .and_then(|r| r.record.channels.clone())
                .unwrap_or_else(|| current.channels.clone())
        };
        let now_rev = match &u.new_revision {
            Some(r) => {
                let channels = u.channels.clone().unwrap_or_else(|| channels_of(&d, rev));
                let made = new_rev(u.item_id, rev + 1, Some(rev), r, u.at, &channels);
                d.revisions.insert((u.item_id, rev + 1), made);
                rev + 1
            }
            None => rev,
        };
        let public_rev = public_revision(u.live, u.published_rev, now_rev);
        let new_channels = public_rev
            .filter(|r| Some(*r) != was_public)
            .map(|r| channels_of(&d, r));
        let mut item = current;
        item.state = u.state;
        item.owner_id = u.owner_id;
        item.current_rev = RevisionNo(now_rev);
        item.published_rev = u.published_rev;
        item.live = u.live;
        item.scheduled_at = u.scheduled_at;
        item.first_published_at = u.first_published_at;
        item.published_at = u.published_at;
        item.updated_at = u.at;
        if let Some(r) = &u.new_revision {
            item.title.clone_from(&r.title);
        }
        if let Some(c) = new_channels {
            item.channels = c;
        }
        if u.published_anew {
            item.source_changed = false;
            for other in d.items.values_mut() {
                if other.source_item_id == Some(u.item_id) {
                    other.source_changed = true;
                }
            }
        }
        d.items.insert(u.item_id, item.clone());
        if let Some(html) = &u.rendered {
            d.renderings
                .insert((u.item_id, u.expect_rev.0), html.clone());
        }
        let mut audit = u.audit.clone();
        audit.revision = Some(RevisionNo(now_rev));
        d.audit(&audit, Some(u.item_id));
        for e in &u.events {
            d.event(e, u.at, Some(u.item_id));
        }
        Ok(item)
    }

    fn item_by_slug(&self, site: SiteId, slug: &str) -> StoreResult<Option<ItemRecord>> {
        Ok(self
            .lock()
            .items
            .values()
            .find(|i| i.site_id == site && i.slug == slug)
            .cloned())
    }

    fn copies_of(&self, source: ItemId) -> StoreResult<Vec<ItemRecord>> {
        Ok(self
            .lock()
            .items
            .values()
            .filter(|i| i.source_item_id == Some(source))
            .cloned()
            .collect())
    }

    fn slug_exists(&self, site: SiteId, slug: &str) -> StoreResult<bool> {
        Ok(self
            .lock()
            .items
            .values()
            .any(|i| i.site_id == site && i.slug == slug))
    }

    fn revision(&self, item: ItemId, rev: RevisionNo) -> StoreResult<Option<RevisionRecord>> {
        Ok(self.lock().rev(item, rev.0, true))
    }

    fn revisions(&self, item: ItemId) -> StoreResult<Vec<RevisionRecord>> {
        let d = self.lock();
        Ok(d.revisions
            .range((item, 0)..=(item, u32::MAX))
            .rev()
            .filter_map(|(&(i, r), _)| d.rev(i, r, false))
            .collect())
    }

    fn history(&self, item: ItemId) -> StoreResult<Vec<AuditRow>> {
        let d = self.lock();
        Ok(d.audit
            .iter()
            .filter(|a| a.item_id == Some(item))
            .map(|a| AuditRow {
                entry: a.clone(),
                username: d.username(a.actor),
            })
            .collect())
    }

    fn queue(&self, site: SiteId, states: &[State], limit: usize) -> StoreResult<Vec<ItemRecord>> {
        let mut out: Vec<ItemRecord> = self
            .lock()
            .items
            .values()
            .filter(|i| i.site_id == site && states.contains(&i.state))
            .cloned()
            .collect();
        out.sort_by_key(|i| (i.updated_at, i.id));
        out.truncate(limit);
        Ok(out)
    }

    fn list_items(
        &self,
        site: SiteId,
        f: &ItemListFilter,
        limit: usize,
    ) -> StoreResult<Vec<ItemRecord>> {
        let d = self.lock();
        let text = f
            .text
            .as_deref()
            .map(|t| (t.to_lowercase(), crate::text::slugify(t, 200)));
        let key = |i: &ItemRecord| match f.sort {
            ItemSort::Newest | ItemSort::Oldest => i.updated_at.timestamp_micros(),
            ItemSort::Created => i.created_at.timestamp_micros(),
        };
        let mut out: Vec<ItemRecord> = d
            .items
            .values()
            .filter(|i| i.site_id == site)
            .filter(|i| f.kind.is_none_or(|k| i.kind == k))
            .filter(|i| f.state.is_none_or(|s| i.state == s))
            .filter(|i| f.owner.is_none_or(|o| i.owner_id == o))
            .filter(|i| f.channel.is_none_or(|c| i.channels.contains(&c)))
            .filter(|i| {
                text.as_ref().is_none_or(|(lower, slug)| {
                    i.title.to_lowercase().contains(lower.as_str())
                        || (!slug.is_empty() && i.slug.contains(slug.as_str()))
                })
            })
            .filter(|i| {
                f.after.is_none_or(|c| match f.sort {
                    ItemSort::Oldest => (key(i), i.id) > (c.key, c.id),
                    _ => (key(i), i.id) < (c.key, c.id),
                })
            })
            .cloned()
            .collect();
        out.sort_by_key(|i| (key(i), i.id));
        if f.sort != ItemSort::Oldest {
            out.reverse();
        }
        out.truncate(limit);
        Ok(out)
    }

    fn waiting_counts(&self, sites: Option<&[SiteId]>) -> StoreResult<Vec<StateCount>> {
        let mut counts: BTreeMap<(SiteId, &'static str), StateCount> = Default::default();
        for i in self.lock().items.values() {
            let waiting = matches!(
                i.state,
                State::Draft | State::InReview | State::InApproval | State::Scheduled
            );
            if waiting && sites.is_none_or(|s| s.contains(&i.site_id)) {
                counts
                    .entry((i.site_id, i.state.as_str()))
                    .or_insert(StateCount {
                        site: i.site_id,
                        state: i.state,
                        count: 0,
                    })
                    .count += 1;
            }
        }
        Ok(counts.into_values().collect())
    }

    fn due_scheduled(&self, now: DateTime<Utc>, limit: usize) -> StoreResult<Vec<ItemId>> {
        let mut due: Vec<(DateTime<Utc>, ItemId)> = self
            .lock()
            .items
            .values()
            .filter(|i| i.state == State::Scheduled)
            .filter_map(|i| i.scheduled_at.filter(|t| *t <= now).map(|t| (t, i.id)))
            .collect();
        due.sort();
        Ok(due.into_iter().take(limit).map(|(_, id)| id).collect())
    }

    fn live_item_by_slug(
        &self,
        site: SiteId,
        slug: &str,
    ) -> StoreResult<Option<(ItemRecord, RevisionRecord)>> {
        let d = self.lock();
        match d
            .items
            .values()
            .find(|i| i.site_id == site && i.slug == slug && i.live)
        {
            Some(i) => d.published(i),
            None => Ok(None),
        }
    }

    fn live_item(&self, id: ItemId) -> StoreResult<Option<(ItemRecord, RevisionRecord)>> {
        let d = self.lock();
        match d.items.get(&id) {
            Some(i) => d.published(i),
            None => Ok(None),
        }
    }

    fn live_items(
        &self,
        after: ItemId,
        limit: usize,
    ) -> StoreResult<Vec<(ItemRecord, RevisionRecord)>> {
        let d = self.lock();
        let mut out = Vec::new();
        for i in d
            .items
            .range(ItemId(after.0.saturating_add(1))..)
            .map(|(_, i)| i)
        {
            if out.len() >= limit {
                break;
            }
            if let Some(pair) = d.published(i)? {
                out.push(pair);
            }
        }
        Ok(out)
    }

    fn live_count(&self) -> StoreResult<u64> {
        let n = self.lock().items.values().filter(|i| i.live).count();
        Ok(u64::try_from(n).unwrap_or(u64::MAX))
    }

    fn live_issuers(&self, site: SiteId) -> StoreResult<Vec<String>> {
        let d = self.lock();
        let mut out: Vec<String> = d
            .items
            .values()
            .filter(|i| i.live && i.site_id == site && i.kind == crate::ItemKind::Document)
            .filter_map(|i| d.revisions.get(&(i.id, i.published_rev?.0)))
            .filter_map(|r| r.columns.issuer.clone())
            .collect();
        out.sort();
        out.dedup();
        out.truncate(300);
        Ok(out)
    }

    fn list_live(
        &self,
        filter: &ListFilter,
        cursor: Option<ListCursor>,
        limit: usize,
    ) -> StoreResult<Vec<(ItemRecord, RevisionRecord)>> {
        let d = self.lock();
        let key = |i: &ItemRecord, r: &RevisionRecord| {
            let k = match filter.order {
                ListOrder::FirstPublished => {
                    i.first_published_at.map_or(0, |t| t.timestamp_micros())
                }
                ListOrder::IssuedOn => r
                    .fields
                    .get("issued_on")
                    .and_then(|v| v.as_str())
                    .and_then(|s| s.replace('-', "").parse().ok())
                    .unwrap_or(0),
            };
            (k, i.id)
        };
        let mut rows: Vec<(ItemRecord, RevisionRecord)> = Vec::new();
        for i in d.items.values().filter(|i| i.live) {
            let Some(rev) = i.published_rev else { continue };
            let Some(kept) = d.revisions.get(&(i.id, rev.0)) else {
                continue;
            };
            if !matches(filter, i, &kept.columns)
                || !filter.words.iter().all(|w| i.slug.contains(w.as_str()))
            {
                continue;
            }
            let Some(mut r) = d.rev(i.id, rev.0, true) else {
                continue;
            };
            if let Some(c) = cursor {
                if key(i, &r) >= (c.key, c.id) {
                    continue;
                }
            }
            if filter.brief {
                if let Some(f) = r.fields.as_object_mut() {
                    for k in LONG_FIELDS {
                        f.remove(k);
                    }
                }
                r.rendered = serde_json::Value::Null;
            }
            rows.push((i.clone(), r));
        }
        rows.sort_by_key(|(i, r)| std::cmp::Reverse(key(i, r)));
        rows.truncate(limit);
        Ok(rows)
    }
}

impl EventLog for MemoryStore {
    fn last_event_seq(&self) -> StoreResult<i64> {
        Ok(self.lock().events.last().map_or(0, |e| e.seq))
    }

    fn events_after(&self, after: i64, limit: usize) -> StoreResult<Vec<Event>> {
        Ok(self
            .lock()
            .events
            .iter()
            .filter(|e| e.seq > after)
            .take(limit)
            .cloned()
            .collect())
    }

    fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        self.lock().audit(entry, None);
        Ok(())
    }

    fn audit_count(&self, action: &str) -> StoreResult<u64> {
        let n = self
            .lock()
            .audit
            .iter()
            .filter(|a| a.action == action)
            .count();
        Ok(u64::try_from(n).unwrap_or(u64::MAX))
    }

    fn audit_log(
        &self,
        filter: &AuditFilter,
        before: Option<i64>,
        limit: usize,
    ) -> StoreResult<Vec<(i64, AuditRow)>> {
        let d = self.lock();
        Ok(d.audit
            .iter()
            .enumerate()
            .rev()
            .filter_map(|(i, a)| Some((i64::try_from(i).ok()? + 1, a)))
            .filter(|(id, a)| {
                before.is_none_or(|b| *id < b)
                    && filter.actor.is_none_or(|u| a.actor == Some(u))
                    && filter.site.is_none_or(|s| a.site_id == Some(s))
                    && filter
                        .action
                        .as_deref()
                        .is_none_or(|p| a.action.starts_with(p))
                    && filter.since.is_none_or(|t| a.at >= t)
                    && filter.until.is_none_or(|t| a.at < t)
            })
            .take(limit)
            .map(|(id, a)| {
                (
                    id,
                    AuditRow {
                        entry: a.clone(),
                        username: d.username(a.actor),
                    },
                )
            })
            .collect())
    }

    fn recent_item_activity(
        &self,
        sites: Option<&[SiteId]>,
        limit: usize,
    ) -> StoreResult<Vec<(AuditRow, String)>> {
        let d = self.lock();
        Ok(d.audit
            .iter()
            .rev()
            .filter(|a| {
                a.site_id
                    .is_some_and(|site| sites.is_none_or(|s| s.contains(&site)))
            })
            .filter_map(|a| {
                let title = d.items.get(&a.item_id?)?.title.clone();
                Some((
                    AuditRow {
                        entry: a.clone(),
                        username: d.username(a.actor),
                    },
                    title,
                ))
            })
            .take(limit)
            .collect())
    }

    fn check(&self) -> StoreResult<Vec<String>> {
        // One lock and no half-applied writes: nothing can drift apart.
        Ok(Vec::new())
    }

    fn lead(&self) -> StoreResult<bool> {
        // One process holds the store: it leads.
        Ok(true)
    }
}

impl WebhookStore for MemoryStore {
    fn insert_webhook(&self, hook: &NewWebhookRecord, audit: &AuditEntry) -> StoreResult<Webhook> {
        let mut d = self.lock();
        let made = Webhook {
            id: WebhookId(d.id()),
            site_id: hook.site_id,
            site: String::new(),
            url: hook.url.clone(),
            secret: hook.secret.clone(),
            kinds: hook.kinds.clone(),
            descendants: hook.descendants,
            cursor: hook.cursor,
            created_at: hook.created_at,
            created_by: hook.created_by,
            last_success_at: None,
            last_failure_at: None,
            last_error: None,
            failing_since: None,
            suspended: false,
        };
        d.webhooks.insert(made.id, made.clone());
        d.audit(audit, None);
        Ok(made)
    }

    fn webhooks(&self, site: Option<SiteId>) -> StoreResult<Vec<Webhook>> {
        Ok(self
            .lock()
            .webhooks
            .values()
            .filter(|h| site.is_none_or(|s| h.site_id == s))
            .cloned()
            .collect())
    }

    fn webhook(&self, id: WebhookId) -> StoreResult<Option<Webhook>> {
        Ok(self.lock().webhooks.get(&id).cloned())
    }

    fn delete_webhook(&self, id: WebhookId, audit: &AuditEntry) -> StoreResult<()> {
        let mut d = self.lock();
        if d.webhooks.remove(&id).is_none() {
            return Err(StoreError::NotFound(format!("webhook {id}")));
        }
        d.deliveries.retain(|(w, _), _| *w != id);
        d.audit(audit, None);
        Ok(())
    }

    fn resume_webhook(&self, id: WebhookId, audit: &AuditEntry) -> StoreResult<()> {
        let mut d = self.lock();
        d.webhook_mut(id)?.failing_since = None;
        d.audit(audit, None);
        Ok(())
    }

    fn record_delivery(&self, a: &DeliveryAttempt) -> StoreResult<()> {
        let mut d = self.lock();
        if !d.webhooks.contains_key(&a.webhook_id) {
            return Ok(());
        }
        let ok = a.succeeded();
        let row = d
            .deliveries
            .entry((a.webhook_id, a.seq))
            .or_insert_with(|| Delivery {
                seq: a.seq,
                item_id: a.item_id,
                change: a.change.clone(),
                attempts: 0,
                first_attempt_at: a.at,
                last_attempt_at: a.at,
                delivered: false,
                last_status: None,
                last_error: None,
                last_duration_ms: 0,
            });
        row.attempts = row.attempts.saturating_add(1);
        row.last_attempt_at = a.at;
        row.delivered = ok;
        row.last_status = a.status;
        row.last_error.clone_from(&a.error);
        row.last_duration_ms = a.duration_ms;
        if ok {
            let mine: Vec<i64> = d
                .deliveries
                .keys()
                .filter(|(w, _)| *w == a.webhook_id)
                .map(|(_, s)| *s)
                .collect();
            if let Some(&oldest_kept) = mine.iter().rev().nth(KEEP_DELIVERIES - 1) {
                d.deliveries
                    .retain(|(w, s), _| *w != a.webhook_id || *s >= oldest_kept);
            }
            let h = d.webhook_mut(a.webhook_id)?;
            h.cursor = h.cursor.max(a.seq);
            h.last_success_at = Some(a.at);
            h.last_error = None;
            h.failing_since = None;
        } else {
            let h = d.webhook_mut(a.webhook_id)?;
            h.last_failure_at = Some(a.at);
            h.last_error.clone_from(&a.error);
            h.failing_since = h.failing_since.or(Some(a.at));
        }
        Ok(())
    }

    fn advance_webhook(&self, id: WebhookId, seq: i64) -> StoreResult<()> {
        let mut d = self.lock();
        if let Some(h) = d.webhooks.get_mut(&id) {
            h.cursor = h.cursor.max(seq);
        }
        Ok(())
    }

    fn deliveries(&self, id: WebhookId, limit: usize) -> StoreResult<Vec<Delivery>> {
        Ok(self
            .lock()
            .deliveries
            .range((id, i64::MIN)..=(id, i64::MAX))
            .rev()
            .take(limit)
            .map(|(_, d)| d.clone())
            .collect())
    }
}

/// The revisions of live and working copies that refer to a file.
fn referring(d: &Data, id: MediaId) -> Vec<(ItemRecord, bool)> {
    d.items
        .values()
        .filter_map(|i| {
            let refers = |rev: u32| {
                d.revisions
                    .get(&(i.id, rev))
                    .is_some_and(|r| r.columns.media.contains(&id))
            };
            let published = i.live && i.published_rev.is_some_and(|p| refers(p.0));
            (refers(i.current_rev.0) || published).then(|| (i.clone(), published))
        })
        .collect()
}

impl MediaStore for MemoryStore {
    fn insert_media(
        &self,
        m: &NewMediaRecord,
        audit: &AuditEntry,
        event: MediaEvent<'_>,
    ) -> StoreResult<Media> {
        let mut d = self.lock();
        let f = &m.file;
        let made = Media {
            id: MediaId(d.id()),
            site_id: m.site_id,
            site: String::new(),
            filename: m.filename.clone(),
            title: m.title.clone(),
            alt: String::new(),
            media_type: f.media_type,
            mime: f.media_type.mime(),
            size: f.size,
            checksum: f.checksum.clone(),
            width: f.width,
            height: f.height,
            public: false,
            uploaded_by: m.uploaded_by,
            created_at: m.at,
            updated_at: m.at,
        };
        d.media.insert(made.id, made.clone());
        d.audit(audit, None);
        d.event(&event(&made), audit.at, None);
        Ok(made)
    }

    fn media(&self, id: MediaId) -> StoreResult<Option<Media>> {
        Ok(self.lock().media.get(&id).cloned())
    }

    fn list_media(&self, site: SiteId, filter: &MediaFilter) -> StoreResult<Vec<Media>> {
        let words: Vec<&str> = filter
            .query
            .as_deref()
            .map(|q| q.split_whitespace().take(8).collect())
            .unwrap_or_default();
        Ok(self
            .lock()
            .media
            .values()
            .rev()
            .filter(|m| m.site_id == site)
            .filter(|m| filter.media_type.is_none_or(|t| m.media_type == t))
            .filter(|m| filter.before.is_none_or(|b| m.id < b))
            .filter(|m| {
                let folded = crate::text::fold(&format!("{} {}", m.filename, m.title));
                words.iter().all(|w| folded.contains(w))
            })
            .take(filter.limit)
            .cloned()
            .collect())
    }

    fn replace_media(
        &self,
        id: MediaId,
        file: &MediaFile,
        audit: &AuditEntry,
        event: MediaEvent<'_>,
    ) -> StoreResult<Media> {
        let mut d = self.lock();
        let m = d.media_mut(id)?;
        m.media_type = file.media_type;
        m.mime = file.media_type.mime();
        m.size = file.size;
        m.checksum.clone_from(&file.checksum);
        m.width = file.width;
        m.height = file.height;
        m.updated_at = audit.at;
        let made = m.clone();
        d.audit(audit, None);
        d.event(&event(&made), audit.at, None);
        Ok(made)
    }

    fn update_media(
        &self,
        id: MediaId,
        public: bool,
        title: &str,
        alt: &str,
        audit: &AuditEntry,
        event: MediaEvent<'_>,
    ) -> StoreResult<Media> {
        let mut d = self.lock();
        let m = d.media_mut(id)?;
        m.public = public;
        title.clone_into(&mut m.title);
        alt.clone_into(&mut m.alt);
        m.updated_at = audit.at;
        let made = m.clone();
        d.audit(audit, None);
        d.event(&event(&made), audit.at, None);
        Ok(made)
    }

    fn delete_media(
        &self,
        id: MediaId,
        audit: &AuditEntry,
        event: MediaEvent<'_>,
    ) -> StoreResult<()> {
        let mut d = self.lock();
        let gone = d
            .media
            .remove(&id)
            .ok_or_else(|| StoreError::NotFound(format!("media {id}")))?;
        d.audit(audit, None);
        d.event(&event(&gone), audit.at, None);
        Ok(())
    }

    fn media_uses(&self, id: MediaId) -> StoreResult<Vec<MediaUse>> {
        let d = self.lock();
        Ok(referring(&d, id)
            .into_iter()
            .take(1000)
            .map(|(i, published)| MediaUse {
                item_id: i.id,
                site: String::new(),
                site_id: i.site_id,
                title: i.title,
                state: i.state,
                published,
            })
            .collect())
    }

    fn media_published(&self, id: MediaId) -> StoreResult<bool> {
        Ok(referring(&self.lock(), id).iter().any(|(_, p)| *p))
    }

    fn media_checksum_uses(&self, checksum: &str) -> StoreResult<u64> {
        let n = self
            .lock()
            .media
            .values()
            .filter(|m| m.checksum == checksum)
            .count();
        Ok(u64::try_from(n).unwrap_or(u64::MAX))
    }

    fn file_text(&self, checksum: &str) -> StoreResult<Option<FileText>> {
        Ok(self.lock().file_texts.get(checksum).cloned())
    }

    fn put_file_text(&self, text: &FileText, event: TextEvent<'_>) -> StoreResult<usize> {
        let mut d = self.lock();
        d.file_texts.insert(text.checksum.clone(), text.clone());
        let ids: Vec<MediaId> = d
            .media
            .values()
            .filter(|m| m.checksum == text.checksum)
            .map(|m| m.id)
            .collect();
        let mut items: BTreeMap<ItemId, SiteId> = BTreeMap::new();
        for id in ids {
            for (i, published) in referring(&d, id) {
                if published {
                    items.insert(i.id, i.site_id);
                }
            }
        }
        for (item, site) in &items {
            let e = event(*site, *item);
            d.event(&e, text.read_at, Some(*item));
        }
        Ok(items.len())
    }

    fn files_awaiting_text(&self, limit: usize) -> StoreResult<Vec<FileToRead>> {
        let d = self.lock();
        let mut out: Vec<FileToRead> = Vec::new();
        for m in d.media.values() {
            if out.len() >= limit {
                break;
            }
            if !m.media_type.has_text()
                || d.file_texts.contains_key(&m.checksum)
                || out.iter().any(|f| f.checksum == m.checksum)
            {
                continue;
            }
            let wanted = referring(&d, m.id).iter().any(|(i, published)| {
                *published
                    && matches!(
                        i.kind,
                        crate::ItemKind::Document | crate::ItemKind::Consultation
                    )
            });
            if wanted {
                out.push(FileToRead {
                    checksum: m.checksum.clone(),
                    media_type: m.media_type,
                    filename: m.filename.clone(),
                });
            }
        }
        Ok(out)
    }

    fn published_file_texts(&self, item: ItemId) -> StoreResult<Vec<AttachmentText>> {
        let d = self.lock();
        let Some(i) = d.items.get(&item) else {
            return Ok(Vec::new());
        };
        let Some(rev) = i.published_rev.filter(|_| i.live) else {
            return Ok(Vec::new());
        };
        let Some(r) = d.revisions.get(&(item, rev.0)) else {
            return Ok(Vec::new());
        };
        Ok(r.columns
            .media
            .iter()
            .filter_map(|id| d.media.get(id))
            .filter_map(|m| {
                d.file_texts.get(&m.checksum).map(|t| AttachmentText {
                    filename: m.filename.clone(),
                    text: t.text.clone(),
                })
            })
            .filter(|t| !t.text.is_empty())
            .collect())
    }
}
