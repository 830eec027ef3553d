ALTER TABLE accounts ADD COLUMN IF NOT EXISTS legacy_code text;
