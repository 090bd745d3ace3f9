//! What the portal templates are given: page contexts built from the engine's values, with
//! addresses and the Vietnamese interface text. The HTTP layer gathers the data and picks a
//! template; what a page shows, and in which words, is decided here.

use crate::urls::public_item_path;
use portico_engine::{Channel, PublicItem, Site, SiteKind};
use serde::Serialize;
use serde_json::{json, Value};

/// A name and a slug, as links in menus and lists need them.
#[derive(Serialize)]
struct Named<'a> {
    slug: &'a str,
    name: &'a str,
}

/// The portal, the site, its parent and its top channels: what every page of a site shows.
#[derive(Serialize)]
struct SiteContext<'a> {
    portal: PortalName<'a>,
    site: SiteRef<'a>,
    channels: Vec<Named<'a>>,
    base: String,
    theme: &'a str,
}

#[derive(Serialize)]
struct PortalName<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct SiteRef<'a> {
    slug: &'a str,
    name: &'a str,
    kind: SiteKind,
    parent: Option<Named<'a>>,
    /// The site's own look and footer facts (`SiteSettings`).
    settings: &'a portico_engine::SiteSettings,
    /// Changes with the look, for the site stylesheet's address; absent when there is none.
    look: Option<String>,
}

/// The network's own name until a main portal exists.
const NO_PORTAL: &str = "Portico";

/// The path prefix of a site's pages: `/{site}`, or nothing on the site's own domain.
pub fn prefix(site: &Site, host_routed: bool) -> String {
    if host_routed {
        String::new()
    } else {
        format!("/{}", site.slug)
    }
}

/// The context every page of `site` starts from.
pub fn site(
    site: &Site,
    main: Option<&Site>,
    parent: Option<&Site>,
    channels: &[Channel],
    host_routed: bool,
) -> Value {
    let ctx = SiteContext {
        portal: PortalName {
            name: main.map_or(NO_PORTAL, |m| m.name.as_str()),
        },
        site: SiteRef {
            slug: &site.slug,
            name: &site.name,
            kind: site.kind,
            parent: parent.map(|p| Named {
                slug: &p.slug,
                name: &p.name,
            }),
            settings: &site.settings,
            look: look_version(&site.settings),
        },
        channels: channels
            .iter()
            .filter(|c| c.parent_id.is_none())
            .map(|c| Named {
                slug: &c.slug,
                name: &c.name,
            })
            .collect(),
        base: prefix(site, host_routed),
        theme: &site.theme,
    };
    serde_json::to_value(ctx).unwrap_or(Value::Null)
}

/// `1.5 MB`, `820 KB`: a file's size as Vietnamese readers write it (decimal comma).
pub fn file_size(bytes: u64) -> String {
    let kb = bytes.div_ceil(1024);
    if kb < 1024 {
        format!("{kb} KB")
    } else {
        let tenths = kb.saturating_mul(10) / 1024;
        format!("{},{} MB", tenths / 10, tenths % 10)
    }
}

/// A short fingerprint of what the site stylesheet draws (colour, banner), or `None` when the
/// theme's own look is used unchanged.
pub fn look_version(s: &portico_engine::SiteSettings) -> Option<String> {
    if s.color.is_none() && s.banner.is_none() {
        return None;
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in format!("{:?}{:?}", s.color, s.banner).bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    Some(format!("{h:016x}"))
}

/// The site stylesheet: the header in the site's colour (the menu a shade darker) and its
/// banner picture. Values were checked when saved (`#rrggbb`, `/media/{id}`).
pub fn site_css(s: &portico_engine::SiteSettings) -> String {
    let mut css = String::new();
    if let Some(c) = s.color.as_deref().and_then(|c| c.strip_prefix('#')) {
        let dark: String = (0..3)
            .filter_map(|i| c.get(i * 2..i * 2 + 2))
            .filter_map(|h| u8::from_str_radix(h, 16).ok())
            .map(|v| format!("{:02x}", u16::from(v) * 4 / 5))
            .collect();
        css.push_str(&format!(
            ".banner{{background-color:#{c}}}.menu{{background-color:#{dark}}}\n"
        ));
    }
    if let Some(b) = s.banner.as_deref() {
        css.push_str(&format!(
            ".banner .top{{background-image:url({b}/hero);background-size:cover;background-position:center}}\n"
        ));
    }
    css
}

/// The context of a page that belongs to no site (the network's errors).
pub fn no_site() -> Value {
    json!({"portal": {"name": NO_PORTAL}, "base": ""})
}

/// `a` with the keys of `b` added (or replaced).
pub fn merge(mut a: Value, b: Value) -> Value {
    if let (Some(a), Value::Object(b)) = (a.as_object_mut(), b) {
        a.extend(b);
    }
    a
}

/// Where a cover's sizes are: `/media/{id}` for a library file (the template appends the
/// preset: `/card`, `/content`, `/og`), `None` for no cover or one given as an outside URL.
pub fn cover_base(fields: &Value) -> Option<String> {
    let cover = fields.get("cover")?.as_str()?.trim();
    let id = cover.strip_prefix("/media/").map_or(cover, |rest| {
        rest.split(['/', '?']).next().unwrap_or_default()
    });
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then(|| format!("/media/{id}"))
}

/// An item for a list in a template: everything the public item has, plus its page's
/// address. Built by moving the item's fields, not by serialising it again (a list page's
/// largest cost after the query, measured).
pub fn list_entry(item: PublicItem, prefix: &str, site_name: Option<&str>) -> Value {
    let url = public_item_path(prefix, &item);
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)))
            .unwrap_or(Value::Null)
    };
    let mut m = serde_json::Map::with_capacity(14);
    m.insert("id".into(), json!(item.id.0));
    m.insert("kind".into(), Value::String(item.kind.as_str().to_owned()));
    m.insert("revision".into(), json!(item.revision.0));
    m.insert("first_published_at".into(), time(item.first_published_at));
    m.insert("published_at".into(), time(item.published_at));
    m.insert("url".into(), Value::String(url));
    if let Some(n) = site_name {
        m.insert("site_name".into(), Value::String(n.to_owned()));
    }
    m.insert(
        "channels".into(),
        Value::Array(item.channels.into_iter().map(Value::String).collect()),
    );
    m.insert("site".into(), Value::String(item.site));
    m.insert("slug".into(), Value::String(item.slug));
    m.insert("title".into(), Value::String(item.title));
    if let Some(cover) = cover_base(&item.fields) {
        m.insert("cover".into(), Value::String(cover));
    }
    m.insert("fields".into(), item.fields);
    m.insert("html".into(), item.html);
    Value::Object(m)
}

