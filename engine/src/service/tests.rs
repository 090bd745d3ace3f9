//! The use cases on the in-memory store: no database, milliseconds per test.

use crate::{
    Actor, ContentFilters, Engine, EngineError, ErrorCode, HashCost, ItemView, ManualClock,
    MemoryStore, NewChannelInput, NewItemInput, NewSiteInput, NewUserInput, PasswordRule,
    SaveInput, State, TransitionInput,
};
use chrono::TimeZone;
use serde_json::json;
use std::sync::Arc;

fn network() -> Engine {
    let clock = Arc::new(ManualClock::new(
        chrono::Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).unwrap(),
    ));
    let e = Engine::new(Arc::new(MemoryStore::new()), clock).with_hash_cost(HashCost::TestsOnly);
    e.create_site(
        None,
        NewSiteInput {
            slug: "main".into(),
            name: "Cổng chính".into(),
            kind: "main".into(),
            parent: None,
            domains: vec![],
            theme: None,
        },
    )
    .unwrap();
    e.create_channel(
        None,
        "main",
        NewChannelInput {
            name: "Tin tức".into(),
            slug: None,
            parent: None,
            position: None,
        },
    )
    .unwrap();
    for (name, role) in [
        ("author", "author"),
        ("editor", "editor"),
        ("approver", "approver"),
    ] {
        e.create_user_as_operator(
            NewUserInput {
                username: name.into(),
                password: "pw".into(),
                display_name: None,
                network_admin: false,
            },
            PasswordRule::DemoOnly,
        )
        .unwrap();
        e.set_role(None, "main", name, role, true).unwrap();
    }
    e
}

fn act(
    e: &Engine,
    who: &str,
    id: crate::ItemId,
    action: &str,
) -> Result<crate::ItemView, EngineError> {
    e.transition(
        &e.actor_by_name(who).unwrap(),
        id,
        TransitionInput {
            action: action.into(),
            comment: Some("cần sửa".into()),
            at: None,
        },
    )
}

#[test]
fn three_steps_to_the_public_and_no_shortcut() {
    let e = network();
    let author = e.actor_by_name("author").unwrap();
    let item = e
        .create_item(
            &author,
            "main",
            NewItemInput {
                kind: "article".into(),
                channels: vec!["tin-tuc".into()],
                slug: None,
                fields: json!({"title": "Khai trương trung tâm", "body": "Nội dung."}),
            },
        )
        .unwrap();
    let public = || {
        e.public_list(Some("main"), &ContentFilters::default(), None, 10)
            .unwrap()
            .items
            .len()
    };
    act(&e, "author", item.id, "submit").unwrap();
    assert!(matches!(
        act(&e, "author", item.id, "forward"),
        Err(EngineError::Forbidden(_))
    ));
    act(&e, "editor", item.id, "return").unwrap();
    act(&e, "author", item.id, "submit").unwrap();
    act(&e, "editor", item.id, "forward").unwrap();
    assert_eq!(
        public(),
        0,
        "nothing is public before the approver publishes"
    );
    let done = act(&e, "approver", item.id, "publish").unwrap();
    assert_eq!(done.state, State::Published);
    assert_eq!(public(), 1);
    let steps: Vec<String> = e
        .history(&author, item.id)
        .unwrap()
        .into_iter()
        .map(|h| h.action)
        .collect();
    assert_eq!(
        steps,
        ["create", "submit", "return", "submit", "forward", "publish"]
    );
}

/// A page drafted by `author` on the main portal.
fn draft_page(e: &Engine, author: &Actor, fields: serde_json::Value) -> ItemView {
    e.create_item(
        author,
        "main",
        NewItemInput {
            kind: "page".into(),
            channels: vec![],
            slug: None,
            fields,
        },
    )
    .unwrap()
}

