CREATE TABLE invoices (id bigint PRIMARY KEY, total numeric NOT NULL);
-- verify file
-- Meant as a check, but it writes: the verify runs read-only and fails on every tenant.
INSERT INTO invoices VALUES (-1, 0);
DELETE FROM invoices WHERE id = -1;
