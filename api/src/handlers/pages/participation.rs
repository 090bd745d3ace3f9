//! The citizens' pages: questions and answers (`/hoi-dap`: the published answers, the form to
//! ask, following a question by its reference) and consultations on drafts (`/lay-y-kien`,
//! and on a draft's page a comment form per section). The forms work without JavaScript;
//! they are taken only from the portal's own pages (the browser's `Origin`), under the same
//! per-address limit as the API, and a hidden field catches robots.

use super::{render, site_context, Dress, Page};
use crate::error::ApiError;
use crate::host_routing::HostSite;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use portico_engine::{
    CommentInput, Engine, EngineError, ItemId, ItemKind, PublicItem, QuestionInput, Site, Window,
};
use portico_themes::{context, labels};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::SocketAddr;

/// The site a page is on, what every page of it shows, and its address prefix.
fn on_site(
    engine: &Engine,
    slug: &str,
    routed: bool,
) -> Result<(Site, Value, String), EngineError> {
    let site = engine.site_named(slug)?;
    let ctx = site_context(engine, &site, routed)?;
    let prefix = context::prefix(&site, routed);
    Ok((site, ctx, prefix))
}

/// The field an engine refusal names ("" when none).
fn field_of(e: &EngineError) -> String {
    match e {
        EngineError::Invalid { field, .. } => field.clone().unwrap_or_default(),
        _ => String::new(),
    }
}

/// A citizen's form as it arrived: whether it is refused before anything else, its fields,
/// and whose portal it is on.
struct Sent {
    refused: Option<Refused>,
    form: HashMap<String, String>,
    routed: bool,
    dress: Dress,
}

impl Sent {
    fn new(
        st: &AppState,
        peer: SocketAddr,
        headers: &HeaderMap,
        hosted: &Option<axum::Extension<HostSite>>,
        site: &str,
        body: &[u8],
    ) -> Sent {
        Sent {
            refused: refusal(st, peer, headers),
            form: posted(body),
            routed: hosted.is_some(),
            dress: Dress::of(site, hosted),
        }
    }

    fn get(&self, k: &str) -> String {
        self.form.get(k).cloned().unwrap_or_default()
    }
}

/// The form's fields as posted (the first value of each name).
fn posted(body: &[u8]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(body) {
        out.entry(k.into_owned()).or_insert_with(|| v.into_owned());
    }
    out
}

/// Whether a form was sent from a page of this server: the browser's `Origin` (or, without
/// one, its `Referer`) names the host the request came to. Other sites' pages cannot post
/// questions in a visitor's name.
fn same_origin(headers: &HeaderMap, public_url: Option<&str>) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let public = public_url
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_owned(),
            })
        });
    let from = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok())
        .and_then(|v| url::Url::parse(v).ok());
    let Some(from) = from else { return false };
    let Some(h) = from.host_str() else {
        return false;
    };
    let authority = match from.port() {
        Some(p) => format!("{h}:{p}"),
        None => h.to_owned(),
    };
    (!host.is_empty() && authority.eq_ignore_ascii_case(host))
        || public.is_some_and(|p| authority.eq_ignore_ascii_case(&p))
}

/// The Vietnamese message for a refused field of the forms.
fn message(field: &str, e: &EngineError) -> String {
    let kind = match e {
        EngineError::Invalid { kind, .. } => Some(*kind),
        _ => None,
    };
    let what = match field {
        "name" => "Họ và tên",
        "email" => "Thư điện tử",
        "phone" => "Số điện thoại",
        "title" => "Tiêu đề",
        "body" => "Nội dung",
        "field" => "Lĩnh vực",
        "section" => "Phần dự thảo",
        _ => "Thông tin",
    };
    match kind {
        Some(portico_engine::InvalidKind::Required) => format!("{what}: chưa nhập."),
        Some(portico_engine::InvalidKind::TooLong) => format!("{what}: quá dài."),
        _ if field == "email" => "Thư điện tử không đúng, ví dụ: ten@gmail.com.".to_owned(),
        _ if field == "phone" => {
            "Số điện thoại chỉ gồm chữ số (có thể có + . - và khoảng trắng).".to_owned()
        }
        _ => format!("{what}: không hợp lệ."),
    }
}

