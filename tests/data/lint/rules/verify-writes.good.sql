CREATE TABLE invoices (id bigint PRIMARY KEY, total numeric NOT NULL);
-- verify file
SELECT 1 / count(*) FROM pg_indexes WHERE indexname = 'invoices_pkey';
WITH cols AS (SELECT column_name FROM information_schema.columns WHERE table_name = 'invoices')
SELECT 1 / count(*) FROM cols WHERE column_name = 'total';
DO $$
BEGIN
  IF to_regclass('invoices') IS NULL THEN
    RAISE EXCEPTION 'invoices is missing';
  END IF;
END
$$;
