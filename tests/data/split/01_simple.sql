CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);

INSERT INTO users VALUES (1, 'a@example.com');
   ;
SELECT 1;SELECT 2
