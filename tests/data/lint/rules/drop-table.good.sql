DROP VIEW IF EXISTS old_sessions_v;
