-- Public lists page by (first_published_at, id), newest first: per site and network-wide.
CREATE INDEX items_public_site ON items (site_id, first_published_at DESC, id DESC) WHERE live = 1;
CREATE INDEX items_public_all ON items (first_published_at DESC, id DESC) WHERE live = 1;
CREATE INDEX events_by_kind ON events (kind, seq);
