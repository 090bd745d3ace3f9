//! Items, revisions, the public view, events and the scheduler.

use crate::support::each_backend;
use chrono::Duration;
use portico_engine::{
    EngineError, EventKind, ItemKind, ItemListCursor, ItemListFilter, ItemSort, ListCursor,
    ListFilter, ListOrder, NewItemInput, State, TransitionInput,
};
use serde_json::json;

#[test]
fn every_step_appends_its_events_in_order() {
    each_backend(|f| {
        let before = f
            .engine
            .events_after(0, 1000)
            .unwrap()
            .last()
            .map(|e| e.seq)
            .unwrap_or(0);
        let item = f.published("Tin mới");
        let events = f.engine.events_after(before, 1000).unwrap();
        let kinds: Vec<_> = events
            .iter()
            .filter(|e| e.item_id == Some(item.id))
            .map(|e| e.kind)
            .collect();
        assert_eq!(
            kinds,
            [
                EventKind::ItemCreated,
                EventKind::ItemStateChanged,
                EventKind::ItemStateChanged,
                EventKind::ItemStateChanged,
                EventKind::ItemPublished
            ]
        );
        assert!(events.windows(2).all(|w| w[0].seq < w[1].seq));
    });
}

#[test]
fn slugs_are_unique_per_site_and_folded_from_vietnamese() {
    each_backend(|f| {
        let a = f.article("main", "Quyết định số 3055/QĐ-UBND về kiến trúc");
        assert_eq!(a.slug, "quyet-dinh-so-3055-qd-ubnd-ve-kien-truc");
        let b = f.article("main", "Quyết định số 3055/QĐ-UBND về kiến trúc");
        assert_eq!(b.slug, "quyet-dinh-so-3055-qd-ubnd-ve-kien-truc-2");
        let other = f
            .engine
            .create_item(
                &f.outsider,
                "so-tai-chinh",
                NewItemInput {
                    kind: "article".into(),
                    channels: vec![],
                    slug: None,
                    fields: json!({"title": "Quyết định số 3055/QĐ-UBND về kiến trúc"}),
                },
            )
            .unwrap();
        assert_eq!(other.slug, a.slug, "slugs are per site");
        let taken = f.engine.create_item(
            &f.author,
            "main",
            NewItemInput {
                kind: "page".into(),
                channels: vec![],
                slug: Some(a.slug.clone()),
                fields: json!({"title": "x"}),
            },
        );
        assert!(
            matches!(
                taken,
                Err(EngineError::Conflict {
                    code: portico_engine::ErrorCode::SlugTaken,
                    ..
                })
            ),
            "{taken:?}"
        );
    });
}

#[test]
fn stored_text_is_nfc() {
    each_backend(|f| {
        let nfd = "Thu\u{309} tu\u{323}c"; // "Thủ tục" with decomposed marks
        let item = f.article("main", nfd);
        let stored = f.engine.item(&f.author, item.id).unwrap();
        assert_eq!(stored.title, "Th\u{1ee7} t\u{1ee5}c");
        assert_ne!(stored.title, nfd);
    });
}

#[test]
fn the_public_keeps_the_published_revision_while_a_new_draft_is_worked_on() {
    each_backend(|f| {
        let item = f.published("Bản đầu");
        let edited = f.save(&f.author, &item, 1, "Bản hai").unwrap();
        assert_eq!(edited.state, State::Draft);
        assert_eq!(edited.revision.0, 2);
        assert!(edited.live);
        let public = f.engine.public_item("main", &item.slug).unwrap();
        assert_eq!(public.title, "Bản đầu");
        f.act(&f.author, &edited, "submit");
        f.act(&f.editor, &edited, "forward");
        f.act(&f.approver, &edited, "publish");
        assert_eq!(
            f.engine.public_item("main", &item.slug).unwrap().title,
            "Bản hai"
        );
    });
}

