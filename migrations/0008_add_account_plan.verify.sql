-- accounts.plan exists, and its check constraint is in force.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_constraint
                    WHERE conrelid = to_regclass('accounts') AND conname = 'accounts_plan_known'
                      AND convalidated) THEN
        RAISE EXCEPTION 'constraint accounts_plan_known is missing or not validated';
    END IF;
END
$$;
