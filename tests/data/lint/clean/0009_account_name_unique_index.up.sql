-- pgfleet: no-transaction
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS accounts_name_key_idx ON accounts (name);
