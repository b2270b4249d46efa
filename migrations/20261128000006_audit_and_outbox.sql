-- The audit trail: every action, appended and never changed. Each row carries the SHA-256 of the
-- previous row's hash and its own content (see app::audit), so an edit or a deleted row breaks
-- the chain and `portcullis audit verify` names the first bad row.
CREATE TABLE audit_log (
    audit_id    BIGINT PRIMARY KEY,
    at          TEXT NOT NULL,
    actor_id    TEXT NOT NULL,   -- a user id, token:<id>, cli:<os user> or portcullis:system
    actor_name  TEXT NOT NULL,
    client_addr TEXT NOT NULL,   -- '' when not known (background jobs)
    action      TEXT NOT NULL,   -- request.approve, token.create, …
    subject     TEXT NOT NULL,   -- request:42, allowlist_entry:7, token:<id>
    before      TEXT NOT NULL,   -- JSON ('null' when nothing existed)
    after       TEXT NOT NULL,   -- JSON
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_log_subject_idx ON audit_log (subject, audit_id);
INSERT INTO id_sequence (name, last_value) VALUES ('audit_log', 0);

-- E-mail waiting to be sent, written in the same transaction as the change it reports. A worker
-- leases a few rows at a time (locked_until), sends them and marks them sent; failures wait with
-- exponential backoff.
CREATE TABLE mail_outbox (
    mail_id         BIGINT PRIMARY KEY,
    created_at      TEXT NOT NULL,
    recipients      TEXT NOT NULL,   -- JSON array of addresses
    subject         TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    dedupe_key      TEXT UNIQUE,     -- reminders and warnings: one per request / entry and period
    attempts        BIGINT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    locked_until    TEXT,
    locked_by       TEXT,
    sent_at         TEXT,
    last_error      TEXT
);
CREATE INDEX mail_outbox_due_idx ON mail_outbox (sent_at, next_attempt_at);
INSERT INTO id_sequence (name, last_value) VALUES ('mail_outbox', 0);
