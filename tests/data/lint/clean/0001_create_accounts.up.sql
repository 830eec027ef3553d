CREATE TABLE accounts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL,
  legacy_code text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX accounts_created_idx ON accounts (created_at);
