ALTER TABLE accounts ADD COLUMN region text;
ALTER TABLE users ADD COLUMN region text;
