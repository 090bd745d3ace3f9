-- Accounts of the province's single sign-on: the provider's identity ("issuer subject") an
-- account is linked to, and the email address the provider gave (for staff; never public).
ALTER TABLE users ADD COLUMN sso_subject TEXT;
ALTER TABLE users ADD COLUMN email TEXT;
CREATE UNIQUE INDEX users_by_sso_subject ON users (sso_subject);
