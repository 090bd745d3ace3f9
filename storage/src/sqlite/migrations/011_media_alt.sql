-- What an image shows, for those who cannot see it: the `alt` of the pages that show it.
ALTER TABLE media ADD COLUMN alt TEXT NOT NULL DEFAULT '';
