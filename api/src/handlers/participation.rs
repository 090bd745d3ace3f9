//! Citizens' questions and comments on consultations: the public side (asking, following,
//! commenting, reading what was approved) and the staff side (answering, moderating,
//! responding, the report). Public submissions pass a per-address limit first.

use super::{blocking, path_id};
use crate::cache::headers::{public_json, Tags, PUBLIC_CACHE_CONTROL};
use crate::client_addr::{client_ip, limit_key};
use crate::error::ApiError;
use crate::extract::{Auth, JsonBody, Params};
use crate::AppState;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use portico_engine::{
    AnswerInput, CommentId, CommentInput, CommentRecord, CommentStatus, Dependency, ItemId,
    ModerationInput, QuestionId, QuestionInput, QuestionStatus, QuestionView, ResponseInput,
};
use serde::Deserialize;
use serde_json::{json, Value};
use std::net::SocketAddr;

/// Takes one submission from the client's address, or says when it may send again.
pub(crate) fn admit(st: &AppState, peer: SocketAddr, headers: &HeaderMap) -> Result<(), ApiError> {
    let ip = client_ip(peer, headers, &st.config.trusted_proxies);
    st.submissions
        .take(
            limit_key(ip, st.config.connections.ipv6_prefix),
            std::time::Instant::now(),
        )
        .map_err(|secs| {
            st.metrics.submission_limited();
            ApiError::TooManySubmissions(secs)
        })
}

/// An answer no cache keeps: what a citizen sent, or their question's status.
fn private<T: serde::Serialize>(status: StatusCode, body: &T) -> Response {
    let mut r = (status, Json(body)).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `POST /api/v1/public/sites/{site}/questions` → `202 {reference, status}`.
pub(crate) async fn ask(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(site): Path<String>,
    JsonBody(body): JsonBody<QuestionInput>,
) -> Result<Response, ApiError> {
    admit(&st, peer, &headers)?;
    let engine = st.engine.clone();
    let asked = blocking(move || engine.ask_question(&site, body)).await?;
    st.progress.wrote();
    Ok(private(StatusCode::ACCEPTED, &asked))
}

/// `GET /api/v1/public/questions/{reference}`: where a question is, for whoever holds its
/// reference; never who asked.
pub(crate) async fn status(
    State(st): State<AppState>,
    Path(reference): Path<String>,
) -> Result<Response, ApiError> {
    let engine = st.engine.clone();
    let view = blocking(move || engine.question_status(&reference)).await?;
    Ok(private(StatusCode::OK, &view))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Confirmation {
    token: String,
}

/// `POST /api/v1/public/questions/confirm` `{token}`: the asker's email is confirmed.
pub(crate) async fn confirm(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Confirmation>,
) -> Result<Response, ApiError> {
    admit(&st, peer, &headers)?;
    let engine = st.engine.clone();
    let asked = blocking(move || engine.confirm_question(&body.token)).await?;
    Ok(private(StatusCode::OK, &asked))
}

/// `GET /api/v1/public/items/{id}/sections`: the draft cut into its sections, and whether
/// it takes comments now.
pub(crate) async fn sections(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = ItemId(path_id("item", &id)?);
    let engine = st.engine.clone();
    let view = blocking(move || engine.consultation(id)).await?;
    let body = serde_json::to_value(&view).map_err(ApiError::internal)?;
    Ok(public_json(
        &headers,
        &body,
        None,
        item_tags(id),
        PUBLIC_CACHE_CONTROL,
    ))
}

/// `POST /api/v1/public/items/{id}/comments` → `202 {status: "pending"}`.
pub(crate) async fn comment(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<CommentInput>,
) -> Result<Response, ApiError> {
    let id = ItemId(path_id("item", &id)?);
    admit(&st, peer, &headers)?;
    let engine = st.engine.clone();
    let status = blocking(move || engine.comment(id, body)).await?;
    st.progress.wrote();
    Ok(private(StatusCode::ACCEPTED, &json!({"status": status})))
}

/// `GET /api/v1/public/items/{id}/comments`: the approved comments, without emails.
pub(crate) async fn public_comments(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = ItemId(path_id("item", &id)?);
    let engine = st.engine.clone();
    let list = blocking(move || engine.public_comments(id)).await?;
    let body = json!({ "comments": list });
    Ok(public_json(
        &headers,
        &body,
        None,
        item_tags(id),
        PUBLIC_CACHE_CONTROL,
    ))
}

/// `GET /api/v1/public/items/{id}/report`: the report, once the agency made it public.
pub(crate) async fn public_report(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = ItemId(path_id("item", &id)?);
    let engine = st.engine.clone();
    let report = blocking(move || engine.public_report(id)).await?;
    let body = serde_json::to_value(&report).map_err(ApiError::internal)?;
    Ok(public_json(
        &headers,
        &body,
        None,
        item_tags(id),
        PUBLIC_CACHE_CONTROL,
    ))
}

fn item_tags(id: ItemId) -> Tags {
    let mut tags = Tags::default();
    tags.add(Dependency::Item(id));
    tags
}

fn status_param<T: std::str::FromStr<Err = String>>(
    p: &std::collections::HashMap<String, String>,
) -> Result<Option<T>, ApiError> {
    match p.get("status").map(|s| s.trim()) {
        None | Some("") | Some("all") => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|m: String| ApiError::Http {
            code: portico_engine::ErrorCode::InvalidParameter,
            message: m,
            field: Some("status".to_owned()),
        }),
    }
}

/// `GET /api/v1/sites/{site}/questions?status=`: what arrived, the overdue first.
pub(crate) async fn questions(
    State(st): State<AppState>,
    auth: Auth,
    Path(site): Path<String>,
    Params(p): Params<std::collections::HashMap<String, String>>,
) -> Result<Json<Vec<QuestionView>>, ApiError> {
    let status: Option<QuestionStatus> = status_param(&p)?;
    let engine = st.engine.clone();
    Ok(Json(
        blocking(move || engine.questions(&auth.actor, &site, status)).await?,
    ))
}

fn question_id(s: &str) -> Result<QuestionId, ApiError> {
    path_id("question", s).map(QuestionId)
}

/// `GET /api/v1/questions/{id}`.
pub(crate) async fn question(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<QuestionView>, ApiError> {
    let id = question_id(&id)?;
    let engine = st.engine.clone();
    Ok(Json(
        blocking(move || engine.question(&auth.actor, id)).await?,
    ))
}

/// `POST /api/v1/questions/{id}/answer` `{answer}` → `201 {item_id, ...}`: a draft of kind
/// `question` that then goes through the workflow.
pub(crate) async fn answer(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AnswerInput>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let id = question_id(&id)?;
    let engine = st.engine.clone();
    let item = blocking(move || engine.answer_question(&auth.actor, id, body)).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"item_id": item.id, "item": item})),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Reason {
    reason: String,
}

