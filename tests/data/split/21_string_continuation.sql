SELECT E'a'
'\';b';
SELECT 'c' -- comment;';d';
SELECT B'01''x;';
SELECT U&'d\0061'
'\';
SELECT 'e' 'f;';
SELECT E'g' /* not a continuation */
'\';
