//! The public delivery API: only published revisions, ever. Every answer carries validators
//! and cache tags (`cache_headers.rs`).

use super::blocking;
use crate::cache::headers::{public_json, Tags, PUBLIC_CACHE_CONTROL};
use crate::error::ApiError;
use crate::extract::Params;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use portico_engine::Dependency;
use portico_engine::ErrorCode;
use portico_engine::{ContentFilters, PublicItem};
use serde::Deserialize;
use std::collections::HashMap;

fn item_tags(tags: &mut Tags, item: &PublicItem) {
    tags.add(Dependency::Site(item.site_id));
    tags.add(Dependency::Item(item.id));
}

pub(crate) async fn item(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path((site, slug)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let engine = st.engine.clone();
    let item = blocking(move || engine.public_item(&site, &slug)).await?;
    let mut tags = Tags::default();
    item_tags(&mut tags, &item);
    let body = serde_json::to_value(&item).map_err(ApiError::internal)?;
    Ok(public_json(
        &headers,
        &body,
        item.published_at,
        tags,
        PUBLIC_CACHE_CONTROL,
    ))
}

fn limit(p: &HashMap<String, String>, default: usize) -> Result<usize, ApiError> {
    super::limit_param(p.get("limit").map(String::as_str), default)
}

async fn list(
    st: AppState,
    headers: HeaderMap,
    site: Option<String>,
    p: HashMap<String, String>,
) -> Result<Response, ApiError> {
    let q = ContentFilters::from_params(|k| p.get(k).map(String::as_str))?;
    let cursor = p.get("cursor").cloned();
    let n = limit(&p, 20)?;
    let engine = st.engine.clone();
    let (page, tags) = blocking(move || {
        let page = engine.public_list(site.as_deref(), &q, cursor.as_deref(), n)?;
        let tags = match &site {
            // A list of a site changes when an item of its channel or kind is published.
            Some(s) => crate::cache::headers::list_tags(&engine, &engine.site_named(s)?, &q)?,
            None => {
                let mut t = Tags::default();
                t.add(Dependency::Network);
                t
            }
        };
        Ok((page, tags))
    })
    .await?;
    let last = page.items.iter().filter_map(|i| i.published_at).max();
    let body = serde_json::to_value(&page).map_err(ApiError::internal)?;
    Ok(public_json(
        &headers,
        &body,
        last,
        tags,
        PUBLIC_CACHE_CONTROL,
    ))
}

pub(crate) async fn site_items(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(site): Path<String>,
    Params(p): Params<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    list(st, headers, Some(site), p).await
}

pub(crate) async fn network_items(
    State(st): State<AppState>,
    headers: HeaderMap,
    Params(p): Params<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    list(st, headers, None, p).await
}

#[derive(Deserialize)]
pub(crate) struct ChangesQuery {
    after: Option<String>,
    site: Option<String>,
    limit: Option<String>,
}

pub(crate) async fn changes(
    State(st): State<AppState>,
    headers: HeaderMap,
    Params(q): Params<ChangesQuery>,
) -> Result<Response, ApiError> {
    let bad = |field: &'static str, v: &str| ApiError::Http {
        code: ErrorCode::InvalidParameter,
        message: format!("{field} '{v}' is not a number"),
        field: Some(field.into()),
    };
    let after = match q.after.as_deref().filter(|s| !s.is_empty()) {
        None => 0,
        Some(a) => a.parse::<i64>().map_err(|_| bad("after", a))?,
    };
    let n = super::limit_param(q.limit.as_deref(), 100)?;
    let engine = st.engine.clone();
    let site = q.site.clone();
    let page = blocking(move || engine.changes(after, site.as_deref(), n)).await?;
    let body = serde_json::to_value(&page).map_err(ApiError::internal)?;
    // Polled: always revalidate, but a poll that finds nothing new costs a 304.
    Ok(public_json(
        &headers,
        &body,
        None,
        Tags::default(),
        "public, no-cache",
    ))
}

pub(crate) async fn site_tree(
    State(st): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let engine = st.engine.clone();
    let tree = blocking(move || engine.site_tree()).await?;
    let mut tags = Tags::default();
    tags.add(Dependency::Sites);
    let mut body = serde_json::to_value(&tree).map_err(ApiError::internal)?;
    staff_only(&mut body);
    Ok(public_json(
        &headers,
        &body,
        None,
        tags,
        PUBLIC_CACHE_CONTROL,
    ))
}

/// Removes what a site's settings hold for its staff alone (where they are told of new
/// questions) from a public answer.
fn staff_only(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            if let Some(serde_json::Value::Object(s)) = m.get_mut("settings") {
                s.remove("notify_email");
            }
            m.values_mut().for_each(staff_only);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(staff_only),
        _ => {}
    }
}

pub(crate) async fn channels(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(site): Path<String>,
) -> Result<Response, ApiError> {
    let engine = st.engine.clone();
    let (site, channels) = blocking(move || {
        let s = engine.site_named(&site)?;
        let c = engine.channels(&s.slug)?;
        Ok((s, c))
    })
    .await?;
    let mut tags = Tags::default();
    tags.add(Dependency::Site(site.id));
    let body = serde_json::to_value(&channels).map_err(ApiError::internal)?;
    Ok(public_json(
        &headers,
        &body,
        None,
        tags,
        PUBLIC_CACHE_CONTROL,
    ))
}
