INSERT INTO t VALUES ('a;b');
INSERT INTO t VALUES ('it''s; fine', 'C:\path\');
INSERT INTO t VALUES ('multi
line; text');
