//! Cookies that arrive over TLS are sent back `Secure` and named with the `__Host-` prefix:
//! when the request came over TLS to this process, or through a trusted proxy (`portico
//! edge`) that says so in `X-Forwarded-Proto`, or `--public-url` is https. Without `Secure`
//! a session cookie set over https would also be sent over plain http to the same host,
//! where anyone on the way can read it. Without the prefix, a sibling host (another portal's
//! subdomain) or a plain-http answer on the way could plant a `portico_session` of its own
//! choosing (cookie tossing): a browser accepts a `__Host-` cookie only from a secure origin,
//! with `Path=/` and no `Domain`, so nobody but this host over TLS can set one.
//!
//! One layer around the whole node, so that every cookie (the editors' session and its forms,
//! single sign-on's pending sign-in) follows the same rule, and the handlers inside know
//! only the plain names: on the way in, in a secure context, `__Host-portico_x` is handed on
//! as `portico_x` and a bare `portico_x` (which anyone could have planted) is dropped; on the
//! way out, `portico_x` becomes `__Host-portico_x` with `Path=/`.

use crate::listen::OverTls;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// Every cookie Portico sets is named so; only these are renamed.
const OURS: &str = "portico_";
/// The prefix browsers keep for cookies of this host alone, set over TLS.
const HOST: &str = "__Host-";

/// What the layer needs to know: which peers may vouch for TLS, and whether every
/// client is on https anyway (`--public-url https://…`).
#[derive(Clone)]
pub(crate) struct Policy {
    pub(crate) trusted: Arc<[IpAddr]>,
    pub(crate) always: bool,
}

/// The middleware.
pub(crate) async fn mark(State(policy): State<Policy>, mut req: Request, next: Next) -> Response {
    let secure = policy.always || over_tls(&req, &policy.trusted);
    if secure {
        unprefix_request(req.headers_mut());
    }
    let mut resp = next.run(req).await;
    if secure {
        let cookies: Vec<HeaderValue> = resp
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .cloned()
            .collect();
        if !cookies.is_empty() {
            let h = resp.headers_mut();
            h.remove(header::SET_COOKIE);
            for c in cookies {
                h.append(header::SET_COOKIE, for_this_host(with_secure(c)));
            }
        }
    }
    resp
}

/// The request's `Cookie` as the handlers should read it in a secure context: our prefixed
/// cookies under their plain names, our unprefixed ones gone, anything else as it came.
fn unprefix_request(headers: &mut HeaderMap) {
    let touches = headers.get_all(header::COOKIE).iter().any(|v| {
        v.as_bytes()
            .windows(OURS.len())
            .any(|w| w == OURS.as_bytes())
    });
    if !touches {
        return;
    }
    let kept: Vec<String> = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
        .filter_map(|pair| {
            let name = pair.split('=').next().unwrap_or("").trim();
            if let Some(plain) = pair.strip_prefix(HOST).filter(|p| p.starts_with(OURS)) {
                Some(plain.to_owned())
            } else if name.starts_with(OURS) {
                None
            } else {
                Some(pair.to_owned())
            }
        })
        .collect();
    headers.remove(header::COOKIE);
    if kept.is_empty() {
        return;
    }
    if let Ok(v) = HeaderValue::from_str(&kept.join("; ")) {
        headers.insert(header::COOKIE, v);
    }
}

/// One of our `Set-Cookie` values as a `__Host-` cookie: the prefix, `Path=/`, no `Domain`
/// (a browser refuses a `__Host-` cookie otherwise). Others' cookies are left alone.
fn for_this_host(c: HeaderValue) -> HeaderValue {
    let text = String::from_utf8_lossy(c.as_bytes());
    if !text.starts_with(OURS) {
        return c;
    }
    let mut parts = text.split(';');
    let pair = parts.next().unwrap_or("").trim();
    let mut out = format!("{HOST}{pair}; Path=/");
    for attr in parts.map(str::trim).filter(|a| !a.is_empty()) {
        let name = attr.split('=').next().unwrap_or("").trim();
        if name.eq_ignore_ascii_case("path") || name.eq_ignore_ascii_case("domain") {
            continue;
        }
        out.push_str("; ");
        out.push_str(attr);
    }
    HeaderValue::from_str(&out).unwrap_or(c)
}
/// Whether the client reached us over TLS: directly, or as a trusted proxy vouches.
fn over_tls(req: &Request, trusted: &[IpAddr]) -> bool {
    if req.extensions().get::<OverTls>().is_some_and(|t| t.0) {
        return true;
    }
    let vouched = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|c| trusted.contains(&c.0.ip()));
    vouched
        && req
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value with the `Secure` attribute, added when missing.
fn with_secure(c: HeaderValue) -> HeaderValue {
    let text = String::from_utf8_lossy(c.as_bytes());
    let has = text
        .split(';')
        .skip(1)
        .any(|a| a.trim().eq_ignore_ascii_case("secure"));
    if has {
        return c;
    }
    HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or(c)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::{for_this_host, unprefix_request, with_secure};
    use axum::http::{header, HeaderMap, HeaderValue};

    #[test]
    fn secure_is_added_once() {
        let c = with_secure(HeaderValue::from_static("a=1; Path=/admin; HttpOnly"));
        assert_eq!(c, "a=1; Path=/admin; HttpOnly; Secure");
        assert_eq!(with_secure(c.clone()), c);
        let named = HeaderValue::from_static("secure=1; Path=/");
        assert_eq!(with_secure(named), "secure=1; Path=/; Secure");
    }

    #[test]
    fn our_cookies_become_host_cookies_and_others_stay_as_they_are() {
        let c = for_this_host(HeaderValue::from_static(
            "portico_session=abc; Path=/admin; Max-Age=60; HttpOnly; SameSite=Lax; Secure",
        ));
        assert_eq!(
            c,
            "__Host-portico_session=abc; Path=/; Max-Age=60; HttpOnly; SameSite=Lax; Secure"
        );
        let c = for_this_host(HeaderValue::from_static(
            "portico_oidc=x; Domain=laocai.gov.vn; path=/auth/oidc; Secure",
        ));
        assert_eq!(c, "__Host-portico_oidc=x; Path=/; Secure");
        let theirs = HeaderValue::from_static("lang=vi; Path=/main");
        assert_eq!(for_this_host(theirs.clone()), theirs);
    }

    #[test]
    fn a_planted_bare_cookie_is_dropped_and_the_host_cookie_read_under_its_plain_name() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("portico_session=planted; _ga=1"),
        );
        h.append(
            header::COOKIE,
            HeaderValue::from_static("__Host-portico_session=mine; __Host-other=2"),
        );
        unprefix_request(&mut h);
        let all: Vec<_> = h.get_all(header::COOKIE).iter().collect();
        assert_eq!(all, ["_ga=1; portico_session=mine; __Host-other=2"]);
        // Only a planted one: nothing of ours is left.
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("portico_session=x"),
        );
        unprefix_request(&mut h);
        assert!(h.get(header::COOKIE).is_none());
        // Nothing of ours: untouched.
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1;b=2"));
        unprefix_request(&mut h);
        assert_eq!(h[header::COOKIE], "a=1;b=2");
    }
}
