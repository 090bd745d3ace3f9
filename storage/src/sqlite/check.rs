//! The consistency check behind `portico check` and the crash-safety test.

use super::backend;
use portico_engine::StoreError;
use rusqlite::Connection;

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
        "SELECT i.id FROM items i WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.item_id = i.id AND e.kind = 'item_created')",
    ),
    (
        "published item without a publish event",
        "SELECT i.id FROM items i WHERE i.published_rev IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM events e WHERE e.item_id = i.id AND e.kind = 'item_published')",
    ),
    (
        "item whose audit log does not end in its state",
        "SELECT i.id FROM items i JOIN audit a ON a.id = (SELECT MAX(id) FROM audit WHERE item_id = i.id)
         WHERE a.to_state IS NOT NULL AND a.to_state != i.state",
    ),
];

pub(crate) fn check(c: &Connection) -> Result<Vec<String>, StoreError> {
    let mut problems = Vec::new();
    let integrity: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(backend)?;
    if integrity != "ok" {
        problems.push(format!("integrity_check: {integrity}"));
    }
    let mut fk = c.prepare("PRAGMA foreign_key_check").map_err(backend)?;
    let fk_rows: Vec<String> = fk
        .query_map([], |r| {
            Ok(format!(
                "{}:{}",
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?
            ))
        })
        .map_err(backend)?
        .collect::<Result<_, _>>()
        .map_err(backend)?;
    problems.extend(
        fk_rows
            .into_iter()
            .map(|r| format!("foreign key broken in {r}")),
    );
    for (what, sql) in INVARIANTS {
        let mut st = c.prepare(sql).map_err(backend)?;
        let ids: Vec<i64> = st
            .query_map([], |r| r.get(0))
            .map_err(backend)?
            .collect::<Result<_, _>>()
            .map_err(backend)?;
        problems.extend(ids.into_iter().map(|id| format!("{what}: {id}")));
    }
    Ok(problems)
}
