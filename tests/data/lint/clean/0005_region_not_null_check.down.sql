ALTER TABLE accounts DROP CONSTRAINT accounts_region_nn;
