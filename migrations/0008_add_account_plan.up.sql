-- pgfleet: lock-timeout=2s
-- accounts is hot: give up quickly (and let pgfleet retry) rather than queue behind a long
-- transaction and block every reader behind our ACCESS EXCLUSIVE lock request.
ALTER TABLE accounts
    ADD COLUMN plan text NOT NULL DEFAULT 'free',
    ADD CONSTRAINT accounts_plan_known CHECK (plan IN ('free', 'team', 'business', 'enterprise'));
