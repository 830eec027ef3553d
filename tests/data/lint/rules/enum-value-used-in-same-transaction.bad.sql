ALTER TYPE invoice_state ADD VALUE 'void';
UPDATE invoices SET state = 'void' WHERE amount = 0;
