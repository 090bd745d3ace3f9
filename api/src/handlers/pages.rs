//! The portal pages (HTML), rendered from the themes: network home, site home, channel lists,
//! item pages by kind, documents and procedures with filters, search, 404 and 410. Each
//! request gathers its data and renders on the blocking pool.

use crate::cache::headers::{public_bytes, Tags, PUBLIC_CACHE_CONTROL};
use crate::host_routing::HostSite;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use portico_engine::Dependency;
use portico_engine::{ContentFilters, Engine, EngineError, PublicItem, Site, SiteKind};
use portico_search::{Filters, SearchRequest, Sort};
use serde_json::{json, Value};
use std::collections::HashMap;

/// Pages may load the theme's stylesheet and images, and post forms to themselves only.
const PAGE_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' https: data:; \
    form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

fn base(site: &Site, host_routed: bool) -> String {
    if host_routed {
        String::new()
    } else {
        format!("/{}", site.slug)
    }
}

/// Where an item's page is.
fn item_url(prefix: &str, item: &PublicItem) -> String {
    portico_themes::urls::public_item_path(prefix, item)
}

/// What every page of a site shows: the portal, the site, its parent, its top channels.
fn site_ctx(engine: &Engine, site: &Site, host_routed: bool) -> Result<Value, EngineError> {
    let (main, parent) = engine.main_and_parent(site)?;
    let (main, parent) = (main.as_ref(), parent.as_ref());
    let channels: Vec<Value> = engine
        .channels(&site.slug)?
        .into_iter()
        .filter(|c| c.parent_id.is_none())
        .map(|c| json!({"slug": c.slug, "name": c.name}))
        .collect();
    Ok(json!({
        "portal": {"name": main.map(|m| m.name.clone()).unwrap_or_else(|| "Portico".into())},
        "site": {"slug": site.slug, "name": site.name, "kind": site.kind,
                 "parent": parent.map(|p| json!({"slug": p.slug, "name": p.name}))},
        "channels": channels,
        "base": base(site, host_routed),
        "theme": site.theme,
    }))
}

fn merge(mut a: Value, b: Value) -> Value {
    if let (Some(a), Value::Object(b)) = (a.as_object_mut(), b) {
        a.extend(b);
    }
    a
}

/// An item for a list in a template: everything the public item has, plus its page's
/// address. Built by moving the item's fields, not by serialising it again (a list page's
/// largest cost after the query, measured).
/// Where a cover's sizes are: `/media/{id}` for a library file (the template appends the
/// preset: `/card`, `/content`, `/og`), `None` for no cover or one given as an outside URL.
fn cover_base(fields: &Value) -> Option<String> {
    let cover = fields.get("cover")?.as_str()?.trim();
    let id = cover.strip_prefix("/media/").map_or(cover, |rest| {
        rest.split(['/', '?']).next().unwrap_or_default()
    });
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then(|| format!("/media/{id}"))
}

