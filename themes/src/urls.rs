//! Where things are on a portal: the one place that spells item addresses, for pages, feeds,
//! sitemaps and search results alike.

use portico_engine::{ItemKind, PublicItem, DEFAULT_SEGMENT};

/// The path segment an item lives under: answered questions under `hoi-dap` and
/// consultations under `lay-y-kien` (beside their pages, whatever their channels), other
/// items under their first channel, or `bai-viet` in none.
pub fn segment(kind: ItemKind, channel: Option<&str>) -> &str {
    match kind {
        ItemKind::Question => "hoi-dap",
        ItemKind::Consultation => "lay-y-kien",
        _ => channel.unwrap_or(DEFAULT_SEGMENT),
    }
}

/// An item's path under a site's prefix (`/main` or `` for a site on its own domain): its
/// first channel, then its slug; `bai-viet` for an item in no channel.
pub fn item_path(prefix: &str, channel: Option<&str>, slug: &str) -> String {
    format!("{prefix}/{}/{slug}", channel.unwrap_or(DEFAULT_SEGMENT))
}

/// The path of an item of `kind` (see [`segment`]).
pub fn kind_path(prefix: &str, kind: ItemKind, channel: Option<&str>, slug: &str) -> String {
    format!("{prefix}/{}/{slug}", segment(kind, channel))
}

/// A published item's path under a site's prefix.
pub fn public_item_path(prefix: &str, item: &PublicItem) -> String {
    kind_path(
        prefix,
        item.kind,
        item.channels.first().map(String::as_str),
        &item.slug,
    )
}

#[cfg(test)]
mod tests {
    use super::{item_path, kind_path};
    use portico_engine::ItemKind;

    #[test]
    fn items_live_under_their_channel_or_bai_viet() {
        assert_eq!(item_path("/main", Some("tin-tuc"), "a"), "/main/tin-tuc/a");
        assert_eq!(item_path("", None, "a"), "/bai-viet/a");
    }

    #[test]
    fn answers_and_consultations_live_beside_their_pages() {
        assert_eq!(
            kind_path("/main", ItemKind::Question, Some("tin-tuc"), "a"),
            "/main/hoi-dap/a"
        );
        assert_eq!(
            kind_path("", ItemKind::Consultation, None, "b"),
            "/lay-y-kien/b"
        );
        assert_eq!(
            kind_path("/x", ItemKind::Article, None, "c"),
            "/x/bai-viet/c"
        );
    }
}
