-- pgfleet: lock-timeout=2s
SELECT 1;
