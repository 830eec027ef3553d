-- pgfleet: no-transaction
VACUUM (ANALYZE) accounts;
