-- pgfleet: lock-timeout=5parsecs
SELECT 1;
