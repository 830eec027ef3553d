-- Billing dashboard: open and paid totals per account and currency.
CREATE VIEW account_invoice_totals AS
SELECT a.id                                                  AS account_id,
       a.slug                                                AS account_slug,
       i.currency,
       count(i.id)                                           AS invoice_count,
       coalesce(sum(i.amount) FILTER (WHERE i.status = 'open'), 0) AS open_total,
       coalesce(sum(i.amount) FILTER (WHERE i.status = 'paid'), 0) AS paid_total
  FROM accounts a
  JOIN invoices i ON i.account_id = a.id
 WHERE i.status <> 'void'
 GROUP BY a.id, a.slug, i.currency;