fn entry(item: PublicItem, prefix: &str, site_name: Option<&str>) -> Value {
    let url = item_url(prefix, &item);
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

/// The outcome of gathering a page: its template, context and cache facts, or an error page.
enum Page {
    Ok {
        /// The site's slug and theme, which choose the templates.
        site: Option<(String, String)>,
        template: &'static str,
        ctx: Value,
        tags: Tags,
        last_modified: Option<chrono::DateTime<chrono::Utc>>,
    },
    Error {
        status: StatusCode,
        ctx: Value,
    },
}

fn error_page(status: StatusCode, ctx: Value) -> Page {
    let (title, message) = match status {
        StatusCode::GONE => (
            "Nội dung đã được gỡ bỏ",
            "Nội dung này đã được cơ quan gỡ xuống và không còn được công bố.",
        ),
        StatusCode::BAD_REQUEST => (
            "Yêu cầu không hợp lệ",
            "Đường dẫn hoặc bộ lọc không hợp lệ.",
        ),
        StatusCode::NOT_FOUND => (
            "Không tìm thấy trang",
            "Trang bạn tìm không có hoặc đã được chuyển đi.",
        ),
        StatusCode::SERVICE_UNAVAILABLE => (
            "Tạm thời gián đoạn",
            "Cổng thông tin đang tạm gián đoạn; xin thử lại sau ít giây.",
        ),
        _ => (
            "Có lỗi xảy ra",
            "Hệ thống đang gặp sự cố; xin thử lại sau ít phút.",
        ),
    };
    Page::Error {
        status,
        ctx: merge(ctx, json!({"title": title, "message": message})),
    }
}

fn no_site_ctx() -> Value {
    json!({"portal": {"name": "Portico"}, "base": ""})
}

/// Runs `gather` on the blocking pool and renders what it returns.
async fn render(
    st: &AppState,
    headers: &HeaderMap,
    gather: impl FnOnce(&Engine) -> Result<Page, EngineError> + Send + 'static,
) -> Response {
    let (engine, themes) = (st.engine.clone(), st.themes.clone());
    let done = super::off_thread(move || {
        let page = match gather(&engine) {
            Ok(p) => p,
            Err(EngineError::NotFound(_)) => error_page(StatusCode::NOT_FOUND, no_site_ctx()),
            Err(EngineError::Invalid { .. }) => error_page(StatusCode::BAD_REQUEST, no_site_ctx()),
            // The database is down: say so, and when to come back, like the API does. The
            // store's outage is logged once by the followers, not per page.
            Err(EngineError::Store(portico_engine::StoreError::Unavailable(_))) => {
                error_page(StatusCode::SERVICE_UNAVAILABLE, no_site_ctx())
            }
            Err(e) => {
                tracing::error!(error = %e, cause = ?std::error::Error::source(&e), "page failed");
                error_page(StatusCode::INTERNAL_SERVER_ERROR, no_site_ctx())
            }
        };
        match page {
            Page::Ok {
                site,
                template,
                ctx,
                tags,
                last_modified,
            } => themes
                .render(
                    site.as_ref().map(|(s, t)| (s.as_str(), t.as_str())),
                    template,
                    &ctx,
                )
                .map(|html| (StatusCode::OK, html, Some((tags, last_modified)))),
            Page::Error { status, ctx } => themes
                .render(None, "error.html", &ctx)
                .map(|html| (status, html, None)),
        }
    })
    .await;
    let mut resp = match done {
        Ok(Ok((StatusCode::OK, html, Some((tags, lm))))) => public_bytes(
            headers,
            html.into_bytes(),
            "text/html; charset=utf-8",
            lm,
            tags,
            PUBLIC_CACHE_CONTROL,
        ),
        Ok(Ok((status, html, _))) => (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html,
        )
            .into_response(),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "page task failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    };
    if resp.status() == StatusCode::SERVICE_UNAVAILABLE {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    resp.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_CSP),
    );
    resp
}

pub(crate) async fn network_home(State(st): State<AppState>, headers: HeaderMap) -> Response {
    render(&st, &headers, |engine| {
        let sites = engine.sites()?;
        let latest = engine.public_list(None, &ContentFilters { kind: Some(portico_engine::ItemKind::Article), ..Default::default() }, None, 12)?;
        let names: HashMap<&str, &str> = sites.iter().map(|s| (s.slug.as_str(), s.name.as_str())).collect();
        let latest: Vec<Value> = latest
            .items
            .into_iter()
            .map(|i| {
                let (prefix, name) = (format!("/{}", i.site), names.get(i.site.as_str()).copied());
                entry(i, &prefix, name)
            })
            .collect();
        let groups: Vec<Value> = [
            (SiteKind::Main, "Cổng chính"),
            (SiteKind::Council, "Đoàn ĐBQH và HĐND"),
            (SiteKind::Party, "Cơ quan Đảng"),
            (SiteKind::Department, "Sở, ban, ngành"),
            (SiteKind::District, "Huyện, thị xã, thành phố"),
            (SiteKind::Union, "Mặt trận và đoàn thể"),
            (SiteKind::Commune, "Xã, phường"),
        ]
        .into_iter()
        .map(|(k, label)| {
            let list: Vec<Value> = sites.iter().filter(|s| s.kind == k).map(|s| json!({"slug": s.slug, "name": s.name})).collect();
            json!({"label": label, "sites": list})
        })
        .filter(|g| g["sites"].as_array().is_some_and(|a| !a.is_empty()))
        .collect();
        let portal = sites.iter().find(|s| s.parent_id.is_none()).map(|m| m.name.clone()).unwrap_or_else(|| "Portico".into());
        let mut tags = Tags::default();
        tags.add(Dependency::Network);
        tags.add(Dependency::Sites);
        Ok(Page::Ok {
            site: None,
            template: "network.html",
            ctx: json!({"portal": {"name": portal}, "title": portal, "latest": latest, "groups": groups, "base": ""}),
            tags,
            last_modified: None,
        })
    })
    .await
}

pub(crate) async fn site_home(
    State(st): State<AppState>,
    headers: HeaderMap,
    hosted: Option<axum::Extension<HostSite>>,
    Path(site): Path<String>,
) -> Response {
    let routed = hosted.is_some();
    render(&st, &headers, move |engine| {
        let site = engine.site_named(&site)?;
        let ctx = site_ctx(engine, &site, routed)?;
        let prefix = base(&site, routed);
        let mut sections = Vec::new();
        let mut featured = None;
        for c in engine.channels(&site.slug)?.into_iter().filter(|c| c.parent_id.is_none()) {
            let q = ContentFilters { channel: Some(c.slug.clone()), ..Default::default() };
            let page = engine.public_list(Some(&site.slug), &q, None, 6)?;
            let mut items: Vec<Value> = page.items.into_iter().map(|i| entry(i, &prefix, None)).collect();
            // The newest story leads the page; its channel lists the rest.
            if featured.is_none() && !items.is_empty() {
                featured = Some(items.remove(0));
            }
            items.truncate(5);
            sections.push(json!({"channel": {"slug": c.slug, "name": c.name}, "items": items}));
        }
        let children: Vec<Value> = engine
            .sites()?
            .into_iter()
            .filter(|s| s.parent_id == Some(site.id))
            .map(|s| json!({"slug": s.slug, "name": s.name}))
            .collect();
        let mut tags = Tags::default();
        tags.list_of(site.id);
        tags.add(Dependency::Sites);
        Ok(Page::Ok {
            site: Some((site.slug.clone(), site.theme.clone())),
            template: "site.html",
            ctx: merge(ctx, json!({"title": site.name, "sections": sections, "featured": featured, "children": children})),
            tags,
            last_modified: None,
        })
    })
    .await
}

fn crumbs(site: &Site, prefix: &str, more: &[(Option<String>, String)]) -> Value {
    let mut v = vec![json!({"href": format!("{prefix}/"), "label": site.name})];
    v.extend(more.iter().map(|(h, l)| json!({"href": h, "label": l})));
    Value::Array(v)
}

/// What differs between the list pages.
struct ListSpec {
    template: &'static str,
    title: String,
    /// The page's path below the site, for the next-page link.
    path: String,
    extra: Value,
}

fn list_page(
    engine: &Engine,
    site: &str,
    routed: bool,
    q: ContentFilters,
    cursor: Option<String>,
    spec: ListSpec,
) -> Result<Page, EngineError> {
    let site = engine.site_named(site)?;
    let ctx = site_ctx(engine, &site, routed)?;
    let prefix = base(&site, routed);
    let page = engine.public_list(Some(&site.slug), &q, cursor.as_deref(), 20)?;
    let next_cursor = page.next_cursor;
    let items: Vec<Value> = page
        .items
        .into_iter()
        .map(|i| entry(i, &prefix, None))
        .collect();
    // What the reader chose (the kind and channel come from the address itself).
    let chosen: Vec<(&str, String)> = q
        .params()
        .into_iter()
        .filter(|(k, _)| PAGE_FILTERS.contains(k))
        .collect();
    let filters: serde_json::Map<String, Value> = chosen
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::String(v.clone())))
        .collect();
    let keep: Vec<String> = chosen
        .iter()
        .map(|(k, v)| format!("{k}={}", super::percent_encode(v)))
        .collect();
    let next = next_cursor.map(|c| {
        let mut params = keep.clone();
        params.push(format!("cursor={c}"));
        format!("{prefix}{}?{}", spec.path, params.join("&"))
    });
    let tags = crate::cache::headers::list_tags(engine, &site, &q)?;
    Ok(Page::Ok {
        site: Some((site.slug.clone(), site.theme.clone())),
        template: spec.template,
        ctx: merge(
            ctx,
            merge(
                spec.extra,
                json!({"title": spec.title, "items": items, "next": next, "filters": filters,
                       "breadcrumbs": crumbs(&site, &prefix, &[(None, spec.title.clone())])}),
            ),
        ),
        tags,
        last_modified: None,
    })
}

