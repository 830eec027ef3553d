ALTER TABLE invoices ADD CONSTRAINT amount_positive CHECK (amount > 0) NOT VALID;
ALTER TABLE invoices VALIDATE CONSTRAINT amount_positive;
