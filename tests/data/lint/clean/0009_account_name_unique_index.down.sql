-- pgfleet: no-transaction
DROP INDEX CONCURRENTLY IF EXISTS accounts_name_key_idx;
