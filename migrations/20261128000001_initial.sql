-- Portable schema: this file runs unchanged on SQLite and PostgreSQL.
-- Timestamps are UTC RFC 3339 text with a fixed width (they sort as text); identifiers people
-- quote (request #42) come from id_sequence, whose row lock serialises allocation on PostgreSQL.

CREATE TABLE id_sequence (
    name       TEXT PRIMARY KEY,
    last_value BIGINT NOT NULL
);
INSERT INTO id_sequence (name, last_value) VALUES ('image_request', 0);
INSERT INTO id_sequence (name, last_value) VALUES ('request_event', 0);

CREATE TABLE app_user (
    user_id      TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    email        TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

CREATE TABLE image_request (
    image_request_id BIGINT PRIMARY KEY,
    requester_id     TEXT NOT NULL REFERENCES app_user (user_id),
    image_input      TEXT NOT NULL,
    image_reference  TEXT NOT NULL,
    team             TEXT NOT NULL,
    contact_email    TEXT NOT NULL,
    justification    TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('submitted', 'in_review', 'changes_requested',
                                                    'approved', 'rejected', 'withdrawn')),
    version          BIGINT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX image_request_requester_idx ON image_request (requester_id, image_request_id);
CREATE INDEX image_request_state_idx ON image_request (state, created_at);

-- The request's timeline: submissions, state changes and comments, in order.
CREATE TABLE request_event (
    request_event_id BIGINT PRIMARY KEY,
    image_request_id BIGINT NOT NULL REFERENCES image_request (image_request_id),
    actor_id         TEXT NOT NULL REFERENCES app_user (user_id),
    kind             TEXT NOT NULL,
    from_state       TEXT,
    to_state         TEXT,
    body             TEXT,
    created_at       TEXT NOT NULL
);
CREATE INDEX request_event_request_idx ON request_event (image_request_id, request_event_id);

-- Server-side sessions (tower-sessions), shared by every replica.
CREATE TABLE user_session (
    user_session_id TEXT PRIMARY KEY,
    data            TEXT NOT NULL,
    expires_at      TEXT NOT NULL
);
CREATE INDEX user_session_expires_idx ON user_session (expires_at);
