//! The editors' desk: what waits for a user across their sites, what happened there lately,
//! and a site's items filtered and paged. Each answer costs a fixed handful of store queries,
//! however many of the network's 92 sites the user works on.

use super::views::HistoryEntry;
use super::{parse_enum, Engine};
use crate::content::ItemKind;
use crate::error::{EngineError, InvalidKind};
use crate::ids::{ItemId, RevisionNo, SiteId};
use crate::policy::{Actor, Permission, Role};
use crate::store::{ItemListCursor, ItemListFilter, ItemSort};
use crate::workflow::State;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashMap;

/// Most items on one page of an item list.
pub const MAX_ITEM_PAGE: usize = 100;

/// A site the user works on, with what waits there.
#[derive(Debug, Clone, Serialize)]
pub struct DeskSite {
    pub slug: String,
    pub name: String,
    /// The user's roles there (every role for a network admin).
    pub roles: Vec<Role>,
    /// Items in draft, in review, in approval and scheduled.
    pub counts: Vec<(State, u64)>,
    /// Of those, how many wait for this user's step: in review for an editor, in approval
    /// for an approver.
    pub for_me: u64,
}

/// A line of recent activity.
#[derive(Debug, Clone, Serialize)]
pub struct Activity {
    pub site: String,
    pub item: ItemId,
    pub title: String,
    #[serde(flatten)]
    pub entry: HistoryEntry,
}

/// What a user sees first: the sites they work on and what happened there lately.
#[derive(Debug, Clone, Serialize)]
pub struct Desk {
    pub sites: Vec<DeskSite>,
    pub recent: Vec<Activity>,
}

/// A line of an editors' item list.
#[derive(Debug, Clone, Serialize)]
pub struct ListedItem {
    pub id: ItemId,
    pub kind: ItemKind,
    pub slug: String,
    pub title: String,
    pub state: State,
    pub live: bool,
    pub revision: RevisionNo,
    pub owner: Option<String>,
    pub channels: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub scheduled_at: Option<DateTime<Utc>>,
}

/// A page of an editors' item list.
#[derive(Debug, Clone, Serialize)]
pub struct ItemListPage {
    pub items: Vec<ListedItem>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// What an item list is narrowed by, as a client sends it (names, not ids).
#[derive(Debug, Clone, Default)]
pub struct ItemListQuery {
    pub kind: Option<String>,
    pub state: Option<String>,
    pub channel: Option<String>,
    /// A username.
    pub owner: Option<String>,
    pub text: Option<String>,
    /// `newest` (last changed first, the default), `oldest` or `created`.
    pub sort: Option<String>,
    pub cursor: Option<String>,
    pub limit: usize,
}

fn sort_of(s: Option<&str>) -> Result<ItemSort, EngineError> {
    Ok(match s.unwrap_or("newest") {
        "" | "newest" => ItemSort::Newest,
        "oldest" => ItemSort::Oldest,
        "created" => ItemSort::Created,
        other => {
            return Err(EngineError::invalid(
                InvalidKind::InvalidValue,
                "sort".to_owned(),
                format!("sort '{other}' is not one of newest, oldest, created"),
            ))
        }
    })
}

fn parse_cursor(s: &str) -> Result<ItemListCursor, EngineError> {
    let bad = || {
        EngineError::invalid(
            InvalidKind::InvalidValue,
            "cursor".to_owned(),
            "this cursor was not given out by this list",
        )
    };
    let (key, id) = s.split_once('.').ok_or_else(bad)?;
    Ok(ItemListCursor {
        key: key.parse().map_err(|_| bad())?,
        id: ItemId(id.parse().map_err(|_| bad())?),
    })
}

/// Empty strings mean "any": a form sends every select, chosen or not.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl Engine {
    /// The sites the actor works on (every site for a network admin), each with what waits
    /// there, and the newest activity on them.
    pub fn desk(&self, actor: &Actor, recent: usize) -> Result<Desk, EngineError> {
        let catalog = self.catalog()?;
        let mut roles: HashMap<SiteId, Vec<Role>> = HashMap::new();
        for (site, role) in &actor.roles {
            roles.entry(*site).or_default().push(*role);
        }
        let sites: Vec<_> = catalog
            .sites
            .iter()
            .filter(|s| actor.any_role_on(s.id))
            .collect();
        let scope: Option<Vec<SiteId>> =
            (!actor.network_admin).then(|| sites.iter().map(|s| s.id).collect());
        let mut counts: HashMap<SiteId, Vec<(State, u64)>> = HashMap::new();
        for c in self.store.waiting_counts(scope.as_deref())? {
            counts.entry(c.site).or_default().push((c.state, c.count));
        }
        let desk_sites = sites
            .iter()
            .map(|s| {
                let counts = counts.remove(&s.id).unwrap_or_default();
                let for_me = counts
                    .iter()
                    .filter(|(state, _)| match state {
                        State::InReview => actor.has(s.id, Role::Editor),
                        State::InApproval => actor.has(s.id, Role::Approver),
                        _ => false,
                    })
                    .map(|(_, n)| n)
                    .sum();
                let mut r = roles.get(&s.id).cloned().unwrap_or_default();
                if actor.network_admin {
                    r = Role::ALL.to_vec();
                }
                r.sort();
                DeskSite {
                    slug: s.slug.clone(),
                    name: s.name.clone(),
                    roles: r,
                    counts,
                    for_me,
                }
            })
            .collect();
        let recent = self
            .store
            .recent_item_activity(scope.as_deref(), recent.clamp(1, 100))?
            .into_iter()
            .filter_map(|(row, title)| {
                let site = catalog.by_id(row.entry.site_id?)?.slug.clone();
                let item = row.entry.item_id?;
                Some(Activity {
                    site,
                    item,
                    title,
                    entry: HistoryEntry::from(row),
                })
            })
            .collect();
        Ok(Desk {
            sites: desk_sites,
            recent,
        })
    }

