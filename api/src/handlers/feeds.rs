//! Feeds and sitemaps: RSS 2.0 (the `rss` crate), Atom 1.0 (`atom_syndication`), JSON Feed 1.1
//! (serde) per site, per channel and for the whole network; a sitemap per site and a sitemap
//! index for the network (quick-xml). Absolute URLs, full text, correct dates.

use crate::cache::headers::{public_bytes, Tags, PUBLIC_CACHE_CONTROL};
use crate::error::ApiError;
use crate::host_routing::HostSite;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::Response;
use chrono::{DateTime, Utc};
use portico_engine::Dependency;
use portico_engine::{Engine, PublicItem, Site};
use serde_json::json;

/// Items in a feed.
const FEED_ITEMS: usize = 30;
/// The sitemap protocol's limit per file.
const SITEMAP_MAX: usize = 50_000;

#[derive(Clone, Copy)]
enum Format {
    Rss,
    Atom,
    Json,
}

impl Format {
    fn parse(file: &str) -> Option<Format> {
        match file {
            "feed.rss" => Some(Format::Rss),
            "feed.atom" => Some(Format::Atom),
            "feed.json" => Some(Format::Json),
            _ => None,
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::Json => "application/feed+json; charset=utf-8",
        }
    }
}

/// Where the public reaches this server: the configured public URL, else the request's host.
pub(crate) fn origin(st: &AppState, headers: &HeaderMap) -> String {
    if let Some(u) = &st.config.public_url {
        return u.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// One feed's facts, whatever its format.
struct Feed {
    title: String,
    home: String,
    self_url: String,
    items: Vec<(PublicItem, String)>,
    updated: DateTime<Utc>,
}

fn item_url(origin: &str, prefix: &str, item: &PublicItem) -> String {
    format!(
        "{origin}{}",
        portico_themes::urls::public_item_path(prefix, item)
    )
}

/// A summary is plain text an editor typed; taken as the item's own words, never as markup.
fn summary(item: &PublicItem) -> String {
    item.fields
        .get("summary")
        .and_then(|s| s.as_str())
        .unwrap_or_default()
        .to_owned()
}

fn content_html(item: &PublicItem) -> String {
    match &item.html {
        serde_json::Value::Object(m) => m
            .values()
            .filter_map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

fn build(feed: &Feed, format: Format) -> Vec<u8> {
    match format {
        Format::Rss => {
            let items: Vec<rss::Item> = feed
                .items
                .iter()
                .map(|(i, url)| {
                    rss::ItemBuilder::default()
                        .title(Some(i.title.clone()))
                        .link(Some(url.clone()))
                        .guid(Some(
                            rss::GuidBuilder::default()
                                .value(url.clone())
                                .permalink(true)
                                .build(),
                        ))
                        // RSS readers render `<description>` as HTML, so the text is escaped
                        // into it: `<img onerror>` in a summary shows as those characters.
                        .description(Some(quick_xml::escape::escape(summary(i)).into_owned()))
                        .content(Some(content_html(i)))
                        .pub_date(i.first_published_at.map(|t| t.to_rfc2822()))
                        .categories(
                            i.channels
                                .iter()
                                .map(|c| rss::CategoryBuilder::default().name(c.clone()).build())
                                .collect::<Vec<_>>(),
                        )
                        .build()
                })
                .collect();
            let mut namespaces = std::collections::BTreeMap::new();
            namespaces.insert(
                "content".to_owned(),
                "http://purl.org/rss/1.0/modules/content/".to_owned(),
            );
            namespaces.insert("atom".to_owned(), "http://www.w3.org/2005/Atom".to_owned());
            let channel = rss::ChannelBuilder::default()
                .title(feed.title.clone())
                .link(feed.home.clone())
                .description(format!("Tin mới từ {}", feed.title))
                .language(Some("vi".to_owned()))
                .last_build_date(Some(feed.updated.to_rfc2822()))
                .namespaces(namespaces)
                .items(items)
                .build();
            channel.to_string().into_bytes()
        }
        Format::Atom => {
            use atom_syndication::{ContentBuilder, EntryBuilder, FeedBuilder, LinkBuilder, Text};
            let entries: Vec<atom_syndication::Entry> = feed
                .items
                .iter()
                .map(|(i, url)| {
                    let published = i.first_published_at.unwrap_or(feed.updated).fixed_offset();
                    EntryBuilder::default()
                        .title(Text::plain(i.title.clone()))
                        .id(url.clone())
                        .updated(i.published_at.unwrap_or(feed.updated).fixed_offset())
                        .published(Some(published))
                        .links(vec![LinkBuilder::default()
                            .href(url.clone())
                            .rel("alternate")
                            .build()])
                        .summary(Some(Text::plain(summary(i))))
                        .content(Some(
                            ContentBuilder::default()
                                .value(Some(content_html(i)))
                                .content_type(Some("html".to_owned()))
                                .build(),
                        ))
                        .build()
                })
                .collect();
            FeedBuilder::default()
                .title(Text::plain(feed.title.clone()))
                .id(feed.self_url.clone())
                .updated(feed.updated.fixed_offset())
                .lang(Some("vi".to_owned()))
                .links(vec![
                    LinkBuilder::default()
                        .href(feed.home.clone())
                        .rel("alternate")
                        .build(),
                    LinkBuilder::default()
                        .href(feed.self_url.clone())
                        .rel("self")
                        .build(),
                ])
                .entries(entries)
                .build()
                .to_string()
                .into_bytes()
        }
        Format::Json => {
            let items: Vec<serde_json::Value> = feed
                .items
                .iter()
                .map(|(i, url)| {
                    json!({"id": url, "url": url, "title": i.title, "summary": summary(i),
                           "content_html": content_html(i),
                           "date_published": i.first_published_at.map(|t| t.to_rfc3339()),
                           "date_modified": i.published_at.map(|t| t.to_rfc3339()),
                           "tags": i.channels})
                })
                .collect();
            let doc = json!({"version": "https://jsonfeed.org/version/1.1", "title": feed.title,
                             "home_page_url": feed.home, "feed_url": feed.self_url, "language": "vi", "items": items});
            serde_json::to_vec(&doc).unwrap_or_default()
        }
    }
}

async fn feed(
    st: AppState,
    headers: HeaderMap,
    hosted: bool,
    site: Option<String>,
    channel: Option<String>,
    file: String,
) -> Result<Response, ApiError> {
    let format = Format::parse(&file).ok_or_else(|| {
        ApiError::Engine(portico_engine::EngineError::NotFound(format!(
            "feed '{file}'"
        )))
    })?;
    let origin = origin(&st, &headers);
    let engine = st.engine.clone();
    let (feed, tags) = super::blocking(move || {
        let (title, prefix, site_row) = match &site {
            Some(s) => {
                let site: Site = engine.site_named(s)?;
                let prefix = if hosted {
                    String::new()
                } else {
                    format!("/{}", site.slug)
                };
                (site.name.clone(), prefix, Some(site))
            }
            None => (network_name(&engine)?, String::new(), None),
        };
        let title = match &channel {
            Some(c) => {
                let site = site.as_deref().unwrap_or_default();
                let name = engine
                    .channels(site)?
                    .into_iter()
                    .find(|ch| &ch.slug == c)
                    .map(|ch| ch.name)
                    .ok_or_else(|| {
                        portico_engine::EngineError::NotFound(format!("channel '{c}'"))
                    })?;
                format!("{name} – {title}")
            }
            None => title,
        };
        let items = engine.public_recent(site.as_deref(), channel.as_deref(), FEED_ITEMS)?;
        let tags = match &site_row {
            Some(s) => {
                let q = portico_engine::ContentFilters {
                    channel: channel.clone(),
                    ..Default::default()
                };
                crate::cache::headers::list_tags(&engine, s, &q)?
            }
            None => {
                let mut t = Tags::default();
                t.add(Dependency::Network);
                t
            }
        };
        let items: Vec<(PublicItem, String)> = items
            .into_iter()
            .map(|i| {
                let p = if site_row.is_some() {
                    prefix.clone()
                } else {
                    format!("/{}", i.site)
                };
                let url = item_url(&origin, &p, &i);
                (i, url)
            })
            .collect();
        let updated = items
            .iter()
            .filter_map(|(i, _)| i.published_at)
            .max()
            .unwrap_or_else(Utc::now);
        let home = match &channel {
            Some(c) => format!("{origin}{prefix}/{c}/"),
            None => format!("{origin}{prefix}/"),
        };
        let self_url = format!("{home}{file}");
        Ok((
            Feed {
                title,
                home,
                self_url,
                items,
                updated,
            },
            tags,
        ))
    })
    .await?;
    let updated = feed.updated;
    Ok(public_bytes(
        &headers,
        build(&feed, format),
        format.content_type(),
        Some(updated),
        tags,
        PUBLIC_CACHE_CONTROL,
    ))
}

fn network_name(engine: &Engine) -> Result<String, portico_engine::EngineError> {
    Ok(engine
        .sites()?
        .into_iter()
        .find(|s| s.parent_id.is_none())
        .map(|s| s.name)
        .unwrap_or_else(|| "Portico".into()))
}

/// The feed files, each served for the network, a site and a channel.
pub(crate) const FILES: [&str; 3] = ["feed.rss", "feed.atom", "feed.json"];

pub(crate) async fn network_feed(
    st: AppState,
    headers: HeaderMap,
    file: &'static str,
) -> Result<Response, ApiError> {
    feed(st, headers, false, None, None, file.to_owned()).await
}

pub(crate) async fn site_feed(
    st: AppState,
    headers: HeaderMap,
    hosted: bool,
    site: String,
    file: &'static str,
) -> Result<Response, ApiError> {
    feed(st, headers, hosted, Some(site), None, file.to_owned()).await
}

pub(crate) async fn channel_feed(
    st: AppState,
    headers: HeaderMap,
    hosted: bool,
    (site, channel): (String, String),
    file: &'static str,
) -> Result<Response, ApiError> {
    feed(
        st,
        headers,
        hosted,
        Some(site),
        Some(channel),
        file.to_owned(),
    )
    .await
}

fn xml<F>(write: F) -> Result<Vec<u8>, ApiError>
where
    F: FnOnce(&mut quick_xml::Writer<Vec<u8>>) -> Result<(), std::io::Error>,
{
    let mut w = quick_xml::Writer::new_with_indent(Vec::new(), b' ', 1);
    w.write_event(quick_xml::events::Event::Decl(
        quick_xml::events::BytesDecl::new("1.0", Some("UTF-8"), None),
    ))
    .map_err(ApiError::internal)?;
    write(&mut w).map_err(ApiError::internal)?;
    Ok(w.into_inner())
}

fn url_entry(
    w: &mut quick_xml::Writer<Vec<u8>>,
    tag: &str,
    loc: &str,
    lastmod: Option<DateTime<Utc>>,
) -> Result<(), std::io::Error> {
    w.create_element(tag).write_inner_content(|w| {
        w.create_element("loc")
            .write_text_content(quick_xml::events::BytesText::new(loc))?;
        if let Some(t) = lastmod {
            w.create_element("lastmod")
                .write_text_content(quick_xml::events::BytesText::new(&t.to_rfc3339()))?;
        }
        Ok(())
    })?;
    Ok(())
}

const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

pub(crate) async fn site_sitemap(
    State(st): State<AppState>,
    headers: HeaderMap,
    hosted: Option<axum::Extension<HostSite>>,
    Path(site): Path<String>,
) -> Result<Response, ApiError> {
    let origin = origin(&st, &headers);
    let engine = st.engine.clone();
    let hosted = hosted.is_some();
    let (site, channels, items) = super::blocking(move || {
        let s = engine.site_named(&site)?;
        let c = engine.channels(&s.slug)?;
        let i = engine.public_all(&s.slug, SITEMAP_MAX - c.len() - 1)?;
        Ok((s, c, i))
    })
    .await?;
    let prefix = if hosted {
        String::new()
    } else {
        format!("/{}", site.slug)
    };
    let body = xml(|w| {
        w.create_element("urlset")
            .with_attribute(("xmlns", SITEMAP_NS))
            .write_inner_content(|w| {
                url_entry(w, "url", &format!("{origin}{prefix}/"), None)?;
                for c in &channels {
                    url_entry(w, "url", &format!("{origin}{prefix}/{}/", c.slug), None)?;
                }
                for i in &items {
                    url_entry(w, "url", &item_url(&origin, &prefix, i), i.published_at)?;
                }
                Ok(())
            })?;
        Ok(())
    })?;
    let mut tags = Tags::default();
    tags.list_of(site.id);
    let last = items.iter().filter_map(|i| i.published_at).max();
    Ok(public_bytes(
        &headers,
        body,
        "application/xml; charset=utf-8",
        last,
        tags,
        PUBLIC_CACHE_CONTROL,
    ))
}

/// `/robots.txt`: everything public may be crawled, the editors' interface and the API not;
/// the sitemaps say what there is. On a site's own domain (`/{site}/robots.txt` after host
/// routing) `/sitemap.xml` is that site's sitemap.
pub(crate) async fn robots(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let origin = origin(&st, &headers);
    let body = format!(
        "User-agent: *\nDisallow: /admin/\nDisallow: /api/\nAllow: /api/v1/public/\n\nSitemap: {origin}/sitemap.xml\n"
    );
    let mut tags = Tags::default();
    tags.add(Dependency::Sites);
    public_bytes(
        &headers,
        body.into_bytes(),
        "text/plain; charset=utf-8",
        None,
        tags,
        "public, max-age=3600",
    )
}

pub(crate) async fn sitemap_index(
    State(st): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let origin = origin(&st, &headers);
    let engine = st.engine.clone();
    let sites = super::blocking(move || engine.sites()).await?;
    let body = xml(|w| {
        w.create_element("sitemapindex")
            .with_attribute(("xmlns", SITEMAP_NS))
            .write_inner_content(|w| {
                for s in &sites {
                    url_entry(
                        w,
                        "sitemap",
                        &format!("{origin}/{}/sitemap.xml", s.slug),
                        None,
                    )?;
                }
                Ok(())
            })?;
        Ok(())
    })?;
    let mut tags = Tags::default();
    tags.add(Dependency::Sites);
    Ok(public_bytes(
        &headers,
        body,
        "application/xml; charset=utf-8",
        None,
        tags,
        PUBLIC_CACHE_CONTROL,
    ))
}
