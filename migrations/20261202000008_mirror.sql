-- The loop with the mirror: what the mirror registry holds of each active allowlist entry, what
-- it holds that no entry allows (drift), and how the verification job last went.

-- One row per allowed tag (or pinned digest) found in the mirror for an entry. Rows of tags
-- that left the mirror are deleted; `first_seen` survives as long as the tag stays.
CREATE TABLE mirror_image (
    allowlist_entry_id BIGINT NOT NULL REFERENCES allowlist_entry (allowlist_entry_id),
    reference          TEXT NOT NULL,   -- the tag, or the pinned sha256:… digest
    digest             TEXT NOT NULL,   -- what the mirror serves for it
    upstream_digest    TEXT,            -- what upstream serves for it; NULL when unreadable
    created            TEXT,            -- the image config's `created`, as the image says it
    first_seen         TEXT NOT NULL,
    last_seen          TEXT NOT NULL,
    PRIMARY KEY (allowlist_entry_id, reference)
);

-- When an entry was first seen in the mirror (its requester and contact are told once), and
-- when the job last looked.
ALTER TABLE allowlist_entry ADD COLUMN mirrored_at TEXT;
ALTER TABLE allowlist_entry ADD COLUMN mirror_checked_at TEXT;

-- Tags in the mirror that no active entry allows. Resolved rows stay for the record; a tag
-- that comes back is a new finding.
CREATE TABLE mirror_drift (
    mirror_drift_id    BIGINT PRIMARY KEY,
    repository         TEXT NOT NULL,   -- the path inside the mirror registry
    tag                TEXT NOT NULL,
    digest             TEXT,
    last_entry_id      BIGINT REFERENCES allowlist_entry (allowlist_entry_id),
    first_seen         TEXT NOT NULL,
    last_seen          TEXT NOT NULL,
    resolved_at        TEXT
);
CREATE INDEX mirror_drift_open_idx ON mirror_drift (resolved_at, repository, tag);
INSERT INTO id_sequence (name, last_value) VALUES ('mirror_drift', 0);

-- The one row that says how the verification job last went; `lease_until` lets one replica
-- run it at a time.
CREATE TABLE mirror_sync (
    mirror_sync_id  INTEGER PRIMARY KEY CHECK (mirror_sync_id = 1),
    checked_at      TEXT,               -- the last run that read the mirror
    attempted_at    TEXT,
    last_error      TEXT,
    lease_until     TEXT,
    lease_owner     TEXT                -- the run holding the lease; only it may release it
);
INSERT INTO mirror_sync (mirror_sync_id) VALUES (1);

-- The local-registry check made on submit: an active entry or an open request for the same
-- repository ('approved:ID' / 'open:ID'), for reviewers to see.
ALTER TABLE image_request ADD COLUMN local_match TEXT;
-- The catalog of approved images: pages in repository order, searched in `search_text` (the
-- entry's registry, repository, team and contact, lower-cased by the portal, which folds every
-- letter alike on both engines; rows from before this migration are folded here, by the
-- database's LOWER).
ALTER TABLE allowlist_entry ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
UPDATE allowlist_entry SET search_text = LOWER(registry || '/' || repository || ' ' ||
    (SELECT q.team || ' ' || q.contact_email FROM image_request q
     WHERE q.image_request_id = allowlist_entry.image_request_id));
CREATE INDEX allowlist_entry_catalog_idx ON allowlist_entry
    (repository, registry, allowlist_entry_id, revoked_at, expires_on, search_text);
