CREATE TABLE tags (name text CHECK (length(name) <= 40));
