-- Users of the application.
CREATE TABLE users (
  id bigint PRIMARY KEY,
  email text NOT NULL
);