/// What to tell a visitor whose form was refused before it reached the engine.
enum Refused {
    /// Not from our pages.
    Origin,
    /// Too many from this address.
    Limited(u64),
}

fn refusal(st: &AppState, peer: SocketAddr, headers: &HeaderMap) -> Option<Refused> {
    if !same_origin(headers, st.config.public_url.as_deref()) {
        return Some(Refused::Origin);
    }
    match crate::handlers::participation::admit(st, peer, headers) {
        Err(ApiError::TooManySubmissions(secs)) => Some(Refused::Limited(secs)),
        _ => None,
    }
}

fn refused_page(site: &Site, ctx: Value, why: &Refused) -> Page {
    let (status, text) = match why {
        Refused::Origin => (
            StatusCode::FORBIDDEN,
            "Biểu mẫu phải được gửi từ chính trang của cổng. Hãy mở lại trang và gửi lại."
                .to_owned(),
        ),
        Refused::Limited(secs) => (
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "Địa chỉ của bạn vừa gửi quá nhiều lần. Hãy thử lại sau khoảng {} phút.",
                secs.div_ceil(60)
            ),
        ),
    };
    Page::Private {
        status,
        site: (site.slug.clone(), site.theme.clone()),
        template: "comment_sent.html",
        ctx: context::merge(ctx, json!({"title": "Chưa gửi được", "refused": text})),
    }
}

/// `POST /{site}/hoi-dap`: asks; then to the question's status (303), or the form again with
/// what was typed and a message at the field.
pub(crate) async fn ask(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    hosted: Option<axum::Extension<HostSite>>,
    Path(site): Path<String>,
    body: Bytes,
) -> Response {
    let sent = Sent::new(&st, peer, &headers, &hosted, &site, &body);
    let progress = st.progress.clone();
    let dress = sent.dress.clone();
    render(&st, &headers, dress, move |engine| {
        let (site, ctx, prefix) = on_site(engine, &site, sent.routed)?;
        if let Some(why) = &sent.refused {
            return Ok(refused_page(&site, ctx, why));
        }
        let get = |k: &str| sent.get(k);
        let input = QuestionInput {
            name: get("name"),
            email: get("email"),
            phone: get("phone"),
            title: get("title"),
            body: get("body"),
            field: get("field"),
            website: get("website"),
        };
        match engine.ask_question(&site.slug, input) {
            Ok(asked) => {
                progress.wrote();
                Ok(Page::SeeOther {
                    location: format!("{prefix}/hoi-dap/tra-cuu?ma={}&moi=1", asked.reference),
                })
            }
            Err(e @ EngineError::Invalid { .. }) => {
                let field = field_of(&e);
                let typed: serde_json::Map<String, Value> = ["name", "email", "phone", "title", "body", "field"]
                    .iter()
                    .map(|k| ((*k).to_owned(), Value::String(get(k))))
                    .collect();
                let list = question_list(engine, &site, &prefix)?;
                Ok(Page::Private {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    site: (site.slug.clone(), site.theme.clone()),
                    template: "questions.html",
                    ctx: context::merge(
                        ctx,
                        json!({"title": labels::QUESTIONS, "items": list, "fields": labels::QUESTION_FIELDS,
                               "form": typed, "form_error": message(&field, &e), "form_field": field,
                               "filters": {}}),
                    ),
                })
            }
            Err(e) => Err(e),
        }
    })
    .await
}

/// The newest answers, for the form shown again after a refusal.
fn question_list(engine: &Engine, site: &Site, prefix: &str) -> Result<Vec<Value>, EngineError> {
    let q = portico_engine::ContentFilters {
        kind: Some(ItemKind::Question),
        ..Default::default()
    };
    Ok(engine
        .public_list(Some(&site.slug), &q, None, 20)?
        .items
        .into_iter()
        .map(|i| context::list_entry(i, prefix, None))
        .collect())
}

