-- Safe: accounts_region_nn is valid, so no scan (PostgreSQL 12+).
ALTER TABLE accounts ALTER COLUMN region SET NOT NULL;
