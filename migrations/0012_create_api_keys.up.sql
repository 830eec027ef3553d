-- API keys: only a SHA-256 digest of the key is stored; the prefix lets users tell keys apart.
CREATE TABLE api_keys (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_by   bigint      REFERENCES users (id) ON DELETE SET NULL,
    prefix       text        NOT NULL CHECK (length(prefix) = 8),
    key_sha256   bytea       NOT NULL CHECK (length(key_sha256) = 32),
    scopes       text[]      NOT NULL DEFAULT '{}',
    expires_at   timestamptz,
    last_used_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT api_keys_key_sha256_key UNIQUE (key_sha256)
);

CREATE INDEX api_keys_account_idx ON api_keys (account_id) WHERE expires_at IS NULL;
