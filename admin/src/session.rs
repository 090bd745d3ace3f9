//! The session cookie and the CSRF tokens.
//!
//! The cookie holds the engine's login token (the same kind the JSON API uses as a bearer
//! token), `HttpOnly` and `SameSite=Lax`, scoped to `/admin` (over TLS the node's cookie layer,
//! `api/src/secure_cookies.rs`, makes it `__Host-portico_session` with `Path=/`, and hands it
//! back here under the plain name). A form's CSRF token is derived
//! from the session token, so it needs no storage and is worthless without the cookie it
//! belongs to; before sign-in, the form carries a random value that must match a short-lived
//! cookie (double submit), so nobody can sign a visitor in under another account.

use axum::http::header::COOKIE;
use axum::http::HeaderMap;
use base64::Engine as _;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The session cookie.
pub(crate) const SESSION: &str = "portico_session";
/// The pre-sign-in CSRF cookie.
pub(crate) const LOGIN_CSRF: &str = "portico_login";
/// Marks a session that came through single sign-on: signing out ends the provider's too.
pub(crate) const SSO: &str = "portico_sso";

/// A cookie's value from the request, if sent.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 256)
}

/// The CSRF token of forms in the session whose token is `session`.
pub(crate) fn csrf_for(session: &str) -> String {
    let digest = Sha256::digest(format!("portico-admin-csrf\0{session}").as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
}

/// The CSRF token as a page carries it: a fresh random pad, then the token XORed with it,
/// different in every answer. The token is the same for a whole session, and pages go out
/// compressed over TLS; written plainly it could be read byte by byte from the compressed
/// sizes of pages that also reflect what an attacker sends (BREACH). Masked, no two answers
/// share it (as Django and Rails do).
pub(crate) fn masked(token: &str) -> String {
    let token = token.as_bytes();
    let mut out = vec![0u8; token.len() * 2];
    let (pad, rest) = out.split_at_mut(token.len());
    rand::rngs::OsRng.fill_bytes(pad);
    for ((r, p), t) in rest.iter_mut().zip(pad.iter()).zip(token) {
        *r = p ^ t;
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(out)
}

/// Whether a form's masked token is `token`.
pub(crate) fn masked_is(sent: &str, token: &str) -> bool {
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(sent.trim()) else {
        return false;
    };
    if bytes.len() != token.len() * 2 {
        return false;
    }
    let (pad, rest) = bytes.split_at(token.len());
    let plain: Vec<u8> = pad.iter().zip(rest).map(|(p, r)| p ^ r).collect();
    same(&String::from_utf8_lossy(&plain), token)
}

/// A fresh random value for the sign-in form.
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Compares two tokens in time that does not depend on where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A `Set-Cookie` value for `/admin`.
pub(crate) fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/admin; Max-Age={}; HttpOnly; SameSite=Lax{}",
        max_age.max(0),
        if secure { "; Secure" } else { "" }
    )
}

/// The cookies of a new session: the session itself and, for a single sign-on, the mark
/// that makes signing out end the provider's session too. The single sign-on callback
/// (outside this crate) sets them as the sign-in form does.
pub fn session_cookies(token: &str, max_age: i64, secure: bool, sso: bool) -> Vec<String> {
    vec![
        set_cookie(SESSION, token, max_age, secure),
        set_cookie(
            SSO,
            if sso { "1" } else { "" },
            if sso { max_age } else { 0 },
            secure,
        ),
    ]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn a_cookie_is_found_among_others_and_tokens_differ_per_session() {
        let mut h = HeaderMap::new();
        h.append(COOKIE, HeaderValue::from_static("a=1; portico_session=abc"));
        h.append(COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(cookie(&h, SESSION).as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "b").as_deref(), Some("2"));
        assert_eq!(cookie(&h, "c"), None);
        assert_ne!(csrf_for("abc"), csrf_for("abd"));
        assert!(same(&csrf_for("abc"), &csrf_for("abc")));
        assert!(!same("abc", "abd"));
        assert!(set_cookie(SESSION, "x", 60, true).ends_with("; Secure"));
    }

    #[test]
    fn every_answer_carries_the_token_masked_differently() {
        let token = csrf_for("session");
        let (a, b) = (masked(&token), masked(&token));
        assert_ne!(a, b, "a fresh pad each time");
        assert!(!a.contains(&token));
        assert!(masked_is(&a, &token) && masked_is(&b, &token));
        assert!(!masked_is(&a, &csrf_for("another session")));
        assert!(
            !masked_is(&token, &token),
            "the bare token is not a masked one"
        );
        assert!(!masked_is("", &token) && !masked_is("%%%", &token));
    }
}
