CREATE TABLE tags (id bigserial PRIMARY KEY);
