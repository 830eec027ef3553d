DROP VIEW account_invoice_totals;
