//! The consistency check behind `portico check` and the crash-safety test.

use super::{Db, Dialect};
use portico_engine::StoreError;

/// Each query returns the rows that break one invariant, as text.
const INVARIANTS: &[(&str, &str)] = &[
    (
        "item whose current revision is missing",
        "SELECT i.id FROM items i LEFT JOIN revisions r ON r.item_id = i.id AND r.rev = i.current_rev WHERE r.item_id IS NULL",
    ),
    (
        "item whose published revision is missing",
        "SELECT i.id FROM items i LEFT JOIN revisions r ON r.item_id = i.id AND r.rev = i.published_rev
         WHERE i.published_rev IS NOT NULL AND r.item_id IS NULL",
    ),
    (
        "item with a gap in its revision numbers",
        "SELECT item_id FROM revisions GROUP BY item_id HAVING COUNT(*) != MAX(rev) OR MIN(rev) != 1",
    ),
    (
        "live item without a published revision",
        "SELECT id FROM items WHERE live = 1 AND published_rev IS NULL",
    ),
    (
        "scheduled item without a time",
        "SELECT id FROM items WHERE state = 'scheduled' AND scheduled_at IS NULL",
    ),
    (
        "item without its creation in the audit log",
        "SELECT i.id FROM items i WHERE NOT EXISTS (SELECT 1 FROM audit a WHERE a.item_id = i.id AND a.action = 'create')",
    ),
    (
        "item without its creation event",
        // `NOT IN` a list gathered once: the events have no index by item, and looking each
        // item up in them made the check quadratic (minutes at 20,000 items).
        "SELECT i.id FROM items i WHERE i.id NOT IN
             (SELECT e.item_id FROM events e WHERE e.kind = 'item_created' AND e.item_id IS NOT NULL)",
    ),
    (
        "published item without a publish event",
        "SELECT i.id FROM items i WHERE i.published_rev IS NOT NULL
         AND i.id NOT IN
             (SELECT e.item_id FROM events e WHERE e.kind = 'item_published' AND e.item_id IS NOT NULL)",
    ),
    (
        "item whose audit log does not end in its state",
        "SELECT i.id FROM items i JOIN audit a ON a.id = (SELECT MAX(id) FROM audit WHERE item_id = i.id)
         WHERE a.to_state IS NOT NULL AND a.to_state != i.state",
    ),
];

pub(crate) fn check(c: &dyn Db) -> Result<Vec<String>, StoreError> {
    let mut problems = Vec::new();
    if c.dialect() == Dialect::Sqlite {
        // PostgreSQL checks its pages and foreign keys itself; SQLite is asked to.
        let integrity: String = c.value("PRAGMA integrity_check", &[])?;
        if integrity != "ok" {
            problems.push(format!("integrity_check: {integrity}"));
        }
        for r in c.query("PRAGMA foreign_key_check", &[])? {
            problems.push(format!(
                "foreign key broken in {}:{}",
                r.get::<String>(0)?,
                r.get::<i64>(1)?
            ));
        }
    }
    for (what, sql) in INVARIANTS {
        let ids: Vec<i64> = c.column(sql, &[])?;
        problems.extend(ids.into_iter().map(|id| format!("{what}: {id}")));
    }
    Ok(problems)
}
