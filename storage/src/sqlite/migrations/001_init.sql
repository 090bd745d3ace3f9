-- Portico's first schema. Times are microseconds since the Unix epoch (UTC).

CREATE TABLE sites (
    id         INTEGER PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    parent_id  INTEGER REFERENCES sites(id),
    theme      TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- A host name serves exactly one site.
CREATE TABLE site_domains (
    domain  TEXT PRIMARY KEY,
    site_id INTEGER NOT NULL REFERENCES sites(id)
) WITHOUT ROWID;

CREATE TABLE channels (
    id        INTEGER PRIMARY KEY,
    site_id   INTEGER NOT NULL REFERENCES sites(id),
    parent_id INTEGER REFERENCES channels(id),
    slug      TEXT NOT NULL,
    name      TEXT NOT NULL,
    position  INTEGER NOT NULL,
    UNIQUE (site_id, slug)
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    network_admin INTEGER NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE roles (
    user_id INTEGER NOT NULL REFERENCES users(id),
    site_id INTEGER NOT NULL REFERENCES sites(id),
    role    TEXT NOT NULL,
    PRIMARY KEY (user_id, site_id, role)
) WITHOUT ROWID;
CREATE INDEX roles_by_site ON roles (site_id);

-- Only SHA-256 hashes of tokens are kept.
CREATE TABLE tokens (
    hash       TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE items (
    id                 INTEGER PRIMARY KEY,
    site_id            INTEGER NOT NULL REFERENCES sites(id),
    kind               TEXT NOT NULL,
    slug               TEXT NOT NULL,
    state              TEXT NOT NULL,
    owner_id           INTEGER NOT NULL REFERENCES users(id),
    created_by         INTEGER NOT NULL REFERENCES users(id),
    current_rev        INTEGER NOT NULL,
    published_rev      INTEGER,
    live               INTEGER NOT NULL DEFAULT 0,
    scheduled_at       INTEGER,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    first_published_at INTEGER,
    published_at       INTEGER,
    title              TEXT NOT NULL,
    UNIQUE (site_id, slug)
);
CREATE INDEX items_queue ON items (site_id, state, updated_at);
CREATE INDEX items_due ON items (scheduled_at) WHERE state = 'scheduled';
CREATE INDEX items_live ON items (site_id, kind, published_at) WHERE live = 1;

CREATE TABLE item_channels (
    item_id    INTEGER NOT NULL REFERENCES items(id),
    channel_id INTEGER NOT NULL REFERENCES channels(id),
    -- The order the editor gave; the first channel is the item's main one.
    position   INTEGER NOT NULL,
    PRIMARY KEY (item_id, channel_id)
) WITHOUT ROWID;
CREATE INDEX item_channels_by_channel ON item_channels (channel_id, item_id);

-- Revisions are immutable: the published state points at one of them.
CREATE TABLE revisions (
    item_id       INTEGER NOT NULL REFERENCES items(id),
    rev           INTEGER NOT NULL,
    based_on      INTEGER,
    title         TEXT NOT NULL,
    fields        TEXT NOT NULL,
    number        TEXT,
    doc_type      TEXT,
    issuer        TEXT,
    field         TEXT,
    issued_on     TEXT,
    effect_status TEXT,
    code          TEXT,
    level         TEXT,
    created_by    INTEGER NOT NULL REFERENCES users(id),
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (item_id, rev)
);
CREATE TRIGGER revisions_are_immutable BEFORE UPDATE ON revisions
BEGIN SELECT RAISE(ABORT, 'revisions are immutable'); END;

-- Every workflow step and admin action; append-only.
CREATE TABLE audit (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    actor_id   INTEGER REFERENCES users(id),
    site_id    INTEGER REFERENCES sites(id),
    item_id    INTEGER REFERENCES items(id),
    action     TEXT NOT NULL,
    from_state TEXT,
    to_state   TEXT,
    revision   INTEGER,
    comment    TEXT
);
CREATE INDEX audit_by_item ON audit (item_id, id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- The event log that followers (indexer, purger, webhooks, edges) read from a cursor.
CREATE TABLE events (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    kind    TEXT NOT NULL,
    site_id INTEGER,
    item_id INTEGER,
    data    TEXT NOT NULL
);

-- Each follower's cursor: the last event sequence number it has fully processed.
CREATE TABLE followers (
    name TEXT PRIMARY KEY,
    seq  INTEGER NOT NULL
) WITHOUT ROWID;
