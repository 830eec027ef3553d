-- pgfleet: placeholders
-- region is a control-plane column: lint cannot know every tenant has it.
CREATE TABLE settings (region text NOT NULL DEFAULT ${region:literal});
