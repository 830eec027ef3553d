-- Replacing a view: dropped and created again, no table dropped.
DROP VIEW IF EXISTS old_sessions_v;
CREATE VIEW old_sessions_v AS SELECT id, started_at FROM sessions;
