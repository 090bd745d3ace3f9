-- The editors' interface: a site's items by last change (its item list), what waits in the
-- unfinished states across many sites (its dashboard, one query), and a site's recent
-- activity.
CREATE INDEX items_by_site_updated ON items (site_id, updated_at, id);
CREATE INDEX items_by_site_created ON items (site_id, created_at, id);
CREATE INDEX items_waiting ON items (state, site_id)
    WHERE state IN ('draft', 'in_review', 'in_approval', 'scheduled');
CREATE INDEX audit_by_site ON audit (site_id, id);
