//! The media library over HTTP: uploads (multipart, streamed and counted), the library API,
//! and the public originals and derivatives.

use super::{blocking, limit_param, path_id};
use crate::cache::conditional::etag_matches;
use crate::error::ApiError;
use crate::extract::{Auth, JsonBody, Params};
use crate::media::{self, FormatChoice, MediaError, OutputFormat, Prepared, Variant};
use crate::AppState;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use portico_engine::Dependency;
use portico_engine::ErrorCode;
use portico_engine::{
    parse_media_type, Media, MediaDetail, MediaFile, MediaFilter, MediaId, MediaPatch,
};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

fn media_id(s: &str) -> Result<MediaId, ApiError> {
    path_id("media", s).map(MediaId)
}

/// A library file as the admin API shows it: with its download URL and, for images, the
/// URLs of every preset.
#[derive(Serialize)]
pub(crate) struct MediaOut {
    #[serde(flatten)]
    media: Media,
    url: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    presets: BTreeMap<String, String>,
}

fn out(st: &AppState, media: Media) -> MediaOut {
    let presets = if media.media_type.is_image() {
        st.media
            .config
            .presets
            .keys()
            .map(|p| {
                (
                    p.clone(),
                    format!("/media/{}/{p}?v={}", media.id, media.version()),
                )
            })
            .collect()
    } else {
        BTreeMap::new()
    };
    MediaOut {
        url: format!("/media/{}?v={}", media.id, media.version()),
        media,
        presets,
    }
}

fn too_large(max: u64) -> ApiError {
    ApiError::http(
        ErrorCode::TooLarge,
        format!(
            "the file is larger than the limit of {} MB",
            max / (1024 * 1024)
        ),
    )
}

/// The `file` part (and an optional `title`) of a multipart body, read chunk by chunk and
/// refused as soon as it passes the limit, before the rest arrives.
pub(crate) async fn read_upload(
    form: Result<Multipart, MultipartRejection>,
    max: u64,
) -> Result<(String, Option<String>, Vec<u8>), ApiError> {
    // The body is bounded as it streams in (`body_limit`): past the limit, reading fails.
    let bad = |e: axum::extract::multipart::MultipartError| match crate::body_limit::limit_hit(&e) {
        Some(ErrorCode::PayloadTooLarge) => too_large(max),
        Some(code) => ApiError::http(code, e.to_string()),
        None if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => too_large(max),
        None => ApiError::http(
            ErrorCode::Malformed,
            format!("the multipart body cannot be read: {}", e.body_text()),
        ),
    };
    // A body that is no multipart form gets the API's error shape, not a plain-text 400.
    let mut form = form.map_err(|rej| {
        ApiError::http(
            ErrorCode::Malformed,
            format!("send the file as multipart/form-data: {}", rej.body_text()),
        )
    })?;
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut title = None;
    while let Some(mut field) = form.next_field().await.map_err(bad)? {
        match field.name() {
            Some("file") if file.is_none() => {
                let name = field.file_name().unwrap_or("file").to_owned();
                let mut buf = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(bad)? {
                    if u64::try_from(buf.len() + chunk.len()).unwrap_or(u64::MAX) > max {
                        return Err(too_large(max));
                    }
                    buf.extend_from_slice(&chunk);
                }
                file = Some((name, buf));
            }
            Some("title") => {
                let t = field.text().await.map_err(bad)?;
                if t.len() > 4096 {
                    return Err(ApiError::http(ErrorCode::TooLong, "title is too long"));
                }
                title = Some(t);
            }
            other => {
                return Err(ApiError::http(
                    ErrorCode::UnknownField,
                    format!(
                        "unexpected form field '{}'; send 'file' (and optionally 'title')",
                        other.unwrap_or("")
                    ),
                ))
            }
        }
    }
    let (name, bytes) =
        file.ok_or_else(|| ApiError::http(ErrorCode::MissingFile, "the form has no 'file' part"))?;
    if bytes.is_empty() {
        return Err(ApiError::http(ErrorCode::EmptyFile, "the file is empty"));
    }
    Ok((name, title, bytes))
}

