-- corpus: schema-per-tenant
CREATE OR REPLACE VIEW account_plans AS
  SELECT a.id, p.name FROM accounts a JOIN plans p ON p.id = a.plan_id
  WHERE a.created_at < pg_catalog.now();
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS plan text;
