//! Single sign-on with the province's OpenID Connect provider: the authorization code flow
//! with PKCE, through the `openidconnect` crate.
//!
//! `/auth/oidc/login` sends the browser to the provider with a fresh `state`, `nonce` and PKCE
//! challenge, which it also keeps in a short-lived `HttpOnly` cookie of this path (so any
//! node of the network can finish the flow, with nothing stored). `/auth/oidc/callback`
//! checks the `state`, exchanges the code, and verifies the ID token: signature by the
//! provider's keys, issuer, audience, nonce and expiry (by the engine's clock). The engine
//! then decides the account (`Engine::sign_in_with_provider`), and the editors' session
//! cookie is set as a password sign-in would.
//!
//! The provider's metadata and keys are cached for an hour; an ID token signed by a key the
//! cache does not know makes one fresh discovery (the provider rotated its keys) before it is
//! refused.

use crate::client_addr::client_ip;
use crate::handlers::blocking;
use crate::AppState;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use openidconnect::core::{CoreClient, CoreIdToken, CoreResponseType};
use openidconnect::{
    AuthenticationFlow, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret,
    CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl,
    ProviderMetadataWithLogout, RedirectUrl, Scope, SignatureVerificationError, TokenResponse,
};
use portico_engine::{EngineError, ExternalIdentity, RoleMap};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

/// How long the provider's metadata and keys are trusted before they are fetched again.
const METADATA_TTL: Duration = Duration::from_secs(3600);
/// How long a browser may take at the provider between leaving and coming back.
const PENDING_TTL_SECONDS: i64 = 600;
/// The cookie that carries a pending sign-in.
const PENDING: &str = "portico_oidc";

/// Settings of single sign-on.
#[derive(Debug, Clone)]
pub struct OidcConfig {
    /// The provider's issuer URL (its discovery document is under it).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    /// Where the public reaches this server: the redirect URI is
    /// `{public_url}/auth/oidc/callback`.
    pub public_url: String,
    /// The ID token claim that lists the person's groups.
    pub groups_claim: String,
    /// How groups become roles.
    pub roles: RoleMap,
}

/// Why single sign-on failed, as the sign-in page names it (`/admin/login?sso=...`). The
/// details go to the log and the audit log, not into a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    /// The person cancelled at the provider or the provider said no.
    Cancelled,
    /// The provider could not be reached or answered nonsense.
    Unavailable,
    /// The answer did not prove who signed in (state, signature, issuer, audience, nonce,
    /// expiry).
    Invalid,
    /// The account is disabled.
    Disabled,
    /// The account cannot be used (a name Portico cannot hold, or taken).
    Refused,
}

impl Failure {
    fn code(self) -> &'static str {
        match self {
            Failure::Cancelled => "cancelled",
            Failure::Unavailable => "unavailable",
            Failure::Invalid => "invalid",
            Failure::Disabled => "disabled",
            Failure::Refused => "refused",
        }
    }
}

/// The provider's metadata, fetched once an hour.
pub struct Oidc {
    config: OidcConfig,
    http: openidconnect::reqwest::Client,
    metadata: RwLock<Option<(Arc<ProviderMetadataWithLogout>, Instant)>>,
}

/// What the pending-sign-in cookie holds.
#[derive(Serialize, Deserialize)]
struct Pending {
    state: String,
    nonce: String,
    verifier: String,
    next: String,
}