#[test]
fn a_stale_save_is_a_conflict_not_an_overwrite() {
    let e = network();
    let author = e.actor_by_name("author").unwrap();
    let item = draft_page(&e, &author, json!({"title": "Giới thiệu"}));
    let save = |base: u32, title: &str| {
        e.save_item(
            &author,
            item.id,
            SaveInput {
                base_revision: base,
                fields: json!({"title": title}),
                channels: None,
            },
        )
    };
    save(1, "Giới thiệu chung").unwrap();
    match save(1, "Bản cũ") {
        Err(EngineError::Conflict {
            code,
            current_revision,
            ..
        }) => {
            assert_eq!(code, ErrorCode::StaleRevision);
            assert_eq!(current_revision, Some(2));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_patch_keeps_what_it_does_not_name_and_refuses_a_stale_base() {
    let e = network();
    let author = e.actor_by_name("author").unwrap();
    let item = draft_page(
        &e,
        &author,
        json!({"title": "Giới thiệu", "body": "Lịch sử hình thành."}),
    );
    let patch = |base: u32, fields: serde_json::Value| {
        e.patch_item(
            &author,
            item.id,
            SaveInput {
                base_revision: base,
                fields,
                channels: None,
            },
        )
    };
    let saved = patch(1, json!({"title": "Giới thiệu chung"})).unwrap();
    assert_eq!(saved.fields["title"], "Giới thiệu chung");
    assert_eq!(saved.fields["body"], "Lịch sử hình thành.");
    assert!(matches!(
        patch(1, json!({"title": "Bản cũ"})),
        Err(EngineError::Conflict {
            code: ErrorCode::StaleRevision,
            ..
        })
    ));
    assert!(matches!(
        patch(2, json!("title")),
        Err(EngineError::Invalid { .. })
    ));
    assert_eq!(e.item(&author, item.id).unwrap().revision.0, 2);
}

#[test]
fn passwords_follow_rules_a_person_can_live_with_and_a_disabled_user_is_shut_out() {
    let e = network();
    let new = |name: &str, password: &str| {
        e.create_user_as_operator(
            NewUserInput {
                username: name.into(),
                password: password.into(),
                display_name: None,
                network_admin: false,
            },
            PasswordRule::Strong,
        )
    };
    for weak in ["ngan", "Password123", "matkhau123", "lanhdao-xa-2026"] {
        let err = new("lanhdao", weak).unwrap_err();
        assert!(
            matches!(err, EngineError::Invalid { ref field, .. } if field.as_deref() == Some("password")),
            "{weak}: {err}"
        );
    }
    // No rules about kinds of characters: a long phrase is fine.
    new("lanhdao", "mùa xuân trên đỉnh núi").unwrap();
    let token = e
        .login("lanhdao", "mùa xuân trên đỉnh núi", None)
        .unwrap()
        .token;
    let actor = e.authenticate(&token).unwrap();

    let wrong = e.change_password(&actor, "sai", "một câu khác thật dài");
    assert!(
        matches!(wrong, Err(EngineError::Invalid { ref field, .. }) if field.as_deref() == Some("current"))
    );
    e.change_password(&actor, "mùa xuân trên đỉnh núi", "một câu khác thật dài")
        .unwrap();
    assert!(
        e.authenticate(&token).is_err(),
        "a change ends the sessions"
    );
    let token = e
        .login("lanhdao", "một câu khác thật dài", None)
        .unwrap()
        .token;

    let author = e.actor_by_name("author").unwrap();
    let patch = |disabled| crate::UserPatch {
        disabled: Some(disabled),
        password: None,
        sso_link: None,
    };
    assert!(matches!(
        e.update_user(Some(&author), "lanhdao", patch(true)),
        Err(EngineError::Forbidden(_))
    ));
    let user = e.update_user(None, "lanhdao", patch(true)).unwrap();
    assert!(user.disabled);
    assert!(
        e.authenticate(&token).is_err(),
        "disabling ends the sessions at once"
    );
    assert!(matches!(
        e.login("lanhdao", "một câu khác thật dài", None),
        Err(EngineError::Unauthenticated(_))
    ));
    e.update_user(None, "lanhdao", patch(false)).unwrap();
    e.login("lanhdao", "một câu khác thật dài", None).unwrap();
}

#[test]
fn single_sign_on_creates_links_maps_roles_and_shuts_out_the_disabled() {
    use crate::{ExternalIdentity, RoleMap, RoleRule};
    let e = network();
    let map = RoleMap {
        rules: vec![
            "bien-tap=main:editor".parse::<RoleRule>().unwrap(),
            "quan-tri=network_admin".parse::<RoleRule>().unwrap(),
            "khac=khong-co:author".parse::<RoleRule>().unwrap(),
        ],
        authoritative: false,
        link_by_username: false,
    };
    let who = |sub: &str, user: &str, groups: &[&str]| ExternalIdentity {
        issuer: "https://sso.laocai.gov.vn".into(),
        subject: sub.into(),
        preferred_username: Some(user.into()),
        name: Some("Lê Văn An".into()),
        email: Some("an@laocai.gov.vn".into()),
        groups: groups.iter().map(|g| g.to_string()).collect(),
    };
    // First sign-in: a new account with the mapped role, no password, and a session.
    let t = e
        .sign_in_with_provider(
            &who("s-1", "Le.Van.An", &["bien-tap", "khac"]),
            &map,
            Some("10.0.0.1"),
        )
        .unwrap();
    let me = e.authenticate(&t.token).unwrap();
    assert_eq!(me.username, "le.van.an");
    assert_eq!(me.roles.len(), 1, "{:?}", me.roles);
    assert!(!me.network_admin);
    assert!(
        e.login("le.van.an", "", None).is_err(),
        "no password signs in"
    );
    // The same subject under a new name is the same account; a role given in Portico stays
    // while the provider is not authoritative.
    e.set_role(None, "main", "le.van.an", "approver", true)
        .unwrap();
    let t = e
        .sign_in_with_provider(&who("s-1", "an.le", &["bien-tap"]), &map, None)
        .unwrap();
    let me = e.authenticate(&t.token).unwrap();
    assert_eq!((me.username.as_str(), me.roles.len()), ("le.van.an", 2));
    // Authoritative: the roles are exactly the mapped ones, network admin included.
    let strict = RoleMap {
        authoritative: true,
        ..map.clone()
    };
    let t = e
        .sign_in_with_provider(&who("s-1", "x", &["quan-tri"]), &strict, None)
        .unwrap();
    let me = e.authenticate(&t.token).unwrap();
    assert!(me.network_admin && me.roles.is_empty(), "{me:?}");
    // A local account with a password of the same name is not taken by whoever the provider
    // lets choose that name (OIDC Core 5.7): a network admin allows the link first.
    let err = e
        .sign_in_with_provider(&who("s-2", "editor", &[]), &map, None)
        .unwrap_err();
    assert!(err.to_string().contains("must allow it"), "{err}");
    // le.van.an became a network admin through the provider above.
    let admin = e.actor_by_name("le.van.an").unwrap();
    let patch = |allow| crate::UserPatch {
        disabled: None,
        password: None,
        sso_link: Some(allow),
    };
    e.update_user(Some(&admin), "editor", patch(true)).unwrap();
    let t = e
        .sign_in_with_provider(&who("s-2", "editor", &[]), &map, None)
        .unwrap();
    assert_eq!(e.authenticate(&t.token).unwrap().username, "editor");
    // The operator may link by name whatever the account (--oidc-link-by-username), but a
    // network admin's account is never linked by name otherwise.
    e.create_user_as_operator(
        NewUserInput {
            username: "quantri".into(),
            password: "pw".into(),
            display_name: None,
            network_admin: true,
        },
        PasswordRule::DemoOnly,
    )
    .unwrap();
    let err = e
        .sign_in_with_provider(&who("s-9", "quantri", &[]), &map, None)
        .unwrap_err();
    assert!(err.to_string().contains("must allow it"), "{err}");
    let by_name = RoleMap {
        link_by_username: true,
        ..map.clone()
    };
    let t = e
        .sign_in_with_provider(&who("s-9", "quantri", &[]), &by_name, None)
        .unwrap();
    assert_eq!(e.authenticate(&t.token).unwrap().username, "quantri");
    // Another subject cannot take a linked account.
    let err = e
        .sign_in_with_provider(&who("s-3", "editor", &[]), &map, None)
        .unwrap_err();
    assert!(err.to_string().contains("another account"), "{err}");
    // A username Portico cannot hold is refused with the reason.
    let err = e
        .sign_in_with_provider(&who("s-4", "Lê Văn", &[]), &map, None)
        .unwrap_err();
    assert!(
        err.to_string().contains("is not one Portico accepts"),
        "{err}"
    );
    // Disabled: refused, and the refusal is in the audit log.
    e.update_user(
        None,
        "le.van.an",
        crate::UserPatch {
            disabled: Some(true),
            password: None,
            sso_link: None,
        },
    )
    .unwrap();
    let err = e
        .sign_in_with_provider(
            &who("s-1", "le.van.an", &["bien-tap"]),
            &map,
            Some("10.0.0.9"),
        )
        .unwrap_err();
    assert!(err.to_string().contains("disabled"), "{err}");
    assert!(
        e.authenticate(&t.token).is_ok(),
        "the linked editor's session is untouched"
    );
}

#[test]
fn password_sign_in_can_be_turned_off() {
    let e = network().with_password_sign_in(false);
    let err = e.login("author", "pw", None).unwrap_err();
    assert!(matches!(err, EngineError::Forbidden(_)), "{err}");
}

#[test]
fn role_mappings_say_what_is_wrong() {
    use crate::RoleRule;
    for bad in ["", "=main:editor", "g=main", "g=main:boss", "g=:editor"] {
        assert!(bad.parse::<RoleRule>().is_err(), "{bad}");
    }
    let r: RoleRule = "a=b=main:approver".parse().unwrap();
    assert_eq!(r.group, "a=b");
}

#[test]
fn where_the_provider_decides_tokens_of_its_accounts_pause_after_a_long_absence() {
    use crate::{ExternalIdentity, NewApiTokenInput, RoleMap};
    let clock = Arc::new(ManualClock::new(
        chrono::Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).unwrap(),
    ));
    let e = network()
        .with_clock(clock.clone())
        .with_provider_absence(Some(chrono::Duration::days(30)));
    let map = RoleMap {
        rules: vec![],
        authoritative: true,
        link_by_username: false,
    };
    let who = ExternalIdentity {
        issuer: "https://sso.laocai.gov.vn".into(),
        subject: "s-9".into(),
        preferred_username: Some("tram.nguyen".into()),
        ..ExternalIdentity::default()
    };
    let token_of = |actor: &Actor| {
        e.create_api_token(
            actor,
            NewApiTokenInput {
                name: "tích hợp".into(),
                expires_at: None,
                scopes: None,
            },
        )
        .unwrap()
        .token
    };
    let session = e.sign_in_with_provider(&who, &map, None).unwrap();
    let from_provider = token_of(&e.authenticate(&session.token).unwrap());
    // An account with a password of its own is not the provider's to end.
    let local = token_of(&e.actor_by_name("editor").unwrap());
    clock.advance(chrono::Duration::days(30));
    assert!(
        e.authenticate(&from_provider).is_ok(),
        "30 days away is allowed"
    );
    clock.advance(chrono::Duration::days(1));
    let err = e.authenticate(&from_provider).unwrap_err();
    assert!(
        matches!(&err, EngineError::Unauthenticated(m) if m.contains("sign in there once")),
        "{err}"
    );
    assert!(e.authenticate(&local).is_ok());
    // Back in the directory and signed in again: the token works again.
    e.sign_in_with_provider(&who, &map, None).unwrap();
    assert!(e.authenticate(&from_provider).is_ok());
    // Without the setting a token lasts until it expires.
    clock.advance(chrono::Duration::days(200));
    assert!(e.authenticate(&from_provider).is_err());
    let lax = e.with_provider_absence(None);
    assert!(lax.authenticate(&from_provider).is_ok());
}

#[test]
fn a_search_of_every_portal_is_known_as_the_whole_network() {
    let e = network();
    let all: Vec<String> = e.sites().unwrap().into_iter().map(|s| s.slug).collect();
    assert!(e.is_whole_network(&all).unwrap());
    assert!(!e.is_whole_network(&all[..all.len() - 1]).unwrap());
    assert!(
        !e.is_whole_network(&[]).unwrap(),
        "no filter is not a filter of all"
    );
    let ids = e.site_ids_of(&all[..1]).unwrap();
    assert_eq!(ids, vec![e.sites().unwrap()[0].id]);
}
