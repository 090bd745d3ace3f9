//! What a response depends on, and what an event changes, in one vocabulary, so that a purge
//! drops exactly what a change made wrong:
//!
//! - `item:X`: the item's page and its API answer;
//! - `list:S`: what of site S depends on everything live there: home, feeds, the sitemap,
//!   search results, unfiltered API lists;
//! - `channel:C`: lists of one channel (its page, its feed, API lists filtered by it);
//! - `kind:S:K`: lists of one kind on site S (documents, procedures), whatever other filters;
//! - `site:S`: every answer of site S (its navigation shows the channels);
//! - `network`: network-wide lists, feeds and search; `sites`: the site tree;
//! - `media:M`: a library file and its derivatives.

use portico_engine::{Event, EventKind};

/// The tags an event purges; empty for events the public cannot see (drafts, reviews).
pub fn purge_tags(e: &Event) -> Vec<String> {
    let site = e.site_id.map(|s| s.to_string());
    match e.kind {
        EventKind::ItemPublished | EventKind::ItemUnpublished => {
            let mut t = vec!["network".to_owned()];
            if let Some(s) = &site {
                t.push(format!("list:{s}"));
                if let Some(k) = e.data.get("kind").and_then(|k| k.as_str()) {
                    t.push(format!("kind:{s}:{k}"));
                }
                match e.data.get("channels").and_then(|c| c.as_array()) {
                    // The channels the item left or entered.
                    Some(channels) => {
                        t.extend(
                            channels
                                .iter()
                                .filter_map(|c| c.as_i64())
                                .map(|c| format!("channel:{c}")),
                        );
                    }
                    // Events written before they named their channels: every list of the site.
                    None => t.push(format!("site:{s}")),
                }
            }
            if let Some(i) = e.item_id {
                t.push(format!("item:{i}"));
            }
            t
        }
        EventKind::ChannelChanged => site.map(|s| vec![format!("site:{s}")]).unwrap_or_default(),
        EventKind::SiteCreated => vec!["sites".to_owned(), "network".to_owned()],
        EventKind::MediaChanged => e
            .data
            .get("media")
            .and_then(|m| m.as_i64())
            .map(|m| vec![format!("media:{m}")])
            .unwrap_or_default(),
        EventKind::ItemCreated
        | EventKind::ItemSaved
        | EventKind::ItemStateChanged
        | EventKind::RoleChanged
        | EventKind::UserCreated => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::purge_tags;
    use portico_engine::{Event, EventKind, ItemId, SiteId};

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

    #[test]
    fn a_publish_purges_its_item_its_kind_its_channels_and_the_sites_whole_lists() {
        let mut tags = purge_tags(&published(
            serde_json::json!({"kind": "document", "slug": "x", "state": "published", "channels": [4, 7]}),
        ));
        tags.sort();
        assert_eq!(
            tags,
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
    fn an_event_that_does_not_name_its_channels_purges_every_list_of_its_site() {
        let tags = purge_tags(&published(serde_json::json!({"kind": "article"})));
        assert!(tags.contains(&"site:3".to_owned()), "{tags:?}");
    }
}
