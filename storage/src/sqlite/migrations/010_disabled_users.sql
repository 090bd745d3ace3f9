-- A network admin can disable an account: it cannot sign in, and its tokens stop working.
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
