-- pgfleet: no-transactoin
CREATE INDEX CONCURRENTLY i ON t (a);
