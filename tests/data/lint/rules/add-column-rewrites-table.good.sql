ALTER TABLE accounts ADD COLUMN token uuid;
