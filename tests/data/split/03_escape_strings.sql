SELECT E'it\'s; escaped';
SELECT e'back\\'; SELECT E'quote '' and \\\'; still';
SELECT 'standard\'; -- the backslash above is a plain character
