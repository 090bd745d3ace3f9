-- A portal's look and the facts its footer must show (JSON, `SiteSettings`).
ALTER TABLE sites ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
