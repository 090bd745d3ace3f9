-- Webhook endpoints, each with its own cursor in the event log, and the log of deliveries
-- (one row per endpoint and change, updated on every attempt).
CREATE TABLE webhooks (
    id              INTEGER PRIMARY KEY,
    site_id         INTEGER NOT NULL REFERENCES sites(id),
    url             TEXT NOT NULL,
    secret          TEXT NOT NULL,
    kinds           TEXT NOT NULL DEFAULT '',
    descendants     INTEGER NOT NULL DEFAULT 0,
    cursor          INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    created_by      INTEGER NOT NULL REFERENCES users(id),
    last_success_at INTEGER,
    last_failure_at INTEGER,
    last_error      TEXT,
    failing_since   INTEGER
);
CREATE INDEX webhooks_by_site ON webhooks (site_id);

CREATE TABLE webhook_deliveries (
    webhook_id       INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    seq              INTEGER NOT NULL,
    item_id          INTEGER NOT NULL,
    change           TEXT NOT NULL,
    attempts         INTEGER NOT NULL,
    first_attempt_at INTEGER NOT NULL,
    last_attempt_at  INTEGER NOT NULL,
    delivered        INTEGER NOT NULL,
    last_status      INTEGER,
    last_error       TEXT,
    last_duration_ms INTEGER NOT NULL,
    PRIMARY KEY (webhook_id, seq)
) WITHOUT ROWID;
