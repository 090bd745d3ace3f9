//! The media library (`/admin/sites/{site}/media`): upload several files at once, browse with
//! thumbnails, search by name or title; and one file (`/admin/media/{id}`): its title,
//! public or private, replace, delete when unused, and where it is used.

use super::{blocking, page, posted_with_files, refusal, Me};
use crate::fields::value_of;
use crate::Admin;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use portico_engine::{parse_media_type, EngineError, Media, MediaFilter, MediaId, MediaPatch};
use serde::Deserialize;

/// Files on one page of the library.
const PAGE: usize = 40;

#[derive(Deserialize, Default)]
pub(crate) struct LibraryParams {
    #[serde(default)]
    q: Option<String>,
    #[serde(default, rename = "type")]
    media_type: Option<String>,
    #[serde(default)]
    before: Option<i64>,
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    n: Option<u32>,
}

/// A file as the library's lists show it.
fn row(m: &Media) -> minijinja::Value {
    context! {
        id => m.id.0, filename => m.filename, title => m.title, alt => m.alt, kind => m.media_type.to_string(),
        size => portico_themes::context::file_size(m.size), public => m.public, created_at => m.created_at,
        width => m.width, height => m.height,
        thumb => m.media_type.is_image().then(|| format!("/admin/media/{}/thumb?v={}", m.id, m.version())),
        reference => format!("/media/{}", m.id),
    }
}

async fn library_screen(
    admin: &Admin,
    me: &Me,
    site: &str,
    p: LibraryParams,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    let media_type = match p.media_type.as_deref().filter(|t| !t.is_empty()) {
        Some(t) => match parse_media_type(t) {
            Ok(t) => Some(t),
            Err(e) => return refusal(admin, Some(me), &e),
        },
        None => None,
    };
    let filter = MediaFilter {
        query: p.q.clone(),
        media_type,
        before: p.before.map(MediaId),
        limit: PAGE + 1,
    };
    let engine = admin.engine.clone();
    let actor = me.actor.clone();
    let slug = site.to_owned();
    let found = blocking(move || {
        Ok((
            engine.site_named(&slug)?,
            engine.media_library(&actor, &slug, filter)?,
        ))
    })
    .await;
    let (site, mut files) = match found {
        Ok(v) => v,
        Err(e) => return refusal(admin, Some(me), &e),
    };
    let more = files.len() > PAGE;
    files.truncate(PAGE);
    let next = more.then(|| files.last().map(|m| m.id.0)).flatten();
    let ctx = context! {
        me => me.view(),
        site => context! { slug => site.slug, name => site.name },
        files => files.iter().map(row).collect::<Vec<_>>(),
        q => p.q.unwrap_or_default(),
        media_type => p.media_type.unwrap_or_default(),
        next,
        done => p.done.filter(|d| d.len() < 20),
        n => p.n,
        error,
        max_mb => admin.gate.max_upload_bytes() / (1024 * 1024),
        types => portico_engine::MediaType::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
    };
    page(admin, status, "media.html", ctx)
}

pub(crate) async fn library(
    State(admin): State<Admin>,
    me: Me,
    Path(site): Path<String>,
    Query(p): Query<LibraryParams>,
) -> Response {
    library_screen(&admin, &me, &site, p, StatusCode::OK, None).await
}

/// Uploads every file chosen; each is checked on its own, so one refused file leaves the
/// others in the library, and the page says which one and why.
pub(crate) async fn upload(
    State(admin): State<Admin>,
    headers: HeaderMap,
    me: Me,
    Path(site): Path<String>,
    body: Bytes,
) -> Response {
    let (form, files) = match posted_with_files(&admin, &me, &headers, body).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let title = Some(value_of(&form, "title").trim().to_owned()).filter(|t| !t.is_empty());
    let mut done = 0u32;
    let mut refused = Vec::new();
    for f in files {
        let r = admin
            .gate
            .upload(
                me.actor.clone(),
                site.clone(),
                f.filename.clone(),
                title.clone(),
                f.bytes,
            )
            .await;
        match r {
            Ok(_) => done += 1,
            Err(e @ (EngineError::Invalid { .. } | EngineError::Forbidden(_))) => {
                refused.push(format!("{}: {e}", f.filename))
            }
            Err(e) => return refusal(&admin, Some(&me), &e),
        }
    }
    if refused.is_empty() {
        return Redirect::to(&format!("/admin/sites/{site}/media?done=upload&n={done}"))
            .into_response();
    }
    let error = format!("{} {}", admin.ui.msg("media.refused"), refused.join("; "));
    let p = LibraryParams {
        done: Some("upload".into()),
        n: Some(done),
        ..Default::default()
    };
    library_screen(
        &admin,
        &me,
        &site,
        p,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(error),
    )
    .await
}

