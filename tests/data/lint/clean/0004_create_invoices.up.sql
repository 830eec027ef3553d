CREATE TABLE invoices (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts (id),
  amount numeric(12, 2) NOT NULL,
  details jsonb
);
CREATE INDEX invoices_account_idx ON invoices (account_id);
