-- Every change to an invoice writes an audit row. The function pins its search_path to the
-- schema it is created in, so it also works when each tenant lives in its own schema.
CREATE FUNCTION audit_invoice_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
DECLARE
    row_data jsonb;
BEGIN
    IF TG_OP = 'DELETE' THEN
        row_data := to_jsonb(OLD);
    ELSE
        row_data := to_jsonb(NEW);
    END IF;
    INSERT INTO audit_log (account_id, action, entity, entity_id, payload)
    VALUES ((row_data ->> 'account_id')::bigint, lower(TG_OP), TG_TABLE_NAME,
            (row_data ->> 'id')::bigint, row_data);
    RETURN NULL; -- AFTER trigger: the return value is ignored
END;
$$;

CREATE TRIGGER invoices_audit
    AFTER INSERT OR UPDATE OR DELETE ON invoices
    FOR EACH ROW EXECUTE FUNCTION audit_invoice_change();
