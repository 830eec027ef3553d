CREATE TABLE tags (created_at timestamptz);