/// What a reader is told, in Vietnamese, about a filter the form cannot use.
fn filter_message(field: Option<&str>) -> String {
    match field {
        Some("year" | "year_from" | "year_to") => {
            "Năm không hợp lệ: hãy nhập năm có bốn chữ số (ví dụ 2024), năm bắt đầu không sau năm kết thúc."
        }
        Some("kind") => "Loại nội dung không hợp lệ; hãy chọn trong danh sách.",
        _ => "Bộ lọc không hợp lệ hoặc quá dài; hãy sửa lại rồi tìm lại.",
    }
    .to_owned()
}

/// The filters the registers' forms offer.
const PAGE_FILTERS: [&str; 4] = ["doc_type", "status", "year", "level"];

/// The filters of a register's form; anything else in the query string is not a filter here.
fn list_query(p: &HashMap<String, String>) -> Result<ContentFilters, EngineError> {
    ContentFilters::from_params(|k| {
        PAGE_FILTERS
            .contains(&k)
            .then(|| p.get(k).map(String::as_str))
            .flatten()
    })
}

pub(crate) async fn channel_page(
    State(st): State<AppState>,
    headers: HeaderMap,
    hosted: Option<axum::Extension<HostSite>>,
    Path((site, channel)): Path<(String, String)>,
    Query(p): Query<HashMap<String, String>>,
) -> Response {
    let routed = hosted.is_some();
    render(&st, &headers, move |engine| {
        let ch = engine
            .channels(&site)?
            .into_iter()
            .find(|c| c.slug == channel)
            .ok_or_else(|| EngineError::NotFound(format!("channel '{channel}'")))?;
        let q = ContentFilters {
            channel: Some(ch.slug.clone()),
            ..Default::default()
        };
        let path = format!("/{}/", ch.slug);
        list_page(
            engine,
            &site,
            routed,
            q,
            p.get("cursor").cloned(),
            ListSpec {
                template: "channel.html",
                title: ch.name.clone(),
                path,
                extra: json!({"channel": {"slug": ch.slug, "name": ch.name}}),
            },
        )
    })
    .await
}

