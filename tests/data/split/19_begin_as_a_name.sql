CREATE FUNCTION s.begin() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE TABLE begin_x (begin int, "end" int);
CREATE OR REPLACE FUNCTION begin(x int) RETURNS int LANGUAGE sql RETURN x;
CREATE FUNCTION k(t begin_x) RETURNS int LANGUAGE sql RETURN t.begin;
CREATE PROCEDURE p() LANGUAGE sql
BEGIN /* c */ ATOMIC
  UPDATE begin_x SET begin = CASE WHEN begin > 0 THEN begin END;
  SELECT begin FROM begin_x;
END;
SELECT begin FROM begin_x;
CREATE FUNCTION q() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END; -- end of file