/// Cleans the bytes off the async threads and stores them (content-addressed, so storing
/// the same bytes twice is harmless).
async fn prepare_and_store(
    st: &AppState,
    name: &str,
    bytes: Vec<u8>,
) -> Result<MediaFile, ApiError> {
    let max_pixels = st.media.config.max_pixels;
    let filename = name.to_owned();
    let p: Prepared = st
        .media
        .cpu(move || media::prepare(bytes, &filename, max_pixels))
        .await?;
    let key = portico_engine::original_key(&p.checksum, p.media_type);
    let size = u64::try_from(p.bytes.len()).unwrap_or(u64::MAX);
    st.media
        .blobs
        .put(&key, p.bytes)
        .await
        .map_err(|e| blob_unavailable(&e))?;
    Ok(MediaFile {
        media_type: p.media_type,
        size,
        checksum: p.checksum,
        width: p.width,
        height: p.height,
    })
}

fn blob_unavailable(e: &dyn std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "object storage failed");
    ApiError::http(
        ErrorCode::StorageUnavailable,
        "the file store is not reachable; try again shortly",
    )
}

pub(crate) async fn upload(
    State(st): State<AppState>,
    auth: Auth,
    Path(site): Path<String>,
    form: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<MediaOut>), ApiError> {
    let engine = st.engine.clone();
    let (actor, slug) = (auth.actor.clone(), site.clone());
    // Refuse before reading a byte of the body.
    blocking(move || engine.authorize_upload(&actor, &slug)).await?;
    let (name, title, bytes) = read_upload(form, st.media.config.max_upload_bytes).await?;
    let m = upload_bytes(&st, auth.actor, site, name, title, bytes).await?;
    Ok((StatusCode::CREATED, Json(out(&st, m))))
}

/// Adds a file already read to a site's library: the API's upload and the editors'
/// interface's.
pub(crate) async fn upload_bytes(
    st: &AppState,
    actor: portico_engine::Actor,
    site: String,
    name: String,
    title: Option<String>,
    bytes: Vec<u8>,
) -> Result<Media, ApiError> {
    let engine = st.engine.clone();
    let (a, slug) = (actor.clone(), site.clone());
    blocking(move || engine.authorize_upload(&a, &slug)).await?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > st.media.config.max_upload_bytes {
        return Err(too_large(st.media.config.max_upload_bytes));
    }
    let file = prepare_and_store(st, &name, bytes).await?;
    let engine = st.engine.clone();
    blocking(move || engine.add_media(&actor, &site, &name, title.as_deref(), file)).await
}

/// Replaces a file's bytes, for the editors' interface.
pub(crate) async fn replace_bytes(
    st: &AppState,
    actor: portico_engine::Actor,
    id: MediaId,
    name: String,
    bytes: Vec<u8>,
) -> Result<Media, ApiError> {
    let engine = st.engine.clone();
    let a = actor.clone();
    blocking(move || engine.authorize_replace(&a, id)).await?;
    let file = prepare_and_store(st, &name, bytes).await?;
    let engine = st.engine.clone();
    let (old, new) = blocking(move || engine.replace_media(&actor, id, file)).await?;
    if old.checksum != new.checksum {
        drop_bytes(st, &old).await;
    }
    Ok(new)
}

/// Deletes a file, for the editors' interface.
pub(crate) async fn delete_file(
    st: &AppState,
    actor: portico_engine::Actor,
    id: MediaId,
) -> Result<(), ApiError> {
    let engine = st.engine.clone();
    let (m, orphan) = blocking(move || engine.delete_media(&actor, id)).await?;
    if orphan {
        drop_bytes(st, &m).await;
    }
    Ok(())
}

/// A 240×160 picture of a library image for someone who may see its site, private or not
/// (the editors' interface; its answers are never cached by anyone but that browser).
pub(crate) async fn thumbnail(
    st: &AppState,
    actor: portico_engine::Actor,
    id: MediaId,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let engine = st.engine.clone();
    let m = blocking(move || engine.media_detail(&actor, id))
        .await?
        .media;
    let v = Variant {
        w: Some(240),
        h: Some(160),
        fit: media::Fit::Cover,
        fmt: FormatChoice::Auto,
        q: 75,
    };
    derivative(st, &m, &v, headers, None).await
}

