-- pgfleet: placeholders
-- The settings row is there, with this tenant's own region.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM tenant_settings WHERE data_region = '${region}') THEN
        RAISE EXCEPTION 'tenant_settings has no row for region ${region}';
    END IF;
END
$$;
