//! `POST /api/v1/sites/{site}/intake`: a document's fields read from its file, and with
//! `?create=draft&channel=C` the file stored in the library and a draft document made with
//! them, the file attached. A field that could not be read is not made up: without the
//! fields a document needs, no draft is made (`422` naming the first).

use super::blocking;
use crate::error::ApiError;
use crate::extract::{Auth, Params};
use crate::AppState;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::Json;
use portico_engine::{EngineError, NewItemInput};
use serde_json::{json, Value};
use std::collections::HashMap;

pub(crate) async fn intake(
    State(st): State<AppState>,
    auth: Auth,
    Path(site): Path<String>,
    Params(p): Params<HashMap<String, String>>,
    form: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let create = match p.get("create").map(String::as_str) {
        None | Some("") => false,
        Some("draft") => true,
        Some(other) => {
            return Err(ApiError::Http {
                code: portico_engine::ErrorCode::InvalidParameter,
                message: format!("create={other}: the only choice is create=draft"),
                field: Some("create".to_owned()),
            })
        }
    };
    let engine = st.engine.clone();
    let (actor, slug) = (auth.actor.clone(), site.clone());
    // Any role on the site may read a file into it; refused before reading the body.
    blocking(move || engine.authorize_upload(&actor, &slug)).await?;
    let (name, title, bytes) =
        super::media::read_upload(form, st.media.config.max_upload_bytes).await?;
    let read = crate::intake::read(&auth.actor.username, name.clone(), bytes.clone()).await?;
    let mut body = serde_json::to_value(&read).map_err(ApiError::internal)?;
    if !create {
        return Ok((StatusCode::OK, Json(body)));
    }
    let f = &read.fields;
    let s = |k: &str| f.get(k).and_then(Value::as_str).map(str::to_owned);
    for k in ["number", "doc_type", "issuer", "issued_on", "title"] {
        if s(k).is_none() {
            return Err(ApiError::Engine(EngineError::bad_input(
                &format!("fields.{k}"),
                format!("{k} could not be read from the file with confidence; make the draft from the editor's form, with the fields read so far"),
            )));
        }
    }
    let media = super::media::upload_bytes(
        &st,
        auth.actor.clone(),
        site.clone(),
        name.clone(),
        title,
        bytes,
    )
    .await?;
    // The text just read stays with the file: the search index takes it once the document
    // is published, without reading the file again.
    let text = crate::intake::file_text(&media.checksum, &read.reading);
    let engine = st.engine.clone();
    blocking(move || engine.keep_file_text(text)).await?;
    let mut fields = json!({
        "number": s("number"), "doc_type": s("doc_type"), "issuer": s("issuer"),
        "issued_on": s("issued_on"), "status": "unknown", "title": s("title"),
        "attachments": [{"name": name, "href": format!("/media/{}", media.id)}],
    });
    if let Some(o) = fields.as_object_mut() {
        for k in ["signer", "effective_on"] {
            if let Some(v) = s(k) {
                o.insert(k.into(), json!(v));
            }
        }
    }
    let channels: Vec<String> = p.get("channel").into_iter().cloned().collect();
    let engine = st.engine.clone();
    let actor = auth.actor;
    let item = blocking(move || {
        engine.create_item(
            &actor,
            &site,
            NewItemInput {
                kind: "document".to_owned(),
                channels,
                slug: None,
                fields,
            },
        )
    })
    .await?;
    if let Some(o) = body.as_object_mut() {
        o.insert("item_id".into(), json!(item.id));
        o.insert(
            "item".into(),
            serde_json::to_value(&item).map_err(ApiError::internal)?,
        );
        o.insert("media_id".into(), json!(media.id));
    }
    Ok((StatusCode::CREATED, Json(body)))
}
