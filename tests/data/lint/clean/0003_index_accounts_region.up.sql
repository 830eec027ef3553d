-- pgfleet: no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_region_idx ON accounts (region);
