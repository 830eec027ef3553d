ALTER TABLE accounts ADD CONSTRAINT accounts_region_nn CHECK (region IS NOT NULL) NOT VALID;
