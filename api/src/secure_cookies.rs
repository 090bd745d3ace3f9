//! Cookies that arrive over TLS are sent back `Secure`: when the request came over TLS to
//! this process, or through a trusted proxy (`portico edge`) that says so in
//! `X-Forwarded-Proto`. Without it a session cookie set over https would also be sent over
//! plain http to the same host, where anyone on the way can read it. `--public-url https://…`
//! still marks every cookie `Secure`, whichever way the request came.
//!
//! One layer around the whole node, so that every cookie (the editors' session and its forms,
//! single sign-on's pending sign-in) follows the same rule.

use crate::listen::OverTls;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// The middleware; its state is the trusted proxies' addresses.
pub(crate) async fn mark(
    State(trusted): State<Arc<[IpAddr]>>,
    req: Request,
    next: Next,
) -> Response {
    let secure = over_tls(&req, &trusted);
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
                h.append(header::SET_COOKIE, with_secure(c));
            }
        }
    }
    resp
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
    use super::with_secure;
    use axum::http::HeaderValue;

    #[test]
    fn secure_is_added_once() {
        let c = with_secure(HeaderValue::from_static("a=1; Path=/admin; HttpOnly"));
        assert_eq!(c, "a=1; Path=/admin; HttpOnly; Secure");
        assert_eq!(with_secure(c.clone()), c);
        let named = HeaderValue::from_static("secure=1; Path=/");
        assert_eq!(with_secure(named), "secure=1; Path=/; Secure");
    }
}
