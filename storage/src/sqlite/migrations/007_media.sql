-- The media library: one row per file, its bytes in object storage under
-- originals/<checksum>.<ext> (identical uploads share them), and which revisions refer to
-- which files, so that a file becomes public exactly when a published revision uses it.
CREATE TABLE media (
    id          INTEGER PRIMARY KEY,
    site_id     INTEGER NOT NULL REFERENCES sites(id),
    filename    TEXT NOT NULL,
    title       TEXT NOT NULL,
    folded      TEXT NOT NULL,
    type        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    checksum    TEXT NOT NULL,
    width       INTEGER,
    height      INTEGER,
    public      INTEGER NOT NULL DEFAULT 0,
    uploaded_by INTEGER NOT NULL REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX media_by_site ON media (site_id, id);
CREATE INDEX media_by_checksum ON media (checksum);

CREATE TABLE revision_media (
    media_id INTEGER NOT NULL,
    item_id  INTEGER NOT NULL REFERENCES items(id),
    rev      INTEGER NOT NULL,
    PRIMARY KEY (media_id, item_id, rev)
) WITHOUT ROWID;