/// A draft of a live item may file it under other channels; the public sees the move only
/// when that draft is published (before, an author could re-file a published article with
/// no review).
#[test]
fn a_drafts_new_channels_reach_the_public_only_when_it_is_published() {
    each_backend(|f| {
        f.engine
            .create_channel(
                None,
                "main",
                portico_engine::NewChannelInput {
                    name: "Thông báo".into(),
                    slug: Some("thong-bao".into()),
                    parent: None,
                    position: None,
                },
            )
            .unwrap();
        let site = f.store.site_by_slug("main").unwrap().unwrap();
        let channel = |slug: &str| {
            f.store
                .channels(site.id)
                .unwrap()
                .into_iter()
                .find(|c| c.slug == slug)
                .unwrap()
                .id
        };
        let (news, notices) = (channel("tin-tuc-su-kien"), channel("thong-bao"));
        let listed = |ch| {
            let filter = portico_engine::ListFilter {
                site: Some(site.id),
                channel: Some(ch),
                ..Default::default()
            };
            let brief = portico_engine::ListFilter {
                brief: true,
                ..filter.clone()
            };
            let full: Vec<_> = f.store.list_live(&filter, None, 50).unwrap();
            let short: Vec<_> = f.store.list_live(&brief, None, 50).unwrap();
            assert_eq!(full.len(), short.len());
            full.into_iter().map(|(i, _)| i.id).collect::<Vec<_>>()
        };
        let item = f.published("Lịch tiếp công dân");
        let moved = f
            .engine
            .save_item(
                &f.author,
                item.id,
                portico_engine::SaveInput {
                    base_revision: 1,
                    fields: json!({"title": "Lịch tiếp công dân (sửa)"}),
                    channels: Some(vec!["thong-bao".into()]),
                },
            )
            .unwrap();
        assert_eq!(
            moved.channels,
            vec!["thong-bao"],
            "the editor sees the draft's"
        );
        let (public, _) = f.store.live_item(item.id).unwrap().unwrap();
        assert_eq!(
            public.channels,
            vec![news],
            "the public still sees the published one's"
        );
        assert_eq!(listed(news), vec![item.id]);
        assert!(listed(notices).is_empty());
        // Another save without channels keeps the draft's.
        let again = f
            .save(&f.author, &moved, 2, "Lịch tiếp công dân (sửa lần hai)")
            .unwrap();
        assert_eq!(again.channels, vec!["thong-bao"]);
        f.act(&f.author, &again, "submit");
        f.act(&f.editor, &again, "forward");
        f.act(&f.approver, &again, "publish");
        let (public, _) = f.store.live_item(item.id).unwrap().unwrap();
        assert_eq!(public.channels, vec![notices]);
        assert!(listed(news).is_empty());
        assert_eq!(listed(notices), vec![item.id]);
        assert!(f.store.check().unwrap().is_empty());
    });
}

#[test]
fn nothing_but_live_items_is_public() {
    each_backend(|f| {
        let draft = f.article("main", "Bản nháp");
        assert!(matches!(
            f.engine.public_item("main", &draft.slug),
            Err(EngineError::NotFound(_))
        ));
        f.act(&f.author, &draft, "submit");
        assert!(f.engine.public_item("main", &draft.slug).is_err());
        f.act(&f.editor, &draft, "forward");
        assert!(f.engine.public_item("main", &draft.slug).is_err());
        let live = f.act(&f.approver, &draft, "publish");
        assert!(f.engine.public_item("main", &live.slug).is_ok());
        let gone = f.act(&f.approver, &live, "unpublish");
        assert_eq!(gone.state, State::Unpublished);
        assert!(f.engine.public_item("main", &live.slug).is_err());
        // Editing a withdrawn item starts a new draft; it stays private.
        let redo = f
            .save(&f.author, &gone, gone.revision.0, "Làm lại")
            .unwrap();
        assert_eq!(redo.state, State::Draft);
        assert!(f.engine.public_item("main", &live.slug).is_err());
    });
}

#[test]
fn the_scheduler_publishes_what_came_due_and_nothing_else() {
    each_backend(|f| {
        let soon = f.article("main", "Sắp đăng");
        let later = f.article("main", "Đăng sau");
        for item in [&soon, &later] {
            f.act(&f.author, item, "submit");
            f.act(&f.editor, item, "forward");
        }
        let now = portico_engine::Clock::now(&*f.clock);
        for (item, hours) in [(&soon, 1), (&later, 5)] {
            let at = (now + Duration::hours(hours)).to_rfc3339();
            let s = f
                .engine
                .transition(
                    &f.approver,
                    item.id,
                    TransitionInput {
                        action: "schedule".into(),
                        comment: None,
                        at: Some(at),
                    },
                )
                .unwrap();
            assert_eq!(s.state, State::Scheduled);
        }
        assert_eq!(f.engine.publish_due().unwrap(), 0);
        // The process was "down" for two hours: the first item is overdue.
        f.clock.advance(Duration::hours(2));
        assert_eq!(f.engine.publish_due().unwrap(), 1);
        assert_eq!(
            f.engine.publish_due().unwrap(),
            0,
            "publishing is idempotent"
        );
        assert!(f.engine.public_item("main", &soon.slug).is_ok());
        assert!(f.engine.public_item("main", &later.slug).is_err());
        let history = f.engine.history(&f.author, soon.id).unwrap();
        let last = history.last().unwrap();
        assert_eq!(
            (last.action.as_str(), last.user.as_deref()),
            ("publish", None)
        );
        assert!(
            f.engine.check().unwrap().is_empty(),
            "{:?}",
            f.engine.check()
        );
    });
}

