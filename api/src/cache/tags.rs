//! What a response depends on, and what an event changes, in one vocabulary, so that a purge
//! drops exactly what a change made wrong:
//!
//! - `item:X`: the item's page and its API answer;
//! - `list:S`: everything of site S whose contents depend on which items are live there:
//!   home, channel pages, document and procedure lists, feeds, the sitemap, search results;
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
