//! An item's revisions and the word-level comparison of any two, inline or side by side.

use super::{blocking, page, refusal, ItemPath, Me};
use crate::Admin;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

pub(crate) async fn list(State(admin): State<Admin>, me: Me, ItemPath(id): ItemPath) -> Response {
    let engine = admin.engine.clone();
    let actor = me.actor.clone();
    let found =
        blocking(move || Ok((engine.item(&actor, id)?, engine.revisions(&actor, id)?))).await;
    let (item, revisions) = match found {
        Ok(v) => v,
        Err(e) => return refusal(&admin, Some(&me), &e),
    };
    let ctx = context! {
        me => me.view(),
        item,
        revisions,
    };
    page(&admin, StatusCode::OK, "revisions.html", ctx)
}

#[derive(Deserialize)]
pub(crate) struct Pair {
    a: Option<u32>,
    b: Option<u32>,
    /// `inline` (the default) or `side`.
    #[serde(default)]
    view: Option<String>,
}

pub(crate) async fn compare(
    State(admin): State<Admin>,
    me: Me,
    ItemPath(id): ItemPath,
    Query(p): Query<Pair>,
) -> Response {
    let engine = admin.engine.clone();
    let actor = me.actor.clone();
    let found = blocking(move || {
        let item = engine.item(&actor, id)?;
        let newest = item.revision.0;
        let b = p.b.unwrap_or(newest);
        let a = p.a.unwrap_or(b.saturating_sub(1).max(1));
        // Older on the left whichever order they were picked in.
        let (a, b) = (a.min(b), a.max(b));
        let ra = engine.revision(&actor, id, a)?;
        let rb = engine.revision(&actor, id, b)?;
        Ok((item, ra, rb))
    })
    .await;
    let (item, ra, rb) = match found {
        Ok(v) => v,
        Err(e) => return refusal(&admin, Some(&me), &e),
    };
    let order: Vec<&str> = crate::fields::of(item.kind)
        .iter()
        .map(|f| f.name)
        .collect();
    let null = serde_json::Value::Null;
    let fields = crate::diff::fields(
        ra.fields.as_ref().unwrap_or(&null),
        rb.fields.as_ref().unwrap_or(&null),
        &order,
    );
    let side = p.view.as_deref() == Some("side");
    let ctx = context! {
        me => me.view(),
        item,
        a => ra,
        b => rb,
        fields,
        side,
    };
    page(&admin, StatusCode::OK, "compare.html", ctx)
}