pub(crate) async fn replace(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Json<MediaOut>, ApiError> {
    let id = media_id(&id)?;
    let engine = st.engine.clone();
    let actor = auth.actor.clone();
    // Refuse before reading a byte of the body.
    blocking(move || engine.authorize_replace(&actor, id)).await?;
    let (name, _, bytes) = read_upload(form, st.media.config.max_upload_bytes).await?;
    let file = prepare_and_store(&st, &name, bytes).await?;
    let engine = st.engine.clone();
    let (old, new) = blocking(move || engine.replace_media(&auth.actor, id, file)).await?;
    if old.checksum != new.checksum {
        drop_bytes(&st, &old).await;
    }
    Ok(Json(out(&st, new)))
}

/// Removes an old original and its derivatives once no library file keeps those bytes.
async fn drop_bytes(st: &AppState, old: &Media) {
    let engine = st.engine.clone();
    let checksum = old.checksum.clone();
    if let Ok(false) = blocking(move || engine.media_bytes_in_use(&checksum)).await {
        for r in [
            st.media.blobs.delete(&old.original_key()).await,
            st.media.blobs.delete_prefix(&old.derived_prefix()).await,
        ] {
            if let Err(e) = r {
                tracing::warn!(media = %old.id, error = %e, "old file bytes not removed");
            }
        }
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LibraryQuery {
    q: Option<String>,
    #[serde(rename = "type")]
    media_type: Option<String>,
    limit: Option<String>,
    before: Option<String>,
}

pub(crate) async fn library(
    State(st): State<AppState>,
    auth: Auth,
    Path(site): Path<String>,
    Params(q): Params<LibraryQuery>,
) -> Result<Json<Vec<MediaOut>>, ApiError> {
    let filter = MediaFilter {
        query: q.q,
        media_type: q
            .media_type
            .as_deref()
            .filter(|t| !t.is_empty())
            .map(parse_media_type)
            .transpose()?,
        before: q
            .before
            .as_deref()
            .filter(|b| !b.is_empty())
            .map(|b| path_id("media", b).map(MediaId))
            .transpose()?,
        limit: limit_param(q.limit.as_deref(), 50)?,
    };
    let engine = st.engine.clone();
    let list = blocking(move || engine.media_library(&auth.actor, &site, filter)).await?;
    Ok(Json(list.into_iter().map(|m| out(&st, m)).collect()))
}

#[derive(Serialize)]
pub(crate) struct DetailOut {
    #[serde(flatten)]
    file: MediaOut,
    visible: bool,
    used_by: Vec<portico_engine::MediaUse>,
}

pub(crate) async fn detail(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<DetailOut>, ApiError> {
    let id = media_id(&id)?;
    let engine = st.engine.clone();
    let MediaDetail {
        media,
        visible,
        used_by,
    } = blocking(move || engine.media_detail(&auth.actor, id)).await?;
    Ok(Json(DetailOut {
        file: out(&st, media),
        visible,
        used_by,
    }))
}

pub(crate) async fn update(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    JsonBody(patch): JsonBody<MediaPatch>,
) -> Result<Json<MediaOut>, ApiError> {
    let id = media_id(&id)?;
    let engine = st.engine.clone();
    let m = blocking(move || engine.update_media(&auth.actor, id, patch)).await?;
    Ok(Json(out(&st, m)))
}

pub(crate) async fn delete(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = media_id(&id)?;
    let engine = st.engine.clone();
    let (m, orphan) = blocking(move || engine.delete_media(&auth.actor, id)).await?;
    if orphan {
        drop_bytes(&st, &m).await;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Parses explicit derivative parameters (`w`, `h`, `fit`, `fmt`, `q`).
fn variant_of(q: &HashMap<String, String>) -> Result<Variant, ApiError> {
    let bad =
        |name: &str, msg: &str| ApiError::from(MediaError::BadParameter(format!("{name}: {msg}")));
    let edge = |name: &str| -> Result<Option<u32>, ApiError> {
        q.get(name)
            .filter(|v| !v.is_empty())
            .map(|v| {
                v.parse()
                    .map_err(|_| bad(name, "expected a whole number of pixels"))
            })
            .transpose()
    };
    let v = Variant {
        w: edge("w")?,
        h: edge("h")?,
        fit: match q.get("fit").map(String::as_str) {
            None | Some("") => media::Fit::Inside,
            Some(f) => media::Fit::parse(f)
                .ok_or_else(|| bad("fit", "expected cover, contain, fill or inside"))?,
        },
        fmt: match q.get("fmt").map(String::as_str) {
            None | Some("") => FormatChoice::Auto,
            Some(f) => FormatChoice::parse(f)
                .ok_or_else(|| bad("fmt", "expected jpeg, png, webp or auto"))?,
        },
        q: match q.get("q").map(String::as_str) {
            None | Some("") => 80,
            Some(v) => v.parse().map_err(|_| bad("q", "expected 1 to 100"))?,
        },
    };
    v.validate()?;
    Ok(v)
}

/// Only these may appear in a derivative's query string.
const VARIANT_PARAMS: [&str; 7] = ["w", "h", "fit", "fmt", "q", "sig", "v"];

pub(crate) async fn signed_url(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(q): Params<HashMap<String, String>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = media_id(&id)?;
    if let Some(k) = q
        .keys()
        .find(|k| !VARIANT_PARAMS[..5].contains(&k.as_str()))
    {
        return Err(MediaError::BadParameter(format!("unknown parameter '{k}'")).into());
    }
    let v = variant_of(&q)?;
    let engine = st.engine.clone();
    let m = blocking(move || engine.media_for_signing(&auth.actor, id)).await?;
    if !m.media_type.is_image() {
        return Err(MediaError::BadParameter(format!(
            "file {id} is a {}, which has no resized versions",
            m.media_type
        ))
        .into());
    }
    let sig = media::sign(&st.media.config.signing_key, id, &v);
    Ok(Json(serde_json::json!({
        "url": format!("/media/{id}?{}&v={}&sig={sig}", v.canonical(), m.version()),
    })))
}

/// `GET /media/{id}`: the original, or a derivative when signed parameters are given.
pub(crate) async fn original(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Params(q): Params<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = media_id(&id)?;
    if let Some(k) = q.keys().find(|k| !VARIANT_PARAMS.contains(&k.as_str())) {
        return Err(MediaError::BadParameter(format!("unknown parameter '{k}'")).into());
    }
    let explicit = q.keys().any(|k| !matches!(k.as_str(), "v"));
    let m = public(&st, id).await?;
    if explicit {
        let v = variant_of(&q)?;
        let signed = q
            .get("sig")
            .is_some_and(|s| media::verify(&st.media.config.signing_key, id, &v, s));
        if !signed {
            return Err(ApiError::http(ErrorCode::UnsignedParameters,
                "explicit size parameters need a valid signature (sig); use a preset such as /media/ID/card, or ask the admin API for a signed URL",
            ));
        }
        return derivative(&st, &m, &v, &headers, q.get("v")).await;
    }
    let etag = format!("\"{}\"", m.version());
    let cache = cache_control(&m, q.get("v"));
    if etag_matches(&headers, &etag) {
        return Ok(conditional(&etag, cache, &m));
    }
    let bytes = st
        .media
        .blobs
        .get(&m.original_key())
        .await
        .map_err(|e| blob_unavailable(&e))?
        .ok_or_else(|| ApiError::internal(format!("media {id}: original missing from storage")))?;
    let mut r = (StatusCode::OK, bytes).into_response();
    let h = r.headers_mut();
    set(h, header::CONTENT_TYPE, m.mime);
    set(h, header::ETAG, &etag);
    set(h, header::CACHE_CONTROL, cache);
    set(h, header::CONTENT_DISPOSITION, &disposition(&m));
    set(h, "surrogate-key", &tags(&m));
    Ok(r)
}

/// `GET /media/{id}/{preset}`.
pub(crate) async fn preset(
    State(st): State<AppState>,
    Path((id, preset)): Path<(String, String)>,
    Params(q): Params<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = media_id(&id)?;
    let v = *st.media.config.presets.get(&preset).ok_or_else(|| {
        ApiError::http(
            ErrorCode::NotFound,
            format!(
                "no preset '{preset}'; presets: {}",
                st.media
                    .config
                    .presets
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })?;
    if let Some(k) = q.keys().find(|k| k.as_str() != "v") {
        return Err(MediaError::BadParameter(format!(
            "unknown parameter '{k}'; a preset takes only v"
        ))
        .into());
    }
    let m = public(&st, id).await?;
    derivative(&st, &m, &v, &headers, q.get("v")).await
}

async fn public(st: &AppState, id: MediaId) -> Result<Media, ApiError> {
    let engine = st.engine.clone();
    blocking(move || engine.public_media(id)).await
}

/// A file not marked public is public only while a published item shows it, so any
/// publication or withdrawal on its site may change that (`list:S`).
fn tags(m: &Media) -> String {
    let mut deps = vec![Dependency::Media(m.id), Dependency::Site(m.site_id)];
    if !m.public {
        deps.push(Dependency::List(m.site_id));
    }
    deps.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Versioned URLs (`?v=` the current version) never change: cache them for a year.
fn cache_control(m: &Media, v: Option<&String>) -> &'static str {
    if v.is_some_and(|v| v == m.version()) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=3600, stale-while-revalidate=86400, stale-if-error=86400"
    }
}

fn disposition(m: &Media) -> String {
    let kind = if m.media_type.is_image() || m.media_type == portico_engine::MediaType::Pdf {
        "inline"
    } else {
        "attachment"
    };
    let ascii: String = m
        .filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = super::percent_encode(&m.filename);
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

fn set(h: &mut HeaderMap, name: impl axum::http::header::IntoHeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(name, v);
    }
}

fn conditional(etag: &str, cache: &str, m: &Media) -> Response {
    let mut r = StatusCode::NOT_MODIFIED.into_response();
    let h = r.headers_mut();
    set(h, header::ETAG, etag);
    set(h, header::CACHE_CONTROL, cache);
    set(h, "surrogate-key", &tags(m));
    r
}

fn accepts_webp(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|part| {
            let mut it = part.split(';');
            let ty = it.next().unwrap_or("").trim();
            let refused = it.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            ty.eq_ignore_ascii_case("image/webp") && !refused
        })
}

/// Serves a derivative: stored if it was made before, else made once (however many ask at
/// the same moment), stored, and served.
async fn derivative(
    st: &AppState,
    m: &Media,
    v: &Variant,
    headers: &HeaderMap,
    version: Option<&String>,
) -> Result<Response, ApiError> {
    if !m.media_type.is_image() {
        return Err(MediaError::BadParameter(format!(
            "file {} is a {}, which has no resized versions; fetch /media/{} to download it",
            m.id, m.media_type, m.id
        ))
        .into());
    }
    let format: OutputFormat = v.fmt.resolve(accepts_webp(headers), m.media_type);
    let name = v.file_name(format);
    let key = format!("{}/{name}", m.derived_prefix());
    let etag = format!("\"{}-{}\"", m.version(), name);
    let cache = cache_control(m, version);
    let vary = v.fmt == FormatChoice::Auto;
    if etag_matches(headers, &etag) {
        let mut r = conditional(&etag, cache, m);
        if vary {
            set(r.headers_mut(), header::VARY, "Accept");
        }
        return Ok(r);
    }
    let blobs = &st.media.blobs;
    let stored = blobs.get(&key).await.map_err(|e| blob_unavailable(&e))?;
    let (bytes, made_in) = match stored {
        Some(b) => (b, None),
        None => {
            let lock = st.media.lock_for(&key);
            let guard = lock.lock().await;
            // Whoever held the lock before us may have made it.
            let again = blobs.get(&key).await.map_err(|e| blob_unavailable(&e))?;
            let result = match again {
                Some(b) => Ok((b, None)),
                None => make(st, m, v, format, &key)
                    .await
                    .map(|(b, t)| (b, Some(t))),
            };
            drop(guard);
            st.media.release(&key, lock);
            result?
        }
    };
    let mut r = (StatusCode::OK, bytes).into_response();
    let h = r.headers_mut();
    set(h, header::CONTENT_TYPE, format.mime());
    set(h, header::ETAG, &etag);
    set(h, header::CACHE_CONTROL, cache);
    set(h, "surrogate-key", &tags(m));
    if vary {
        set(h, header::VARY, "Accept");
    }
    if let Some(ms) = made_in {
        set(h, "server-timing", &format!("resize;dur={ms:.1}"));
    }
    Ok(r)
}

async fn make(
    st: &AppState,
    m: &Media,
    v: &Variant,
    format: OutputFormat,
    key: &str,
) -> Result<(bytes::Bytes, f64), ApiError> {
    let original = st
        .media
        .blobs
        .get(&m.original_key())
        .await
        .map_err(|e| blob_unavailable(&e))?
        .ok_or_else(|| ApiError::internal(format!("media {}: original missing", m.id)))?;
    let (t, v2, max) = (m.media_type, *v, st.media.config.max_pixels);
    let started = Instant::now();
    let out = st
        .media
        .cpu(move || media::derive(&original, t, &v2, format, max))
        .await?;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let bytes = bytes::Bytes::from(out);
    st.media
        .blobs
        .put(key, bytes.clone())
        .await
        .map_err(|e| blob_unavailable(&e))?;
    Ok((bytes, ms))
}
