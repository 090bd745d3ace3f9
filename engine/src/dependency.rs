//! What a public answer depends on, and what a change invalidates, in one vocabulary, so that
//! a purge drops exactly what a change made wrong. The text form of a [`Dependency`] is the
//! cache tag (`Surrogate-Key`) that the HTTP cache, the edges and operators' purges use.

use crate::event::{Event, EventKind};
use crate::ids::{ChannelId, ItemId, SiteId};
use crate::media::MediaId;
use crate::ItemKind;
use std::fmt;

/// One thing an answer depends on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Dependency {
    /// The item's page and its API answer (`item:X`).
    Item(ItemId),
    /// What of a site depends on everything live there: home, feeds, the sitemap, search
    /// results, unfiltered API lists (`list:S`).
    List(SiteId),
    /// Lists of one channel: its page, its feed, API lists filtered by it (`channel:C`).
    Channel(ChannelId),
    /// Lists of one kind on a site (documents, procedures), whatever other filters
    /// (`kind:S:K`).
    Kind(SiteId, ItemKind),
    /// Every answer of a site: its navigation shows the channels (`site:S`).
    Site(SiteId),
    /// Network-wide lists, feeds and search (`network`).
    Network,
    /// The site tree (`sites`).
    Sites,
    /// A library file and its derivatives (`media:M`).
    Media(MediaId),
}

impl fmt::Display for Dependency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dependency::Item(i) => write!(f, "item:{i}"),
            Dependency::List(s) => write!(f, "list:{s}"),
            Dependency::Channel(c) => write!(f, "channel:{c}"),
            Dependency::Kind(s, k) => write!(f, "kind:{s}:{k}"),
            Dependency::Site(s) => write!(f, "site:{s}"),
            Dependency::Network => f.write_str("network"),
            Dependency::Sites => f.write_str("sites"),
            Dependency::Media(m) => write!(f, "media:{m}"),
        }
    }
}

impl Dependency {
    /// What a list of `site` depends on when narrowed to one channel or one kind: a publish
    /// purges it only when the item is (or was) in that channel, or is of that kind. Other
    /// filters narrow it further, which only makes the purge a superset.
    pub fn of_list(
        site: SiteId,
        kind: Option<ItemKind>,
        channel: Option<ChannelId>,
    ) -> [Dependency; 2] {
        let narrow = match (channel, kind) {
            (Some(c), _) => Dependency::Channel(c),
            (None, Some(k)) => Dependency::Kind(site, k),
            (None, None) => Dependency::List(site),
        };
        [Dependency::Site(site), narrow]
    }
}

impl Event {
    /// What this event makes wrong; empty for events the public cannot see (drafts, reviews).
    pub fn invalidates(&self) -> Vec<Dependency> {
        match self.kind {
            EventKind::ItemPublished | EventKind::ItemUnpublished => {
                let mut t = vec![Dependency::Network];
                if let Some(s) = self.site_id {
                    t.push(Dependency::List(s));
                    let payload = self.item_payload();
                    if let Some(p) = &payload {
                        t.push(Dependency::Kind(s, p.kind));
                    }
                    match payload.and_then(|p| p.channels) {
                        // The channels the item left or entered.
                        Some(channels) => t.extend(channels.into_iter().map(Dependency::Channel)),
                        // Events written before they named their channels: every list of
                        // the site.
                        None => t.push(Dependency::Site(s)),
                    }
                }
                if let Some(i) = self.item_id {
                    t.push(Dependency::Item(i));
                }
                t
            }
            EventKind::ChannelChanged | EventKind::SiteChanged => {
                self.site_id.map(Dependency::Site).into_iter().collect()
            }
            EventKind::SiteCreated => vec![Dependency::Sites, Dependency::Network],
            EventKind::CommentsChanged => self.item_id.map(Dependency::Item).into_iter().collect(),
            EventKind::MediaChanged => self
                .media_payload()
                .map(|p| Dependency::Media(p.media))
                .into_iter()
                .collect(),
            EventKind::ItemCreated
            | EventKind::ItemSaved
            | EventKind::ItemStateChanged
            | EventKind::RoleChanged
            | EventKind::UserCreated => Vec::new(),
            // Only search shows a file's text: the answers searching the network or the
            // item's site (tagged with their lists) change, not the item's page.
            EventKind::FileTextRead => {
                let mut t = vec![Dependency::Network];
                t.extend(self.site_id.map(Dependency::List));
                t
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn published(data: serde_json::Value) -> Event {
        Event {
            seq: 1,
            at: chrono::Utc::now(),
            kind: EventKind::ItemPublished,
            site_id: Some(SiteId(3)),
            item_id: Some(ItemId(9)),
            data,
        }
    }

    fn texts(deps: &[Dependency]) -> Vec<String> {
        let mut t: Vec<String> = deps.iter().map(ToString::to_string).collect();
        t.sort();
        t
    }

    #[test]
    fn a_publish_invalidates_its_item_its_kind_its_channels_and_the_sites_whole_lists() {
        let deps = published(
            serde_json::json!({"kind": "document", "slug": "x", "state": "published", "channels": [4, 7]}),
        )
        .invalidates();
        assert_eq!(
            texts(&deps),
            [
                "channel:4",
                "channel:7",
                "item:9",
                "kind:3:document",
                "list:3",
                "network"
            ]
        );
    }

    #[test]
    fn an_event_that_does_not_name_its_channels_invalidates_every_list_of_its_site() {
        let deps =
            published(serde_json::json!({"kind": "article", "slug": "tin", "state": "published"}))
                .invalidates();
        assert!(deps.contains(&Dependency::Site(SiteId(3))), "{deps:?}");
    }

    /// The answers and the purges meet: what a channel-filtered list depends on is what a
    /// publish into that channel invalidates.
    #[test]
    fn a_list_depends_on_what_a_publish_into_it_invalidates() {
        let publish =
            published(serde_json::json!({"kind": "document", "slug": "qd-1", "state": "published", "channels": [4]}))
                .invalidates();
        for (kind, channel) in [
            (None, Some(ChannelId(4))),
            (Some(ItemKind::Document), None),
            (None, None),
        ] {
            let [_, narrow] = Dependency::of_list(SiteId(3), kind, channel);
            assert!(publish.contains(&narrow), "{narrow}");
        }
        let [_, other] = Dependency::of_list(SiteId(3), Some(ItemKind::Procedure), None);
        assert!(!publish.contains(&other));
    }
}
