-- pgfleet: no-transaction
-- Built without blocking writes. CONCURRENTLY cannot run in a transaction block, so each
-- statement runs on its own; IF NOT EXISTS makes a retry after a failure safe (an invalid
-- index left by a failed build is reported by pgfleet as dirty).
CREATE INDEX CONCURRENTLY IF NOT EXISTS invoices_account_status_idx
    ON invoices (account_id, status);

CREATE INDEX CONCURRENTLY IF NOT EXISTS audit_log_entity_idx
    ON audit_log (entity, entity_id);
