-- Every project got a slug: the backfill left none behind.
DO $$
BEGIN
    IF EXISTS (SELECT FROM projects WHERE slug IS NULL OR slug = '') THEN
        RAISE EXCEPTION 'projects without a slug remain after the backfill';
    END IF;
END
$$;