/// The document and procedure lists: one kind, the filters from the query string.
async fn kind_list(
    st: AppState,
    headers: HeaderMap,
    hosted: Option<axum::Extension<HostSite>>,
    site: String,
    p: HashMap<String, String>,
    kind: portico_engine::ItemKind,
    spec: ListSpec,
) -> Response {
    let routed = hosted.is_some();
    render(&st, &headers, move |engine| {
        let q = ContentFilters {
            kind: Some(kind),
            ..list_query(&p)?
        };
        list_page(engine, &site, routed, q, p.get("cursor").cloned(), spec)
    })
    .await
}

pub(crate) async fn documents(
    State(st): State<AppState>,
    headers: HeaderMap,
    hosted: Option<axum::Extension<HostSite>>,
    Path(site): Path<String>,
    Query(p): Query<HashMap<String, String>>,
) -> Response {
    let spec = ListSpec {
        template: "documents.html",
        title: "Văn bản".into(),
        path: "/van-ban".into(),
        extra: json!({}),
    };
    kind_list(
        st,
        headers,
        hosted,
        site,
        p,
        portico_engine::ItemKind::Document,
        spec,
    )
    .await
}

pub(crate) async fn procedures(
    State(st): State<AppState>,
    headers: HeaderMap,
    hosted: Option<axum::Extension<HostSite>>,
    Path(site): Path<String>,
    Query(p): Query<HashMap<String, String>>,
) -> Response {
    let spec = ListSpec {
        template: "procedures.html",
        title: "Thủ tục hành chính".into(),
        path: "/thu-tuc".into(),
        extra: json!({}),
    };
    kind_list(
        st,
        headers,
        hosted,
        site,
        p,
        portico_engine::ItemKind::Procedure,
        spec,
    )
    .await
}

