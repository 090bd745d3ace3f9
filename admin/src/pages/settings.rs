//! A site's administration (`/admin/sites/{site}/settings`), for its site admins: channels
//! (create, rename, move, order, delete), who holds which role (grant, revoke), and webhooks
//! with their delivery log.

use super::{blocking, page, posted, refusal, Me};
use crate::fields::value_of;
use crate::Admin;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use portico_engine::{
    ChannelPatch, EngineError, NewChannelInput, NewWebhookInput, Role, WebhookId,
};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub(crate) struct Notice {
    #[serde(default)]
    done: Option<String>,
}

/// The settings page, with a message by the form that failed.
async fn screen(
    admin: &Admin,
    me: &Me,
    site: &str,
    status: StatusCode,
    done: Option<String>,
    error: Option<(String, String)>,
    secret: Option<String>,
) -> Response {
    let engine = admin.engine.clone();
    let actor = me.actor.clone();
    let slug = site.to_owned();
    let found = blocking(move || {
        let site = engine.site_named(&slug)?;
        let channels = engine.channels(&slug)?;
        let roles = engine.site_roles(&actor, &slug)?;
        let hooks = if engine.may(&actor, &slug, portico_engine::Permission::ManageWebhooks) {
            engine.webhooks(&actor, &slug)?
        } else {
            Vec::new()
        };
        let may_channels = engine.may(&actor, &slug, portico_engine::Permission::ManageChannels);
        let may_roles = engine.may(&actor, &slug, portico_engine::Permission::ManageRoles);
        let may_settings = engine.may(&actor, &slug, portico_engine::Permission::ManageSettings);
        Ok((
            site,
            channels,
            roles,
            hooks,
            may_channels,
            may_roles,
            may_settings,
        ))
    })
    .await;
    let (site, channels, roles, hooks, may_channels, may_roles, may_settings) = match found {
        Ok(v) => v,
        Err(e) => return refusal(admin, Some(me), &e),
    };
    let channel_rows: Vec<_> = channels
        .iter()
        .map(|c| {
            context! {
                slug => c.slug, name => c.name, position => c.position,
                parent => c.parent_id.and_then(|p| channels.iter().find(|x| x.id == p)).map(|p| p.slug.clone()),
            }
        })
        .collect();
    let role_rows: Vec<_> = roles
        .iter()
        .map(|(u, r)| context! { username => u.username, display_name => u.display_name, role => r.as_str(), disabled => u.disabled })
        .collect();
    let ctx = context! {
        me => me.view(),
        site => context! { slug => site.slug, name => site.name },
        look => &site.settings,
        may_settings,
        channels => channel_rows,
        roles => role_rows,
        hooks,
        may_channels,
        may_roles,
        role_names => Role::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        done,
        error_form => error.as_ref().map(|e| e.0.clone()),
        error => error.map(|e| e.1),
        secret,
    };
    page(admin, status, "settings.html", ctx)
}

pub(crate) async fn show(
    State(admin): State<Admin>,
    me: Me,
    Path(site): Path<String>,
    Query(n): Query<Notice>,
) -> Response {
    let done = n.done.filter(|d| d.len() < 30);
    screen(&admin, &me, &site, StatusCode::OK, done, None, None).await
}

