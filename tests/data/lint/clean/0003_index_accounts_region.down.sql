-- pgfleet: no-transaction
DROP INDEX CONCURRENTLY IF EXISTS accounts_region_idx;
