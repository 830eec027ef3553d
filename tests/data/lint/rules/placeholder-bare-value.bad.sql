-- pgfleet: placeholders
-- A bare placeholder is pasted in as SQL: `= acme` names a column, not a value.
DELETE FROM feature_flags WHERE tenant = ${tenant_id};
INSERT INTO audit (tenant, note) VALUES (${tenant_id}, 'migrated');
CREATE TABLE ${tenant_id} (id bigint);
