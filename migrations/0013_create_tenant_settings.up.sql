-- pgfleet: placeholders
-- One row of settings per tenant database. The tenant's data region comes from the control
-- plane (its `region` column, selected by the tenant query): pgfleet replaces ${region} with
-- each tenant's own value, which must match [A-Za-z0-9_.-]* to be used bare.
CREATE TABLE tenant_settings (
    singleton   boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    data_region text        NOT NULL DEFAULT '${region}',
    created_at  timestamptz NOT NULL DEFAULT now()
);

INSERT INTO tenant_settings DEFAULT VALUES;

COMMENT ON TABLE tenant_settings IS 'Settings of tenant ${tenant_id} (data region ${region})';
