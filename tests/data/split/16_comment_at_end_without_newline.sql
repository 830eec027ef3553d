SELECT 1; /* block */
SELECT 2 -- the last line; no line break