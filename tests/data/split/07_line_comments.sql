-- header; with a semicolon and 'quote and $$ dollars
SELECT 1 -- trailing; comment
;
SELECT 2; -- after; the statement
-- only a comment at the end;
