DROP TRIGGER invoices_audit ON invoices;
DROP FUNCTION audit_invoice_change();
