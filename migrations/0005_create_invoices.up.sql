-- Invoices: exact amounts (numeric, never float), ISO currency codes, a closed set of states.
CREATE TABLE invoices (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint        NOT NULL REFERENCES accounts (id) ON DELETE RESTRICT,
    number     text          NOT NULL,
    amount     numeric(12,2) NOT NULL,
    currency   char(3)       NOT NULL DEFAULT 'EUR',
    status     text          NOT NULL DEFAULT 'draft',
    issued_at  date,
    due_at     date,
    created_at timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT invoices_account_number_key UNIQUE (account_id, number),
    CONSTRAINT invoices_amount_nonnegative CHECK (amount >= 0),
    CONSTRAINT invoices_currency_iso CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT invoices_status_known CHECK (status IN ('draft', 'open', 'paid', 'void')),
    CONSTRAINT invoices_due_after_issue CHECK (due_at IS NULL OR issued_at IS NULL OR due_at >= issued_at)
);
