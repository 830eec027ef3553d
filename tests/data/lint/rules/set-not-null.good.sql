-- A CHECK added NOT VALID, validated in the next migration, lets SET NOT NULL skip its scan.
ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;
-- next migration
ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;
-- next migration
ALTER TABLE users ALTER COLUMN email SET NOT NULL;
