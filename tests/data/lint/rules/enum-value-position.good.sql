ALTER TYPE invoice_state ADD VALUE IF NOT EXISTS 'void' AFTER 'paid';
ALTER TYPE invoice_state ADD VALUE IF NOT EXISTS 'draft' BEFORE 'open';