#[derive(Deserialize)]
pub(crate) struct LoginQuery {
    #[serde(default)]
    next: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct CallbackQuery {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

impl Oidc {
    /// Single sign-on with `config`; nothing is fetched until the first sign-in.
    pub fn new(config: OidcConfig) -> Result<Oidc, String> {
        IssuerUrl::new(config.issuer.clone()).map_err(|e| format!("--oidc-issuer: {e}"))?;
        RedirectUrl::new(format!("{}/auth/oidc/callback", config.public_url))
            .map_err(|e| format!("--public-url: {e}"))?;
        let http = openidconnect::reqwest::ClientBuilder::new()
            // A redirect from the provider's endpoints could lead the server anywhere.
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Oidc {
            config,
            http,
            metadata: RwLock::new(None),
        })
    }

    /// The provider's origin (`https://sso.example`), where the browser is sent.
    pub fn origin(&self) -> Option<String> {
        let u = url::Url::parse(&self.config.issuer).ok()?;
        Some(u.origin().ascii_serialization())
    }

    /// The provider's metadata: cached, or fetched when `fresh` or too old.
    async fn metadata(&self, fresh: bool) -> Result<Arc<ProviderMetadataWithLogout>, String> {
        if !fresh {
            if let Some((m, at)) = self.metadata.read().await.as_ref() {
                if at.elapsed() < METADATA_TTL {
                    return Ok(m.clone());
                }
            }
        }
        let issuer = IssuerUrl::new(self.config.issuer.clone()).map_err(|e| e.to_string())?;
        let m = ProviderMetadataWithLogout::discover_async(issuer, &self.http)
            .await
            .map_err(|e| format!("discovery at {}: {}", self.config.issuer, chain(&e)))?;
        let m = Arc::new(m);
        *self.metadata.write().await = Some((m.clone(), Instant::now()));
        Ok(m)
    }

    fn redirect_url(&self) -> Result<RedirectUrl, String> {
        RedirectUrl::new(format!("{}/auth/oidc/callback", self.config.public_url))
            .map_err(|e| e.to_string())
    }

    fn client(
        &self,
        m: &ProviderMetadataWithLogout,
    ) -> Result<
        CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        String,
    > {
        Ok(CoreClient::from_provider_metadata(
            m.clone(),
            ClientId::new(self.config.client_id.clone()),
            self.config.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(self.redirect_url()?))
    }

    /// Where to send the browser to end the provider's session too (RP-initiated logout),
    /// if the provider has an end-session endpoint.
    pub async fn end_session_url(&self) -> Option<String> {
        let m = match self.metadata(false).await {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "the sign-in service could not be reached to sign out");
                return None;
            }
        };
        let end = m.additional_metadata().end_session_endpoint.clone()?;
        let back = PostLogoutRedirectUrl::new(format!(
            "{}/admin/login?signed_out=1",
            self.config.public_url
        ))
        .ok()?;
        Some(
            openidconnect::LogoutRequest::from(end)
                .set_client_id(ClientId::new(self.config.client_id.clone()))
                .set_post_logout_redirect_uri(back)
                .http_get_url()
                .to_string(),
        )
    }

    /// Exchanges the code and verifies the ID token; on a key the cache does not know, once
    /// more with fresh keys.
    async fn identity(
        &self,
        code: String,
        pending: &Pending,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<ExternalIdentity, (Failure, String)> {
        let unavailable = |e: String| (Failure::Unavailable, e);
        let m = self.metadata(false).await.map_err(unavailable)?;
        let client = self.client(&m).map_err(unavailable)?;
        let token = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| unavailable(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| {
                (
                    Failure::Invalid,
                    format!("the code exchange: {}", chain(&e)),
                )
            })?;
        let id_token = token
            .id_token()
            .ok_or_else(|| (Failure::Invalid, "the provider sent no ID token".to_owned()))?;
        let verified = match self.verify(&client, id_token, pending, now) {
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) => {
                tracing::info!(
                    "an ID token signed by an unknown key: fetching the provider's keys again"
                );
                let m = self.metadata(true).await.map_err(unavailable)?;
                let client = self.client(&m).map_err(unavailable)?;
                self.verify(&client, id_token, pending, now)
            }
            other => other,
        }
        .map_err(|e| (Failure::Invalid, format!("the ID token: {e}")))?;
        // A conformant provider puts the profile in UserInfo, not in the ID token (OIDC
        // Core 5.4): asked for what the ID token left out.
        let wanting = verified.preferred_username.is_none()
            || verified.name.is_none()
            || verified.email.is_none()
            || verified.groups.is_empty();
        match (wanting, m.userinfo_endpoint()) {
            (true, Some(url)) => {
                let info = self
                    .user_info(
                        url.url().as_str(),
                        openidconnect::OAuth2TokenResponse::access_token(&token).secret(),
                    )
                    .await
                    .map_err(unavailable)?;
                with_user_info(verified, &info, &self.config.groups_claim)
            }
            _ => Ok(verified),
        }
    }

