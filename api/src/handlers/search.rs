//! Public search and title suggestions.

use super::blocking;
use crate::cache::headers::{public_json, Tags, PUBLIC_CACHE_CONTROL};
use crate::error::ApiError;
use crate::extract::Params;
use crate::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use portico_engine::Dependency;
use portico_engine::EngineError;
use portico_engine::ErrorCode;
use portico_search::{Filters, SearchError, SearchRequest, Sort};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Instant;

fn bad(field: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::Http {
        code: ErrorCode::InvalidParameter,
        message: message.into(),
        field: Some(field.to_owned()),
    }
}

fn text(field: &'static str, v: Option<&String>) -> Result<Option<String>, ApiError> {
    match v.map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) if s.chars().count() > 300 => Err(bad(field, format!("{field} is too long"))),
        Some(s) => Ok(Some(portico_engine::text::nfc(s))),
    }
}

fn number<T: std::str::FromStr>(
    field: &'static str,
    v: Option<&String>,
) -> Result<Option<T>, ApiError> {
    match v.map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|_| bad(field, format!("{field} '{s}' is not a number"))),
    }
}

/// The deepest page a search pages to (200 × at most 50 hits: the index's limit).
const MAX_PAGE: usize = 200;

fn page(v: Option<&String>) -> Result<usize, ApiError> {
    match number::<usize>("page", v)? {
        Some(n) if n > MAX_PAGE => Err(bad(
            "page",
            format!(
                "page {n} is beyond the last page a search shows ({MAX_PAGE}); narrow the search"
            ),
        )),
        n => Ok(n.unwrap_or(1)),
    }
}

/// Reads the filters every search endpoint shares; `site` becomes the site and, unless
/// `descendants=false`, every portal below it.
async fn filters(st: &AppState, p: &HashMap<String, String>) -> Result<Filters, ApiError> {
    let only = match p.get("descendants").map(|d| d.trim()) {
        None | Some("" | "true") => false,
        Some("false") => true,
        Some(other) => {
            return Err(bad(
                "descendants",
                format!("descendants '{other}' is not true or false"),
            ))
        }
    };
    let sites = match text("site", p.get("site"))? {
        None => Vec::new(),
        Some(site) => {
            let engine = st.engine.clone();
            let slug = site.clone();
            let found = blocking(move || {
                if only {
                    engine.site_named(&slug).map(|s| vec![s.slug])
                } else {
                    engine.site_and_descendants(&slug)
                }
            })
            .await;
            match found {
                Ok(s) => s,
                Err(ApiError::Engine(EngineError::NotFound(_))) => {
                    return Err(bad("site", format!("there is no site '{site}'")))
                }
                Err(e) => return Err(e),
            }
        }
    };
    let mut content =
        portico_engine::ContentFilters::from_params(|k| p.get(k).map(String::as_str))?;
    // `q` is the query here, ranked by the index, not the registers' keyword filter.
    content.words = None;
    Ok(Filters { sites, content })
}

fn search_error(e: SearchError) -> ApiError {
    match e {
        SearchError::Invalid { field, message } => bad(field, message),
        other => ApiError::internal(format!("{other}: {:?}", std::error::Error::source(&other))),
    }
}

/// Search answers depend on what is live on the sites searched (the whole network when no
/// site is named), and on the site tree when a portal's search takes in those below it.
fn search_tags(engine: &portico_engine::Engine, sites: &[String]) -> Result<Tags, ApiError> {
    let mut tags = Tags::default();
    tags.add(Dependency::Sites);
    if sites.is_empty() {
        tags.add(Dependency::Network);
        return Ok(tags);
    }
    for id in engine.site_ids_of(sites)? {
        tags.list_of(id);
    }
    Ok(tags)
}

/// The search API's answer: the results, what was asked, and how it went.
#[derive(serde::Serialize)]
struct SearchAnswer<'a> {
    #[serde(flatten)]
    results: &'a portico_search::SearchResults,
    query: &'a str,
    took_ms: f64,
    rebuilding: bool,
}

pub(crate) async fn search(
    State(st): State<AppState>,
    headers: HeaderMap,
    Params(p): Params<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let q = p.get("q").cloned().unwrap_or_default();
    if q.chars().count() > portico_search::MAX_QUERY_CHARS {
        return Err(bad(
            "q",
            format!(
                "the query is longer than {} characters",
                portico_search::MAX_QUERY_CHARS
            ),
        ));
    }
    let req = SearchRequest {
        q: portico_engine::text::nfc(&q),
        filters: filters(&st, &p).await?,
        sort: match p.get("sort").map(String::as_str) {
            None | Some("") | Some("relevance") => Sort::Relevance,
            Some("date") => Sort::Date,
            Some(other) => {
                return Err(bad(
                    "sort",
                    format!("sort '{other}' is not one of: relevance, date"),
                ))
            }
        },
        page: page(p.get("page"))?,
        per_page: number("per_page", p.get("per_page"))?.unwrap_or(10),
        facets: match p.get("facets").map(String::as_str) {
            None | Some("") | Some("true") | Some("1") => true,
            Some("false") | Some("0") => false,
            Some(other) => {
                return Err(bad(
                    "facets",
                    format!("facets '{other}' is not true or false"),
                ))
            }
        },
    };
    let index = st.search.clone();
    let engine = st.engine.clone();
    let view = st.progress.index_view();
    let (results, tags) = super::off_thread(move || {
        let tags = search_tags(&engine, &req.filters.sites)?;
        let mut req = req;
        if engine.is_whole_network(&req.filters.sites)? {
            req.filters.sites.clear();
        }
        Ok::<_, ApiError>((index.search(&req).map_err(search_error)?, tags))
    })
    .await
    .map_err(ApiError::internal)??;
    let rebuilding = st.search.needs_rebuild();
    // Written straight from the results: through a `Value` first, the answer was built
    // twice (a tenth of a search's time).
    let body = SearchAnswer {
        results: &results,
        query: &q,
        took_ms: started.elapsed().as_secs_f64() * 1000.0,
        rebuilding,
    };
    // Answers from a half-built index are not worth keeping.
    let cache = if rebuilding {
        "no-store"
    } else {
        PUBLIC_CACHE_CONTROL
    };
    Ok(view.seal(
        &st.progress,
        public_json(&headers, &body, None, tags, cache),
    ))
}

pub(crate) async fn suggest(
    State(st): State<AppState>,
    headers: HeaderMap,
    Params(p): Params<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let q = p.get("q").cloned().unwrap_or_default();
    let filters = filters(&st, &p).await?;
    let limit = super::limit_param(p.get("limit").map(String::as_str), 8)?;
    let index = st.search.clone();
    let engine = st.engine.clone();
    let view = st.progress.index_view();
    let (hits, tags) = super::off_thread(move || {
        let tags = search_tags(&engine, &filters.sites)?;
        let mut filters = filters;
        if engine.is_whole_network(&filters.sites)? {
            filters.sites.clear();
        }
        Ok::<_, ApiError>((
            index.suggest(&q, &filters, limit).map_err(search_error)?,
            tags,
        ))
    })
    .await
    .map_err(ApiError::internal)??;
    let list: Vec<Value> = hits
        .into_iter()
        .map(|h| json!({"title": h.title, "site": h.site, "kind": h.kind, "slug": h.slug, "number": h.number}))
        .collect();
    Ok(view.seal(
        &st.progress,
        public_json(
            &headers,
            &json!({"suggestions": list}),
            None,
            tags,
            PUBLIC_CACHE_CONTROL,
        ),
    ))
}
