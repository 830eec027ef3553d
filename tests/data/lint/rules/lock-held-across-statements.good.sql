-- A lock-timeout directive is the way to bound waits.
ALTER TABLE accounts ADD COLUMN region text;
