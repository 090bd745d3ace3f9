//! The whole permission matrix over HTTP: every role, every action, on its own site and on
//! a site where it holds no role.

use crate::support::Server;
use reqwest::StatusCode;
use serde_json::json;

/// Where an item must stand before the action, and whose draft it is.
#[derive(Clone, Copy, Debug)]
enum Setup {
    OwnDraft,
    OthersDraft,
    InReview,
    InApproval,
    Published,
    Scheduled,
    Unpublished,
    None,
}

#[derive(Clone, Copy, Debug)]
enum Do {
    Transition(&'static str),
    Edit,
    Create,
    CreateChannel,
    GrantRole,
    RegisterWebhook,
    Read,
}

const ROLES: [&str; 4] = ["author", "editor", "approver", "siteadmin"];

/// (what, setup, which roles may) — the rules of `engine/src/policy.rs`, spelled out.
const MATRIX: &[(Do, Setup, &[&str])] = &[
    (
        Do::Transition("submit"),
        Setup::OwnDraft,
        &["author", "editor", "approver"],
    ),
    (Do::Transition("submit"), Setup::OthersDraft, &[]),
    (Do::Transition("forward"), Setup::InReview, &["editor"]),
    (Do::Transition("return"), Setup::InReview, &["editor"]),
    (Do::Transition("publish"), Setup::InApproval, &["approver"]),
    (Do::Transition("schedule"), Setup::InApproval, &["approver"]),
    (Do::Transition("return"), Setup::InApproval, &["approver"]),
    (Do::Transition("unpublish"), Setup::Published, &["approver"]),
    (Do::Transition("unpublish"), Setup::Scheduled, &["approver"]),
    (Do::Transition("archive"), Setup::Unpublished, &["approver"]),
    (Do::Edit, Setup::OwnDraft, &["author", "editor", "approver"]),
    (Do::Edit, Setup::OthersDraft, &[]),
    (Do::Edit, Setup::InReview, &["editor"]),
    (Do::Edit, Setup::InApproval, &["approver"]),
    (
        Do::Edit,
        Setup::Published,
        &["author", "editor", "approver"],
    ),
    (Do::Create, Setup::None, &["author", "editor", "approver"]),
    (Do::CreateChannel, Setup::None, &["siteadmin"]),
    (Do::GrantRole, Setup::None, &["siteadmin"]),
    (Do::RegisterWebhook, Setup::None, &["siteadmin"]),
    (
        Do::Read,
        Setup::InReview,
        &["author", "editor", "approver", "siteadmin"],
    ),
];

#[tokio::test]
async fn every_role_every_action_own_site_and_another_site() {
    let s = Server::start().await;
    let admin = s.login("admin").await;
    let mut tokens = Vec::new();
    for r in ROLES {
        tokens.push((r, s.login(r).await));
    }
    let mut failures = Vec::new();
    let mut cases = 0;
    for &(what, setup, allowed) in MATRIX {
        for (role, token) in &tokens {
            for site in ["main", "so-tai-chinh"] {
                cases += 1;
                // Only network admins hold roles on so-tai-chinh in this fixture.
                let own = site == "main";
                let expect_ok = own && allowed.contains(role);
                let item = prepare(
                    &s,
                    &admin,
                    token,
                    site,
                    setup,
                    own && allowed.contains(role),
                )
                .await;
                let r = perform(&s, token, site, item, what).await;
                let ok = r.status.is_success();
                if ok != expect_ok || (!ok && r.status != StatusCode::FORBIDDEN) {
                    failures.push(format!(
                        "{role} {what:?} on {setup:?} at {site}: got {} {}",
                        r.status, r.body
                    ));
                }
                if !ok && r.status == StatusCode::FORBIDDEN {
                    let msg = r.body["error"]["message"].as_str().unwrap_or("");
                    let names_reason =
                        msg.contains("role") || msg.contains("owner") || msg.contains("belongs");
                    if !names_reason {
                        failures.push(format!(
                            "{role} {what:?}: refusal does not say what is missing: {msg}"
                        ));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} cases wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn the_network_admin_may_do_everything_everywhere() {
    let s = Server::start().await;
    let admin = s.login("admin").await;
    for site in ["main", "so-tai-chinh"] {
        let id = s.article(&admin, site, "Bài của quản trị").await.body["id"]
            .as_i64()
            .unwrap();
        for action in ["submit", "forward", "publish", "unpublish", "archive"] {
            let r = s.act(&admin, id, action).await;
            assert_eq!(r.status, StatusCode::OK, "{action} on {site}: {:?}", r.body);
        }
    }
}

/// Brings an item into the state the case needs; returns its id.
async fn prepare(
    s: &Server,
    admin: &str,
    actor: &str,
    site: &str,
    setup: Setup,
    actor_may_create: bool,
) -> Option<i64> {
    let owner = match setup {
        Setup::None => return None,
        // The actor's own draft, when they can write on the site at all.
        Setup::OwnDraft if actor_may_create => actor,
        _ => admin,
    };
    let created = s.article(owner, site, "Bài kiểm tra quyền").await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let id = created.body["id"].as_i64().unwrap();
    let steps: &[&str] = match setup {
        Setup::OwnDraft | Setup::OthersDraft | Setup::None => &[],
        Setup::InReview => &["submit"],
        Setup::InApproval => &["submit", "forward"],
        Setup::Published => &["submit", "forward", "publish"],
        Setup::Scheduled => &["submit", "forward", "schedule"],
        Setup::Unpublished => &["submit", "forward", "publish", "unpublish"],
    };
    for step in steps {
        let r = s.act(admin, id, step).await;
        assert_eq!(r.status, StatusCode::OK, "setup {step}: {:?}", r.body);
    }
    Some(id)
}

async fn perform(
    s: &Server,
    token: &str,
    site: &str,
    item: Option<i64>,
    what: Do,
) -> crate::support::Reply {
    match (what, item) {
        (Do::Transition(action), Some(id)) => s.act(token, id, action).await,
        (Do::Edit, Some(id)) => {
            let e = s.engine.clone();
            let current = tokio::task::spawn_blocking(move || {
                e.store().item(portico_engine::ItemId(id)).unwrap().unwrap()
            })
            .await
            .unwrap()
            .current_rev
            .0;
            s.send(
                "PUT",
                &format!("/api/v1/items/{id}"),
                Some(token),
                Some(json!({"base_revision": current, "fields": {"title": "Đã sửa"}})),
            )
            .await
        }
        (Do::Read, Some(id)) => s.get(&format!("/api/v1/items/{id}/history"), token).await,
        (Do::Create, _) => s.article(token, site, "Bài mới").await,
        (Do::CreateChannel, _) => {
            let name = format!("Chuyên mục {}", rand_suffix());
            s.post(
                &format!("/api/v1/sites/{site}/channels"),
                token,
                json!({"name": name}),
            )
            .await
        }
        (Do::GrantRole, _) => {
            s.post(
                &format!("/api/v1/sites/{site}/roles"),
                token,
                json!({"username": "author2", "role": "editor"}),
            )
            .await
        }
        (Do::RegisterWebhook, _) => {
            s.post(
                &format!("/api/v1/sites/{site}/webhooks"),
                token,
                json!({"url": "https://tong-hop.example/hook"}),
            )
            .await
        }
        (_, None) => unreachable!("case needs an item"),
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}
