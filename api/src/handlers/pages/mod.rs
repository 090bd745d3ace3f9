//! The portal pages (HTML), rendered from the themes: network home, site home, channel lists,
//! item pages by kind, documents and procedures with filters, search, 404 and 410. Each
//! request gathers its data and renders on the blocking pool.

use crate::cache::headers::{public_bytes, public_redirect, Tags, PUBLIC_CACHE_CONTROL};
use crate::host_routing::HostSite;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use portico_engine::Dependency;
use portico_engine::{ContentFilters, Engine, EngineError, Site};
use portico_search::{Filters, SearchRequest, Sort};
use portico_themes::{context, labels};
use serde_json::{json, Value};
use std::collections::HashMap;

mod participation;
pub(crate) use participation::{ask, comment, confirm, lookup};

/// Pages may load the theme's stylesheet and images, and post forms to themselves only.
const PAGE_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' https: data:; \
    form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

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
        /// The site's slug and theme when the page belongs to one.
        site: Option<(String, String)>,
        ctx: Value,
    },
    /// A page asked for at an address that is not its own: 301 to the one it has, cached and
    /// purged like the page (its first channel may change).
    Moved { location: String, tags: Tags },
    /// A page for one visitor (a form sent back with its messages, a question's status):
    /// never stored by a cache.
    Private {
        status: StatusCode,
        site: (String, String),
        template: &'static str,
        ctx: Value,
    },
    /// After a form: 303 to where its outcome is shown.
    SeeOther { location: String },
}

/// What rendering produced, before it becomes a response.
enum Rendered {
    Page {
        status: StatusCode,
        html: String,
        cache: Option<(Tags, Option<chrono::DateTime<chrono::Utc>>)>,
        /// For one visitor: `no-store`.
        private: bool,
    },
    Moved {
        location: String,
        tags: Tags,
    },
    SeeOther {
        location: String,
    },
}

fn error_page(status: StatusCode, site: &Site, ctx: Value) -> Page {
    Page::Error {
        status,
        site: Some((site.slug.clone(), site.theme.clone())),
        ctx: context::error(status.as_u16(), ctx),
    }
}

/// Whose portal an address is on, so that its error pages carry that portal's name, header
/// and footer (the main portal's for an address on none).
#[derive(Clone)]
pub(crate) struct Dress {
    pub(crate) site: Option<String>,
    pub(crate) routed: bool,
}

impl Dress {
    fn of(site: &str, hosted: &Option<axum::Extension<HostSite>>) -> Dress {
        Dress {
            site: Some(site.to_owned()),
            routed: hosted.is_some(),
        }
    }

    /// The error page for `status`, dressed as the site when it (or the main portal) can be
    /// read; bare when the store itself is what failed.
    fn error(&self, engine: &Engine, status: StatusCode) -> Page {
        let site = self
            .site
            .as_deref()
            .and_then(|s| engine.site_named(s).ok())
            .or_else(|| engine.main_site().ok().flatten());
        match site.and_then(|site| Some((site_context(engine, &site, self.routed).ok()?, site))) {
            Some((ctx, site)) => error_page(status, &site, ctx),
            None => Page::Error {
                status,
                site: None,
                ctx: context::error(status.as_u16(), context::no_site()),
            },
        }
    }
}

/// What every page of a site shows, gathered from the engine.
fn site_context(engine: &Engine, site: &Site, host_routed: bool) -> Result<Value, EngineError> {
    let (main, parent) = engine.main_and_parent(site)?;
    let channels = engine.channels(&site.slug)?;
    Ok(context::site(
        site,
        main.as_ref(),
        parent.as_ref(),
        &channels,
        host_routed,
    ))
}

