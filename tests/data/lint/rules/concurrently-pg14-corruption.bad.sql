-- corpus: server_version_num=140002
-- pgfleet: no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_email_idx ON accounts (email);
