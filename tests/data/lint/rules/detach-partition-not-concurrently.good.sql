-- pgfleet: no-transaction
ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY;
