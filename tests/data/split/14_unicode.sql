INSERT INTO café VALUES ('naïve; ünïcödé', 'ß');
SELECT 'fin €';