async fn file_screen(
    admin: &Admin,
    me: &Me,
    id: MediaId,
    status: StatusCode,
    done: Option<String>,
    error: Option<String>,
) -> Response {
    let engine = admin.engine.clone();
    let actor = me.actor.clone();
    let found = blocking(move || {
        let d = engine.media_detail(&actor, id)?;
        let site = engine.site_named(&d.media.site)?;
        let may_publish = engine.may(&actor, &site.slug, portico_engine::Permission::PublishMedia);
        Ok((d, site, may_publish))
    })
    .await;
    let (detail, site, may_publish) = match found {
        Ok(v) => v,
        Err(e) => return refusal(admin, Some(me), &e),
    };
    let ctx = context! {
        me => me.view(),
        site => context! { slug => site.slug, name => site.name },
        file => row(&detail.media),
        visible => detail.visible,
        may_publish,
        used_by => detail.used_by,
        done,
        error,
    };
    page(admin, status, "media_file.html", ctx)
}

#[derive(Deserialize, Default)]
pub(crate) struct Done {
    #[serde(default)]
    done: Option<String>,
}

pub(crate) async fn file(
    State(admin): State<Admin>,
    me: Me,
    Path(id): Path<i64>,
    Query(d): Query<Done>,
) -> Response {
    file_screen(
        &admin,
        &me,
        MediaId(id),
        StatusCode::OK,
        d.done.filter(|d| d.len() < 20),
        None,
    )
    .await
}

/// Changes a file: `op` is `update` (title, public), `replace` (a new file) or `delete`.
pub(crate) async fn change(
    State(admin): State<Admin>,
    headers: HeaderMap,
    me: Me,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    let (form, files) = match posted_with_files(&admin, &me, &headers, body).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let id = MediaId(id);
    let op = value_of(&form, "op").to_owned();
    let result: Result<Option<String>, EngineError> = match op.as_str() {
        "update" => {
            // Without the box (someone who may not publish files), public stays as it is.
            let shown = value_of(&form, "public_shown") == "1";
            let patch = MediaPatch {
                title: Some(value_of(&form, "title").trim().to_owned()),
                alt: Some(value_of(&form, "alt").trim().to_owned()),
                public: shown.then(|| value_of(&form, "public") == "1"),
            };
            let engine = admin.engine.clone();
            let actor = me.actor.clone();
            blocking(move || engine.update_media(&actor, id, patch))
                .await
                .map(|_| None)
        }
        "replace" => match files.into_iter().next() {
            Some(f) => admin
                .gate
                .replace(me.actor.clone(), id, f.filename, f.bytes)
                .await
                .map(|_| None),
            None => Err(EngineError::bad_input(
                "file",
                "choose a file to replace this one with",
            )),
        },
        "delete" => {
            let engine = admin.engine.clone();
            let actor = me.actor.clone();
            let site = blocking(move || engine.media_detail(&actor, id))
                .await
                .map(|d| d.media.site);
            match site {
                Ok(site) => admin
                    .gate
                    .delete(me.actor.clone(), id)
                    .await
                    .map(|_| Some(site)),
                Err(e) => Err(e),
            }
        }
        other => Err(EngineError::bad_input(
            "op",
            format!("unknown form '{other}'"),
        )),
    };
    match result {
        Ok(Some(site)) => {
            Redirect::to(&format!("/admin/sites/{site}/media?done=delete")).into_response()
        }
        Ok(None) => Redirect::to(&format!("/admin/media/{id}?done={op}")).into_response(),
        Err(e @ (EngineError::Invalid { .. } | EngineError::Conflict { .. })) => {
            let msg = format!("{} ({e})", admin.ui.msg("error.action"));
            file_screen(
                &admin,
                &me,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(msg),
            )
            .await
        }
        Err(e) => refusal(&admin, Some(&me), &e),
    }
}

/// A library picture for the signed-in editor, private or not.
pub(crate) async fn thumbnail(
    State(admin): State<Admin>,
    headers: HeaderMap,
    me: Me,
    Path(id): Path<i64>,
) -> Response {
    match admin
        .gate
        .thumbnail(me.actor.clone(), MediaId(id), headers)
        .await
    {
        Ok(r) => r,
        Err(e) => refusal(&admin, Some(&me), &e),
    }
}
