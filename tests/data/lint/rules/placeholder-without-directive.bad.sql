-- The tenant id was meant to be filled in, but the file has no placeholders directive.
COMMENT ON TABLE accounts IS 'accounts of ${tenant_id}';
