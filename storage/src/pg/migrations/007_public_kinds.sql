-- A site's newest items of one kind (the home page's new documents and procedures, a
-- kind's list in the delivery API) straight from an index, instead of walking every live
-- item of the site until enough of that kind turn up.
CREATE INDEX items_public_kind ON items (site_id, kind, first_published_at DESC, id DESC) WHERE live = 1;
