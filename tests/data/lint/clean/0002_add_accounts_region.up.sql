-- A constant default: no rewrite since PostgreSQL 11.
ALTER TABLE accounts ADD COLUMN region text DEFAULT 'eu';
