-- HTML rendered from a revision when it is published, by field name (JSON). Kept apart from
-- the immutable revisions; written once per publication of a revision.
CREATE TABLE renderings (
    item_id INTEGER NOT NULL REFERENCES items(id),
    rev     INTEGER NOT NULL,
    html    TEXT NOT NULL,
    PRIMARY KEY (item_id, rev)
) WITHOUT ROWID;
