PREPARE p(int, int) AS SELECT $1 + $2;
SELECT a$b, c$$ FROM t;
SELECT $1;
EXECUTE p(1, 2);
