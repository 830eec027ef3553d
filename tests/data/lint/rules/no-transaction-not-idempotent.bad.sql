-- pgfleet: no-transaction
CREATE INDEX CONCURRENTLY a_idx ON t (a);
ALTER TABLE t ADD COLUMN b text;
