//! The item screen: the form of its kind, the workflow buttons the engine allows this user,
//! the history with the last return comment in view, and the conflict view when someone else
//! saved first.

use super::{blocking, page, posted, posted_with_files, refusal, ItemPath, Me, Upload};
use crate::fields::{self, value_of, values_of, FormField};
use crate::Admin;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDateTime, TimeZone};
use minijinja::context;
use portico_engine::{
    Channel, EngineError, ErrorCode, HistoryEntry, ItemId, ItemKind, ItemView, NewItemInput,
    SaveInput, Site, TransitionInput,
};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub(crate) struct KindParam {
    #[serde(default)]
    kind: Option<String>,
}

#[derive(Deserialize, Default)]
pub(crate) struct Notice {
    /// `saved`, `created` or the workflow action just taken.
    #[serde(default)]
    done: Option<String>,
}

/// What the item screen shows besides the item.
#[derive(Default)]
struct Extra {
    /// The form as posted, when it is shown again.
    form: Option<Vec<FormField>>,
    channels: Option<Vec<String>>,
    /// `(field, message)` of a refused save or action.
    error: Option<(String, String)>,
    /// Someone saved first: their version compared with the one posted.
    conflict: Option<Vec<crate::diff::FieldDiff>>,
    /// The base revision the form should carry (the current one after a conflict).
    base: Option<u32>,
    done: Option<String>,
    /// What was typed in the workflow form, to show again after a refusal.
    comment: String,
    at: String,
}

fn channel_rows(all: &[Channel], chosen: &[String]) -> Vec<minijinja::Value> {
    all.iter()
        .map(|c| {
            context! {
                slug => c.slug,
                name => c.name,
                checked => chosen.contains(&c.slug),
                nested => c.parent_id.is_some(),
            }
        })
        .collect()
}

fn form_field_with_error(
    mut form: Vec<FormField>,
    error: &Option<(String, String)>,
) -> Vec<FormField> {
    if let Some((field, msg)) = error {
        for f in form.iter_mut().filter(|f| f.name == field) {
            f.error = Some(msg.clone());
        }
    }
    form
}

/// A refused workflow step or proposal, shown on the item's page by the form it came from.
fn refused_step(admin: &Admin, field: String, e: &EngineError) -> Extra {
    Extra {
        error: Some((field, format!("{} ({e})", admin.ui.msg("error.action")))),
        ..Default::default()
    }
}

/// The message of a refused save, by the input it concerns.
fn save_error(admin: &Admin, e: &EngineError) -> Option<(String, String)> {
    match e {
        EngineError::Invalid { message, .. } => {
            let (field, key) = fields::problem_of(e)?;
            let text = admin.ui.msg(key);
            // The engine's own sentence says which rule; shown after ours, for the curious.
            Some((field, format!("{text} ({message})")))
        }
        EngineError::Conflict { field, message, .. } => Some((
            field.clone().unwrap_or_default(),
            format!("{} ({message})", admin.ui.msg("error.conflict")),
        )),
        _ => None,
    }
}

/// The site's newest pictures, for the cover's list of choices (kinds with a cover only).
async fn cover_choices(
    admin: &Admin,
    me: &Me,
    site: &str,
    kind: ItemKind,
) -> Vec<minijinja::Value> {
    if !fields::of(kind).iter().any(|f| f.name == "cover") {
        return Vec::new();
    }
    let engine = admin.engine.clone();
    let actor = me.actor.clone();
    let site = site.to_owned();
    let filter = portico_engine::MediaFilter {
        query: None,
        media_type: None,
        before: None,
        limit: 60,
    };
    blocking(move || engine.media_library(&actor, &site, filter))
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m.media_type.is_image())
        .take(30)
        .map(|m| {
            let label = if m.title.is_empty() {
                m.filename.clone()
            } else {
                m.title.clone()
            };
            context! { value => format!("/media/{}", m.id), label }
        })
        .collect()
}

async fn load(
    admin: &Admin,
    me: &Me,
    id: ItemId,
) -> Result<(ItemView, Vec<HistoryEntry>, Vec<Channel>, Site), EngineError> {
    let engine = admin.engine.clone();
    let actor = me.actor.clone();
    blocking(move || {
        let item = engine.item(&actor, id)?;
        let history = engine.history(&actor, id)?;
        let channels = engine.channels(&item.site)?;
        let site = engine.site_named(&item.site)?;
        Ok((item, history, channels, site))
    })
    .await
}