/// `GET /{site}/hoi-dap/tra-cuu?ma=`: where a question is, for whoever holds its reference.
pub(crate) async fn lookup(
    State(st): State<AppState>,
    headers: HeaderMap,
    hosted: Option<axum::Extension<HostSite>>,
    Path(site): Path<String>,
    Query(p): Query<HashMap<String, String>>,
) -> Response {
    let routed = hosted.is_some();
    let dress = Dress::of(&site, &hosted);
    render(&st, &headers, dress, move |engine| {
        let (site, ctx, prefix) = on_site(engine, &site, routed)?;
        let reference = p.get("ma").map(|s| s.trim().to_uppercase()).unwrap_or_default();
        let found = if reference.is_empty() || reference.len() > 40 {
            None
        } else {
            match engine.question_status(&reference) {
                Ok(v) => Some(v),
                Err(EngineError::NotFound(_)) => None,
                Err(e) => return Err(e),
            }
        };
        let answer_url = match &found {
            Some(v) => match (&v.answer_slug, v.site == site.slug) {
                (Some(slug), _) => engine
                    .public_item(&v.site, slug)
                    .ok()
                    .map(|i| portico_themes::urls::public_item_path(&format!("/{}", v.site), &i)),
                _ => None,
            },
            None => None,
        };
        Ok(Page::Private {
            status: if found.is_some() || reference.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            },
            site: (site.slug.clone(), site.theme.clone()),
            template: "question_status.html",
            ctx: context::merge(
                ctx,
                json!({"title": "Tra cứu câu hỏi", "reference": reference, "found": found,
                       "answer_url": answer_url, "new": p.contains_key("moi"),
                       "confirmed": p.contains_key("xac-nhan"),
                       "breadcrumbs": context::breadcrumbs(&site, &prefix, &[(Some(format!("{prefix}/hoi-dap")), labels::QUESTIONS.to_owned()), (None, "Tra cứu".to_owned())])}),
            ),
        })
    })
    .await
}

/// `GET /{site}/hoi-dap/xac-nhan?ma=`: the link mailed to the asker confirms their address.
pub(crate) async fn confirm(
    State(st): State<AppState>,
    headers: HeaderMap,
    hosted: Option<axum::Extension<HostSite>>,
    Path(site): Path<String>,
    Query(p): Query<HashMap<String, String>>,
) -> Response {
    let routed = hosted.is_some();
    let dress = Dress::of(&site, &hosted);
    render(&st, &headers, dress, move |engine| {
        let site = engine.site_named(&site)?;
        let prefix = context::prefix(&site, routed);
        let token = p.get("ma").cloned().unwrap_or_default();
        if token.is_empty() || token.len() > 200 {
            return Err(EngineError::NotFound("confirmation".to_owned()));
        }
        let asked = engine.confirm_question(&token)?;
        Ok(Page::SeeOther {
            location: format!("{prefix}/hoi-dap/tra-cuu?ma={}&xac-nhan=1", asked.reference),
        })
    })
    .await
}

