-- header ends at a CRSELECT 1;
SELECT 2 -- comment; ends at a CR;
-- xCOMMIT;
SELECT
  3 -- c;
  + 4;
-- only a comment; at the end, after a CR