//! Where things are on a portal: the one place that spells item addresses, for pages, feeds,
//! sitemaps and search results alike.

use portico_engine::{PublicItem, DEFAULT_SEGMENT};

/// An item's path under a site's prefix (`/main` or `` for a site on its own domain): its
/// first channel, then its slug; `bai-viet` for an item in no channel.
pub fn item_path(prefix: &str, channel: Option<&str>, slug: &str) -> String {
    format!("{prefix}/{}/{slug}", channel.unwrap_or(DEFAULT_SEGMENT))
}

/// A published item's path under a site's prefix.
pub fn public_item_path(prefix: &str, item: &PublicItem) -> String {
    item_path(
        prefix,
        item.channels.first().map(String::as_str),
        &item.slug,
    )
}

#[cfg(test)]
mod tests {
    use super::item_path;

    #[test]
    fn items_live_under_their_channel_or_bai_viet() {
        assert_eq!(item_path("/main", Some("tin-tuc"), "a"), "/main/tin-tuc/a");
        assert_eq!(item_path("", None, "a"), "/bai-viet/a");
    }
}
