DROP VIEW IF EXISTS monthly_totals;
DROP FUNCTION invoice_total(bigint);
DROP TYPE IF EXISTS payment_kind;
