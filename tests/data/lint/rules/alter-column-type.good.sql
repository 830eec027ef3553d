CREATE TABLE notes (id bigint PRIMARY KEY, body varchar(200));
-- next migration
ALTER TABLE notes ALTER COLUMN body TYPE text;
