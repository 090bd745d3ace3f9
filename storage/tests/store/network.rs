//! Sites, channels and roles.

use crate::support::each_backend;
use portico_engine::{ChannelPatch, EngineError, NewChannelInput, NewSiteInput};

#[test]
fn channels_nest_order_and_refuse_cycles_and_deleting_when_in_use() {
    each_backend(|f| {
        let admin_actor = {
            let mut a = f.approver.clone();
            a.network_admin = true;
            a
        };
        let e = &f.engine;
        let child = e
            .create_channel(
                None,
                "main",
                NewChannelInput {
                    name: "Thời sự".into(),
                    slug: None,
                    parent: Some("tin-tuc-su-kien".into()),
                    position: None,
                },
            )
            .unwrap();
        assert_eq!(child.slug, "thoi-su");
        let cycle = e.update_channel(
            &admin_actor,
            "main",
            "tin-tuc-su-kien",
            ChannelPatch {
                parent: Some(Some("thoi-su".into())),
                ..Default::default()
            },
        );
        assert!(
            matches!(cycle, Err(EngineError::Invalid { .. })),
            "{cycle:?}"
        );
        let renamed = e
            .update_channel(
                &admin_actor,
                "main",
                "thoi-su",
                ChannelPatch {
                    name: Some("Thời sự trong tỉnh".into()),
                    position: Some(5),
                    parent: Some(None),
                },
            )
            .unwrap();
        assert_eq!(
            (renamed.name.as_str(), renamed.position, renamed.parent_id),
            ("Thời sự trong tỉnh", 5, None)
        );
        f.article("main", "Giữ chuyên mục");
        let busy = e.delete_channel(&admin_actor, "main", "tin-tuc-su-kien");
        assert!(
            matches!(
                busy,
                Err(EngineError::Conflict {
                    code: portico_engine::ErrorCode::ChannelNotEmpty,
                    ..
                })
            ),
            "{busy:?}"
        );
        e.delete_channel(&admin_actor, "main", "thoi-su").unwrap();
        assert!(e
            .channels("main")
            .unwrap()
            .iter()
            .all(|c| c.slug != "thoi-su"));
    });
}

#[test]
fn site_slugs_and_domains_are_unique_and_there_is_one_main_portal() {
    each_backend(|f| {
        let e = &f.engine;
        let input =
            |slug: &str, kind: &str, parent: Option<&str>, domains: Vec<String>| NewSiteInput {
                slug: slug.into(),
                name: "Xã Bản Vược".into(),
                kind: kind.into(),
                parent: parent.map(Into::into),
                domains,
                theme: None,
            };
        e.create_site(
            None,
            input(
                "xa-ban-vuoc",
                "commune",
                Some("so-tai-chinh"),
                vec!["banvuoc.laocai.gov.vn".into()],
            ),
        )
        .unwrap();
        assert!(matches!(
            e.create_site(None, input("xa-ban-vuoc", "commune", Some("main"), vec![])),
            Err(EngineError::Conflict { .. })
        ));
        assert!(matches!(
            e.create_site(
                None,
                input(
                    "xa-khac",
                    "commune",
                    Some("main"),
                    vec!["BanVuoc.laocai.gov.vn".into()]
                )
            ),
            Err(EngineError::Conflict { .. })
        ));
        assert!(matches!(
            e.create_site(None, input("main-2", "main", None, vec![])),
            Err(EngineError::Conflict { .. })
        ));
        assert!(matches!(
            e.create_site(None, input("mo-coi", "commune", None, vec![])),
            Err(EngineError::Invalid { .. })
        ));
        let tree = e.site_tree().unwrap();
        assert_eq!(tree.len(), 1);
        assert_eq!(tree[0].children[0].children[0].site.slug, "xa-ban-vuoc");
    });
}

#[test]
fn a_second_engine_on_the_same_store_sees_new_sites_and_channels_at_once() {
    each_backend(|f| {
        // Another node: its own engine (and snapshot) over the same store.
        let other = portico_engine::Engine::new(f.store.clone(), f.clock.clone());
        assert_eq!(other.channels("main").unwrap().len(), 1);
        assert_eq!(other.sites().unwrap().len(), 2);
        f.engine
            .create_channel(
                None,
                "main",
                portico_engine::NewChannelInput {
                    name: "Thông báo".into(),
                    slug: None,
                    parent: None,
                    position: None,
                },
            )
            .unwrap();
        f.engine
            .create_site(
                None,
                portico_engine::NewSiteInput {
                    slug: "xa-coc-san".into(),
                    name: "Xã Cốc San".into(),
                    kind: "commune".into(),
                    parent: Some("so-tai-chinh".into()),
                    domains: vec![],
                    theme: None,
                },
            )
            .unwrap();
        // Another node notices within the snapshot's check interval.
        std::thread::sleep(
            portico_engine::CATALOG_CHECK_EVERY + std::time::Duration::from_millis(50),
        );
        let names: Vec<String> = other
            .channels("main")
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, ["Tin tức – Sự kiện", "Thông báo"]);
        assert!(other.site_named("xa-coc-san").is_ok());
        assert_eq!(other.site_tree().unwrap()[0].children[0].children.len(), 1);
    });
}

#[test]
fn single_sign_on_links_one_identity_to_one_account_and_maps_roles() {
    use portico_engine::{ExternalIdentity, RoleMap, RoleRule};
    each_backend(|f| {
        let e = &f.engine;
        let map = RoleMap {
            rules: vec!["bien-tap=main:editor".parse::<RoleRule>().unwrap()],
            authoritative: true,
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
        let t = e
            .sign_in_with_provider(&who("s-1", "le.van.an", &["bien-tap"]), &map, None)
            .unwrap();
        let me = e.authenticate(&t.token).unwrap();
        assert_eq!(me.username, "le.van.an");
        assert_eq!(me.roles.len(), 1);
        let admin = {
            let mut a = f.approver.clone();
            a.network_admin = true;
            a
        };
        let listed = e.users(&admin).unwrap();
        let an = listed.iter().find(|u| u.username == "le.van.an").unwrap();
        assert_eq!(an.display_name, "Lê Văn An");
        // Leaving the group takes the role away (the provider is authoritative); the same
        // subject finds the same account whatever name it now sends.
        let t = e
            .sign_in_with_provider(&who("s-1", "an.le", &[]), &map, None)
            .unwrap();
        let me = e.authenticate(&t.token).unwrap();
        assert_eq!((me.username.as_str(), me.roles.len()), ("le.van.an", 0));
        // Another identity cannot take the linked name.
        assert!(e
            .sign_in_with_provider(&who("s-2", "le.van.an", &[]), &map, None)
            .is_err());
        // The sign-in is noted, for pausing the tokens of someone long gone.
        let standing = e.store().provider_standing(me.user_id).unwrap().unwrap();
        assert_eq!(
            standing.sso_subject.as_deref(),
            Some("https://sso.laocai.gov.vn s-1")
        );
        assert!(!standing.has_password);
        let seen = standing.sso_seen_at.unwrap();
        assert!((e.now() - seen).num_seconds().abs() < 5, "{seen}");
        let local = e
            .store()
            .provider_standing(f.approver.user_id)
            .unwrap()
            .unwrap();
        assert_eq!(
            (local.sso_subject, local.has_password, local.sso_seen_at),
            (None, true, None)
        );
    });
}
