//! What is written stays written, and the log cannot be rewritten.

use crate::support::{each_backend, pg_url};

#[test]
fn a_reopened_store_has_everything_and_is_consistent() {
    each_backend(|f| {
        let item = f.published("Còn nguyên sau khi mở lại");
        let events = f.event_count();
        let dir = f.dir.path().to_owned();
        drop(f.engine);
        drop(f.store);
        let store = (f.open)(&dir);
        assert_eq!(store.events_after(0, 10_000).unwrap().len(), events);
        let (rec, rev) = store
            .live_item_by_slug(item_site(&*store), &item.slug)
            .unwrap()
            .unwrap();
        assert_eq!(rev.title, "Còn nguyên sau khi mở lại");
        assert_eq!(rec.state, portico_engine::State::Published);
        assert!(store.check().unwrap().is_empty());
    });
}

fn item_site(store: &dyn portico_engine::Store) -> portico_engine::SiteId {
    store.site_by_slug("main").unwrap().unwrap().id
}

#[test]
fn the_audit_log_and_revisions_refuse_rewrites_even_by_hand() {
    each_backend(|f| {
        f.published("Không sửa được lịch sử");
        for sql in [
            "UPDATE audit SET comment = 'x'",
            "DELETE FROM audit",
            "UPDATE revisions SET title = 'x'",
        ] {
            let err = match f.backend {
                // Nothing but the store's own methods can reach its memory.
                "memory" => return,
                "sqlite" => rusqlite::Connection::open(f.dir.path().join("portico.db"))
                    .unwrap()
                    .execute(sql, [])
                    .unwrap_err()
                    .to_string(),
                _ => {
                    let url = pg_url(f.dir.path());
                    let db = url.rsplit('/').next().unwrap();
                    crate::pg_server::cluster()
                        .unwrap()
                        .psql(db, sql)
                        .unwrap_err()
                }
            };
            assert!(
                err.contains("append-only") || err.contains("immutable"),
                "{sql}: {err}"
            );
        }
    });
}

#[test]
fn the_check_finds_an_item_whose_creation_or_publication_left_no_event() {
    each_backend(|f| {
        let item = f.published("Mất sự kiện");
        let sql = format!(
            "DELETE FROM events WHERE item_id = {} AND kind IN ('item_created', 'item_published')",
            item.id
        );
        match f.backend {
            "memory" => return,
            "sqlite" => {
                rusqlite::Connection::open(f.dir.path().join("portico.db"))
                    .unwrap()
                    .execute(&sql, [])
                    .unwrap();
            }
            _ => {
                let url = pg_url(f.dir.path());
                let db = url.rsplit('/').next().unwrap();
                crate::pg_server::cluster().unwrap().psql(db, &sql).unwrap();
            }
        }
        let problems = f.store.check().unwrap();
        assert!(
            problems.iter().any(|p| p.contains("creation event"))
                && problems.iter().any(|p| p.contains("publish event")),
            "{problems:?}"
        );
    });
}
