SELECT 1;
-- pgfleet: no-transaction
