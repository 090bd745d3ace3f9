//! Signing in and out.

use super::{blocking, message, page};
use crate::fields::value_of;
use crate::session::{self, LOGIN_CSRF, SESSION};
use crate::{Admin, Refusal};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use std::net::SocketAddr;

#[derive(Deserialize, Default)]
pub(crate) struct Next {
    #[serde(default)]
    next: Option<String>,
    /// Set after signing out or changing one's password, to say so.
    #[serde(default)]
    signed_out: Option<String>,
    #[serde(default)]
    changed: Option<String>,
    /// Why a single sign-on came back refused (a code, never text from the URL).
    #[serde(default)]
    sso: Option<String>,
}

/// Only a path of this interface is a place to come back to: never another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with("/admin")
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(char::is_control)
                && !n.starts_with("/admin/login")
                && n.len() <= 2000 =>
        {
            n.to_owned()
        }
        _ => "/admin/".to_owned(),
    }
}

/// `400` for a `next` with a line break or another control character: no browser sends one
/// in a path, so it is a header-splitting attempt, not a place to go back to.
fn split_next(admin: &Admin, next: &str) -> Option<Response> {
    next.chars().any(char::is_control).then(|| {
        message(
            admin,
            None,
            StatusCode::BAD_REQUEST,
            "error.invalid_request",
            None,
        )
    })
}

fn login_page(
    admin: &Admin,
    status: StatusCode,
    next: &str,
    username: &str,
    error: Option<String>,
) -> Response {
    login_page_with(admin, status, next, username, error, None)
}

fn login_page_with(
    admin: &Admin,
    status: StatusCode,
    next: &str,
    username: &str,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let token = session::random_token();
    let ctx = context! {
        csrf => token,
        next,
        username,
        error,
        notice,
        sso => admin.config.sso,
        password => admin.config.password_sign_in,
    };
    let mut res = page(admin, status, "login.html", ctx);
    if let Ok(v) =
        session::set_cookie(LOGIN_CSRF, &token, 3600, admin.config.secure_cookies).parse()
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

pub(crate) async fn form(
    State(admin): State<Admin>,
    headers: HeaderMap,
    Query(q): Query<Next>,
) -> Response {
    if let Some(r) = split_next(&admin, q.next.as_deref().unwrap_or("")) {
        return r;
    }
    let next = safe_next(q.next.as_deref());
    // Already signed in: straight on.
    if let Some(token) = session::cookie(&headers, SESSION) {
        let engine = admin.engine.clone();
        if blocking(move || engine.authenticate(&token)).await.is_ok() {
            return Redirect::to(&next).into_response();
        }
    }
    let notice = if q.changed.is_some() {
        Some(admin.ui.msg("login.changed"))
    } else {
        q.signed_out.map(|_| admin.ui.msg("login.signed_out"))
    };
    let error = q.sso.as_deref().map(|code| {
        let key = match code {
            "cancelled" => "login.sso_cancelled",
            "unavailable" => "login.sso_unavailable",
            "disabled" => "login.sso_disabled",
            "refused" => "login.sso_refused",
            _ => "login.sso_invalid",
        };
        admin.ui.msg(key)
    });
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    login_page_with(&admin, status, &next, "", error, notice)
}

pub(crate) async fn sign_in(
    State(admin): State<Admin>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if body.len() > 16 * 1024 {
        return message(
            &admin,
            None,
            StatusCode::PAYLOAD_TOO_LARGE,
            "error.too_large",
            None,
        );
    }
    let form: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    if let Some(r) = split_next(&admin, value_of(&form, "next")) {
        return r;
    }
    let next = safe_next(Some(value_of(&form, "next")));
    let username = value_of(&form, "username").trim().to_owned();
    let password = value_of(&form, "password").to_owned();
    let expected = session::cookie(&headers, LOGIN_CSRF).unwrap_or_default();
    if expected.is_empty() || !session::same(value_of(&form, "csrf"), &expected) {
        return login_page(
            &admin,
            StatusCode::FORBIDDEN,
            &next,
            &username,
            Some(admin.ui.msg("login.csrf")),
        );
    }
    if !admin.config.password_sign_in {
        return login_page(
            &admin,
            StatusCode::FORBIDDEN,
            &next,
            &username,
            Some(admin.ui.msg("login.password_off")),
        );
    }
    if username.is_empty() || password.is_empty() {
        return login_page(
            &admin,
            StatusCode::UNPROCESSABLE_ENTITY,
            &next,
            &username,
            Some(admin.ui.msg("login.missing")),
        );
    }
    match admin
        .gate
        .sign_in(username.clone(), password, peer, headers)
        .await
    {
        Ok(t) => {
            let max_age = (t.expires_at - admin.engine.now()).num_seconds();
            let secure = admin.config.secure_cookies;
            let mut res = Redirect::to(&next).into_response();
            for c in [
                session::set_cookie(SESSION, &t.token, max_age, secure),
                session::set_cookie(LOGIN_CSRF, "", 0, secure),
            ] {
                if let Ok(v) = c.parse() {
                    res.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            res
        }
        Err(Refusal::Wrong) => login_page(
            &admin,
            StatusCode::UNAUTHORIZED,
            &next,
            &username,
            Some(admin.ui.msg("login.wrong")),
        ),
        Err(Refusal::Limited(seconds)) => {
            let text = admin
                .ui
                .msg("login.limited")
                .replace("{seconds}", &seconds.to_string());
            let mut res = login_page(
                &admin,
                StatusCode::TOO_MANY_REQUESTS,
                &next,
                &username,
                Some(text),
            );
            if let Ok(v) = seconds.to_string().parse() {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            res
        }
        Err(Refusal::Unavailable) => message(
            &admin,
            None,
            StatusCode::SERVICE_UNAVAILABLE,
            "error.unavailable",
            None,
        ),
    }
}

pub(crate) async fn sign_out(
    State(admin): State<Admin>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    let me = match super::me(&admin, &headers, &uri).await {
        Ok(me) => me,
        // Already signed out.
        Err(_) => return Redirect::to("/admin/login").into_response(),
    };
    if let Err(r) = super::posted(&admin, &me, &body) {
        return r;
    }
    let engine = admin.engine.clone();
    let token = me.token.clone();
    if let Err(e) = blocking(move || engine.logout(&token)).await {
        return super::refusal(&admin, Some(&me), &e);
    }
    // A single sign-on session ends at the provider too, which then sends the browser
    // back to the sign-in page.
    let provider = if session::cookie(&headers, session::SSO).is_some() {
        admin.gate.end_session_url().await
    } else {
        None
    };
    let to = provider.unwrap_or_else(|| "/admin/login?signed_out=1".to_owned());
    let mut res = Redirect::to(&to).into_response();
    for c in session::session_cookies("", 0, admin.config.secure_cookies, false) {
        if let Ok(v) = c.parse() {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_this_interface_is_a_place_to_come_back_to() {
        assert_eq!(safe_next(Some("/admin/items/3")), "/admin/items/3");
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/main/",
            "/admin\\@x",
        ] {
            assert_eq!(safe_next(Some(bad)), "/admin/");
        }
        assert_eq!(safe_next(None), "/admin/");
    }
}
