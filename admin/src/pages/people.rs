//! Accounts and the network: one's own password and API tokens (`/admin/account`), and for
//! network admins the
//! users (`/admin/users`: create, disable, enable, reset a password) and the site tree
//! (`/admin/network`: create a portal with its domains and theme).

use super::{blocking, page, posted, refusal, Me};
use crate::fields::value_of;
use crate::session::{self, SESSION};
use crate::Admin;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use portico_engine::{EngineError, NewSiteInput, NewUserInput, SiteNode, UserPatch};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub(crate) struct Notice {
    #[serde(default)]
    done: Option<String>,
}

/// A refusal of a form's input as `(form, message)`, or the page for anything else.
fn form_error(
    admin: &Admin,
    me: &Me,
    op: &str,
    e: EngineError,
) -> Result<(String, String), Response> {
    match e {
        EngineError::Invalid { .. } | EngineError::Conflict { .. } => Ok((
            op.to_owned(),
            format!("{} ({e})", admin.ui.msg("error.action")),
        )),
        other => Err(refusal(admin, Some(me), &other)),
    }
}

/// The account page: the password form and one's API tokens; `made` is a token just made,
/// whose secret is shown this once.
async fn account_screen(
    admin: &Admin,
    me: &Me,
    status: StatusCode,
    error: Option<String>,
    made: Option<portico_engine::ApiTokenCreated>,
) -> Response {
    let engine = admin.engine.clone();
    let actor = me.actor.clone();
    let tokens = match blocking(move || engine.api_tokens(&actor)).await {
        Ok(t) => t,
        Err(e) => return refusal(admin, Some(me), &e),
    };
    let ctx = context! { me => me.view(), error, tokens, made };
    page(admin, status, "account.html", ctx)
}

pub(crate) async fn account(State(admin): State<Admin>, me: Me) -> Response {
    account_screen(&admin, &me, StatusCode::OK, None, None).await
}

