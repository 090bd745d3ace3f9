-- API tokens for machine clients (a central portal syncing, a script): named, optionally
-- expiring, acting as their owner. Only a SHA-256 hash of the secret is kept.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    name         TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    last_used_at INTEGER
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id, id);
-- Where an act came from (the client's address), for the audit log.
ALTER TABLE audit ADD COLUMN source TEXT;
CREATE INDEX audit_by_action ON audit (action, id);
CREATE INDEX audit_by_actor ON audit (actor_id, id);