/// `POST /api/v1/questions/{id}/reject` `{reason}`.
pub(crate) async fn reject(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Reason>,
) -> Result<Json<QuestionView>, ApiError> {
    let id = question_id(&id)?;
    let engine = st.engine.clone();
    Ok(Json(
        blocking(move || engine.reject_question(&auth.actor, id, &body.reason)).await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Forward {
    site: String,
    #[serde(default)]
    note: String,
}

/// `POST /api/v1/questions/{id}/forward` `{site, note?}`: to the agency that should answer.
pub(crate) async fn forward(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Forward>,
) -> Result<Json<QuestionView>, ApiError> {
    let id = question_id(&id)?;
    let engine = st.engine.clone();
    Ok(Json(
        blocking(move || engine.forward_question(&auth.actor, id, &body.site, &body.note)).await?,
    ))
}

/// `DELETE /api/v1/questions/{id}/personal-data`: the asker's email, phone and name erased.
pub(crate) async fn erase_question(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<QuestionView>, ApiError> {
    let id = question_id(&id)?;
    let engine = st.engine.clone();
    Ok(Json(
        blocking(move || engine.erase_question(&auth.actor, id)).await?,
    ))
}

/// `GET /api/v1/items/{id}/comments?status=`: every comment, with emails, for staff.
pub(crate) async fn comments(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<std::collections::HashMap<String, String>>,
) -> Result<Json<Vec<CommentRecord>>, ApiError> {
    let id = ItemId(path_id("item", &id)?);
    let status: Option<CommentStatus> = status_param(&p)?;
    let engine = st.engine.clone();
    Ok(Json(
        blocking(move || engine.comments(&auth.actor, id, status)).await?,
    ))
}

fn comment_id(s: &str) -> Result<CommentId, ApiError> {
    path_id("comment", s).map(CommentId)
}

/// `POST /api/v1/comments/{cid}/moderation` `{decision, reason?}`.
pub(crate) async fn moderate(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ModerationInput>,
) -> Result<Json<CommentRecord>, ApiError> {
    let id = comment_id(&id)?;
    let engine = st.engine.clone();
    let c = blocking(move || engine.moderate_comment(&auth.actor, id, body)).await?;
    st.progress.wrote();
    Ok(Json(c))
}

/// `POST /api/v1/comments/{cid}/response` `{disposition, reply}`.
pub(crate) async fn respond(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ResponseInput>,
) -> Result<Json<CommentRecord>, ApiError> {
    let id = comment_id(&id)?;
    let engine = st.engine.clone();
    let c = blocking(move || engine.respond_to_comment(&auth.actor, id, body)).await?;
    st.progress.wrote();
    Ok(Json(c))
}

/// `DELETE /api/v1/comments/{cid}/personal-data`.
pub(crate) async fn erase_comment(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<CommentRecord>, ApiError> {
    let id = comment_id(&id)?;
    let engine = st.engine.clone();
    let c = blocking(move || engine.erase_comment(&auth.actor, id)).await?;
    st.progress.wrote();
    Ok(Json(c))
}

/// `GET /api/v1/items/{id}/report.csv`.
pub(crate) async fn report_csv(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    report(st, auth, id, "csv").await
}

/// `GET /api/v1/items/{id}/report.docx`.
pub(crate) async fn report_docx(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    report(st, auth, id, "docx").await
}

/// The report of comments taken up and explained, grouped by section, as a file.
async fn report(
    st: AppState,
    auth: Auth,
    id: String,
    format: &'static str,
) -> Result<Response, ApiError> {
    let id = ItemId(path_id("item", &id)?);
    report_for(&st, auth.actor, id, format == "docx").await
}

/// The report as a file for `actor`: the API's download and the editors' interface's.
pub(crate) async fn report_for(
    st: &AppState,
    actor: portico_engine::Actor,
    id: ItemId,
    docx: bool,
) -> Result<Response, ApiError> {
    let format = if docx { "docx" } else { "csv" };
    let engine = st.engine.clone();
    let report = blocking(move || engine.comment_report(&actor, id)).await?;
    let name = format!("bao-cao-tiep-thu-giai-trinh-{}", id.0);
    let (bytes, kind) = if format == "csv" {
        (crate::report::csv(&report)?, "text/csv; charset=utf-8")
    } else {
        (
            super::off_thread(move || crate::report::docx(&report))
                .await
                .map_err(ApiError::internal)??,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
    };
    let mut r = (StatusCode::OK, bytes).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}.{format}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}