/// Makes or deletes one of one's API tokens. A new token's secret is on the page that
/// answers the form, never in an address.
pub(crate) async fn tokens_act(State(admin): State<Admin>, me: Me, body: Bytes) -> Response {
    let form = match posted(&admin, &me, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let op = value_of(&form, "op").to_owned();
    let engine = admin.engine.clone();
    let actor = me.actor.clone();
    let name = value_of(&form, "name").to_owned();
    // A day in the form: the token works to its end, Vietnam time.
    let expires = Some(value_of(&form, "expires").trim().to_owned())
        .filter(|d| !d.is_empty())
        .map(|d| format!("{d}T23:59:59+07:00"));
    let id: Option<i64> = value_of(&form, "id").parse().ok();
    // Every token reads; the boxes add writing and administering.
    let mut scopes = vec!["read".to_owned()];
    scopes.extend(
        form.iter()
            .filter(|(k, _)| k == "scope")
            .map(|(_, v)| v.clone()),
    );
    let result = blocking(move || match (op.as_str(), id) {
        ("token.create", _) => engine
            .create_api_token(
                &actor,
                portico_engine::NewApiTokenInput {
                    name,
                    expires_at: expires,
                    scopes: Some(scopes),
                },
            )
            .map(Some),
        ("token.delete", Some(id)) => engine.delete_api_token(&actor, id).map(|()| None),
        (other, _) => Err(EngineError::bad_input(
            "op",
            format!("unknown form '{other}'"),
        )),
    })
    .await;
    match result {
        Ok(made @ Some(_)) => account_screen(&admin, &me, StatusCode::CREATED, None, made).await,
        Ok(None) => Redirect::to("/admin/account#tokens").into_response(),
        Err(e) => match form_error(&admin, &me, "token", e) {
            Ok((_, msg)) => {
                account_screen(
                    &admin,
                    &me,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(msg),
                    None,
                )
                .await
            }
            Err(r) => r,
        },
    }
}

/// Changes one's own password; the session ends with it, so the next page is the sign-in.
pub(crate) async fn change_password(
    State(admin): State<Admin>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    me: Me,
    body: Bytes,
) -> Response {
    let form = match posted(&admin, &me, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let (current, new) = (
        value_of(&form, "current").to_owned(),
        value_of(&form, "new").to_owned(),
    );
    if new != value_of(&form, "again") {
        let msg = admin.ui.msg("account.mismatch");
        return account_screen(
            &admin,
            &me,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(msg),
            None,
        )
        .await;
    }
    let engine = admin.engine.clone();
    let actor = me.actor.clone();
    let check = Box::new(move || engine.change_password(&actor, &current, &new));
    match admin
        .gate
        .password_check(me.actor.username.clone(), peer, headers, check)
        .await
    {
        Ok(()) => {
            let mut res = Redirect::to("/admin/login?changed=1").into_response();
            if let Ok(v) = session::set_cookie(SESSION, "", 0, admin.config.secure_cookies).parse()
            {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            res
        }
        Err(e) => match form_error(&admin, &me, "password", e) {
            Ok((_, msg)) => {
                account_screen(
                    &admin,
                    &me,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(msg),
                    None,
                )
                .await
            }
            Err(r) => r,
        },
    }
}

async fn users_screen(
    admin: &Admin,
    me: &Me,
    status: StatusCode,
    done: Option<String>,
    error: Option<(String, String)>,
) -> Response {
    let engine = admin.engine.clone();
    let actor = me.actor.clone();
    let users = match blocking(move || engine.users_with_roles(&actor)).await {
        Ok(u) => u,
        Err(e) => return refusal(admin, Some(me), &e),
    };
    let rows: Vec<_> = users
        .iter()
        .map(|u| {
            let mut sites: Vec<&str> = u.roles.iter().map(|(s, _)| s.as_str()).collect();
            sites.dedup();
            context! {
                username => u.user.username, display_name => u.user.display_name,
                network_admin => u.user.network_admin, disabled => u.user.disabled,
                created_at => u.user.created_at, sites => sites.len(),
                roles => u.roles.iter().take(6).map(|(s, r)| format!("{s}: {}", admin.ui.msg(&format!("role.{r}")))).collect::<Vec<_>>(),
                self_ => u.user.username == me.actor.username,
            }
        })
        .collect();
    let ctx = context! {
        me => me.view(),
        users => rows,
        sso => admin.config.sso,
        done,
        error_form => error.as_ref().map(|e| e.0.clone()),
        error => error.map(|e| e.1),
    };
    page(admin, status, "users.html", ctx)
}

pub(crate) async fn users(State(admin): State<Admin>, me: Me, Query(n): Query<Notice>) -> Response {
    users_screen(
        &admin,
        &me,
        StatusCode::OK,
        n.done.filter(|d| d.len() < 30),
        None,
    )
    .await
}

pub(crate) async fn users_act(State(admin): State<Admin>, me: Me, body: Bytes) -> Response {
    let form = match posted(&admin, &me, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let op = value_of(&form, "op").to_owned();
    let username = value_of(&form, "username").trim().to_owned();
    let password = value_of(&form, "password").to_owned();
    let display_name =
        Some(value_of(&form, "display_name").trim().to_owned()).filter(|d| !d.is_empty());
    let network_admin = value_of(&form, "network_admin") == "1";
    let engine = admin.engine.clone();
    let actor = me.actor.clone();
    let op_for = op.clone();
    let result = blocking(move || {
        let patch = |disabled: Option<bool>, password: Option<String>| UserPatch {
            disabled,
            password,
            sso_link: None,
        };
        match op_for.as_str() {
            "user.create" => engine
                .create_user(
                    &actor,
                    NewUserInput {
                        username,
                        password,
                        display_name,
                        network_admin,
                    },
                )
                .map(|_| ()),
            "user.disable" => engine
                .update_user(Some(&actor), &username, patch(Some(true), None))
                .map(|_| ()),
            "user.enable" => engine
                .update_user(Some(&actor), &username, patch(Some(false), None))
                .map(|_| ()),
            "user.reset" => engine
                .update_user(Some(&actor), &username, patch(None, Some(password)))
                .map(|_| ()),
            // The next single sign-on with this username may link to this account.
            "user.sso_link" => engine
                .update_user(
                    Some(&actor),
                    &username,
                    UserPatch {
                        disabled: None,
                        password: None,
                        sso_link: Some(true),
                    },
                )
                .map(|_| ()),
            other => Err(EngineError::bad_input(
                "op",
                format!("unknown form '{other}'"),
            )),
        }
    })
    .await;
    match result {
        Ok(()) => Redirect::to(&format!("/admin/users?done={op}")).into_response(),
        Err(e) => match form_error(&admin, &me, &op, e) {
            Ok(err) => {
                users_screen(
                    &admin,
                    &me,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    None,
                    Some(err),
                )
                .await
            }
            Err(r) => r,
        },
    }
}

/// The site tree flattened with depths, for an indented list.
fn flatten(nodes: &[SiteNode], depth: usize, out: &mut Vec<minijinja::Value>) {
    for n in nodes {
        out.push(context! {
            slug => n.site.slug, name => n.site.name, kind => n.site.kind.as_str(),
            domains => n.site.domains, theme => n.site.theme, depth,
        });
        flatten(&n.children, depth + 1, out);
    }
}

async fn network_screen(
    admin: &Admin,
    me: &Me,
    status: StatusCode,
    done: Option<String>,
    error: Option<String>,
) -> Response {
    if !me.actor.network_admin {
        return refusal(
            admin,
            Some(me),
            &EngineError::Forbidden("the site tree is managed by network admins".into()),
        );
    }
    let engine = admin.engine.clone();
    let tree = match blocking(move || engine.site_tree()).await {
        Ok(t) => t,
        Err(e) => return refusal(admin, Some(me), &e),
    };
    let mut sites = Vec::new();
    flatten(&tree, 0, &mut sites);
    let ctx = context! {
        me => me.view(),
        sites,
        themes => admin.config.themes.clone(),
        kinds => portico_engine::SiteKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        done,
        error,
    };
    page(admin, status, "network.html", ctx)
}

pub(crate) async fn network(
    State(admin): State<Admin>,
    me: Me,
    Query(n): Query<Notice>,
) -> Response {
    network_screen(
        &admin,
        &me,
        StatusCode::OK,
        n.done.filter(|d| d.len() < 30),
        None,
    )
    .await
}

pub(crate) async fn create_site(State(admin): State<Admin>, me: Me, body: Bytes) -> Response {
    let form = match posted(&admin, &me, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let get = |k: &str| value_of(&form, k).trim().to_owned();
    let theme = Some(get("theme")).filter(|t| !t.is_empty());
    // Themes are files of this server, which the engine does not see.
    if let Some(t) = theme.as_ref().filter(|t| !admin.config.themes.contains(t)) {
        let msg = format!("{} ({t})", admin.ui.msg("network.no_theme"));
        return network_screen(
            &admin,
            &me,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(msg),
        )
        .await;
    }
    let input = NewSiteInput {
        slug: get("slug"),
        name: get("name"),
        kind: get("kind"),
        parent: Some(get("parent")).filter(|p| !p.is_empty()),
        domains: get("domains")
            .split([',', ' ', '\n'])
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_owned)
            .collect(),
        theme,
    };
    let engine = admin.engine.clone();
    let actor = me.actor.clone();
    match blocking(move || engine.create_site(Some(&actor), input)).await {
        Ok(_) => Redirect::to("/admin/network?done=site.create").into_response(),
        Err(e) => match form_error(&admin, &me, "site", e) {
            Ok((_, msg)) => {
                network_screen(
                    &admin,
                    &me,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    None,
                    Some(msg),
                )
                .await
            }
            Err(r) => r,
        },
    }
}