/// The item screen, with whatever `extra` says.
async fn item_screen(
    admin: &Admin,
    me: &Me,
    id: ItemId,
    status: StatusCode,
    extra: Extra,
) -> Response {
    let (item, history, channels, site) = match load(admin, me, id).await {
        Ok(v) => v,
        Err(e) => return refusal(admin, Some(me), &e),
    };
    let form = form_field_with_error(
        extra
            .form
            .unwrap_or_else(|| fields::from_stored(item.kind, &item.fields)),
        &extra.error,
    );
    let chosen = extra.channels.unwrap_or_else(|| item.channels.clone());
    let covers = if item.can_edit {
        cover_choices(admin, me, &item.site, item.kind).await
    } else {
        Vec::new()
    };
    // The last return, if the item came back and was not sent on since: the author must see
    // what to change first.
    let last_return = history
        .iter()
        .rev()
        .take_while(|h| h.action != "submit")
        .find(|h| h.action == "return")
        .cloned();
    let action_error = extra
        .error
        .as_ref()
        .filter(|(f, _)| f == "comment" || f == "at" || f == "action" || f == "parent")
        .cloned();
    let ctx = context! {
        me => me.view(),
        mode => "edit",
        site => context! { slug => site.slug, name => site.name },
        item => &item,
        kind => item.kind.as_str(),
        form,
        channels => channel_rows(&channels, &chosen),
        base_revision => extra.base.unwrap_or(item.revision.0),
        cover_choices => covers,
        history => history.iter().rev().collect::<Vec<_>>(),
        last_return,
        error => extra.error.as_ref().map(|e| e.1.clone()),
        error_field => extra.error.as_ref().map(|e| e.0.clone()),
        action_error => action_error.map(|e| e.1),
        conflict => extra.conflict,
        done => extra.done,
        comment => extra.comment,
        at => extra.at,
        public_path => (item.live).then(|| portico_themes::urls::kind_path(&format!("/{}", item.site),
            item.kind, item.channels.first().map(String::as_str), &item.slug)),
    };
    page(admin, status, "edit.html", ctx)
}

pub(crate) async fn item(
    State(admin): State<Admin>,
    me: Me,
    ItemPath(id): ItemPath,
    Query(notice): Query<Notice>,
) -> Response {
    let extra = Extra {
        done: notice.done.filter(|d| d.len() < 20),
        ..Default::default()
    };
    item_screen(&admin, &me, id, StatusCode::OK, extra).await
}

pub(crate) async fn new_form(
    State(admin): State<Admin>,
    me: Me,
    Path(site): Path<String>,
    Query(k): Query<KindParam>,
) -> Response {
    let Ok(kind) = k.kind.as_deref().unwrap_or("article").parse::<ItemKind>() else {
        return super::message(
            &admin,
            Some(&me),
            StatusCode::BAD_REQUEST,
            "error.kind",
            None,
        );
    };
    new_screen(
        &admin,
        &me,
        &site,
        kind,
        StatusCode::OK,
        fields::from_stored(kind, &serde_json::Value::Null),
        Vec::new(),
        None,
        None,
    )
    .await
}

