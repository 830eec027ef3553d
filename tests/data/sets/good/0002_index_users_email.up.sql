-- pgfleet: no-transaction lock-timeout=2s
-- pgfleet: statement-timeout=10min
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);
