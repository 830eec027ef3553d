-- corpus: schema-per-tenant
SET LOCAL search_path = shared;
ALTER TABLE public.accounts ADD COLUMN IF NOT EXISTS plan text;
