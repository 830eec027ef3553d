CREATE TABLE tags (created_at timestamp);
