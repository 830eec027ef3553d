UPDATE projects SET slug = lower(name) WHERE slug IS NULL;