pub(crate) async fn item_page(
    State(st): State<AppState>,
    headers: HeaderMap,
    hosted: Option<axum::Extension<HostSite>>,
    Path((site, _channel, slug)): Path<(String, String, String)>,
) -> Response {
    let routed = hosted.is_some();
    render(&st, &headers, move |engine| {
        let site = engine.site_named(&site)?;
        let ctx = site_ctx(engine, &site, routed)?;
        let prefix = base(&site, routed);
        let Some(item) = engine.public_item_or_withdrawn(&site.slug, &slug)? else {
            return Ok(error_page(StatusCode::GONE, ctx));
        };
        let template = match item.kind {
            portico_engine::ItemKind::Article => "article.html",
            portico_engine::ItemKind::Document => "document.html",
            portico_engine::ItemKind::Procedure => "procedure.html",
            portico_engine::ItemKind::Page => "page.html",
        };
        let channel = item.channels.first().and_then(|c| {
            engine.channels(&site.slug).ok()?.into_iter().find(|ch| &ch.slug == c)
        });
        let mut trail = Vec::new();
        if let Some(c) = &channel {
            trail.push((Some(format!("{prefix}/{}/", c.slug)), c.name.clone()));
        }
        trail.push((None, item.title.clone()));
        let mut tags = Tags::default();
        tags.add(Dependency::Site(site.id));
        tags.add(Dependency::Item(item.id));
        let cover = cover_base(&item.fields);
        let mut item_ctx = json!(item);
        if let (Some(c), Some(o)) = (cover, item_ctx.as_object_mut()) {
            o.insert("cover".into(), Value::String(c));
        }
        Ok(Page::Ok {
            site: Some((site.slug.clone(), site.theme.clone())),
            template,
            ctx: merge(ctx, json!({"title": item.title, "item": item_ctx, "breadcrumbs": crumbs(&site, &prefix, &trail)})),
            tags,
            last_modified: item.published_at,
        })
    })
    .await
}

