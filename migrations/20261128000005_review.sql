-- The security review: who holds a request, who decided it, and the allowlist entries that
-- approvals create.
ALTER TABLE image_request ADD COLUMN claimed_by TEXT REFERENCES app_user (user_id);
ALTER TABLE image_request ADD COLUMN decided_by TEXT REFERENCES app_user (user_id);
ALTER TABLE image_request ADD COLUMN decided_at TEXT;
-- The queue reads open requests oldest first, page by page (keyset on created_at, id).
CREATE INDEX image_request_queue_idx ON image_request (state, created_at, image_request_id);
CREATE INDEX image_request_team_idx ON image_request (team, state, created_at);
CREATE INDEX image_request_claimed_idx ON image_request (claimed_by, state);

-- What an approval allows: one entry per approved request. Active while not revoked and
-- expires_on (the last valid day, UTC) is today or later.
CREATE TABLE allowlist_entry (
    allowlist_entry_id BIGINT PRIMARY KEY,
    image_request_id   BIGINT NOT NULL UNIQUE REFERENCES image_request (image_request_id),
    registry           TEXT NOT NULL,   -- docker.io
    repository         TEXT NOT NULL,   -- library/nginx
    tag_rule           TEXT NOT NULL,   -- JSON: {"mode":"exact","value":["1.25.3"]} | regex | semver
    digests            TEXT NOT NULL,   -- JSON array of sha256:… pins ('[]' for none)
    architectures      TEXT NOT NULL,   -- JSON array
    expires_on         TEXT NOT NULL,   -- YYYY-MM-DD
    approved_by        TEXT NOT NULL REFERENCES app_user (user_id),
    approved_at        TEXT NOT NULL,
    revoked_at         TEXT,
    revoked_by         TEXT REFERENCES app_user (user_id),
    revoke_reason      TEXT,
    expiry_warned_at   TEXT,            -- when the 30-day warning was queued
    version            BIGINT NOT NULL
);
CREATE INDEX allowlist_entry_active_idx ON allowlist_entry (revoked_at, expires_on);
INSERT INTO id_sequence (name, last_value) VALUES ('allowlist_entry', 0);
-- Grows with every change to the allowlist (approve, revoke, renew): the API's version / ETag.
INSERT INTO id_sequence (name, last_value) VALUES ('allowlist_revision', 0);
