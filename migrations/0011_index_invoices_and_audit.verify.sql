-- Both indexes exist and are valid: a CONCURRENTLY build that failed leaves an invalid one.
DO $$
BEGIN
    IF (SELECT count(*) FROM pg_index
         WHERE indisvalid
           AND indexrelid IN (to_regclass('invoices_account_status_idx'),
                              to_regclass('audit_log_entity_idx'))) <> 2 THEN
        RAISE EXCEPTION 'invoices_account_status_idx or audit_log_entity_idx is missing or invalid';
    END IF;
END
$$;
