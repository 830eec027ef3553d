CREATE TABLE audit (id bigint GENERATED ALWAYS AS IDENTITY, at timestamptz NOT NULL DEFAULT now());
DO $$ BEGIN RAISE NOTICE 'created; audit'; END $$;
