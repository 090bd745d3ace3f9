//! Clients behind a load balancer and the edge: each is still itself to the node's limits and
//! its audit log, and what a client writes into `X-Forwarded-For` is believed from nobody.

use crate::support::{Server, PASSWORD};
use reqwest::StatusCode;
use serde_json::json;

/// Signs in as `user` through `base`, as the client a load balancer names `client`.
async fn sign_in(base: &str, client: &str, user: &str, password: &str) -> StatusCode {
    reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        // What a client wrote first, then what the load balancer (a trusted proxy) appended.
        .header("x-forwarded-for", format!("6.6.6.6, {client}"))
        .json(&json!({"username": user, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn behind_a_load_balancer_and_the_edge_every_citizen_is_counted_as_themself() {
    // Load balancer, edge and node all on this machine: 127.0.0.1 is the trusted hop at
    // each of them.
    let s = Server::start_with(portico_api::ApiConfig {
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        // A delay no slow machine outlasts between the guesses and the check below.
        login_limits: portico_api::login_limit::LoginLimits {
            free_failures: 3,
            first_delay: std::time::Duration::from_secs(120),
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    let (edge, _stop) = crate::cache::start_edge_with(
        &[&s],
        portico_api::edge::EdgeConfig {
            trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
            ..Default::default()
        },
    )
    .await;
    // One citizen guesses until limited...
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(sign_in(&edge, "203.0.113.5", "author", "sai mật khẩu").await);
    }
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    assert_eq!(
        sign_in(&edge, "203.0.113.5", "author", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // ...and the author at another address behind the same balancer signs in.
    assert_eq!(
        sign_in(&edge, "198.51.100.20", "author", PASSWORD).await,
        StatusCode::OK
    );
    // IPv6: one client's /64 is one client, whichever address of it it uses.
    for i in 0..8 {
        sign_in(&edge, &format!("2001:db8:5:6::{i:x}"), "editor", "sai").await;
    }
    assert_eq!(
        sign_in(&edge, "2001:db8:5:6::ff", "editor", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        sign_in(&edge, "2001:db8:5:7::1", "editor", PASSWORD).await,
        StatusCode::OK
    );
    // The audit log names the client, not the edge or what the client wrote.
    let admin = s.login("admin").await;
    let failed = s
        .get(
            "/api/v1/audit?action=auth.sign_in_failed&user=author",
            &admin,
        )
        .await;
    let sources: Vec<&str> = failed
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["source"].as_str())
        .collect();
    assert!(!sources.is_empty());
    assert!(sources.iter().all(|s| *s == "203.0.113.5"), "{sources:?}");
}

#[tokio::test]
async fn parallel_guesses_meet_the_sign_in_limit() {
    let s = Server::start().await;
    let guesses = (0..40).map(|i| {
        let base = s.base.clone();
        async move {
            reqwest::Client::new()
                .post(format!("{base}/api/v1/auth/login"))
                .json(&json!({"username": "approver", "password": format!("doan-{i}")}))
                .send()
                .await
                .unwrap()
                .status()
        }
    });
    let statuses = futures::future::join_all(guesses).await;
    let judged = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    // As many as the free failures: the rest were refused before their password was checked.
    let free = portico_api::login_limit::LoginLimits::default().free_failures;
    assert_eq!(judged, usize::try_from(free).unwrap(), "{statuses:?}");
}

#[tokio::test]
async fn metrics_are_not_for_the_public_through_the_edge() {
    let s = Server::start().await;
    let (edge, _stop) = crate::cache::start_edge(&[&s]).await;
    let r = reqwest::get(format!("{edge}/metrics")).await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // The node's own, from this machine, and the edge's own.
    assert!(s.metrics().await.contains("portico_cache_hits_total"));
    let r = reqwest::get(format!("{edge}/_edge/metrics")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn cookies_are_secure_when_the_client_came_over_tls_as_a_trusted_edge_says() {
    let cookie = |s: &Server, proto: Option<&'static str>| {
        let url = format!("{}/admin/login", s.base);
        async move {
            let mut req = reqwest::Client::new().get(url);
            if let Some(p) = proto {
                req = req.header("x-forwarded-proto", p);
            }
            let r = req.send().await.unwrap();
            r.headers()
                .get_all("set-cookie")
                .iter()
                .map(|c| c.to_str().unwrap().to_owned())
                .find(|c| c.contains("portico_login="))
                .expect("the sign-in form's cookie")
        }
    };
    // Behind a trusted edge: https as the edge says, plain http otherwise.
    let behind = Server::start_with(portico_api::ApiConfig {
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        ..Default::default()
    })
    .await;
    let tls = cookie(&behind, Some("https")).await;
    assert!(tls.starts_with("__Host-portico_login=") && tls.ends_with("; Secure"));
    let plain = cookie(&behind, Some("http")).await;
    assert!(plain.starts_with("portico_login=") && !plain.contains("Secure"));
    assert!(!cookie(&behind, None).await.contains("Secure"));
    // A client's own word is not believed.
    let alone = Server::start().await;
    assert!(!cookie(&alone, Some("https")).await.contains("Secure"));
}
