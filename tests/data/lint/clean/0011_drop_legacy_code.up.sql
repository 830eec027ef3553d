-- pgfleet: lock-timeout=2s
-- pgfleet: lint-ignore=drop-column no code has read legacy_code since release 12
ALTER TABLE accounts DROP COLUMN IF EXISTS legacy_code;
