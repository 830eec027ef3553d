-- pgfleet: lint-ignore=drop-table
DROP TABLE old_sessions;
