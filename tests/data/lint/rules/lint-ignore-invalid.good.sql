-- pgfleet: lint-ignore=drop-table no code reads it since release 41
DROP TABLE old_sessions;
