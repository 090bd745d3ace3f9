-- When the person last signed in through the province's sign-in service: where the provider
-- is authoritative, API tokens of accounts that sign in only through it stop working after a
-- long absence (--oidc-max-absence).
ALTER TABLE users ADD COLUMN sso_seen_at INTEGER;
