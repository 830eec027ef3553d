CREATE TABLE "semi;colon" ("a""b;" int);
SELECT "x" FROM "semi;colon";
SELECT U&"d\0061t;a" FROM t;