/// One form of the settings page, by its `op`.
pub(crate) async fn act(
    State(admin): State<Admin>,
    me: Me,
    Path(site): Path<String>,
    body: Bytes,
) -> Response {
    let form = match posted(&admin, &me, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let op = value_of(&form, "op").to_owned();
    let get = |k: &str| value_of(&form, k).trim().to_owned();
    let opt = |k: &str| Some(get(k)).filter(|v| !v.is_empty());
    let engine = admin.engine.clone();
    let actor = me.actor.clone();
    let slug = site.clone();
    let (channel, name, parent, position) =
        (get("channel"), get("name"), opt("parent"), opt("position"));
    let (username, role, url, kinds) = (get("username"), get("role"), get("url"), get("kinds"));
    let descendants = value_of(&form, "descendants") == "1";
    let hook: Option<i64> = get("id").parse().ok();
    let look = portico_engine::SiteSettings {
        logo: opt("logo"),
        banner: opt("banner"),
        color: opt("color"),
        agency: opt("agency"),
        responsible: opt("responsible"),
        address: opt("address"),
        phone: opt("phone"),
        email: opt("email"),
        licence: opt("licence"),
        public_service_url: opt("public_service_url"),
        home_channels: crate::fields::values_of(&form, "home_channels")
            .into_iter()
            .map(str::to_owned)
            .collect(),
        home_items: get("home_items").parse().ok(),
        answer_days: get("answer_days").parse().ok(),
        retention_days: get("retention_days").parse().ok(),
        confirm_questions: value_of(&form, "confirm_questions") == "1",
        notify_email: opt("notify_email"),
    };
    let op_for = op.clone();
    let result: Result<Option<String>, EngineError> = blocking(move || {
        let position = match position {
            Some(p) => Some(p.parse::<i64>().map_err(|_| {
                EngineError::bad_input("position", "the order must be a whole number")
            })?),
            None => None,
        };
        match op_for.as_str() {
            "channel.create" => engine
                .create_channel(
                    Some(&actor),
                    &slug,
                    NewChannelInput {
                        name,
                        slug: None,
                        parent,
                        position,
                    },
                )
                .map(|_| None),
            "channel.update" => engine
                .update_channel(
                    &actor,
                    &slug,
                    &channel,
                    ChannelPatch {
                        name: Some(name).filter(|n| !n.is_empty()),
                        parent: Some(parent),
                        position,
                    },
                )
                .map(|_| None),
            "channel.delete" => engine.delete_channel(&actor, &slug, &channel).map(|_| None),
            "site.settings" => engine
                .update_site_settings(&actor, &slug, look)
                .map(|_| None),
            "role.grant" => engine
                .set_role(Some(&actor), &slug, &username, &role, true)
                .map(|_| None),
            "role.revoke" => engine
                .set_role(Some(&actor), &slug, &username, &role, false)
                .map(|_| None),
            "webhook.create" => engine
                .create_webhook(
                    &actor,
                    &slug,
                    NewWebhookInput {
                        url,
                        secret: None,
                        kinds: kinds
                            .split(',')
                            .map(str::trim)
                            .filter(|k| !k.is_empty())
                            .map(str::to_owned)
                            .collect(),
                        descendants,
                    },
                )
                .map(|created| Some(created.secret)),
            "webhook.delete" | "webhook.resume" => {
                let id = WebhookId(hook.unwrap_or(-1));
                if op_for == "webhook.delete" {
                    engine.delete_webhook(&actor, &slug, id).map(|_| None)
                } else {
                    engine.resume_webhook(&actor, &slug, id).map(|_| None)
                }
            }
            other => Err(EngineError::bad_input(
                "op",
                format!("unknown form '{other}'"),
            )),
        }
    })
    .await;
    match result {
        // The secret is shown this once, on the page itself, never in an address.
        Ok(Some(secret)) => {
            screen(
                &admin,
                &me,
                &site,
                StatusCode::CREATED,
                Some(op),
                None,
                Some(secret),
            )
            .await
        }
        Ok(None) => {
            Redirect::to(&format!("/admin/sites/{site}/settings?done={op}")).into_response()
        }
        Err(e @ (EngineError::Invalid { .. } | EngineError::Conflict { .. })) => {
            let status = if matches!(e, EngineError::Conflict { .. }) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let message = format!("{} ({e})", admin.ui.msg("error.action"));
            screen(&admin, &me, &site, status, None, Some((op, message)), None).await
        }
        Err(e) => refusal(&admin, Some(&me), &e),
    }
}

/// A webhook's delivery log.
pub(crate) async fn deliveries(
    State(admin): State<Admin>,
    me: Me,
    Path((site, id)): Path<(String, i64)>,
) -> Response {
    let engine = admin.engine.clone();
    let actor = me.actor.clone();
    let slug = site.clone();
    let found = blocking(move || {
        let hook = engine.webhook(&actor, &slug, WebhookId(id))?;
        let log = engine.webhook_deliveries(&actor, &slug, WebhookId(id), 100)?;
        Ok((engine.site_named(&slug)?, hook, log))
    })
    .await;
    let (site, hook, log) = match found {
        Ok(v) => v,
        Err(e) => return refusal(&admin, Some(&me), &e),
    };
    let ctx = context! {
        me => me.view(),
        site => context! { slug => site.slug, name => site.name },
        hook,
        log,
    };
    page(&admin, StatusCode::OK, "deliveries.html", ctx)
}
