-- An item proposed by a component portal to a parent portal is a linked copy there: it
-- remembers its source, and is flagged when the source is published anew.
ALTER TABLE items ADD COLUMN source_item_id INTEGER REFERENCES items(id);
ALTER TABLE items ADD COLUMN source_changed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX items_by_source ON items (source_item_id) WHERE source_item_id IS NOT NULL;