    /// The UserInfo endpoint's claims for an access token (JSON; a signed UserInfo is not
    /// asked for at registration, so none comes).
    async fn user_info(&self, url: &str, access_token: &str) -> Result<serde_json::Value, String> {
        let r = self
            .http
            .get(url)
            .bearer_auth(access_token)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| format!("UserInfo at {url}: {}", chain(&e)))?;
        if !r.status().is_success() {
            return Err(format!("UserInfo at {url} answered {}", r.status()));
        }
        let body = r
            .bytes()
            .await
            .map_err(|e| format!("UserInfo at {url}: {e}"))?;
        if body.len() > 64 * 1024 {
            return Err(format!("UserInfo at {url} answered more than 64 KB"));
        }
        serde_json::from_slice(&body).map_err(|e| format!("UserInfo at {url} is not JSON: {e}"))
    }

    fn verify<A, B, C, D, E, F>(
        &self,
        client: &CoreClient<A, B, C, D, E, F>,
        id_token: &CoreIdToken,
        pending: &Pending,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<ExternalIdentity, ClaimsVerificationError>
    where
        A: openidconnect::EndpointState,
        B: openidconnect::EndpointState,
        C: openidconnect::EndpointState,
        D: openidconnect::EndpointState,
        E: openidconnect::EndpointState,
        F: openidconnect::EndpointState,
    {
        let verifier = client.id_token_verifier().set_time_fn(move || now);
        let claims = id_token.claims(&verifier, &Nonce::new(pending.nonce.clone()))?;
        // The signature covers the whole payload, so a claim the crate does not model (the
        // groups) is read from the same verified bytes.
        let groups = groups_of(&id_token.to_string(), &self.config.groups_claim);
        Ok(ExternalIdentity {
            issuer: claims.issuer().to_string(),
            subject: claims.subject().to_string(),
            preferred_username: claims.preferred_username().map(|u| u.to_string()),
            name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.to_string()),
            email: claims.email().map(|e| e.to_string()),
            groups,
        })
    }
}

/// An identity completed from UserInfo: what the ID token left out is taken from it, once its
/// `sub` is shown to be the ID token's (OIDC Core 5.3.2: otherwise it is someone else's).
fn with_user_info(
    mut who: ExternalIdentity,
    info: &serde_json::Value,
    groups_claim: &str,
) -> Result<ExternalIdentity, (Failure, String)> {
    if info.get("sub").and_then(serde_json::Value::as_str) != Some(who.subject.as_str()) {
        return Err((
            Failure::Invalid,
            "UserInfo is about another subject than the ID token".to_owned(),
        ));
    }
    let text = |k: &str| {
        info.get(k)
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    };
    who.preferred_username = who
        .preferred_username
        .or_else(|| text("preferred_username"));
    who.name = who.name.or_else(|| text("name"));
    who.email = who.email.or_else(|| text("email"));
    if who.groups.is_empty() {
        who.groups = claim_values(info.get(groups_claim));
    }
    Ok(who)
}

/// A claim's values: a list of strings, or one string.
fn claim_values(v: Option<&serde_json::Value>) -> Vec<String> {
    match v {
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str())
            .take(1000)
            .map(str::to_owned)
            .collect(),
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// The values of claim `name` in a JWT's payload: a list of strings, or one string.
fn groups_of(jwt: &str, name: &str) -> Vec<String> {
    let payload = jwt
        .split('.')
        .nth(1)
        .and_then(|p| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .ok()
        })
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok());
    claim_values(payload.as_ref().and_then(|p| p.get(name)))
}

/// An error with its causes, for the log.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cur = c.source();
    }
    out
}

