//! What the public may read: live items only, with their published revision, for the
//! delivery API and the search index. Nothing here takes an actor, and nothing here can
//! return a draft.

use super::views::{Change, ChangesPage, PublicItem, PublicPage};
use super::Engine;
use crate::content::ItemKind;
use crate::error::{EngineError, InvalidKind};
use crate::event::EventKind;
use crate::filters::ContentFilters;
use crate::ids::{ItemId, SiteId};
use crate::site::{Channel, Site};
use crate::store::{ItemRecord, RevisionRecord};
use crate::store::{ListCursor, ListFilter, ListOrder};
use base64::Engine as _;
use std::collections::HashMap;

fn param(field: &str, message: String) -> EngineError {
    EngineError::invalid(InvalidKind::Parameter, field.to_owned(), message)
}

fn encode_cursor(c: ListCursor) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{}.{}", c.key, c.id.0))
}

fn decode_cursor(s: &str) -> Result<ListCursor, EngineError> {
    let bad = || {
        param(
            "cursor",
            "the cursor is not one this server gave out; start from the first page".to_owned(),
        )
    };
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| bad())?;
    let raw = String::from_utf8(raw).map_err(|_| bad())?;
    let (t, id) = raw.split_once('.').ok_or_else(bad)?;
    Ok(ListCursor {
        key: t.parse().map_err(|_| bad())?,
        id: ItemId(id.parse().map_err(|_| bad())?),
    })
}

