-- Citizens' questions and comments on consultations, kept apart from items with the
-- sender's personal data (never read by any public query), and the outbox of mail that
-- goes with them (written in the same transaction, sent by the leader).
CREATE TABLE questions (
    id             INTEGER PRIMARY KEY,
    site_id        INTEGER NOT NULL REFERENCES sites(id),
    reference      TEXT NOT NULL UNIQUE,
    status         TEXT NOT NULL,
    name           TEXT NOT NULL,
    email          TEXT NOT NULL,
    phone          TEXT NOT NULL DEFAULT '',
    title          TEXT NOT NULL,
    body           TEXT NOT NULL,
    field          TEXT NOT NULL DEFAULT '',
    received_at    INTEGER NOT NULL,
    fingerprint    TEXT NOT NULL,
    confirm_hash   TEXT,
    item_id        INTEGER REFERENCES items(id),
    reason         TEXT NOT NULL DEFAULT '',
    forwarded_from INTEGER,
    erased_at      INTEGER
);
CREATE INDEX questions_by_site ON questions (site_id, status, received_at);
CREATE INDEX questions_by_fingerprint ON questions (site_id, fingerprint);
CREATE INDEX questions_by_item ON questions (item_id) WHERE item_id IS NOT NULL;
CREATE INDEX questions_by_confirmation ON questions (confirm_hash) WHERE confirm_hash IS NOT NULL;

CREATE TABLE comments (
    id            INTEGER PRIMARY KEY,
    item_id       INTEGER NOT NULL REFERENCES items(id),
    site_id       INTEGER NOT NULL REFERENCES sites(id),
    section       TEXT,
    section_label TEXT NOT NULL DEFAULT '',
    name          TEXT NOT NULL,
    email         TEXT NOT NULL,
    body          TEXT NOT NULL,
    status        TEXT NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    disposition   TEXT,
    reply         TEXT NOT NULL DEFAULT '',
    received_at   INTEGER NOT NULL,
    moderated_at  INTEGER,
    moderated_by  INTEGER REFERENCES users(id),
    responded_at  INTEGER,
    erased_at     INTEGER,
    fingerprint   TEXT NOT NULL
);
CREATE INDEX comments_by_item ON comments (item_id, status, id);
CREATE INDEX comments_by_site ON comments (site_id, status);

CREATE TABLE mail_outbox (
    id         INTEGER PRIMARY KEY,
    to_addr    TEXT NOT NULL,
    template   TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
