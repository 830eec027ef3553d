-- pgfleet: placeholders
-- Built-ins always have a value.
COMMENT ON TABLE accounts IS ${tenant_id:literal};
