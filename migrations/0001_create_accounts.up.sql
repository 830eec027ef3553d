-- Accounts: the customer organisations of the SaaS; every other table hangs off one.
CREATE TABLE accounts (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug       text        NOT NULL,
    name       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT accounts_slug_key UNIQUE (slug),
    CONSTRAINT accounts_slug_format CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$')
);

COMMENT ON TABLE accounts IS 'Customer organisations';
