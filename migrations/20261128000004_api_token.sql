-- API tokens for machines (the mirror job, CI pipelines). The secret is shown once at creation
-- and only its SHA-256 is kept; `api_token_id` is the public part of the token, used to find it.
CREATE TABLE api_token (
    api_token_id TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    scopes       TEXT NOT NULL,          -- space-separated: catalog:read allowlist:read
    secret_hash  TEXT NOT NULL,          -- hex SHA-256 of the secret part
    created_by   TEXT NOT NULL,          -- a user id, or 'cli:<os user>' for the command
    created_at   TEXT NOT NULL,
    expires_at   TEXT,                   -- NULL: does not expire
    last_used_at TEXT,
    revoked_at   TEXT,
    revoked_by   TEXT
);
-- A name belongs to one live token at a time; a revoked token's name can be used again.
CREATE UNIQUE INDEX api_token_live_name_idx ON api_token (name) WHERE revoked_at IS NULL;