/// `2024-03-05` → `20240305`, the issue-date order's cursor key.
fn date_key(fields: &serde_json::Value) -> i64 {
    fields
        .get("issued_on")
        .and_then(|v| v.as_str())
        .map(|s| s.replace('-', ""))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// The register's keyword box as folded words of an item's address (`Quyết định 3055` →
/// `quyet`, `dinh`, `3055`); at most eight are used.
fn address_words(words: Option<&str>) -> Vec<String> {
    words
        .map(|w| crate::text::slugify(w, 300))
        .unwrap_or_default()
        .split('-')
        .filter(|w| !w.is_empty())
        .take(8)
        .map(str::to_owned)
        .collect()
}

use crate::content::LONG_FIELDS;

impl Engine {
    /// A page of published items, newest first publication first, of one site (or of the
    /// whole network when `site` is `None`). The cursor pins the position by (first
    /// publication, id), so publishing meanwhile never shifts or repeats entries.
    pub fn public_list(
        &self,
        site: Option<&str>,
        q: &ContentFilters,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<PublicPage, EngineError> {
        let site = site.map(|s| self.site_by_slug(s)).transpose()?;
        let channel = match (&q.channel, &site) {
            (None, _) => None,
            (Some(_), None) => {
                return Err(param("channel", "a channel filter needs a site".to_owned()))
            }
            (Some(c), Some(s)) => Some(
                self.site_channels(s.id)?
                    .into_iter()
                    .find(|ch| &ch.slug == c)
                    .ok_or_else(|| {
                        param("channel", format!("site '{}' has no channel '{c}'", s.slug))
                    })?
                    .id,
            ),
        };
        let filter = ListFilter {
            site: site.as_ref().map(|s| s.id),
            kind: q.kind,
            channel,
            doc_type: q.doc_type.clone(),
            issuer: q.issuer.clone(),
            field: q.field.clone(),
            effect_status: q.status,
            level: q.level,
            year_from: q.year_from,
            year_to: q.year_to,
            brief: true,
            words: address_words(q.words.as_deref()),
            order: if q.kind == Some(crate::ItemKind::Document) {
                ListOrder::IssuedOn
            } else {
                ListOrder::FirstPublished
            },
        };
        let cursor = cursor
            .filter(|c| !c.is_empty())
            .map(decode_cursor)
            .transpose()?;
        let limit = limit.clamp(1, 100);
        // One more than asked tells whether there is a next page.
        let mut rows = self.store.list_live(&filter, cursor, limit + 1)?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if more {
            rows.last().map(|(i, r)| {
                encode_cursor(ListCursor {
                    key: match filter.order {
                        ListOrder::IssuedOn => date_key(&r.fields),
                        ListOrder::FirstPublished => i
                            .first_published_at
                            .map(|t| t.timestamp_micros())
                            .unwrap_or_default(),
                    },
                    id: i.id,
                })
            })
        } else {
            None
        };
        let mut sites: HashMap<SiteId, (Site, Vec<Channel>)> = HashMap::new();
        let mut items = Vec::with_capacity(rows.len());
        for (item, rev) in rows {
            let (site, channels) = self.site_with_channels(&mut sites, item.site_id)?;
            let mut p = to_public(site, channels, item, rev);
            if let Some(f) = p.fields.as_object_mut() {
                for k in LONG_FIELDS {
                    f.remove(k);
                }
            }
            p.html = serde_json::Value::Null;
            items.push(p);
        }
        Ok(PublicPage { items, next_cursor })
    }

    /// The newest published items with their full text and HTML, for feeds: of a site (or
    /// the network), optionally of one channel, newest first publication first.
    pub fn public_recent(
        &self,
        site: Option<&str>,
        channel: Option<&str>,
        limit: usize,
    ) -> Result<Vec<PublicItem>, EngineError> {
        let q = ContentFilters {
            channel: channel.map(str::to_owned),
            ..Default::default()
        };
        self.public_scan(site, &q, limit.clamp(1, 100), false)
    }

    /// Every published item of a site (at most `max`), without long fields, for its sitemap.
    pub fn public_all(&self, site: &str, max: usize) -> Result<Vec<PublicItem>, EngineError> {
        self.public_scan(Some(site), &ContentFilters::default(), max, true)
    }

    fn public_scan(
        &self,
        site: Option<&str>,
        q: &ContentFilters,
        max: usize,
        brief: bool,
    ) -> Result<Vec<PublicItem>, EngineError> {
        let site = site.map(|s| self.site_by_slug(s)).transpose()?;
        let channel = match (&q.channel, &site) {
            (Some(c), Some(s)) => Some(
                self.site_channels(s.id)?
                    .into_iter()
                    .find(|ch| &ch.slug == c)
                    .ok_or_else(|| EngineError::not_found(format!("channel '{c}'")))?
                    .id,
            ),
            _ => None,
        };
        let filter = ListFilter {
            site: site.as_ref().map(|s| s.id),
            channel,
            brief,
            ..Default::default()
        };
        let mut sites: HashMap<SiteId, (Site, Vec<Channel>)> = HashMap::new();
        let mut out = Vec::new();
        let mut cursor = None;
        while out.len() < max {
            let rows = self
                .store
                .list_live(&filter, cursor, (max - out.len()).min(1000))?;
            let Some((last, _)) = rows.last() else { break };
            cursor = Some(ListCursor {
                key: last
                    .first_published_at
                    .map(|t| t.timestamp_micros())
                    .unwrap_or_default(),
                id: last.id,
            });
            for (item, rev) in rows {
                let (site, channels) = self.site_with_channels(&mut sites, item.site_id)?;
                out.push(to_public(site, channels, item, rev));
            }
        }
        Ok(out)
    }

    /// What was published or withdrawn after event `after`, in log order, for the portals
    /// that pull from this network.
    pub fn changes(
        &self,
        after: i64,
        site: Option<&str>,
        limit: usize,
    ) -> Result<ChangesPage, EngineError> {
        let only = site
            .map(|s| self.site_by_slug(s))
            .transpose()?
            .map(|s| s.id);
        self.changes_where(after, limit, |site, _| only.is_none_or(|o| o == site))
    }

    /// The changes after `after` whose site and kind pass `keep`; `next` covers every event
    /// looked at, kept or not.
    pub(crate) fn changes_where(
        &self,
        after: i64,
        limit: usize,
        keep: impl Fn(SiteId, ItemKind) -> bool,
    ) -> Result<ChangesPage, EngineError> {
        let limit = limit.clamp(1, 1000);
        let events = self.store.events_after(after.max(0), limit)?;
        let more = events.len() == limit;
        let next = events.last().map(|e| e.seq).unwrap_or(after.max(0));
        let mut sites: HashMap<SiteId, (Site, Vec<Channel>)> = HashMap::new();
        let mut changes = Vec::new();
        for e in events {
            let kind = match e.kind {
                EventKind::ItemPublished => "published",
                EventKind::ItemUnpublished => "withdrawn",
                _ => continue,
            };
            let (Some(id), Some(site_id)) = (e.item_id, e.site_id) else {
                continue;
            };
            let live = self.store.live_item(id)?;
            let item_kind = match &live {
                Some((rec, _)) => Some(rec.kind),
                None => self.store.item(id)?.map(|rec| rec.kind),
            };
            if !item_kind.is_some_and(|k| keep(site_id, k)) {
                continue;
            }
            let item = match live {
                Some((rec, rev)) if kind == "published" => {
                    let (site, channels) = self.site_with_channels(&mut sites, rec.site_id)?;
                    Some(to_public(site, channels, rec, rev))
                }
                _ => None,
            };
            let (site, _) = self.site_with_channels(&mut sites, site_id)?;
            changes.push(Change {
                seq: e.seq,
                at: e.at,
                kind,
                id,
                site: site.slug.clone(),
                slug: e.item_payload().map(|p| p.slug).unwrap_or_default(),
                item,
            });
        }
        Ok(ChangesPage {
            changes,
            next,
            more,
        })
    }

    fn site_with_channels<'a>(
        &self,
        cache: &'a mut HashMap<SiteId, (Site, Vec<Channel>)>,
        id: SiteId,
    ) -> Result<&'a (Site, Vec<Channel>), EngineError> {
        Ok(match cache.entry(id) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                let catalog = self.catalog()?;
                let site = catalog.by_id(id).cloned().ok_or_else(|| {
                    EngineError::internal(format!("site {id} referenced but missing"))
                })?;
                let channels = catalog.channels(id).to_vec();
                e.insert((site, channels))
            }
        })
    }

    /// A published item by slug; anything not live is not found, whatever its state.
    pub fn public_item(&self, site: &str, slug: &str) -> Result<PublicItem, EngineError> {
        let site = self.site_by_slug(site)?;
        let (item, rev) = self
            .store
            .live_item_by_slug(site.id, slug)?
            .ok_or_else(|| EngineError::not_found(format!("item '{slug}'")))?;
        let channels = self.site_channels(site.id)?;
        Ok(to_public(&site, &channels, item, rev))
    }

    /// A published item by slug, telling a withdrawn item (`Err(Gone)`-like `Ok(None)`) from
    /// one that never was public (`NotFound`): pages answer 410 for the first, 404 for the
    /// second, and never reveal a draft.
    pub fn public_item_or_withdrawn(
        &self,
        site: &str,
        slug: &str,
    ) -> Result<Option<PublicItem>, EngineError> {
        match self.public_item(site, slug) {
            Ok(item) => Ok(Some(item)),
            Err(EngineError::NotFound(what)) => {
                let site = self.site_by_slug(site)?;
                match self.store.item_by_slug(site.id, slug)? {
                    Some(i) if i.first_published_at.is_some() => Ok(None),
                    _ => Err(EngineError::NotFound(what)),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// The site a host name serves at its root, if any.
    pub fn site_for_domain(&self, host: &str) -> Result<Option<Site>, EngineError> {
        let host = host
            .split(':')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if host.is_empty() {
            return Ok(None);
        }
        Ok(self
            .catalog()?
            .sites
            .iter()
            .find(|s| s.domains.contains(&host))
            .cloned())
    }

    /// A published item by id, or `None` when it is not live.
    pub fn public_item_by_id(&self, id: ItemId) -> Result<Option<PublicItem>, EngineError> {
        let Some((item, rev)) = self.store.live_item(id)? else {
            return Ok(None);
        };
        let site = self.site(item.site_id)?;
        let channels = self.site_channels(site.id)?;
        Ok(Some(to_public(&site, &channels, item, rev)))
    }

    /// Live items with ids above `after`, in id order: a page of a full scan (reindexing).
    pub fn public_items_after(
        &self,
        after: ItemId,
        limit: usize,
    ) -> Result<Vec<PublicItem>, EngineError> {
        let rows = self.store.live_items(after, limit)?;
        let mut sites: HashMap<SiteId, (Site, Vec<Channel>)> = HashMap::new();
        let mut out = Vec::with_capacity(rows.len());
        for (item, rev) in rows {
            let (site, channels) = match sites.entry(item.site_id) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    let site = self.site(item.site_id)?;
                    let channels = self.site_channels(site.id)?;
                    e.insert((site, channels))
                }
            };
            out.push(to_public(site, channels, item, rev));
        }
        Ok(out)
    }

    /// How many items the public can see, network-wide.
    pub fn live_count(&self) -> Result<u64, EngineError> {
        Ok(self.store.live_count()?)
    }

    /// The issuers of a site's published documents, for the register's filter.
    pub fn document_issuers(&self, site: &str) -> Result<Vec<String>, EngineError> {
        const FRESH: std::time::Duration = std::time::Duration::from_secs(10);
        let site = self.site_by_slug(site)?;
        if let Ok(cache) = self.issuers.lock() {
            if let Some((_, list)) = cache.get(&site.id).filter(|(at, _)| at.elapsed() < FRESH) {
                return Ok(list.clone());
            }
        }
        let list = self.store.live_issuers(site.id)?;
        if let Ok(mut cache) = self.issuers.lock() {
            cache.insert(site.id, (std::time::Instant::now(), list.clone()));
        }
        Ok(list)
    }

    /// The newest event's sequence number.
    pub fn last_event_seq(&self) -> Result<i64, EngineError> {
        Ok(self.store.last_event_seq()?)
    }

    /// A site's slug and the slugs of every site below it, for "this portal and its
    /// component portals" filters.
    pub fn site_and_descendants(&self, slug: &str) -> Result<Vec<String>, EngineError> {
        let root = self.site_by_slug(slug)?;
        let catalog = self.catalog()?;
        Ok(catalog
            .subtree(root.id)
            .into_iter()
            .map(|s| s.slug.clone())
            .collect())
    }
}

fn to_public(
    site: &Site,
    channels: &[Channel],
    item: ItemRecord,
    rev: RevisionRecord,
) -> PublicItem {
    PublicItem {
        id: item.id,
        site_id: site.id,
        site: site.slug.clone(),
        kind: item.kind,
        slug: item.slug,
        title: rev.title,
        channels: item
            .channels
            .iter()
            .filter_map(|id| {
                channels
                    .iter()
                    .find(|c| c.id == *id)
                    .map(|c| c.slug.clone())
            })
            .collect(),
        fields: rev.fields,
        html: rev.rendered,
        revision: rev.rev,
        first_published_at: item.first_published_at,
        published_at: item.published_at,
    }
}
