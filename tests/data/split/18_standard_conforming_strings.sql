SET standard_conforming_strings = off;
SELECT 'a\';b';
SET standard_conforming_strings TO on;
SELECT 'c:\';
set session standard_conforming_strings = 'false';
SELECT 'd\\', 'e\';f';
RESET standard_conforming_strings;
SELECT 'g\', E'h\';i';
SET LOCAL standard_conforming_strings = off;
SELECT 'j\';
SET standard_conforming_strings = no;
SELECT 'k\'; -- still one literal'
;
SET standard_conforming_strings = DEFAULT;
SELECT 'l\'; -- the end