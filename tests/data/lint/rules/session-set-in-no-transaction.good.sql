-- pgfleet: no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS a_idx ON t (a);
