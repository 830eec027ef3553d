ALTER TABLE invoices VALIDATE CONSTRAINT amount_positive;
