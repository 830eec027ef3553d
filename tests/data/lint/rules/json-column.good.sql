ALTER TABLE events ADD COLUMN payload jsonb;
