-- Append-only audit trail; the payload keeps the changed row as JSON.
CREATE TABLE audit_log (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id    bigint      NOT NULL,
    actor_user_id bigint,
    action        text        NOT NULL CHECK (action IN ('insert', 'update', 'delete')),
    entity        text        NOT NULL,
    entity_id     bigint      NOT NULL,
    payload       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX audit_log_account_created_idx ON audit_log (account_id, created_at DESC);
