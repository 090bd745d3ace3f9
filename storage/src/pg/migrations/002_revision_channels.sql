-- The channels a revision files its item under ("3,7", the main one first). They reach the
-- public item (item_channels) when the revision is published, so a draft cannot move a live
-- item to another channel before approval. NULL on revisions written before this column.
ALTER TABLE revisions ADD COLUMN channels TEXT;