/// `POST /{site}/lay-y-kien/{id}/gop-y`: a comment on one section (or the whole draft).
pub(crate) async fn comment(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    hosted: Option<axum::Extension<HostSite>>,
    Path((site, id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let sent = Sent::new(&st, peer, &headers, &hosted, &site, &body);
    let progress = st.progress.clone();
    let dress = sent.dress.clone();
    render(&st, &headers, dress, move |engine| {
        let (site, ctx, prefix) = on_site(engine, &site, sent.routed)?;
        let id = id
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(ItemId)
            .ok_or_else(|| EngineError::NotFound(format!("consultation {id}")))?;
        let item = engine
            .public_item_by_id(id)?
            .filter(|i| i.kind == ItemKind::Consultation && i.site == site.slug)
            .ok_or_else(|| EngineError::NotFound(format!("consultation {id}")))?;
        if let Some(why) = &sent.refused {
            return Ok(refused_page(&site, ctx, why));
        }
        let get = |k: &str| sent.get(k);
        let section = Some(get("section")).filter(|s| !s.is_empty());
        let back = portico_themes::urls::public_item_path(&prefix, &item);
        let input = CommentInput {
            section: section.clone(),
            name: get("name"),
            email: get("email"),
            body: get("body"),
            website: get("website"),
        };
        let page = |status, extra: Value| Page::Private {
            status,
            site: (site.slug.clone(), site.theme.clone()),
            template: "comment_sent.html",
            ctx: context::merge(
                ctx.clone(),
                context::merge(
                    json!({"title": item.title, "item_title": item.title, "back": back}),
                    extra,
                ),
            ),
        };
        match engine.comment(id, input) {
            Ok(_) => {
                progress.wrote();
                Ok(page(StatusCode::OK, json!({"sent": true})))
            }
            Err(EngineError::Conflict { .. }) => Ok(page(
                StatusCode::CONFLICT,
                json!({"refused": "Dự thảo này hiện không nhận góp ý (chưa đến hoặc đã hết thời gian lấy ý kiến)."}),
            )),
            Err(e @ EngineError::Invalid { .. }) => {
                let field = field_of(&e);
                let label = engine
                    .consultation(id)?
                    .sections
                    .into_iter()
                    .find(|s| Some(&s.id) == section.as_ref())
                    .map(|s| s.label);
                Ok(page(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    json!({"form": {"name": get("name"), "email": get("email"), "body": get("body"),
                                    "section": section, "section_label": label},
                           "form_error": message(&field, &e), "form_field": field,
                           "action": format!("{prefix}/lay-y-kien/{}/gop-y", id.0)}),
                ))
            }
            Err(e) => Err(e),
        }
    })
    .await
}

/// What a consultation's page adds to its item: the draft section by section (each rendered
/// and sanitised), the approved comments under their sections, whether comments are taken
/// now, and the report when the agency made it public.
pub(super) fn consultation_context(
    engine: &Engine,
    item: &PublicItem,
    prefix: &str,
) -> Result<Value, EngineError> {
    use portico_engine::Renderer;
    let view = engine.consultation(item.id)?;
    let comments = engine.public_comments(item.id)?;
    let md = portico_themes::MarkdownRenderer;
    let sections: Vec<Value> = view
        .sections
        .iter()
        .map(|s| {
            let mine: Vec<&portico_engine::PublicComment> = comments
                .iter()
                .filter(|c| c.section.as_deref() == Some(s.id.as_str()))
                .collect();
            json!({"id": s.id, "label": s.label, "heading": s.heading, "level": s.level,
                   "html": md.markdown(&s.text), "comments": mine})
        })
        .collect();
    let general: Vec<&portico_engine::PublicComment> =
        comments.iter().filter(|c| c.section.is_none()).collect();
    let report = if view.report_published {
        Some(engine.public_report(item.id)?)
    } else {
        None
    };
    Ok(json!({
        "sections": sections,
        "general_comments": general,
        "window": view.window,
        "open": view.window == Window::Open,
        "opens_at": view.opens_at,
        "closes_at": view.closes_at,
        "comment_count": comments.len(),
        "action": format!("{prefix}/lay-y-kien/{}/gop-y", item.id.0),
        "report": report,
    }))
}

/// Whether each consultation of a list takes comments now, for its badge.
pub(super) fn windows(engine: &Engine, items: &mut [Value]) {
    let now = engine.now();
    for i in items {
        let at = |k: &str| {
            i.pointer(&format!("/fields/{k}"))
                .and_then(Value::as_str)
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        };
        let window = match (at("opens_at"), at("closes_at")) {
            (Some(o), _) if now < o => "not_yet_open",
            (_, Some(c)) if now >= c => "closed",
            (Some(_), Some(_)) => "open",
            _ => continue,
        };
        if let Some(o) = i.as_object_mut() {
            o.insert("window".into(), json!(window));
        }
    }
}