/// Runs `gather` on the blocking pool and renders what it returns.
async fn render(
    st: &AppState,
    headers: &HeaderMap,
    dress: Dress,
    gather: impl FnOnce(&Engine) -> Result<Page, EngineError> + Send + 'static,
) -> Response {
    let (engine, themes) = (st.engine.clone(), st.themes.clone());
    let done = super::off_thread(move || {
        let page = match gather(&engine) {
            Ok(p) => p,
            Err(EngineError::NotFound(_)) => dress.error(&engine, StatusCode::NOT_FOUND),
            Err(EngineError::Invalid { .. }) => dress.error(&engine, StatusCode::BAD_REQUEST),
            // The database is down: say so, and when to come back, like the API does. The
            // store's outage is logged once by the followers, not per page.
            Err(EngineError::Store(portico_engine::StoreError::Unavailable(_))) => Page::Error {
                status: StatusCode::SERVICE_UNAVAILABLE,
                site: None,
                ctx: context::error(503, context::no_site()),
            },
            Err(e) => {
                tracing::error!(error = %e, cause = ?std::error::Error::source(&e), "page failed");
                dress.error(&engine, StatusCode::INTERNAL_SERVER_ERROR)
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
                .map(|html| Rendered::Page {
                    status: StatusCode::OK,
                    html,
                    cache: Some((tags, last_modified)),
                    private: false,
                }),
            Page::Error { status, site, ctx } => themes
                .render(
                    site.as_ref().map(|(s, t)| (s.as_str(), t.as_str())),
                    "error.html",
                    &ctx,
                )
                .map(|html| Rendered::Page {
                    status,
                    html,
                    cache: None,
                    private: false,
                }),
            Page::Moved { location, tags } => Ok(Rendered::Moved { location, tags }),
            Page::Private {
                status,
                site,
                template,
                ctx,
            } => themes
                .render(Some((site.0.as_str(), site.1.as_str())), template, &ctx)
                .map(|html| Rendered::Page {
                    status,
                    html,
                    cache: None,
                    private: true,
                }),
            Page::SeeOther { location } => Ok(Rendered::SeeOther { location }),
        }
    })
    .await;
    let mut resp = match done {
        Ok(Ok(Rendered::Page {
            status: StatusCode::OK,
            html,
            cache: Some((tags, lm)),
            ..
        })) => public_bytes(
            headers,
            html.into_bytes(),
            "text/html; charset=utf-8",
            lm,
            tags,
            PUBLIC_CACHE_CONTROL,
        ),
        Ok(Ok(Rendered::Page {
            status,
            html,
            private,
            ..
        })) => {
            let mut r = (
                status,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                html,
            )
                .into_response();
            if private {
                r.headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            }
            r
        }
        Ok(Ok(Rendered::Moved { location, tags })) => public_redirect(&location, tags),
        Ok(Ok(Rendered::SeeOther { location })) => {
            let mut r = StatusCode::SEE_OTHER.into_response();
            if let Ok(v) = HeaderValue::from_str(&location) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
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

/// An address no route knows: a browser gets the portal's own 404 page (the first segment
/// names the site, or the main portal's), anything else the API's JSON 404.
pub(crate) async fn unknown_address(
    State(st): State<AppState>,
    headers: HeaderMap,
    hosted: Option<axum::Extension<HostSite>>,
    uri: axum::http::Uri,
) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if !wants_html || uri.path().starts_with("/api/") {
        return crate::error::ApiError::http(portico_engine::ErrorCode::NotFound, "no such path")
            .into_response();
    }
    let site = uri
        .path()
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default();
    let dress = Dress {
        site: (!site.is_empty()).then(|| site.to_owned()),
        routed: hosted.is_some(),
    };
    let gone = dress.clone();
    render(&st, &headers, dress, move |engine| {
        Ok(gone.error(engine, StatusCode::NOT_FOUND))
    })
    .await
}

pub(crate) async fn network_home(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let dress = Dress {
        site: None,
        routed: false,
    };
    render(&st, &headers, dress, |engine| {
        let sites = engine.sites()?;
        let latest = engine.public_list(None, &ContentFilters { kind: Some(portico_engine::ItemKind::Article), ..Default::default() }, None, 12)?;
        let names: HashMap<&str, &str> = sites.iter().map(|s| (s.slug.as_str(), s.name.as_str())).collect();
        let latest: Vec<Value> = latest
            .items
            .into_iter()
            .map(|i| {
                let (prefix, name) = (format!("/{}", i.site), names.get(i.site.as_str()).copied());
                context::list_entry(i, &prefix, name)
            })
            .collect();
        let groups = context::site_groups(&sites);
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
    let dress = Dress::of(&site, &hosted);
    render(&st, &headers, dress, move |engine| {
        let site = engine.site_named(&site)?;
        let ctx = site_context(engine, &site, routed)?;
        let prefix = context::prefix(&site, routed);
        let mut sections = Vec::new();
        let mut featured = None;
        // The blocks the site chose, in its order; every top channel otherwise.
        let all = engine.channels(&site.slug)?;
        let chosen = &site.settings.home_channels;
        let blocks: Vec<_> = if chosen.is_empty() {
            all.iter().filter(|c| c.parent_id.is_none()).collect()
        } else {
            chosen.iter().filter_map(|s| all.iter().find(|c| &c.slug == s)).collect()
        };
        let per_block = usize::from(site.settings.home_items.unwrap_or(5));
        for c in blocks {
            let q = ContentFilters { channel: Some(c.slug.clone()), ..Default::default() };
            // One more for the block that gives up its newest story to the lead.
            let want = if featured.is_none() { per_block + 1 } else { per_block };
            let page = engine.public_list(Some(&site.slug), &q, None, want)?;
            let mut items: Vec<Value> = page.items.into_iter().map(|i| context::list_entry(i, &prefix, None)).collect();
            // The newest story with a photo leads the page (the newest one if none of
            // the first few has one); its channel lists the rest.
            if featured.is_none() && !items.is_empty() {
                let lead = items.iter().take(3).position(|i| i.get("cover").is_some()).unwrap_or(0);
                featured = Some(items.remove(lead));
            }
            items.truncate(per_block);
            sections.push(json!({"channel": {"slug": c.slug, "name": c.name}, "items": items}));
        }
        // New documents (newest issue date first) and procedures, when the site has them.
        let kind_block = |kind: portico_engine::ItemKind| -> Result<Vec<Value>, EngineError> {
            let q = ContentFilters { kind: Some(kind), ..Default::default() };
            Ok(engine
                .public_list(Some(&site.slug), &q, None, 5)?
                .items
                .into_iter()
                .map(|i| context::list_entry(i, &prefix, None))
                .collect())
        };
        let documents = kind_block(portico_engine::ItemKind::Document)?;
        let procedures = kind_block(portico_engine::ItemKind::Procedure)?;
        let children: Vec<Value> = engine
            .child_sites(&site)?
            .into_iter()
            .map(|(slug, name)| json!({"slug": slug, "name": name}))
            .collect();
        let mut tags = Tags::default();
        tags.list_of(site.id);
        tags.add(Dependency::Sites);
        Ok(Page::Ok {
            site: Some((site.slug.clone(), site.theme.clone())),
            template: "site.html",
            ctx: context::merge(ctx, json!({"title": site.name, "sections": sections, "featured": featured, "children": children,
                                             "documents": documents, "procedures": procedures})),
            tags,
            last_modified: None,
        })
    })
    .await
}

/// `/{site}/giao-dien.css`: the site's own colour and banner over the theme's stylesheet.
pub(crate) async fn site_css(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(site): Path<String>,
) -> Response {
    let engine = st.engine.clone();
    match super::off_thread(move || engine.site_named(&site)).await {
        Ok(Ok(site)) => {
            let mut tags = Tags::default();
            tags.add(Dependency::Site(site.id));
            public_bytes(
                &headers,
                context::site_css(&site.settings).into_bytes(),
                "text/css; charset=utf-8",
                None,
                tags,
                // Its address carries a fingerprint of the look, so it may be kept long.
                "public, max-age=86400",
            )
        }
        _ => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "no such site\n",
        )
            .into_response(),
    }
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
    let ctx = site_context(engine, &site, routed)?;
    let prefix = context::prefix(&site, routed);
    let page = engine.public_list(Some(&site.slug), &q, cursor.as_deref(), 20)?;
    let next_cursor = page.next_cursor;
    let items: Vec<Value> = page
        .items
        .into_iter()
        .map(|i| context::list_entry(i, &prefix, None))
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
        ctx: context::merge(
            ctx,
            context::merge(
                spec.extra,
                json!({"title": spec.title, "items": items, "next": next, "filters": filters,
                       "breadcrumbs": context::breadcrumbs(&site, &prefix, &[(None, spec.title.clone())])}),
            ),
        ),
        tags,
        last_modified: None,
    })
}

/// The filters the registers' forms offer.
const PAGE_FILTERS: [&str; 7] = [
    "doc_type", "status", "year", "level", "q", "issuer", "field",
];

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
    let dress = Dress::of(&site, &hosted);
    render(&st, &headers, dress, move |engine| {
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

/// The handler of one kind's register page (`/van-ban`, `/thu-tuc`, `/hoi-dap`,
/// `/lay-y-kien`).
pub(crate) fn register_page(
    kind: portico_engine::ItemKind,
) -> axum::routing::MethodRouter<AppState> {
    axum::routing::get(
        move |State(st): State<AppState>,
              headers: HeaderMap,
              hosted: Option<axum::Extension<HostSite>>,
              Path(site): Path<String>,
              Query(p): Query<HashMap<String, String>>| {
            register(st, headers, hosted, site, p, kind)
        },
    )
}

/// The register of documents (`/van-ban`), procedures (`/thu-tuc`), answered questions
/// (`/hoi-dap`) or consultations (`/lay-y-kien`): one kind, the filters from the query
/// string.
async fn register(
    st: AppState,
    headers: HeaderMap,
    hosted: Option<axum::Extension<HostSite>>,
    site: String,
    p: HashMap<String, String>,
    kind: portico_engine::ItemKind,
) -> Response {
    use portico_engine::ItemKind as K;
    let (template, title, path) = match kind {
        K::Procedure => ("procedures.html", labels::PROCEDURES, "/thu-tuc"),
        K::Question => ("questions.html", labels::QUESTIONS, "/hoi-dap"),
        K::Consultation => ("consultations.html", labels::CONSULTATIONS, "/lay-y-kien"),
        _ => ("documents.html", labels::DOCUMENTS, "/van-ban"),
    };
    let spec = ListSpec {
        template,
        title: title.into(),
        path: path.into(),
        extra: match kind {
            K::Question => json!({"fields": labels::QUESTION_FIELDS, "form": {}}),
            _ => json!({}),
        },
    };
    let routed = hosted.is_some();
    let dress = Dress::of(&site, &hosted);
    render(&st, &headers, dress, move |engine| {
        // A filter that cannot be used shows the form again, with what was typed and a
        // message next to the field, over the unfiltered register.
        let (filters, problem) = match list_query(&p) {
            Ok(f) => (f, None),
            Err(EngineError::Invalid { field, .. }) => (ContentFilters::default(), Some(field)),
            Err(e) => return Err(e),
        };
        let q = ContentFilters {
            kind: Some(kind),
            ..filters
        };
        let mut spec = spec;
        if kind == portico_engine::ItemKind::Document {
            spec.extra = json!({"issuers": engine.document_issuers(&site)?});
        }
        let cursor = problem
            .is_none()
            .then(|| p.get("cursor").cloned())
            .flatten();
        let mut page = list_page(engine, &site, routed, q, cursor, spec)?;
        if let (K::Consultation, Page::Ok { ctx, .. }) = (kind, &mut page) {
            if let Some(Value::Array(items)) = ctx.get_mut("items") {
                participation::windows(engine, items);
            }
        }
        if let (Some(field), Page::Ok { ctx, .. }) = (problem, &mut page) {
            let typed: serde_json::Map<String, Value> = PAGE_FILTERS
                .iter()
                .filter_map(|k| Some(((*k).to_owned(), Value::String(p.get(*k)?.clone()))))
                .collect();
            *ctx = context::merge(
                ctx.take(),
                json!({"filters": typed, "error": context::filter_message(field.as_deref()),
                       "error_field": field}),
            );
        }
        Ok(page)
    })
    .await
}

pub(crate) async fn item_page(
    State(st): State<AppState>,
    headers: HeaderMap,
    hosted: Option<axum::Extension<HostSite>>,
    Path((site, segment, slug)): Path<(String, String, String)>,
) -> Response {
    let routed = hosted.is_some();
    let origin = super::feeds::origin(&st, &headers);
    let dress = Dress::of(&site, &hosted);
    render(&st, &headers, dress, move |engine| {
        let site = engine.site_named(&site)?;
        let ctx = site_context(engine, &site, routed)?;
        let prefix = context::prefix(&site, routed);
        let Some(item) = engine.public_item_or_withdrawn(&site.slug, &slug)? else {
            return Ok(error_page(StatusCode::GONE, &site, ctx));
        };
        // One address per item: under its first channel (or `bai-viet`). Any other channel
        // prefix answers with a move to it, so links and search engines converge on one page.
        let own = portico_themes::urls::public_item_path(&prefix, &item);
        let home_segment =
            portico_themes::urls::segment(item.kind, item.channels.first().map(String::as_str));
        if segment != home_segment {
            let mut tags = Tags::default();
            tags.add(Dependency::Site(site.id));
            tags.add(Dependency::Item(item.id));
            return Ok(Page::Moved {
                location: own,
                tags,
            });
        }
        let canonical = format!("{origin}{own}");
        let template = match item.kind {
            portico_engine::ItemKind::Article => "article.html",
            portico_engine::ItemKind::Document => "document.html",
            portico_engine::ItemKind::Procedure => "procedure.html",
            portico_engine::ItemKind::Page => "page.html",
            portico_engine::ItemKind::Question => "question.html",
            portico_engine::ItemKind::Consultation => "consultation.html",
        };
        let consultation = match item.kind {
            portico_engine::ItemKind::Consultation => {
                Some(participation::consultation_context(engine, &item, &prefix)?)
            }
            _ => None,
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
        let cover = context::cover_base(&item.fields);
        let attachments = attachment_list(engine, &item.fields);
        // Share previews: the summary (as text) and the cover's `og` size, absolute.
        let description: String = item
            .fields
            .get("summary")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .chars()
            .take(300)
            .collect();
        let og_image = cover.as_ref().map(|c| format!("{origin}{c}/og"));
        let mut item_ctx = json!(item);
        if let (false, Some(o)) = (attachments.is_empty(), item_ctx.as_object_mut()) {
            o.insert("attachments".into(), Value::Array(attachments));
        }
        if let (Some(c), Some(o)) = (cover, item_ctx.as_object_mut()) {
            o.insert("cover".into(), Value::String(c));
        }
        Ok(Page::Ok {
            site: Some((site.slug.clone(), site.theme.clone())),
            template,
            ctx: context::merge(ctx, json!({"title": item.title, "item": item_ctx, "canonical": canonical, "breadcrumbs": context::breadcrumbs(&site, &prefix, &trail),
                                             "description": (!description.is_empty()).then_some(description), "og_image": og_image,
                                             "consultation": consultation})),
            tags,
            last_modified: item.published_at,
        })
    })
    .await
}

/// A document's attachments with what a reader wants to know before downloading: the file's
/// type and size, for files of the library (`/media/{id}`); others as they are.
fn attachment_list(engine: &Engine, fields: &Value) -> Vec<Value> {
    let Some(list) = fields.get("attachments").and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .map(|a| {
            let name = a.get("name").and_then(Value::as_str).unwrap_or_default();
            let href = a.get("href").and_then(Value::as_str).unwrap_or_default();
            let media = href
                .strip_prefix("/media/")
                .and_then(|rest| rest.split(['?', '/']).next())
                .and_then(|id| id.parse().ok())
                .and_then(|id| engine.public_media(portico_engine::MediaId(id)).ok());
            match media {
                Some(m) => json!({"name": name, "href": href,
                                  "type": m.media_type.as_str().to_uppercase(),
                                  "size": context::file_size(m.size)}),
                None => json!({"name": name, "href": href}),
            }
        })
        .collect()
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
    let dress = Dress::of(&site, &hosted);
    let view = st.progress.index_view();
    let resp = render(&st, &headers, dress, move |engine| {
        let site = engine.site_named(&site)?;
        let ctx = site_context(engine, &site, routed)?;
        let prefix = context::prefix(&site, routed);
        let get = |k: &str| p.get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let q = get("q").unwrap_or_default();
        // The search form's filters; one that cannot be used is said next to the form.
        let chosen = ContentFilters::from_params(|k| {
            ["kind", "doc_type", "year_from", "year_to"].contains(&k).then(|| p.get(k).map(String::as_str)).flatten()
        });
        let (content, filter_error) = match chosen {
            Ok(c) => (c, None),
            Err(EngineError::Invalid { field, .. }) => (ContentFilters::default(), Some(context::filter_message(field.as_deref()).to_owned())),
            Err(e) => return Err(e),
        };
        let kind = content.kind.map(|k| k.as_str().to_owned());
        let page_no = get("page").and_then(|n| n.parse::<usize>().ok()).unwrap_or(1).clamp(1, 200);
        let filters_ctx = json!({"kind": kind, "year_from": get("year_from"), "year_to": get("year_to"),
                                 "doc_type": get("doc_type"), "site": get("site")});
        let breadcrumbs = context::breadcrumbs(&site, &prefix, &[(None, labels::SEARCH.to_owned())]);
        let mut tags = Tags::default();
        tags.list_of(site.id);
        tags.add(Dependency::Sites);
        let base_ctx = context::merge(ctx, json!({"title": labels::SEARCH, "q": q, "filters": filters_ctx, "breadcrumbs": breadcrumbs}));
        if let Some(message) = filter_error {
            return Ok(Page::Ok { site: Some((site.slug.clone(), site.theme.clone())), template: "search.html", ctx: context::merge(base_ctx, json!({"error": message})), tags, last_modified: None });
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
        let whole = engine.is_whole_network(&req.filters.sites)?;
        let results = match index.search(&SearchRequest {
            filters: Filters { sites: if whole { Vec::new() } else { req.filters.sites.clone() }, content: req.filters.content.clone() },
            ..req.clone()
        }) {
            Ok(r) => r,
            Err(portico_search::SearchError::Invalid { message, .. }) => {
                return Ok(Page::Ok { site: Some((site.slug.clone(), site.theme.clone())), template: "search.html", ctx: context::merge(base_ctx, json!({"error": message})), tags, last_modified: None });
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
                    let kind = h.kind.parse().unwrap_or(portico_engine::ItemKind::Article);
                    o.insert("url".into(), json!(portico_themes::urls::kind_path(&hit_prefix, kind, h.channel.as_deref(), &h.slug)));
                    o.insert("site_name".into(), json!(names.get(&h.site).cloned().unwrap_or_default()));
                }
                v
            })
            .collect();
        let facet = |key: &str, param: &'static str, show: &dyn Fn(&str) -> String| {
            let values: Vec<Value> = results.facets.get(key).map(|vals| {
                vals.iter().take(10).map(|f| json!({"label": show(&f.value), "count": f.count, "href": link(&[(param, f.value.clone())])})).collect()
            }).unwrap_or_default();
            json!({"label": labels::facet(key), "values": values})
        };
        let kind_label = |v: &str| labels::kind(v).to_owned();
        let site_label = |v: &str| names.get(v).cloned().unwrap_or_else(|| v.to_owned());
        let same = |v: &str| v.to_owned();
        let facet_groups = vec![
            facet("kind", "kind", &kind_label),
            facet("doc_type", "doc_type", &same),
            facet("year", "year_from", &same),
            facet("site", "site", &site_label),
        ];
        let total_pages = results.total.div_ceil(10).min(200);
        let prev_page = (page_no > 1).then(|| link(&[("page", (page_no - 1).to_string())]));
        let next_page = (page_no < total_pages).then(|| link(&[("page", (page_no + 1).to_string())]));
        Ok(Page::Ok {
            site: Some((site.slug.clone(), site.theme.clone())),
            template: "search.html",
            ctx: context::merge(base_ctx, json!({"results": {"total": results.total, "hits": hits}, "facet_groups": facet_groups,
                "prev_page": prev_page, "next_page": next_page})),
            tags,
            last_modified: None,
        })
    })
    .await;
    view.seal(&st.progress, resp)
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
