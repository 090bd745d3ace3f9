//! What citizens sent, for staff: a site's questions (`/admin/sites/{site}/questions`), one
//! question with the forms to answer, reject, forward or erase it (`/admin/questions/{id}`),
//! and a consultation's comments with moderation, the agency's answers and the report
//! (`/admin/items/{id}/comments`). Every decision is the engine's.

use super::{blocking, message, page, posted, refusal, ItemPath, Me};
use crate::fields::value_of;
use crate::Admin;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use portico_engine::{
    AnswerInput, CommentId, CommentStatus, EngineError, ModerationInput, Permission, QuestionId,
    QuestionStatus, ResponseInput,
};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub(crate) struct StatusQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    done: Option<String>,
}

/// The statuses the list's tabs offer, in a person's order.
const TABS: [&str; 4] = ["new", "answered", "published", "rejected"];

pub(crate) async fn questions(
    State(admin): State<Admin>,
    me: Me,
    Path(site): Path<String>,
    Query(q): Query<StatusQuery>,
) -> Response {
    let Ok(status) = status_filter(&q.status, Some(QuestionStatus::New)) else {
        return message(
            &admin,
            Some(&me),
            StatusCode::BAD_REQUEST,
            "error.filter",
            None,
        );
    };
    let engine = admin.engine.clone();
    let actor = me.actor.clone();
    let slug = site.clone();
    let found = blocking(move || {
        let site = engine.site_named(&slug)?;
        let list = engine.questions(&actor, &slug, status)?;
        // The tab's count: the list itself when it is the waiting ones.
        let waiting = if status == Some(QuestionStatus::New) {
            list.len()
        } else {
            engine
                .questions(&actor, &slug, Some(QuestionStatus::New))?
                .len()
        };
        Ok((site, list, waiting))
    })
    .await;
    let (site, list, waiting) = match found {
        Ok(f) => f,
        Err(e) => return refusal(&admin, Some(&me), &e),
    };
    let ctx = context! {
        me => me.view(),
        site => context! { slug => site.slug, name => site.name },
        questions => list,
        waiting,
        tabs => TABS,
        status => status.map(|s| s.as_str()).unwrap_or("all"),
        done => q.done.filter(|d| d.len() < 30),
    };
    page(&admin, StatusCode::OK, "questions.html", ctx)
}

/// A list's status filter from the query string: `default` when absent, every status for
/// `all`, `Err` for a word that is no status.
fn status_filter<T: std::str::FromStr>(raw: &str, default: Option<T>) -> Result<Option<T>, ()> {
    match raw {
        "" => Ok(default),
        "all" => Ok(None),
        s => s.parse().map(Some).map_err(|_| ()),
    }
}

fn question_id(raw: &str) -> Option<QuestionId> {
    raw.parse().ok().filter(|n| *n > 0).map(QuestionId)
}

pub(crate) async fn question(
    State(admin): State<Admin>,
    me: Me,
    Path(id): Path<String>,
    Query(q): Query<StatusQuery>,
) -> Response {
    let Some(id) = question_id(&id) else {
        return message(
            &admin,
            Some(&me),
            StatusCode::NOT_FOUND,
            "error.not_found",
            None,
        );
    };
    question_page(&admin, &me, id, StatusCode::OK, q.done, None).await
}

async fn question_page(
    admin: &Admin,
    me: &Me,
    id: QuestionId,
    status: StatusCode,
    done: Option<String>,
    error: Option<(String, String)>,
) -> Response {
    let engine = admin.engine.clone();
    let actor = me.actor.clone();
    let found = blocking(move || {
        let q = engine.question(&actor, id)?;
        let may_answer = engine.may(&actor, &q.site, Permission::AnswerQuestions);
        let may_erase = engine.may(&actor, &q.site, Permission::ErasePersonalData);
        let sites: Vec<(String, String)> = engine
            .sites()?
            .into_iter()
            .filter(|s| s.slug != q.site)
            .map(|s| (s.slug, s.name))
            .collect();
        let site = engine.site_named(&q.site)?;
        Ok((q, site, may_answer, may_erase, sites))
    })
    .await;
    let (q, site, may_answer, may_erase, sites) = match found {
        Ok(f) => f,
        Err(e) => return refusal(admin, Some(me), &e),
    };
    let ctx = context! {
        me => me.view(),
        site => context! { slug => site.slug, name => site.name },
        q,
        may_answer,
        may_erase,
        sites,
        done => done.filter(|d| d.len() < 30),
        error_field => error.as_ref().map(|e| e.0.clone()),
        error => error.map(|e| e.1),
    };
    page(admin, status, "question.html", ctx)
}