fn pending_cookie(value: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{PENDING}={value}; Path=/auth/oidc; Max-Age={}; HttpOnly; SameSite=Lax{}",
        max_age.max(0),
        if secure { "; Secure" } else { "" }
    )
}

fn read_pending(headers: &HeaderMap) -> Option<Pending> {
    let raw = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == PENDING)
        .map(|(_, v)| v)?;
    if raw.len() > 4096 {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn secure(st: &AppState) -> bool {
    st.config
        .public_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"))
}

fn not_configured() -> Response {
    crate::error::ApiError::http(
        portico_engine::ErrorCode::NotFound,
        "single sign-on is not configured on this server",
    )
    .into_response()
}

fn to_login(failure: Failure, secure: bool) -> Response {
    let mut res = Redirect::to(&format!("/admin/login?sso={}", failure.code())).into_response();
    // Whoever this browser was signed in as before, a refused sign-in leaves it signed out.
    let mut cookies = portico_admin::session_cookies("", 0, secure, false);
    cookies.push(pending_cookie("", 0, secure));
    for c in cookies {
        if let Ok(v) = c.parse() {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// Back to the sign-in page saying why, touching nothing: for answers no sign-in in this
/// browser is waiting for.
fn to_login_quietly(failure: Failure) -> Response {
    Redirect::to(&format!("/admin/login?sso={}", failure.code())).into_response()
}

/// `GET /auth/oidc/login`: off to the provider.
pub(crate) async fn login(State(st): State<AppState>, Query(q): Query<LoginQuery>) -> Response {
    let Some(oidc) = st.oidc.clone() else {
        return not_configured();
    };
    let secure = secure(&st);
    let m = match oidc.metadata(false).await {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(error = %e, "the sign-in service could not be reached");
            return to_login(Failure::Unavailable, secure);
        }
    };
    let client = match oidc.client(&m) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "single sign-on is misconfigured");
            return to_login(Failure::Unavailable, secure);
        }
    };
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".to_owned()))
        .add_scope(Scope::new("email".to_owned()))
        .set_pkce_challenge(challenge)
        .url();
    let pending = Pending {
        state: state.secret().clone(),
        nonce: nonce.secret().clone(),
        verifier: verifier.secret().clone(),
        next: portico_admin::safe_next(q.next.as_deref()),
    };
    let value = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(&pending).unwrap_or_default());
    let mut res = Redirect::to(url.as_str()).into_response();
    if let Ok(v) = pending_cookie(&value, PENDING_TTL_SECONDS, secure).parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// `GET /auth/oidc/callback`: back from the provider.
