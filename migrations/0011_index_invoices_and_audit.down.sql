-- pgfleet: no-transaction
DROP INDEX CONCURRENTLY IF EXISTS audit_log_entity_idx;
DROP INDEX CONCURRENTLY IF EXISTS invoices_account_status_idx;
