-- Lists show a revision without its long fields (portico_engine::LONG_FIELDS). They are
-- dropped once, when the revision is written, instead of on every list read.
ALTER TABLE revisions ADD COLUMN brief TEXT;
DROP TRIGGER revisions_are_immutable;
UPDATE revisions SET brief = json_remove(fields, '$.body', '$.steps', '$.papers', '$.legal_basis', '$.attachments');
CREATE TRIGGER revisions_are_immutable BEFORE UPDATE ON revisions
BEGIN SELECT RAISE(ABORT, 'revisions are immutable'); END;
