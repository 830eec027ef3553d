/* outer ; /* nested ; */ still in the comment ; */
SELECT 1 /* inline; */ + 2;
SELECT /* a */ 3 /* b /* c */ ; */;
/* unterminated at the end ; SELECT 4;
