ALTER TABLE invoices ALTER COLUMN amount TYPE numeric(12, 2);