pub(crate) async fn search_page(
    State(st): State<AppState>,
    headers: HeaderMap,
    hosted: Option<axum::Extension<HostSite>>,
    Path(site): Path<String>,
    Query(p): Query<HashMap<String, String>>,
) -> Response {
    let routed = hosted.is_some();
    let index = st.search.clone();
    render(&st, &headers, move |engine| {
        let site = engine.site_named(&site)?;
        let ctx = site_ctx(engine, &site, routed)?;
        let prefix = base(&site, routed);
        let get = |k: &str| p.get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let q = get("q").unwrap_or_default();
        // The search form's filters; one that cannot be used is said next to the form.
        let chosen = ContentFilters::from_params(|k| {
            ["kind", "doc_type", "year_from", "year_to"].contains(&k).then(|| p.get(k).map(String::as_str)).flatten()
        });
        let (content, filter_error) = match chosen {
            Ok(c) => (c, None),
            Err(EngineError::Invalid { field, .. }) => (ContentFilters::default(), Some(filter_message(field.as_deref()))),
            Err(e) => return Err(e),
        };
        let kind = content.kind.map(|k| k.as_str().to_owned());
        let page_no = get("page").and_then(|n| n.parse::<usize>().ok()).unwrap_or(1).clamp(1, 200);
        let filters_ctx = json!({"kind": kind, "year_from": get("year_from"), "year_to": get("year_to"),
                                 "doc_type": get("doc_type"), "site": get("site")});
        let breadcrumbs = crumbs(&site, &prefix, &[(None, "Tìm kiếm".to_owned())]);
        let mut tags = Tags::default();
        tags.list_of(site.id);
        tags.add(Dependency::Sites);
        let base_ctx = merge(ctx, json!({"title": "Tìm kiếm", "q": q, "filters": filters_ctx, "breadcrumbs": breadcrumbs}));
        if let Some(message) = filter_error {
            return Ok(Page::Ok { site: Some((site.slug.clone(), site.theme.clone())), template: "search.html", ctx: merge(base_ctx, json!({"error": message})), tags, last_modified: None });
        }
        if q.is_empty() && kind.is_none() && get("doc_type").is_none() {
            return Ok(Page::Ok { site: Some((site.slug.clone(), site.theme.clone())), template: "search.html", ctx: base_ctx, tags, last_modified: None });
        }
        // A portal searches itself and the portals below it; the main portal, the network.
        let sites = match get("site") {
            Some(s) => engine.site_and_descendants(&s)?,
            None => engine.site_and_descendants(&site.slug)?,
        };
        let req = SearchRequest {
            q: portico_engine::text::nfc(&q),
            filters: Filters { sites, content },
            sort: if get("sort").as_deref() == Some("date") { Sort::Date } else { Sort::Relevance },
            page: page_no,
            per_page: 10,
            facets: true,
        };
        let results = match index.search(&req) {
            Ok(r) => r,
            Err(portico_search::SearchError::Invalid { message, .. }) => {
                return Ok(Page::Ok { site: Some((site.slug.clone(), site.theme.clone())), template: "search.html", ctx: merge(base_ctx, json!({"error": message})), tags, last_modified: None });
            }
            Err(e) => return Err(EngineError::internal_from("search failed", e)),
        };
        let all_sites = engine.sites()?;
        for s in all_sites.iter().filter(|s| req.filters.sites.contains(&s.slug)) {
            tags.list_of(s.id);
        }
        let names: HashMap<String, String> = all_sites.into_iter().map(|s| (s.slug, s.name)).collect();
        let current: Vec<(String, String)> = ["q", "kind", "doc_type", "year_from", "year_to", "site", "sort"]
            .iter()
            .filter_map(|k| get(k).map(|v| ((*k).to_owned(), v)))
            .collect();
        let link = |set: &[(&str, String)]| {
            let mut params: Vec<(String, String)> = current.iter().filter(|(k, _)| !set.iter().any(|(s, _)| s == k)).cloned().collect();
            params.extend(set.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
            let qs: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", super::percent_encode(v))).collect();
            format!("{prefix}/tim-kiem?{}", qs.join("&"))
        };
        let hits: Vec<Value> = results
            .hits
            .iter()
            .map(|h| {
                let mut v = serde_json::to_value(h).unwrap_or_default();
                let hit_prefix = if h.site == site.slug { prefix.clone() } else { format!("/{}", h.site) };
                if let Some(o) = v.as_object_mut() {
                    o.insert("url".into(), json!(portico_themes::urls::item_path(&hit_prefix, h.channel.as_deref(), &h.slug)));
                    o.insert("site_name".into(), json!(names.get(&h.site).cloned().unwrap_or_default()));
                }
                v
            })
            .collect();
        let facet = |key: &str, label: &str, param: &'static str, show: &dyn Fn(&str) -> String| {
            let values: Vec<Value> = results.facets.get(key).map(|vals| {
                vals.iter().take(10).map(|f| json!({"label": show(&f.value), "count": f.count, "href": link(&[(param, f.value.clone())])})).collect()
            }).unwrap_or_default();
            json!({"label": label, "values": values})
        };
        let kind_label = |v: &str| match v { "document" => "Văn bản", "procedure" => "Thủ tục hành chính", "article" => "Tin bài", "page" => "Trang", o => o }.to_owned();
        let site_label = |v: &str| names.get(v).cloned().unwrap_or_else(|| v.to_owned());
        let same = |v: &str| v.to_owned();
        let facet_groups = vec![
            facet("kind", "Loại nội dung", "kind", &kind_label),
            facet("doc_type", "Loại văn bản", "doc_type", &same),
            facet("year", "Năm", "year_from", &same),
            facet("site", "Cổng thông tin", "site", &site_label),
        ];
        let total_pages = results.total.div_ceil(10).min(200);
        let prev_page = (page_no > 1).then(|| link(&[("page", (page_no - 1).to_string())]));
        let next_page = (page_no < total_pages).then(|| link(&[("page", (page_no + 1).to_string())]));
        Ok(Page::Ok {
            site: Some((site.slug.clone(), site.theme.clone())),
            template: "search.html",
            ctx: merge(base_ctx, json!({"results": {"total": results.total, "hits": hits}, "facet_groups": facet_groups,
                "prev_page": prev_page, "next_page": next_page})),
            tags,
            last_modified: None,
        })
    })
    .await
}

/// A theme's stylesheet or image: `/static/{theme}/{file}`.
pub(crate) async fn static_file(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path((theme, file)): Path<(String, String)>,
) -> Response {
    let themes = st.themes.clone();
    match super::off_thread(move || themes.static_file(&theme, &file)).await {
        Ok(Some((bytes, kind))) => public_bytes(
            &headers,
            bytes,
            kind,
            None,
            Tags::default(),
            "public, max-age=86400, stale-while-revalidate=604800",
        ),
        _ => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "no such file\n",
        )
            .into_response(),
    }
}
