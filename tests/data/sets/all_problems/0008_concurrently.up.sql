-- add an index
CREATE INDEX CONCURRENTLY i ON t (a);
