-- Projects get a URL slug: add the column, backfill it from the name, then make it required.
ALTER TABLE projects ADD COLUMN slug text;

UPDATE projects
   SET slug = trim(BOTH '-' FROM lower(regexp_replace(name, '[^A-Za-z0-9]+', '-', 'g'))) || '-' || id
 WHERE slug IS NULL;

ALTER TABLE projects ALTER COLUMN slug SET NOT NULL;
ALTER TABLE projects ADD CONSTRAINT projects_account_slug_key UNIQUE (account_id, slug);
