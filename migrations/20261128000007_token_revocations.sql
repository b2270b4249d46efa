-- Counts token revocations, so each replica can tell from one cheap read whether the tokens it
-- checked lately still stand (see app/src/changes.rs).
INSERT INTO id_sequence (name, last_value) VALUES ('api_token_revocation', 0);