/// "Tạo văn bản từ tệp": the file's fields read and shown in a new document's form, the file
/// stored in the library and attached; nothing is saved until the editor has checked the
/// fields and presses create. A field not read with confidence is left empty.
pub(crate) async fn from_file(
    State(admin): State<Admin>,
    me: Me,
    Path(site): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let (_, files) = match super::posted_with_files(&admin, &me, &headers, body).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(file) = files.into_iter().find(|f| f.field == "file") else {
        return super::message(
            &admin,
            Some(&me),
            StatusCode::BAD_REQUEST,
            "intake.no_file",
            None,
        );
    };
    let read = match admin
        .gate
        .intake(
            me.actor.clone(),
            site.clone(),
            file.filename.clone(),
            file.bytes.clone(),
        )
        .await
    {
        Ok(r) => r,
        Err(e @ portico_engine::EngineError::Invalid { .. }) => {
            return super::message(
                &admin,
                Some(&me),
                StatusCode::UNPROCESSABLE_ENTITY,
                "intake.unreadable",
                Some(e.to_string()),
            )
        }
        Err(e) => return refusal(&admin, Some(&me), &e),
    };
    let media = match admin
        .gate
        .upload(
            me.actor.clone(),
            site.clone(),
            file.filename.clone(),
            None,
            file.bytes,
        )
        .await
    {
        Ok(m) => m,
        Err(e) => return refusal(&admin, Some(&me), &e),
    };
    let get = |k: &str| read.get(k).cloned().unwrap_or(serde_json::Value::Null);
    let read_fields = get("fields");
    let mut fields = read_fields.clone();
    if let Some(o) = fields.as_object_mut() {
        o.insert(
            "attachments".into(),
            serde_json::json!([{"name": file.filename, "href": format!("/media/{}", media.id)}]),
        );
    }
    let found: Vec<_> = ["number", "doc_type", "issuer", "signer", "issued_on", "effective_on", "title"]
        .iter()
        .map(|k| {
            context! {
                field => *k,
                value => read_fields.get(*k).cloned(),
                confidence => get("confidence").get(*k).and_then(serde_json::Value::as_f64).map(|c| format!("{:.0}", c * 100.0)),
            }
        })
        .collect();
    let summary = context! {
        file => file.filename,
        found,
        pages => get("pages"),
        ocr_pages => get("ocr_pages"),
        warnings => get("warnings"),
    };
    new_screen(
        &admin,
        &me,
        &site,
        ItemKind::Document,
        StatusCode::OK,
        fields::from_stored(ItemKind::Document, &fields),
        Vec::new(),
        None,
        Some(summary),
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn new_screen(
    admin: &Admin,
    me: &Me,
    site: &str,
    kind: ItemKind,
    status: StatusCode,
    form: Vec<FormField>,
    chosen: Vec<String>,
    error: Option<(String, String)>,
    read: Option<minijinja::Value>,
) -> Response {
    let engine = admin.engine.clone();
    let slug = site.to_owned();
    let actor = me.actor.clone();
    let found = blocking(move || {
        let site = engine.site_named(&slug)?;
        // The same question the engine asks on create, asked before the form is drawn.
        engine.item_list(
            &actor,
            &slug,
            &portico_engine::ItemListQuery {
                limit: 1,
                ..Default::default()
            },
        )?;
        Ok((site, engine.channels(&slug)?))
    })
    .await;
    let (site, channels) = match found {
        Ok(v) => v,
        Err(e) => return refusal(admin, Some(me), &e),
    };
    let form = form_field_with_error(form, &error);
    let covers = cover_choices(admin, me, site.slug.as_str(), kind).await;
    let ctx = context! {
        me => me.view(),
        mode => "new",
        cover_choices => covers,
        site => context! { slug => site.slug, name => site.name },
        kind => kind.as_str(),
        form,
        channels => channel_rows(&channels, &chosen),
        error => error.as_ref().map(|e| e.1.clone()),
        error_field => error.as_ref().map(|e| e.0.clone()),
        read,
    };
    page(admin, status, "edit.html", ctx)
}

pub(crate) async fn create(
    State(admin): State<Admin>,
    headers: HeaderMap,
    me: Me,
    Path(site): Path<String>,
    body: Bytes,
) -> Response {
    let (mut form, files) = match posted_with_files(&admin, &me, &headers, body).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let file_error = take_files(&admin, &me, &site, &mut form, files).await.err();
    let form = form;
    let Ok(kind) = value_of(&form, "kind").parse::<ItemKind>() else {
        return super::message(
            &admin,
            Some(&me),
            StatusCode::BAD_REQUEST,
            "error.kind",
            None,
        );
    };
    let chosen: Vec<String> = values_of(&form, "channels")
        .into_iter()
        .map(str::to_owned)
        .collect();
    let again = |error: (String, String)| {
        new_screen(
            &admin,
            &me,
            &site,
            kind,
            StatusCode::UNPROCESSABLE_ENTITY,
            fields::from_posted(kind, &form),
            chosen.clone(),
            Some(error),
            None,
        )
    };
    if let Some(e) = file_error {
        return match save_error(&admin, &e) {
            Some(err) => again(err).await,
            None => refusal(&admin, Some(&me), &e),
        };
    }
    let fields = match fields::to_fields(kind, &form) {
        Ok(f) => fields::without_nulls(f),
        Err((field, key)) => return again((field.to_owned(), admin.ui.msg(key))).await,
    };
    let engine = admin.engine.clone();
    let actor = me.actor.clone();
    let input = NewItemInput {
        kind: kind.as_str().to_owned(),
        channels: chosen.clone(),
        slug: None,
        fields,
    };
    let slug = site.clone();
    match blocking(move || engine.create_item(&actor, &slug, input)).await {
        Ok(item) => Redirect::to(&format!("/admin/items/{}?done=created", item.id)).into_response(),
        Err(e) => match save_error(&admin, &e) {
            Some(err) => again(err).await,
            None => refusal(&admin, Some(&me), &e),
        },
    }
}

pub(crate) async fn save(
    State(admin): State<Admin>,
    headers: HeaderMap,
    me: Me,
    ItemPath(id): ItemPath,
    body: Bytes,
) -> Response {
    let (mut form, files) = match posted_with_files(&admin, &me, &headers, body).await {
        Ok(f) => f,
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
    let mut file_error = None;
    if !files.is_empty() {
        let engine = admin.engine.clone();
        let actor = me.actor.clone();
        match blocking(move || engine.item(&actor, id)).await {
            Ok(item) => {
                file_error = take_files(&admin, &me, &item.site, &mut form, files)
                    .await
                    .err()
            }
            Err(e) => return refusal(&admin, Some(&me), &e),
        }
    }
    let form = form;
    let Ok(base) = value_of(&form, "base_revision").parse::<u32>() else {
        return super::message(
            &admin,
            Some(&me),
            StatusCode::BAD_REQUEST,
            "error.invalid_request",
            Some("base_revision".into()),
        );
    };
    let chosen: Vec<String> = values_of(&form, "channels")
        .into_iter()
        .map(str::to_owned)
        .collect();
    let shown_again = |error: Option<(String, String)>| Extra {
        form: Some(fields::from_posted(kind, &form)),
        channels: Some(chosen.clone()),
        error,
        ..Default::default()
    };
    if let Some(e) = file_error {
        return match save_error(&admin, &e) {
            Some(err) => {
                let extra = shown_again(Some(err));
                item_screen(&admin, &me, id, StatusCode::UNPROCESSABLE_ENTITY, extra).await
            }
            None => refusal(&admin, Some(&me), &e),
        };
    }
    let patch = match fields::to_fields(kind, &form) {
        Ok(f) => f,
        Err((field, key)) => {
            let extra = shown_again(Some((field.to_owned(), admin.ui.msg(key))));
            return item_screen(&admin, &me, id, StatusCode::UNPROCESSABLE_ENTITY, extra).await;
        }
    };
    let engine = admin.engine.clone();
    let actor = me.actor.clone();
    let input = SaveInput {
        base_revision: base,
        fields: patch.clone(),
        channels: Some(chosen.clone()),
    };
    match blocking(move || engine.patch_item(&actor, id, input)).await {
        Ok(_) => Redirect::to(&format!("/admin/items/{id}?done=saved")).into_response(),
        Err(EngineError::Conflict {
            code: ErrorCode::StaleRevision,
            current_revision,
            ..
        }) => {
            // Someone saved first. Nothing is written; both versions are shown, the form
            // keeps what this person typed, and a save from here is based on theirs.
            let engine = admin.engine.clone();
            let actor = me.actor.clone();
            let current = match blocking(move || engine.item(&actor, id)).await {
                Ok(i) => i,
                Err(e) => return refusal(&admin, Some(&me), &e),
            };
            let mine = merged(&current.fields, &patch);
            let order: Vec<&str> = fields::of(kind).iter().map(|f| f.name).collect();
            let extra = Extra {
                conflict: Some(crate::diff::fields(&current.fields, &mine, &order)),
                base: current_revision.or(Some(current.revision.0)),
                ..shown_again(None)
            };
            item_screen(&admin, &me, id, StatusCode::CONFLICT, extra).await
        }
        Err(e) => match save_error(&admin, &e) {
            Some(err) => {
                let extra = shown_again(Some(err));
                item_screen(&admin, &me, id, StatusCode::UNPROCESSABLE_ENTITY, extra).await
            }
            None => refusal(&admin, Some(&me), &e),
        },
    }
}

/// Puts the files sent with an item's form into the site's library and into the form: a
/// cover becomes the `cover` reference, an attachment a line of `attachments`.
async fn take_files(
    admin: &Admin,
    me: &Me,
    site: &str,
    form: &mut Vec<(String, String)>,
    files: Vec<Upload>,
) -> Result<(), EngineError> {
    for f in files {
        let m = admin
            .gate
            .upload(
                me.actor.clone(),
                site.to_owned(),
                f.filename.clone(),
                None,
                f.bytes,
            )
            .await
            .map_err(|e| match e {
                EngineError::Invalid { message, .. } => EngineError::bad_input(
                    if f.field == "cover_file" {
                        "cover"
                    } else {
                        "attachments"
                    },
                    message,
                ),
                other => other,
            })?;
        let reference = format!("/media/{}", m.id);
        match f.field.as_str() {
            "cover_file" => {
                form.retain(|(k, _)| k != "cover");
                form.push(("cover".into(), reference));
            }
            _ => {
                let line = format!("{} | {reference}", m.filename);
                match form.iter_mut().find(|(k, _)| k == "attachments") {
                    Some((_, v)) if !v.trim().is_empty() => {
                        v.push('\n');
                        v.push_str(&line);
                    }
                    Some((_, v)) => *v = line,
                    None => form.push(("attachments".into(), line)),
                }
            }
        }
    }
    Ok(())
}

/// The fields as they would be after `patch` (what this person meant to save).
fn merged(current: &serde_json::Value, patch: &serde_json::Value) -> serde_json::Value {
    let mut out = current.as_object().cloned().unwrap_or_default();
    if let Some(p) = patch.as_object() {
        for (k, v) in p {
            if v.is_null() {
                out.remove(k);
            } else {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    serde_json::Value::Object(out)
}

/// `2026-12-01T07:00` (a browser's datetime input) or `01/12/2026 07:00`, in Vietnam's time,
/// as RFC 3339.
fn schedule_time(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let naive = [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%d/%m/%Y %H:%M",
        "%d/%m/%Y %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())?;
    portico_engine::vietnam()
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.to_rfc3339())
}

pub(crate) async fn transition(
    State(admin): State<Admin>,
    me: Me,
    ItemPath(id): ItemPath,
    body: Bytes,
) -> Response {
    let form = match posted(&admin, &me, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let action = value_of(&form, "action").to_owned();
    let comment = value_of(&form, "comment").trim().to_owned();
    let at_raw = value_of(&form, "at").to_owned();
    let again = |key: &str, field: &str| Extra {
        error: Some((field.to_owned(), admin.ui.msg(key))),
        comment: comment.clone(),
        at: at_raw.clone(),
        ..Default::default()
    };
    if action == "return" && comment.is_empty() {
        let extra = again("error.return_comment", "comment");
        return item_screen(&admin, &me, id, StatusCode::UNPROCESSABLE_ENTITY, extra).await;
    }
    let at = if action == "schedule" {
        match schedule_time(&at_raw) {
            Some(t) => Some(t),
            None => {
                let extra = again("error.schedule_time", "at");
                return item_screen(&admin, &me, id, StatusCode::UNPROCESSABLE_ENTITY, extra).await;
            }
        }
    } else {
        None
    };
    let input = TransitionInput {
        action: action.clone(),
        comment: Some(comment.clone()).filter(|c| !c.is_empty()),
        at,
    };
    let engine = admin.engine.clone();
    let actor = me.actor.clone();
    match blocking(move || engine.transition(&actor, id, input)).await {
        Ok(_) => Redirect::to(&format!("/admin/items/{id}?done={action}")).into_response(),
        Err(e @ (EngineError::Invalid { .. } | EngineError::Conflict { .. })) => {
            let field = match &e {
                EngineError::Invalid { field, .. } | EngineError::Conflict { field, .. } => {
                    field.clone().unwrap_or_else(|| "action".into())
                }
                _ => "action".into(),
            };
            let field = if field == "at" || field == "comment" {
                field
            } else {
                "action".into()
            };
            let extra = Extra {
                comment,
                at: at_raw,
                ..refused_step(&admin, field, &e)
            };
            item_screen(&admin, &me, id, StatusCode::CONFLICT, extra).await
        }
        Err(e) => refusal(&admin, Some(&me), &e),
    }
}

pub(crate) async fn propose(
    State(admin): State<Admin>,
    me: Me,
    ItemPath(id): ItemPath,
    body: Bytes,
) -> Response {
    let form = match posted(&admin, &me, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let parent = value_of(&form, "parent").to_owned();
    let engine = admin.engine.clone();
    let actor = me.actor.clone();
    match blocking(move || engine.propose(&actor, id, &parent)).await {
        Ok(_) => Redirect::to(&format!("/admin/items/{id}?done=propose")).into_response(),
        Err(e @ (EngineError::Invalid { .. } | EngineError::Conflict { .. })) => {
            let extra = refused_step(&admin, "parent".into(), &e);
            item_screen(&admin, &me, id, StatusCode::CONFLICT, extra).await
        }
        Err(e) => refusal(&admin, Some(&me), &e),
    }
}

#[cfg(test)]
mod tests {
    use super::schedule_time;

    #[test]
    fn a_schedule_is_read_in_vietnam_time() {
        assert_eq!(
            schedule_time("2026-12-01T07:00").as_deref(),
            Some("2026-12-01T07:00:00+07:00")
        );
        assert_eq!(
            schedule_time("01/12/2026 07:00").as_deref(),
            Some("2026-12-01T07:00:00+07:00")
        );
        assert_eq!(schedule_time("tomorrow"), None);
    }
}
