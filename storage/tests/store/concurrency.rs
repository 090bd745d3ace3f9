//! Optimistic concurrency: a stale save never overwrites.

use crate::support::each_backend;
use portico_engine::EngineError;

#[test]
fn of_eight_concurrent_saves_on_one_base_exactly_one_wins() {
    each_backend(|f| {
        let item = f.article("main", "Bài gốc");
        let results: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let (f, item) = (&f, &item);
                    s.spawn(move || f.save(&f.author, item, 1, &format!("Bản sửa {i}")))
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let wins = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(wins, 1, "{results:?}");
        for r in results.iter().filter(|r| r.is_err()) {
            match r {
                Err(EngineError::Conflict {
                    code,
                    current_revision,
                    ..
                }) => {
                    assert_eq!(*code, portico_engine::ErrorCode::StaleRevision);
                    assert_eq!(*current_revision, Some(2));
                }
                other => panic!("expected a conflict, got {other:?}"),
            }
        }
        let revs = f.engine.revisions(&f.author, item.id).unwrap();
        assert_eq!(revs.len(), 2);
    });
}

#[test]
fn a_refused_change_writes_no_event_and_no_audit_entry() {
    each_backend(|f| {
        let item = f.article("main", "Bài thử");
        let events = f.event_count();
        let history = f.engine.history(&f.author, item.id).unwrap().len();
        assert!(f.save(&f.author, &item, 7, "stale").is_err());
        let publish = f.engine.transition(
            &f.approver,
            item.id,
            portico_engine::TransitionInput {
                action: "publish".into(),
                comment: None,
                at: None,
            },
        );
        assert!(
            matches!(publish, Err(EngineError::Conflict { .. })),
            "{publish:?}"
        );
        assert_eq!(f.event_count(), events);
        assert_eq!(f.engine.history(&f.author, item.id).unwrap().len(), history);
        assert!(f.engine.check().unwrap().is_empty());
    });
}

#[test]
fn of_two_stores_on_one_database_one_leads_until_it_is_gone() {
    // The in-memory store lives in one process: it always leads.
    for (name, open) in crate::support::databases() {
        eprintln!("backend: {name}");
        let dir = tempfile::tempdir().unwrap();
        let a = open(dir.path());
        let b = open(dir.path());
        assert!(a.lead().unwrap(), "the first to ask leads");
        assert!(!b.lead().unwrap(), "the lock is taken");
        assert!(a.lead().unwrap(), "and kept");
        assert!(!b.lead().unwrap(), "and still refused");
        drop(a);
        // PostgreSQL frees a session's locks when its server process has ended, a moment
        // after the client closed the connection.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
        while !b.lead().unwrap() {
            assert!(
                std::time::Instant::now() < deadline,
                "the leader's end frees the place"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(b.lead().unwrap(), "and the new leader keeps it");
    }
}

/// The pitfall of a shared log: on PostgreSQL a sequence number is taken before its
/// transaction commits, so a follower could read 11, move its cursor past 10, and then 10
/// commits. Two stores (two nodes) write at once while a follower reads from its cursor;
/// it must see every event, once, in order.
#[test]
fn a_follower_misses_no_event_while_two_nodes_write_at_once() {
    each_backend(|f| {
        let other = portico_engine::Engine::new((f.open)(f.dir.path()), f.clock.clone());
        let other_author = other.actor_by_name("author").unwrap();
        let start = f.engine.events_after(0, 100_000).unwrap().len() as i64;
        let seen = std::thread::scope(|s| {
            let writers: Vec<_> = (0..4)
                .map(|w| {
                    let (f, other, other_author) = (&f, &other, &other_author);
                    s.spawn(move || {
                        for i in 0..40 {
                            let input = portico_engine::NewItemInput {
                                kind: "article".into(),
                                channels: vec!["tin-tuc-su-kien".into()],
                                slug: None,
                                fields: serde_json::json!({"title": format!("Tin {w}-{i}")}),
                            };
                            if w % 2 == 0 {
                                f.engine.create_item(&f.author, "main", input).unwrap();
                            } else {
                                other.create_item(other_author, "main", input).unwrap();
                            }
                        }
                    })
                })
                .collect();
            let mut cursor = 0;
            let mut seen = Vec::new();
            loop {
                let done = writers.iter().all(|w| w.is_finished());
                let batch = f.store.events_after(cursor, 1000).unwrap();
                if let Some(last) = batch.last() {
                    cursor = last.seq;
                }
                seen.extend(batch.iter().map(|e| e.seq));
                if done && batch.is_empty() {
                    break;
                }
            }
            for w in writers {
                w.join().expect("a writer failed");
            }
            seen
        });
        let all: Vec<i64> = f
            .store
            .events_after(0, 100_000)
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect();
        assert_eq!(all.len() as i64, start + 160, "every write left its event");
        assert_eq!(seen, all, "the follower saw every event once, in order");
    });
}

/// The database restarts under a node (here: every connection of the node is terminated):
/// reads go on at once on new connections, and what cannot be done is `Unavailable`.
#[test]
fn a_postgres_restart_costs_no_read() {
    use portico_engine::{EventLog, SiteStore, StoreError};
    let Some(pg) = crate::pg_server::cluster() else {
        return;
    };
    let url = pg.fresh_database();
    let db = url.rsplit('/').next().unwrap().to_owned();
    let store = portico_storage::PgStore::connect(&url).unwrap();
    // Several pooled sessions, all idle.
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| store.sites().unwrap());
        }
    });
    let kill = format!(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '{db}'"
    );
    assert_ne!(pg.psql("postgres", &kill).unwrap(), "0");
    for _ in 0..3 {
        assert!(
            store.sites().unwrap().is_empty(),
            "read on a new connection"
        );
    }
    assert_eq!(store.last_event_seq().unwrap(), 0);
    // Gone for good: a clear `Unavailable`, not a generic failure.
    let dead = portico_storage::PgStore::connect(&url).unwrap();
    pg.psql("postgres", &kill).unwrap();
    pg.psql(
        "postgres",
        &format!("ALTER DATABASE {db} ALLOW_CONNECTIONS false"),
    )
    .unwrap();
    match dead.sites() {
        Err(StoreError::Unavailable(_)) => {}
        other => panic!("expected Unavailable, got {other:?}"),
    }
    pg.psql(
        "postgres",
        &format!("ALTER DATABASE {db} ALLOW_CONNECTIONS true"),
    )
    .unwrap();
    assert!(dead.sites().unwrap().is_empty(), "and back when it is");
}
