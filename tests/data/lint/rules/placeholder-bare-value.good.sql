-- pgfleet: placeholders
DELETE FROM feature_flags WHERE tenant = ${tenant_id:literal};
INSERT INTO audit (tenant, note) VALUES (${tenant_id:literal}, 'migrated');
CREATE TABLE ${tenant_id:ident} (id bigint);
-- Inside quotes a bare placeholder is part of the string.
COMMENT ON TABLE audit IS 'rows of ${tenant_id}';
-- A number where a number is meant.
SELECT pg_sleep(${pause});
