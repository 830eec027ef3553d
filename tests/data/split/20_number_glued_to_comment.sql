SELECT 1--c;
;
SELECT 1e--c;2;
SELECT .5--;
+ 1.5e3--x
;
SELECT 1 -- end of file; no line break