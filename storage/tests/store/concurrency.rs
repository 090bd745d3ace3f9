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
                    assert_eq!(*code, "stale_revision");
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
    use portico_engine::Store;
    use portico_storage::{Durability, SqliteStore};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("portico.db");
    let a = SqliteStore::open(&path, Durability::Normal).unwrap();
    let b = SqliteStore::open(&path, Durability::Normal).unwrap();
    assert!(a.lead().unwrap(), "the first to ask leads");
    assert!(!b.lead().unwrap(), "the lock is taken");
    assert!(a.lead().unwrap(), "and kept");
    drop(a);
    assert!(b.lead().unwrap(), "the leader's end frees the place");
}
