ALTER TABLE users ALTER COLUMN legacy_flag SET DEFAULT false;
