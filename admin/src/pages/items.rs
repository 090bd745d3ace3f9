//! A site's items (`/admin/sites/{site}/items`): filtered by kind, state, channel, author and
//! text, sorted, paged by cursor, with bulk workflow actions on the ones ticked.

use super::{blocking, page, posted, refusal, Me};
use crate::fields::{value_of, values_of};
use crate::Admin;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use portico_engine::{Action, EngineError, ItemId, ItemKind, ItemListQuery, TransitionInput};
use serde::Deserialize;

/// Items on one page of the list.
const PAGE: usize = 30;

#[derive(Deserialize, Default, Clone)]
pub(crate) struct ListParams {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    sort: Option<String>,
    #[serde(default)]
    cursor: Option<String>,
    /// After a bulk action: how many items moved and how many were refused.
    #[serde(default)]
    done: Option<u32>,
    #[serde(default)]
    refused: Option<u32>,
}

impl ListParams {
    /// The query string of these filters (without the cursor), for links and forms.
    fn query(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("kind", &self.kind),
            ("state", &self.state),
            ("channel", &self.channel),
            ("owner", &self.owner),
            ("q", &self.q),
            ("sort", &self.sort),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                s.append_pair(k, v);
            }
        }
        s.finish()
    }
}

pub(crate) async fn list(
    State(admin): State<Admin>,
    me: Me,
    Path(site): Path<String>,
    Query(p): Query<ListParams>,
) -> Response {
    let engine = admin.engine.clone();
    let actor = me.actor.clone();
    let q = ItemListQuery {
        kind: p.kind.clone(),
        state: p.state.clone(),
        channel: p.channel.clone(),
        owner: p.owner.clone(),
        text: p.q.clone(),
        sort: p.sort.clone(),
        cursor: p.cursor.clone(),
        limit: PAGE,
    };
    let slug = site.clone();
    let found = blocking(move || {
        let site = engine.site_named(&slug)?;
        let channels = engine.channels(&slug)?;
        let list = engine.item_list(&actor, &slug, &q);
        let may_settings = engine.may(&actor, &slug, portico_engine::Permission::ManageChannels);
        Ok((site, channels, list, may_settings))
    })
    .await;
    let (site, channels, list, may_settings) = match found {
        Ok(v) => v,
        Err(e) => return refusal(&admin, Some(&me), &e),
    };
    // A bad filter shows the form again with the message by its field.
    let (items, next_cursor, error) = match list {
        Ok(page) => (page.items, page.next_cursor, None),
        Err(e @ EngineError::Invalid { .. }) => {
            let field = match &e {
                EngineError::Invalid { field, .. } => field.clone(),
                _ => None,
            };
            (
                Vec::new(),
                None,
                Some((field, admin.ui.msg("error.filter"))),
            )
        }
        Err(e) => return refusal(&admin, Some(&me), &e),
    };
    let query = p.query();
    let ctx = context! {
        me => me.view(),
        site => context! { slug => site.slug, name => site.name },
        channels => channels.iter().map(|c| context! { slug => c.slug, name => c.name }).collect::<Vec<_>>(),
        items,
        next_cursor,
        query,
        filters => context! {
            kind => p.kind, state => p.state, channel => p.channel, owner => p.owner,
            q => p.q, sort => p.sort,
        },
        first_page => p.cursor.is_none(),
        may_settings,
        error_field => error.as_ref().and_then(|e| e.0.clone()),
        error => error.map(|e| e.1),
        done => p.done,
        refused => p.refused,
        kinds => ItemKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        states => portico_engine::State::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        bulk_actions => ["submit", "forward", "publish", "unpublish", "archive"],
    };
    page(&admin, StatusCode::OK, "items.html", ctx)
}

/// Applies one workflow action to every ticked item; each is authorised by the engine on its
/// own, so a refusal of one leaves the others done.
pub(crate) async fn bulk(
    State(admin): State<Admin>,
    me: Me,
    Path(site): Path<String>,
    body: Bytes,
) -> Response {
    let form = match posted(&admin, &me, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let action = value_of(&form, "action").to_owned();
    if action.parse::<Action>().is_err() {
        return super::message(
            &admin,
            Some(&me),
            StatusCode::BAD_REQUEST,
            "error.invalid_request",
            Some(format!("action '{action}'")),
        );
    }
    let ids: Vec<ItemId> = values_of(&form, "ids")
        .into_iter()
        .filter_map(|v| v.parse().ok().map(ItemId))
        .take(MAX_BULK)
        .collect();
    let comment = Some(value_of(&form, "comment").trim().to_owned()).filter(|c| !c.is_empty());
    let engine = admin.engine.clone();
    let actor = me.actor.clone();
    let (done, refused) = match blocking(move || {
        let (mut done, mut refused) = (0u32, 0u32);
        for id in ids {
            let input = TransitionInput {
                action: action.clone(),
                comment: comment.clone(),
                at: None,
            };
            match engine.transition(&actor, id, input) {
                Ok(_) => done += 1,
                Err(EngineError::Store(e)) => return Err(EngineError::Store(e)),
                Err(_) => refused += 1,
            }
        }
        Ok((done, refused))
    })
    .await
    {
        Ok(v) => v,
        Err(e) => return refusal(&admin, Some(&me), &e),
    };
    let back = value_of(&form, "back");
    let back = if back.contains(['/', '\\', '#']) {
        ""
    } else {
        back
    };
    let sep = if back.is_empty() { "" } else { "&" };
    Redirect::to(&format!(
        "/admin/sites/{site}/items?{back}{sep}done={done}&refused={refused}"
    ))
    .into_response()
}

/// Most items one bulk action touches.
pub(crate) const MAX_BULK: usize = 100;