pub(crate) async fn callback(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Response {
    let Some(oidc) = st.oidc.clone() else {
        return not_configured();
    };
    let secure = secure(&st);
    let from = client_ip(peer, &headers, &st.config.trusted_proxies).to_string();
    let refused = |failure: Failure, why: String| {
        let st = st.clone();
        let from = from.clone();
        async move {
            tracing::warn!(reason = %why, "a single sign-on was refused");
            let engine = st.engine.clone();
            if let Err(e) = blocking(move || engine.record_sso_refused(&why, Some(&from))).await {
                tracing::error!(error = ?e, "a refused single sign-on could not be audited");
            }
            to_login(failure, secure)
        }
    };
    // Only the answer to a sign-in this browser started (its pending cookie, the state the
    // provider echoes) is this browser's business: anything else is a link anyone can make,
    // and following it neither signs the browser out nor writes to the audit log.
    let pending = read_pending(&headers);
    let ours = match (&pending, q.state.as_deref()) {
        (Some(p), Some(state)) => portico_admin::same_secret(state, &p.state),
        _ => false,
    };
    if !ours {
        tracing::info!(
            started = pending.is_some(),
            "a single sign-on answer that no sign-in in this browser asked for"
        );
        let failure = if q.error.is_some() {
            Failure::Cancelled
        } else {
            Failure::Invalid
        };
        return to_login_quietly(failure);
    }
    if let Some(e) = q.error.as_deref() {
        let e: String = e.chars().filter(|c| !c.is_control()).take(100).collect();
        return refused(Failure::Cancelled, format!("the provider answered '{e}'")).await;
    }
    let (Some(code), Some(pending)) = (q.code, pending) else {
        return refused(Failure::Invalid, "the provider sent no code".to_owned()).await;
    };
    let who = match oidc.identity(code, &pending, st.engine.now()).await {
        Ok(who) => who,
        Err((failure, why)) => return refused(failure, why).await,
    };
    let engine = st.engine.clone();
    let roles = oidc.config.roles.clone();
    let address = from.clone();
    let token =
        match blocking(move || engine.sign_in_with_provider(&who, &roles, Some(&address))).await {
            Ok(t) => t,
            Err(crate::ApiError::Engine(EngineError::Unauthenticated(why))) => {
                // The engine has audited it already.
                tracing::warn!(reason = %why, "a single sign-on was refused");
                let failure = if why.contains("disabled") {
                    Failure::Disabled
                } else {
                    Failure::Refused
                };
                return to_login(failure, secure);
            }
            Err(e) => {
                tracing::error!(error = ?e, "a single sign-on could not be completed");
                return to_login(Failure::Unavailable, secure);
            }
        };
    let max_age = (token.expires_at - st.engine.now()).num_seconds();
    let mut res = Redirect::to(&pending.next).into_response();
    let mut cookies = portico_admin::session_cookies(&token.token, max_age, secure, true);
    cookies.push(pending_cookie("", 0, secure));
    for c in cookies {
        if let Ok(v) = c.parse() {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn groups_are_read_from_the_payload_as_a_list_or_one_value() {
        let enc = |v: serde_json::Value| {
            format!(
                "h.{}.s",
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
            )
        };
        assert_eq!(
            groups_of(&enc(serde_json::json!({"groups": ["a", "b", 3]})), "groups"),
            vec!["a", "b"]
        );
        assert_eq!(
            groups_of(&enc(serde_json::json!({"roles": "x"})), "roles"),
            vec!["x"]
        );
        assert!(groups_of("not a jwt", "groups").is_empty());
    }

    #[test]
    fn a_pending_sign_in_round_trips_through_its_cookie() {
        let p = Pending {
            state: "s".into(),
            nonce: "n".into(),
            verifier: "v".into(),
            next: "/admin/".into(),
        };
        let v = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(serde_json::to_vec(&p).unwrap());
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            format!("a=1; {PENDING}={v}").parse().unwrap(),
        );
        let back = read_pending(&h).unwrap();
        assert_eq!((back.state.as_str(), back.next.as_str()), ("s", "/admin/"));
        h.insert(
            header::COOKIE,
            format!("{PENDING}=garbage").parse().unwrap(),
        );
        assert!(read_pending(&h).is_none());
    }
}

#[cfg(test)]
mod user_info_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn bare() -> ExternalIdentity {
        ExternalIdentity {
            issuer: "https://sso.example".into(),
            subject: "s-1".into(),
            preferred_username: None,
            name: None,
            email: Some("an@example.vn".into()),
            groups: Vec::new(),
        }
    }

    #[test]
    fn user_info_fills_what_the_id_token_left_out_for_the_same_subject_only() {
        let info = serde_json::json!({"sub": "s-1", "preferred_username": "le.van.an",
            "name": "Lê Văn An", "email": "khac@example.vn", "groups": ["bien-tap"]});
        let who = with_user_info(bare(), &info, "groups").unwrap();
        assert_eq!(who.preferred_username.as_deref(), Some("le.van.an"));
        assert_eq!(who.name.as_deref(), Some("Lê Văn An"));
        assert_eq!(
            who.email.as_deref(),
            Some("an@example.vn"),
            "the ID token's stays"
        );
        assert_eq!(who.groups, ["bien-tap"]);
        let other = serde_json::json!({"sub": "s-2", "preferred_username": "admin"});
        assert!(with_user_info(bare(), &other, "groups").is_err());
        assert!(with_user_info(bare(), &serde_json::json!({}), "groups").is_err());
    }
}
