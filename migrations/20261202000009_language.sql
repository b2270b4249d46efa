-- The language a user last chose (or, until they choose, the one their first sign-in was served
-- in): mail to them is written in it. NULL: the installation's default.
ALTER TABLE app_user ADD COLUMN language TEXT;
