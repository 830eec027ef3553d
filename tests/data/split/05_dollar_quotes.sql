CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1;
  RETURN 2;
END;
$$;
CREATE FUNCTION g() RETURNS text LANGUAGE plpgsql AS $body$
BEGIN
  RETURN $$ a ; b $$ || $inner$ ; $inner$;
END
$body$;
SELECT $q$it's "fine"; -- not a comment$q$;
