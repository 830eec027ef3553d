-- Users belong to one account; an e-mail address is unique within its account,
-- compared case-insensitively (no citext needed: a unique index on lower(email)).
CREATE TABLE users (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email        text        NOT NULL CHECK (position('@' IN email) > 1),
    display_name text,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX users_account_email_key ON users (account_id, lower(email));
