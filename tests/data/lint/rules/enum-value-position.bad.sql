ALTER TYPE invoice_state ADD VALUE IF NOT EXISTS 'void';
