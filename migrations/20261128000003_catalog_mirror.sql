-- The local mirror of Red Hat's catalog (only the fields the portal uses), refreshed by a
-- background job; a failed refresh leaves the previous mirror in place.
CREATE TABLE catalog_repository (
    registry   TEXT NOT NULL,
    repository TEXT NOT NULL,
    record     TEXT NOT NULL, -- the repository as JSON (app::catalog::model::CatalogRepository)
    PRIMARY KEY (registry, repository)
);

-- Current freshness grades, read from each repository's images when it is offered as a
-- candidate. Kept apart from the mirror so a refresh does not forget them.
CREATE TABLE catalog_grade (
    registry   TEXT NOT NULL,
    repository TEXT NOT NULL,
    grade      TEXT,          -- A–F; NULL when the catalog had none
    checked_at TEXT NOT NULL, -- when the catalog was last asked (successfully or not)
    PRIMARY KEY (registry, repository)
);

-- The one row that says how the mirror stands. `generation` grows with every successful
-- refresh, so each replica knows when to reload; `lease_until` lets one replica refresh at a time.
CREATE TABLE catalog_sync (
    catalog_sync_id INTEGER PRIMARY KEY CHECK (catalog_sync_id = 1),
    generation      BIGINT NOT NULL,
    synced_at       TEXT,
    repositories    BIGINT NOT NULL,
    attempted_at    TEXT,
    last_error      TEXT,
    lease_until     TEXT
);
INSERT INTO catalog_sync (catalog_sync_id, generation, repositories) VALUES (1, 0, 0);

-- Whether a request's catalog check was made against a current mirror. 'not_checked' requests
-- are checked again in the background after the next successful refresh.
ALTER TABLE image_request ADD COLUMN catalog_status TEXT NOT NULL DEFAULT 'checked';
ALTER TABLE image_request ADD COLUMN catalog_mirror_at TEXT;
CREATE INDEX image_request_catalog_status_idx ON image_request (catalog_status, state);

-- The actor of what the portal does on its own (background re-checks).
INSERT INTO app_user (user_id, display_name, email, created_at, updated_at)
VALUES ('portcullis:system', 'Portcullis', '', '2026-11-28T00:00:00.000000Z', '2026-11-28T00:00:00.000000Z');
