-- What the Red Hat catalog check showed for a request and what the requester decided.
-- catalog_candidates: the shown candidates as JSON, best first ('[]' when none).
-- catalog_decision: 'chosen' (the request is for catalog_choice), 'none_fits' (catalog_reason
-- says why) or 'no_equivalent'.
ALTER TABLE image_request ADD COLUMN catalog_candidates TEXT NOT NULL DEFAULT '[]';
ALTER TABLE image_request ADD COLUMN catalog_decision TEXT NOT NULL DEFAULT 'no_equivalent';
ALTER TABLE image_request ADD COLUMN catalog_choice TEXT;
ALTER TABLE image_request ADD COLUMN catalog_reason TEXT;
