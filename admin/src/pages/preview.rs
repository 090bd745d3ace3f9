//! The preview: the form's fields drawn by the site's own theme, exactly as the published page
//! will look, with nothing stored. The form's "Xem trước" button posts here into a new tab,
//! so it works without JavaScript.

use super::{blocking, posted_with_files, refusal, Me};
use crate::fields::{self, value_of, values_of};
use crate::Admin;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use portico_engine::{ItemKind, ItemKind as K};
use portico_themes::context;
use serde_json::json;

pub(crate) async fn show(
    State(admin): State<Admin>,
    headers: HeaderMap,
    me: Me,
    Path(site): Path<String>,
    body: Bytes,
) -> Response {
    // The item form carries files (multipart); a preview ignores them.
    let form = match posted_with_files(&admin, &me, &headers, body).await {
        Ok((f, _)) => f,
        Err(r) => return r,
    };
    let Ok(kind) = value_of(&form, "kind").parse::<ItemKind>() else {
        return super::message(
            &admin,
            Some(&me),
            StatusCode::BAD_REQUEST,
            "error.kind",
            None,
        );
    };
    let patch = match fields::to_fields(kind, &form) {
        Ok(f) => fields::without_nulls(f),
        Err((field, key)) => {
            let detail = format!(
                "{}: {}",
                admin.ui.msg(&format!("field.{field}")),
                admin.ui.msg(key)
            );
            return super::message(
                &admin,
                Some(&me),
                StatusCode::UNPROCESSABLE_ENTITY,
                "preview.invalid",
                Some(detail),
            );
        }
    };
    let channels: Vec<String> = values_of(&form, "channels")
        .into_iter()
        .map(str::to_owned)
        .collect();
    let engine = admin.engine.clone();
    let actor = me.actor.clone();
    let themes = admin.themes.clone();
    // Catalogue text is ours, but escaped all the same: it goes into HTML by hand here.
    let banner = admin
        .ui
        .msg("preview.banner")
        .replace('&', "&amp;")
        .replace('<', "&lt;");
    let drawn = blocking(move || {
        let item = engine.preview(&actor, &site, kind.as_str(), patch, &channels)?;
        let site = engine.site_named(&site)?;
        let (main, parent) = engine.main_and_parent(&site)?;
        let all_channels = engine.channels(&site.slug)?;
        let ctx = context::site(&site, main.as_ref(), parent.as_ref(), &all_channels, false);
        let prefix = context::prefix(&site, false);
        let mut trail = Vec::new();
        if let Some(c) = item.channels.first().and_then(|c| all_channels.iter().find(|ch| &ch.slug == c)) {
            trail.push((Some(format!("{prefix}/{}/", c.slug)), c.name.clone()));
        }
        trail.push((None, item.title.clone()));
        let mut item_ctx = json!(item);
        if let (Some(c), Some(o)) = (context::cover_base(&item.fields), item_ctx.as_object_mut()) {
            o.insert("cover".into(), serde_json::Value::String(c));
        }
        let template = match item.kind {
            K::Article => "article.html",
            K::Document => "document.html",
            K::Procedure => "procedure.html",
            K::Page => "page.html",
            K::Question => "question.html",
            K::Consultation => "consultation.html",
        };
        let ctx = context::merge(
            ctx,
            json!({"title": item.title, "item": item_ctx, "breadcrumbs": context::breadcrumbs(&site, &prefix, &trail)}),
        );
        themes
            .render(Some((&site.slug, &site.theme)), template, &ctx)
            .map_err(|e| portico_engine::EngineError::internal(format!("preview: {e}")))
    })
    .await;
    match drawn {
        Ok(html) => {
            // Marked as a preview at the top, so nobody mistakes it for the published page.
            let css = crate::assets::path_of(&admin.ui.assets, "preview.css");
            let mark = format!(
                "<link rel=\"stylesheet\" href=\"{css}\"><p role=\"status\" class=\"portico-preview\">{banner}</p>"
            );
            let html = match html
                .find("<body")
                .and_then(|i| html[i..].find('>').map(|j| i + j + 1))
            {
                Some(at) => format!("{}{mark}{}", &html[..at], &html[at..]),
                None => html,
            };
            (StatusCode::OK, Html(html)).into_response()
        }
        Err(e @ portico_engine::EngineError::Invalid { .. }) => {
            let detail = fields::problem_of(&e)
                .map(|(f, k)| {
                    format!(
                        "{}: {}",
                        admin.ui.msg(&format!("field.{f}")),
                        admin.ui.msg(k)
                    )
                })
                .unwrap_or_else(|| e.to_string());
            super::message(
                &admin,
                Some(&me),
                StatusCode::UNPROCESSABLE_ENTITY,
                "preview.invalid",
                Some(detail),
            )
        }
        Err(e) => refusal(&admin, Some(&me), &e),
    }
}