    /// A page of a site's items in any state, for anyone with a role there.
    pub fn item_list(
        &self,
        actor: &Actor,
        site: &str,
        q: &ItemListQuery,
    ) -> Result<ItemListPage, EngineError> {
        let site = self.site_by_slug(site)?;
        self.allow(actor, &site, Permission::ViewSite)?;
        let channels = self.catalog()?.channels(site.id).to_vec();
        let channel = match given(&q.channel) {
            None => None,
            Some(slug) => Some(
                channels
                    .iter()
                    .find(|c| c.slug == slug)
                    .map(|c| c.id)
                    .ok_or_else(|| {
                        EngineError::invalid(
                            InvalidKind::InvalidValue,
                            "channel".to_owned(),
                            format!("'{}' has no channel '{slug}'", site.slug),
                        )
                    })?,
            ),
        };
        let owner = match given(&q.owner) {
            None => None,
            Some(name) => Some(
                self.store
                    .user_by_name(name)?
                    .map(|u| u.user.id)
                    .ok_or_else(|| {
                        EngineError::invalid(
                            InvalidKind::InvalidValue,
                            "owner".to_owned(),
                            format!("there is no user '{name}'"),
                        )
                    })?,
            ),
        };
        let text = given(&q.text).map(crate::text::nfc);
        if text.as_ref().is_some_and(|t| t.chars().count() > 200) {
            return Err(EngineError::invalid(
                InvalidKind::TooLong,
                "text".to_owned(),
                "search text is limited to 200 characters",
            ));
        }
        let filter = ItemListFilter {
            kind: given(&q.kind)
                .map(|k| parse_enum::<ItemKind>("kind", k))
                .transpose()?,
            state: given(&q.state)
                .map(|s| parse_enum::<State>("state", s))
                .transpose()?,
            channel,
            owner,
            text,
            sort: sort_of(given(&q.sort))?,
            after: given(&q.cursor).map(parse_cursor).transpose()?,
        };
        let limit = q.limit.clamp(1, MAX_ITEM_PAGE);
        let mut records = self.store.list_items(site.id, &filter, limit + 1)?;
        let more = records.len() > limit;
        records.truncate(limit);
        let next_cursor = more.then(|| records.last()).flatten().map(|last| {
            let key = match filter.sort {
                ItemSort::Created => last.created_at,
                _ => last.updated_at,
            };
            format!("{}.{}", key.timestamp_micros(), last.id.0)
        });
        let mut names = super::items::NameCache::default();
        let items = records
            .into_iter()
            .map(|i| {
                Ok(ListedItem {
                    owner: names.get(self, i.owner_id)?,
                    channels: i
                        .channels
                        .iter()
                        .filter_map(|id| channels.iter().find(|c| c.id == *id))
                        .map(|c| c.slug.clone())
                        .collect(),
                    id: i.id,
                    kind: i.kind,
                    slug: i.slug,
                    title: i.title,
                    state: i.state,
                    live: i.live,
                    revision: i.current_rev,
                    created_at: i.created_at,
                    updated_at: i.updated_at,
                    scheduled_at: i.scheduled_at,
                })
            })
            .collect::<Result<Vec<_>, EngineError>>()?;
        Ok(ItemListPage { items, next_cursor })
    }
}
