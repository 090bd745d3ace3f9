use crate::support::each_backend;
use portico_engine::{Actor, DeliveryAttempt, EngineError, NewWebhookInput};

fn admin(f: &crate::support::Fixture) -> Actor {
    Actor {
        network_admin: true,
        ..f.approver.clone()
    }
}

fn input(url: &str, kinds: &[&str], descendants: bool) -> NewWebhookInput {
    NewWebhookInput {
        url: url.into(),
        secret: None,
        kinds: kinds.iter().map(|k| k.to_string()).collect(),
        descendants,
    }
}

#[test]
fn a_webhook_sees_its_sites_changes_and_moves_only_on_success() {
    each_backend(|f| {
        let admin = admin(&f);
        let e = &f.engine;
        let before = f.published("Trước khi đăng ký");
        let only_main = e
            .create_webhook(
                &admin,
                "main",
                input("https://tinh.example/hook", &["article"], false),
            )
            .unwrap();
        assert!(only_main.secret.len() >= 32, "a generated secret is long");
        let network = e
            .create_webhook(&admin, "main", input("http://203.0.113.9:9/all", &[], true))
            .unwrap();
        let docs_only = e
            .create_webhook(
                &admin,
                "main",
                input("http://203.0.113.9:9/docs", &["document"], true),
            )
            .unwrap();

        let item = f.published("Tin mới sau khi đăng ký");
        let (hook, page) = e
            .webhook_pending(only_main.webhook.id, 100)
            .unwrap()
            .unwrap();
        assert_eq!(hook.secret, only_main.secret, "the worker gets the secret");
        let ids: Vec<_> = page.changes.iter().map(|c| c.id).collect();
        assert_eq!(ids, vec![item.id], "only what came after registration");
        assert!(!ids.contains(&before.id));
        let change = &page.changes[0];
        assert_eq!(change.kind, "published");
        assert_eq!(change.item.as_ref().unwrap().id, item.id);
        let (_, docs) = e
            .webhook_pending(docs_only.webhook.id, 100)
            .unwrap()
            .unwrap();
        assert!(docs.changes.is_empty(), "the kind filter holds");

        // A failed attempt leaves the cursor where it was and says why.
        let attempt = |ok: bool| DeliveryAttempt {
            webhook_id: hook.id,
            seq: change.seq,
            item_id: change.id,
            change: "published".into(),
            at: e.now(),
            status: Some(if ok { 204 } else { 503 }),
            error: (!ok).then(|| "HTTP 503".to_owned()),
            duration_ms: 3,
        };
        e.record_delivery(&attempt(false)).unwrap();
        let h = e.webhook(&admin, "main", hook.id).unwrap();
        assert_eq!(h.cursor, hook.cursor);
        assert_eq!(h.last_error.as_deref(), Some("HTTP 503"));
        assert!(h.failing_since.is_some());
        let (_, again) = e.webhook_pending(hook.id, 100).unwrap().unwrap();
        assert_eq!(again.changes.len(), 1, "still waiting after a failure");

        e.record_delivery(&attempt(true)).unwrap();
        let h = e.webhook(&admin, "main", hook.id).unwrap();
        assert_eq!(h.cursor, change.seq);
        assert!(h.failing_since.is_none() && h.last_error.is_none());
        let log = e.webhook_deliveries(&admin, "main", hook.id, 10).unwrap();
        assert_eq!(log.len(), 1);
        assert_eq!((log[0].attempts, log[0].delivered), (2, true));
        assert_eq!(log[0].last_status, Some(204));
        let (_, after) = e.webhook_pending(hook.id, 100).unwrap().unwrap();
        assert!(after.changes.is_empty());

        // The network hook sees a component portal's change; the main-only hook does not.
        let sub = e
            .create_item(
                &f.outsider,
                "so-tai-chinh",
                portico_engine::NewItemInput {
                    kind: "article".into(),
                    channels: vec!["tin-tuc-su-kien".into()],
                    slug: None,
                    fields: serde_json::json!({"title": "Tin sở", "body": "Nội dung."}),
                },
            )
            .unwrap();
        f.act(&f.outsider, &sub, "submit");
        f.act(&admin, &sub, "forward");
        f.act(&admin, &sub, "publish");
        let (_, net) = e.webhook_pending(network.webhook.id, 100).unwrap().unwrap();
        assert!(net
            .changes
            .iter()
            .any(|c| c.id == sub.id && c.site == "so-tai-chinh"));
        let (_, main) = e.webhook_pending(hook.id, 100).unwrap().unwrap();
        assert!(main.changes.iter().all(|c| c.id != sub.id));
        // Skipping what did not concern it moves the cursor.
        e.advance_webhook(hook.id, main.next).unwrap();
        assert_eq!(
            e.webhook(&admin, "main", hook.id).unwrap().cursor,
            main.next
        );

        // Removed: no more work, its log gone, a late attempt is ignored.
        e.delete_webhook(&admin, "main", hook.id).unwrap();
        assert!(e.webhook_pending(hook.id, 100).unwrap().is_none());
        e.record_delivery(&attempt(true)).unwrap();
        assert!(matches!(
            e.webhook(&admin, "main", hook.id),
            Err(EngineError::NotFound(_))
        ));
        assert_eq!(e.webhooks(&admin, "main").unwrap().len(), 2);
    });
}

#[test]
fn only_site_admins_register_webhooks_and_bad_ones_are_refused() {
    each_backend(|f| {
        let e = &f.engine;
        let err = e
            .create_webhook(
                &f.approver,
                "main",
                input("https://a.example/h", &[], false),
            )
            .unwrap_err();
        assert!(
            matches!(&err, EngineError::Forbidden(m) if m.contains("site_admin")),
            "{err}"
        );
        let admin = admin(&f);
        for (url, kinds, field) in [
            ("ftp://a.example/h", &[][..], "url"),
            ("not a url", &[], "url"),
            ("https://user:pw@a.example/h", &[], "url"),
            ("https://a.example/h", &["video"][..], "kinds"),
        ] {
            let err = e
                .create_webhook(&admin, "main", input(url, kinds, false))
                .unwrap_err();
            assert!(
                matches!(&err, EngineError::Invalid { field: Some(x), .. } if x == field),
                "{url}: {err:?}"
            );
        }
        let short = NewWebhookInput {
            secret: Some("ngắn".into()),
            ..input("https://a.example/h", &[], false)
        };
        assert!(e.create_webhook(&admin, "main", short).is_err());
        assert!(
            e.webhooks(&admin, "main").unwrap().is_empty(),
            "nothing half-written"
        );
    });
}

#[test]
fn the_delivery_log_keeps_the_newest_thousand() {
    each_backend(|f| {
        let admin = admin(&f);
        let e = &f.engine;
        let hook = e
            .create_webhook(&admin, "main", input("https://a.example/h", &[], false))
            .unwrap()
            .webhook;
        for seq in 1..=1010 {
            e.record_delivery(&DeliveryAttempt {
                webhook_id: hook.id,
                seq,
                item_id: portico_engine::ItemId(1),
                change: "published".into(),
                at: e.now(),
                status: Some(200),
                error: None,
                duration_ms: 1,
            })
            .unwrap();
        }
        let log = e.webhook_deliveries(&admin, "main", hook.id, 1000).unwrap();
        assert_eq!(log.len(), 1000);
        assert_eq!(
            (log[0].seq, log[999].seq),
            (1010, 11),
            "the newest are kept"
        );
        assert_eq!(e.webhook(&admin, "main", hook.id).unwrap().cursor, 1010);
    });
}
