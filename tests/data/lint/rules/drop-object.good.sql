-- Replaced in the same file: created again under the same name.
DROP VIEW IF EXISTS monthly_totals;
CREATE VIEW monthly_totals AS
  SELECT date_trunc('month', created_at) AS month, sum(amount) AS total FROM invoices GROUP BY 1;
DROP TRIGGER IF EXISTS invoices_audit ON invoices;
CREATE TRIGGER invoices_audit AFTER UPDATE ON invoices
  FOR EACH ROW EXECUTE FUNCTION audit_invoice();
