ALTER TABLE accounts VALIDATE CONSTRAINT accounts_region_nn;