#[test]
fn brief_lists_leave_out_long_fields_and_html_but_keep_the_rest() {
    each_backend(|f| {
        let item = f.published("Bài có nội dung dài");
        let full = f.engine.public_item("main", &item.slug).unwrap();
        assert_eq!(full.fields["body"], "Nội dung.");
        assert!(full.html["body"].is_string());
        let store = &f.store;
        for brief in [true, false] {
            let filter = portico_engine::ListFilter {
                brief,
                ..Default::default()
            };
            let rows = store.list_live(&filter, None, 10).unwrap();
            let (rec, rev) = rows.iter().find(|(r, _)| r.id == item.id).unwrap();
            assert_eq!(rec.channels.len(), 1, "brief={brief}");
            assert_eq!(rec.title, "Bài có nội dung dài");
            assert_eq!(rev.fields["title"], "Bài có nội dung dài");
            if brief {
                assert!(rev.fields.get("body").is_none(), "{}", rev.fields);
                assert!(rev.rendered.is_null());
            } else {
                assert_eq!(rev.fields["body"], "Nội dung.");
                assert!(rev.rendered["body"].is_string());
            }
        }
    });
}

#[test]
fn many_concurrent_readers_share_a_bounded_pool() {
    each_backend(|f| {
        for n in 0..5 {
            f.published(&format!("Tin {n}"));
        }
        let store = f.store.clone();
        let threads: Vec<_> = (0..32)
            .map(|_| {
                let store = store.clone();
                std::thread::spawn(move || {
                    let filter = portico_engine::ListFilter {
                        brief: true,
                        ..Default::default()
                    };
                    (0..50)
                        .map(|_| store.list_live(&filter, None, 20).unwrap().len())
                        .sum::<usize>()
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap(), 5 * 50);
        }
    });
}

#[test]
fn the_editors_list_filters_sorts_and_pages_and_the_desk_counts_in_one_query() {
    each_backend(|f| {
        let mut titles = Vec::new();
        for i in 0..7 {
            f.clock.advance(Duration::seconds(10));
            let t = format!("Quyết định số {i} về đất đai");
            titles.push(t.clone());
            let item = f.article("main", &t);
            if i % 2 == 0 {
                f.act(&f.author, &item, "submit");
            }
        }
        let site = f.engine.site_named("main").unwrap().id;
        let all = |filter: &ItemListFilter| f.store.list_items(site, filter, 1000).unwrap();
        let mine: Vec<_> = all(&ItemListFilter {
            text: Some("quyet dinh".into()),
            ..Default::default()
        });
        assert_eq!(
            mine.len(),
            7,
            "{}: text without diacritics finds them",
            f.backend
        );
        assert_eq!(mine[0].title, titles[6], "newest change first");
        let oldest = all(&ItemListFilter {
            text: Some("ĐẤT ĐAI".into()),
            sort: ItemSort::Oldest,
            ..Default::default()
        });
        assert_eq!(oldest.len(), 7, "{}: case and diacritics", f.backend);
        assert_eq!(oldest[0].title, titles[0]);
        let review = all(&ItemListFilter {
            state: Some(State::InReview),
            kind: Some(ItemKind::Article),
            owner: Some(f.author.user_id),
            ..Default::default()
        });
        assert!(review.iter().all(|i| i.state == State::InReview));
        assert!(review.len() >= 4);
        assert!(all(&ItemListFilter {
            kind: Some(ItemKind::Procedure),
            text: Some("quyet".into()),
            ..Default::default()
        })
        .is_empty());
        // Pages of two follow each other without a gap or a repeat, channels read with them.
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = f
                .store
                .list_items(
                    site,
                    &ItemListFilter {
                        text: Some("đất đai".into()),
                        after,
                        ..Default::default()
                    },
                    2,
                )
                .unwrap();
            let Some(last) = page.last() else { break };
            after = Some(ItemListCursor {
                key: last.updated_at.timestamp_micros(),
                id: last.id,
            });
            assert!(page.iter().all(|i| !i.channels.is_empty()));
            seen.extend(page.iter().map(|i| i.title.clone()));
        }
        let mut expected: Vec<_> = titles.iter().rev().cloned().collect();
        assert_eq!(seen, expected, "{}", f.backend);
        expected.sort();

        let counts = f.store.waiting_counts(Some(&[site])).unwrap();
        let n = |s: State| {
            counts
                .iter()
                .find(|c| c.state == s)
                .map(|c| c.count)
                .unwrap_or(0)
        };
        assert_eq!(n(State::InReview), review.len() as u64);
        assert!(n(State::Draft) >= 3);
        assert!(counts.iter().all(|c| c.site == site));
        let everywhere = f.store.waiting_counts(None).unwrap();
        assert!(
            everywhere.iter().map(|c| c.count).sum::<u64>() >= n(State::Draft) + n(State::InReview)
        );
        assert!(f.store.waiting_counts(Some(&[])).unwrap().is_empty());

        let recent = f.store.recent_item_activity(Some(&[site]), 3).unwrap();
        assert_eq!(recent.len(), 3);
        assert_eq!(
            recent[0].1, titles[6],
            "{}: newest first, with the title",
            f.backend
        );
        assert_eq!(recent[0].0.username.as_deref(), Some("author"));
    });
}

#[test]
fn the_register_lists_documents_by_issue_date_and_finds_them_by_number_without_diacritics() {
    each_backend(|f| {
        // Published in one order, signed in another.
        let dates = [
            "2023-05-01",
            "2025-01-15",
            "2019-12-31",
            "2025-01-15",
            "2024-07-08",
        ];
        for (i, date) in dates.iter().enumerate() {
            f.clock.advance(Duration::seconds(5));
            let item = f
                .engine
                .create_item(
                    &f.author,
                    "main",
                    NewItemInput {
                        kind: "document".into(),
                        channels: vec![],
                        slug: None,
                        fields: json!({"number": format!("{}/QĐ-UBND", 100 + i), "doc_type": "Quyết định",
                                       "issuer": if i % 2 == 0 { "UBND tỉnh" } else { "Sở Tài chính" },
                                       "issued_on": date, "status": "in_force",
                                       "title": format!("Về việc thử nghiệm số {i}")}),
                    },
                )
                .unwrap();
            f.act(&f.author, &item, "submit");
            f.act(&f.editor, &item, "forward");
            f.act(&f.approver, &item, "publish");
        }
        let site = f.engine.site_named("main").unwrap().id;
        let filter = ListFilter {
            site: Some(site),
            kind: Some(ItemKind::Document),
            order: ListOrder::IssuedOn,
            brief: true,
            ..Default::default()
        };
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let page = f.store.list_live(&filter, cursor, 2).unwrap();
            let Some((last, rev)) = page.last() else {
                break;
            };
            let date = rev.fields["issued_on"].as_str().unwrap().replace('-', "");
            cursor = Some(ListCursor {
                key: date.parse().unwrap(),
                id: last.id,
            });
            seen.extend(
                page.iter()
                    .map(|(_, r)| r.fields["issued_on"].as_str().unwrap().to_owned()),
            );
        }
        let mut expected: Vec<String> = dates.iter().map(|d| (*d).to_owned()).collect();
        expected.sort_by(|a, b| b.cmp(a));
        assert_eq!(
            seen, expected,
            "{}: newest issue date first, no gap or repeat",
            f.backend
        );

        let words = |w: &[&str]| ListFilter {
            words: w.iter().map(|s| (*s).to_owned()).collect(),
            ..filter.clone()
        };
        let found = f
            .store
            .list_live(&words(&["quyet", "dinh", "102"]), None, 10)
            .unwrap();
        assert_eq!(found.len(), 1, "{}", f.backend);
        assert_eq!(found[0].1.fields["number"], "102/QĐ-UBND");
        assert!(
            f.store
                .list_live(&words(&["103", "thu", "nghiem"]), None, 10)
                .unwrap()
                .len()
                == 1
        );
        assert!(f
            .store
            .list_live(&words(&["khong-co"]), None, 10)
            .unwrap()
            .is_empty());

        let issuers = f.store.live_issuers(site).unwrap();
        assert_eq!(issuers, ["Sở Tài chính", "UBND tỉnh"], "{}", f.backend);
    });
}
