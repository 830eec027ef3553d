-- pgfleet: no-transaction
SET maintenance_work_mem = '1GB';
