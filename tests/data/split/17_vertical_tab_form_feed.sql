SELECT1;
SELECT 2;
-- comment; still the comment
SELECT 3;