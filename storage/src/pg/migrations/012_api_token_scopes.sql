-- What an API token may do: `read`, `write`, `admin`, space-separated. Tokens made before
-- scopes existed keep reading and writing; changing accounts and minting tokens now needs
-- a session or a token made with `admin`.
ALTER TABLE api_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT 'read write';
