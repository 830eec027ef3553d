CREATE TABLE tags (name varchar(40));