/// The trail from the site's home to the page: `(link, label)`, the last usually unlinked.
pub fn breadcrumbs(site: &Site, prefix: &str, more: &[(Option<String>, String)]) -> Value {
    let mut v = vec![json!({"href": format!("{prefix}/"), "label": site.name})];
    v.extend(more.iter().map(|(h, l)| json!({"href": h, "label": l})));
    Value::Array(v)
}

/// The network home's groups of portals, in the order a province lists them.
pub fn site_groups(sites: &[Site]) -> Vec<Value> {
    [
        (SiteKind::Main, "Cổng chính"),
        (SiteKind::Council, "Đoàn ĐBQH và HĐND"),
        (SiteKind::Party, "Cơ quan Đảng"),
        (SiteKind::Department, "Sở, ban, ngành"),
        (SiteKind::District, "Huyện, thị xã, thành phố"),
        (SiteKind::Union, "Mặt trận và đoàn thể"),
        (SiteKind::Commune, "Xã, phường"),
    ]
    .into_iter()
    .filter_map(|(kind, label)| {
        let list: Vec<Named<'_>> = sites
            .iter()
            .filter(|s| s.kind == kind)
            .map(|s| Named {
                slug: &s.slug,
                name: &s.name,
            })
            .collect();
        (!list.is_empty()).then(|| json!({"label": label, "sites": list}))
    })
    .collect()
}

/// An error page's context: `ctx` (the site's, when there is one) with the title and message
/// for `status`.
pub fn error(status: u16, ctx: Value) -> Value {
    let (title, message) = match status {
        410 => (
            "Nội dung đã được gỡ bỏ",
            "Nội dung này đã được cơ quan gỡ xuống và không còn được công bố.",
        ),
        400 => (
            "Yêu cầu không hợp lệ",
            "Đường dẫn hoặc bộ lọc không hợp lệ.",
        ),
        404 => (
            "Không tìm thấy trang",
            "Trang bạn tìm không có hoặc đã được chuyển đi.",
        ),
        503 => (
            "Tạm thời gián đoạn",
            "Cổng thông tin đang tạm gián đoạn; xin thử lại sau ít giây.",
        ),
        _ => (
            "Có lỗi xảy ra",
            "Hệ thống đang gặp sự cố; xin thử lại sau ít phút.",
        ),
    };
    merge(ctx, json!({"title": title, "message": message}))
}

/// What a reader is told about a filter a form cannot use (`field` names it).
pub fn filter_message(field: Option<&str>) -> &'static str {
    match field {
        Some("year" | "year_from" | "year_to") => {
            "Năm không hợp lệ: hãy nhập năm có bốn chữ số (ví dụ 2024), năm bắt đầu không sau năm kết thúc."
        }
        Some("kind") => "Loại nội dung không hợp lệ; hãy chọn trong danh sách.",
        _ => "Bộ lọc không hợp lệ hoặc quá dài; hãy sửa lại rồi tìm lại.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(file_size(1), "1 KB");
        assert_eq!(file_size(820 * 1024), "820 KB");
        assert_eq!(file_size(1536 * 1024), "1,5 MB");
    }

    #[test]
    fn covers_are_library_files_only() {
        assert_eq!(
            cover_base(&json!({"cover": "12"})).as_deref(),
            Some("/media/12")
        );
        assert_eq!(
            cover_base(&json!({"cover": "/media/12/card?v=3"})).as_deref(),
            Some("/media/12")
        );
        assert_eq!(cover_base(&json!({"cover": "https://x.vn/a.jpg"})), None);
        assert_eq!(cover_base(&json!({})), None);
    }

    #[test]
    fn error_pages_speak_vietnamese() {
        let ctx = error(410, no_site());
        assert_eq!(ctx["title"], "Nội dung đã được gỡ bỏ");
        assert_eq!(ctx["portal"]["name"], "Portico");
    }
}