/// One of the question page's forms, by its `op`: answer, reject, forward, erase.
pub(crate) async fn question_act(
    State(admin): State<Admin>,
    me: Me,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let Some(id) = question_id(&id) else {
        return message(
            &admin,
            Some(&me),
            StatusCode::NOT_FOUND,
            "error.not_found",
            None,
        );
    };
    let form = match posted(&admin, &me, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let op = value_of(&form, "op").to_owned();
    let get = |k: &str| value_of(&form, k).to_owned();
    let (answer, reason, site, note) = (get("answer"), get("reason"), get("site"), get("note"));
    let engine = admin.engine.clone();
    let actor = me.actor.clone();
    let op_for = op.clone();
    let done = blocking(move || match op_for.as_str() {
        "answer" => engine
            .answer_question(
                &actor,
                id,
                AnswerInput {
                    answer,
                    ..Default::default()
                },
            )
            .map(|item| Some(item.id)),
        "reject" => engine.reject_question(&actor, id, &reason).map(|_| None),
        "forward" => engine
            .forward_question(&actor, id, &site, &note)
            .map(|_| None),
        "erase" => engine.erase_question(&actor, id).map(|_| None),
        other => Err(EngineError::bad_input("op", format!("no action '{other}'"))),
    })
    .await;
    match done {
        // The answer is a draft: on to its editor, to polish and submit.
        Ok(Some(item)) => {
            Redirect::to(&format!("/admin/items/{item}?done=q_answer")).into_response()
        }
        Ok(None) => Redirect::to(&format!("/admin/questions/{}?done=q_{op}", id.0)).into_response(),
        Err(EngineError::Invalid { field, .. }) => {
            let field = field.unwrap_or_default();
            let key = match field.as_str() {
                "answer" | "reason" => "error.required",
                "site" => "questions.error_site",
                _ => "error.invalid",
            };
            let text = admin.ui.msg(key);
            question_page(
                &admin,
                &me,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some((field, text)),
            )
            .await
        }
        Err(EngineError::Conflict { .. }) => {
            let text = admin.ui.msg("questions.error_decided");
            question_page(
                &admin,
                &me,
                id,
                StatusCode::CONFLICT,
                None,
                Some((String::new(), text)),
            )
            .await
        }
        Err(e) => refusal(&admin, Some(&me), &e),
    }
}

pub(crate) async fn comments(
    State(admin): State<Admin>,
    me: Me,
    ItemPath(id): ItemPath,
    Query(q): Query<StatusQuery>,
) -> Response {
    let Ok(status) = status_filter::<CommentStatus>(&q.status, None) else {
        return message(
            &admin,
            Some(&me),
            StatusCode::BAD_REQUEST,
            "error.filter",
            None,
        );
    };
    let engine = admin.engine.clone();
    let actor = me.actor.clone();
    let found = blocking(move || {
        let item = engine.item(&actor, id)?;
        let list = engine.comments(&actor, id, status)?;
        let report = engine.comment_report(&actor, id)?;
        let may = engine.may(&actor, &item.site, Permission::ModerateComments);
        let may_erase = engine.may(&actor, &item.site, Permission::ErasePersonalData);
        let site = engine.site_named(&item.site)?;
        Ok((item, list, report, may, may_erase, site))
    })
    .await;
    let (item, list, report, may, may_erase, site) = match found {
        Ok(f) => f,
        Err(e) => return refusal(&admin, Some(&me), &e),
    };
    let pending = list
        .iter()
        .filter(|c| c.status == CommentStatus::Pending)
        .count();
    let ctx = context! {
        me => me.view(),
        site => context! { slug => site.slug, name => site.name },
        item => context! { id => item.id, title => item.title, live => item.live },
        comments => list,
        pending,
        report,
        may,
        may_erase,
        status => q.status,
        done => q.done.filter(|d| d.len() < 30),
    };
    page(&admin, StatusCode::OK, "comments.html", ctx)
}

/// The report as CSV or DOCX, through the same writer as the API's.
pub(crate) async fn report(
    State(admin): State<Admin>,
    me: Me,
    ItemPath(item): ItemPath,
    Query(q): Query<FormatQuery>,
) -> Response {
    admin
        .gate
        .comment_report(me.actor.clone(), item, q.format == "docx")
        .await
}

#[derive(Deserialize, Default)]
pub(crate) struct FormatQuery {
    #[serde(default)]
    format: String,
}

/// One comment's form, by its `op`: approve, reject, respond, erase.
pub(crate) async fn comments_act(
    State(admin): State<Admin>,
    me: Me,
    ItemPath(item): ItemPath,
    body: Bytes,
) -> Response {
    let form = match posted(&admin, &me, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let Some(cid) = value_of(&form, "comment").parse().ok().map(CommentId) else {
        return message(
            &admin,
            Some(&me),
            StatusCode::BAD_REQUEST,
            "error.invalid_request",
            None,
        );
    };
    let op = value_of(&form, "op").to_owned();
    let get = |k: &str| value_of(&form, k).to_owned();
    let (reason, disposition, reply) = (get("reason"), get("disposition"), get("reply"));
    let engine = admin.engine.clone();
    let actor = me.actor.clone();
    let op_for = op.clone();
    let done = blocking(move || {
        // The comment must be this consultation's: the form names both.
        let mine = engine
            .comments(&actor, item, None)?
            .iter()
            .any(|c| c.id == cid);
        if !mine {
            return Err(EngineError::NotFound(format!("comment {cid}")));
        }
        match op_for.as_str() {
            "approve" | "reject" => engine.moderate_comment(
                &actor,
                cid,
                ModerationInput {
                    decision: op_for.clone(),
                    reason,
                },
            ),
            "respond" => {
                engine.respond_to_comment(&actor, cid, ResponseInput { disposition, reply })
            }
            "erase" => engine.erase_comment(&actor, cid),
            other => Err(EngineError::bad_input("op", format!("no action '{other}'"))),
        }
    })
    .await;
    match done {
        Ok(_) => Redirect::to(&format!(
            "/admin/items/{}/comments?done=c_{op}#c-{}",
            item.0, cid.0
        ))
        .into_response(),
        Err(EngineError::Invalid { .. }) => message(
            &admin,
            Some(&me),
            StatusCode::UNPROCESSABLE_ENTITY,
            "comments.error_reply",
            None,
        ),
        Err(EngineError::Conflict { .. }) => message(
            &admin,
            Some(&me),
            StatusCode::CONFLICT,
            "questions.error_decided",
            None,
        ),
        Err(e) => refusal(&admin, Some(&me), &e),
    }
}
