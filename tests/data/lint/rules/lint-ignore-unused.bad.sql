-- pgfleet: lint-ignore=drop-table nothing to silence
CREATE TABLE t (id bigint);
