#!/usr/bin/env bash
# The demo: installs dependencies, builds pgfleet, starts a local PostgreSQL 15 in ./.demo/
# (reused on the next run), sets up a control plane with 40 tenant databases and migrates them.
#
#   scripts/demo.sh          run the demo (again: everything is already up to date)
#   scripts/demo.sh stop     stop the demo PostgreSQL (data is kept in ./.demo/)
#   scripts/demo.sh clean    stop it and delete ./.demo/
#
#   PGFLEET_SKIP_DEPS=1      skip scripts/install-deps.sh
#   PGFLEET_DEMO_TENANTS=N   number of tenants (default 40)
#
# The fleet: tenant_001..tenant_040 in the control-plane table pgfleet_control.tenants, where
# tenant_007 is already at version 0003 (with some data), tenant_013 points at a closed port
# (unreachable) and tenant_021 is inactive (not selected by the tenant query). Each tenant has a
# data `region` in the control plane; migration 0013 uses it as a placeholder (docs/PREFLIGHT.md).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
demo_dir=$repo/.demo
build_dir=${PGFLEET_BUILD_DIR:-build}
tenant_count=${PGFLEET_DEMO_TENANTS:-40}
old_tenant=tenant_007
unreachable_tenant=tenant_013
inactive_tenant=tenant_021

# shellcheck source=lib/scratch-pg.sh
source scripts/lib/scratch-pg.sh
# shellcheck source=lib/local-fleet.sh
source scripts/lib/local-fleet.sh

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

case ${1:-run} in
  run) ;;
  stop)
    local_fleet_stop "$demo_dir"
    exit 0
    ;;
  clean)
    local_fleet_stop "$demo_dir"
    if [[ -L $demo_dir/pgdata ]]; then rm -rf "$(dirname "$(readlink -f "$demo_dir/pgdata")")"; fi
    rm -rf "$demo_dir"
    echo "demo: removed $demo_dir"
    exit 0
    ;;
  *)
    echo "usage: scripts/demo.sh [run|stop|clean]" >&2
    exit 2
    ;;
esac

step "1/6 dependencies"
if [[ ${PGFLEET_SKIP_DEPS:-0} == 1 ]]; then
  echo "skipped (PGFLEET_SKIP_DEPS=1)"
else
  ./scripts/install-deps.sh
fi

step "2/6 build"
mkdir -p "$demo_dir"
if ! PGFLEET_BUILD_DIR=$build_dir ./scripts/build.sh >"$demo_dir/build.log" 2>&1; then
  tail -n 40 "$demo_dir/build.log"
  echo "demo: build failed (full log: $demo_dir/build.log)" >&2
  exit 1
fi
pgfleet=$repo/$build_dir/pgfleet
echo "built $build_dir/pgfleet ($("$pgfleet" --version 2>/dev/null || echo 'version unknown'))"

step "3/6 local PostgreSQL 15 in .demo/"
local_fleet_start "$demo_dir"

step "4/6 control plane and $tenant_count tenant databases"
created=0
tenant_rows=""
for ((i = 1; i <= tenant_count; i++)); do
  id=$(printf 'tenant_%03d' "$i")
  active=true
  if [[ $id == "$unreachable_tenant" ]]; then
    # Nothing listens there: a tenant whose database is down.
    url=$(local_fleet_tenant_url "$id" "$(scratch_pg_free_port)")
  else
    [[ $(local_fleet_ensure_database "$id") == created ]] && created=$((created + 1))
    url=$(local_fleet_tenant_url "$id")
  fi
  [[ $id == "$inactive_tenant" ]] && active=false
  regions=(eu-central-1 us-east-1 ap-southeast-2)
  region=${regions[$((i % ${#regions[@]}))]}
  tenant_rows+="('$id', '$url', $active, '$region'),"$'\n'
done
[[ $(local_fleet_ensure_database pgfleet_control) == created ]] && echo "created database pgfleet_control"
# Rows go through stdin: the connection strings carry passwords.
local_fleet_psql pgfleet_control >/dev/null <<EOF
CREATE TABLE IF NOT EXISTS tenants (
    id                text PRIMARY KEY,
    connection_string text NOT NULL,
    active            bool NOT NULL DEFAULT true
);
-- The tenant's data region: a placeholder value for the migrations (docs/PREFLIGHT.md).
ALTER TABLE tenants ADD COLUMN IF NOT EXISTS region text;
INSERT INTO tenants (id, connection_string, active, region) VALUES
${tenant_rows%,$'\n'}
ON CONFLICT (id) DO UPDATE SET connection_string = EXCLUDED.connection_string,
                               active = EXCLUDED.active, region = EXCLUDED.region;
EOF
echo "$created tenant databases created, $((tenant_count - 1 - created)) already there;" \
  "control plane: pgfleet_control.tenants ($tenant_count rows)"
echo "  $unreachable_tenant: unreachable (closed port); $inactive_tenant: inactive"

# One tenant lags behind: pgfleet itself brings it to version 0003, then it gets some data.
has_history=$(local_fleet_psql "$old_tenant" -tAc "SELECT to_regclass('pgfleet.schema_migrations') IS NOT NULL")
if [[ $has_history == f ]]; then
  "$pgfleet" apply --dsn "postgresql://$LOCAL_FLEET_MIGRATOR@127.0.0.1:$LOCAL_FLEET_PORT/$old_tenant?sslmode=disable" \
    --migrations migrations --target 3 --results-dir "$demo_dir/setup-results" --yes --quiet \
    --var region=eu-central-1
  local_fleet_psql "$old_tenant" >/dev/null <<'EOF'
SET ROLE pgfleet_migrator;
INSERT INTO accounts (slug, name) VALUES ('acme', 'Acme Corp'), ('globex', 'Globex');
INSERT INTO users (account_id, email, display_name)
VALUES (1, 'Ada@acme.example', 'Ada'), (1, 'grace@acme.example', 'Grace'), (2, 'hank@globex.example', 'Hank');
INSERT INTO projects (account_id, name)
VALUES (1, 'Website Relaunch'), (1, 'Billing v2'), (2, 'Q3 Campaign!');
EOF
  echo "  $old_tenant: brought to version 0003 with pgfleet --dsn --target 3, plus sample rows"
else
  echo "  $old_tenant: history from an earlier demo run kept"
fi

step "5/6 pgfleet apply"
export PGFLEET_CONTROL_PLANE="postgresql://postgres@127.0.0.1:$LOCAL_FLEET_PORT/pgfleet_control?sslmode=disable"
echo "PGFLEET_CONTROL_PLANE=$PGFLEET_CONTROL_PLANE   (password from PGPASSFILE=.demo/pgpass)"
# Extra columns of the tenant query are placeholder values: `region` fills ${region} in 0013.
export PGFLEET_TENANT_QUERY="SELECT id, connection_string, region FROM tenants WHERE active ORDER BY id"
echo "PGFLEET_TENANT_QUERY=$PGFLEET_TENANT_QUERY"
echo "\$ $build_dir/pgfleet apply --migrations migrations --results-dir .demo/results --yes"
set +e
"$pgfleet" apply --migrations migrations --results-dir "$demo_dir/results" --yes 2>&1 |
  tee "$demo_dir/last-apply.log"
status=${PIPESTATUS[0]}
set -e
echo "exit code: $status"
case $status in
  0) ;;
  1) echo "(expected: $unreachable_tenant is unreachable on purpose; every other tenant is fine)" ;;
  *)
    echo "demo: pgfleet apply failed with exit code $status" >&2
    exit "$status"
    ;;
esac

step "6/6 results"
run_dir=$(find "$demo_dir/results" -mindepth 1 -maxdepth 1 -type d | sort | tail -n 1)
echo "run directory: ${run_dir#"$repo"/}"
echo "summary:       ${run_dir#"$repo"/}/summary.json"
python3 - "$run_dir/summary.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
counts = s.get("counts", {})
print("  counts:", ", ".join(f"{k}={v}" for k, v in sorted(counts.items()) if v) or counts)
print("  exit_code:", s.get("exit_code"), "  run_id:", s.get("run_id"))
EOF
echo
echo "\$ head -n 3 ${run_dir#"$repo"/}/tenants.jsonl | cut -c1-240   # one JSON object per tenant"
head -n 3 "$run_dir/tenants.jsonl" | cut -c1-240
rollback_file=$(find "$demo_dir/results" -path '*/rollback/*.sql' -name "$old_tenant.sql" | sort | tail -n 1)
[[ -n $rollback_file ]] || rollback_file=$(find "$demo_dir/results" -path '*/rollback/*.sql' | sort | tail -n 1)
if [[ -n $rollback_file ]]; then
  echo
  echo "\$ head -n 25 ${rollback_file#"$repo"/}"
  head -n 25 "$rollback_file"
fi

# The connection strings carry passwords: none may show up in what pgfleet wrote.
for secret_file in "$demo_dir/superuser.password" "$demo_dir/migrator.password"; do
  if grep -rqF -f "$secret_file" "$demo_dir/results" "$demo_dir/last-apply.log"; then
    echo "demo: a password appears in the results or the output of pgfleet" >&2
    exit 1
  fi
done
echo
echo "no password in the results or the output (checked)."
echo "Run ./scripts/demo.sh again: every tenant is up to date. Stop the database: ./scripts/demo.sh stop"
echo
echo "report (open it in a browser; summary.md beside it holds the same as Markdown):"
echo "$run_dir/report.html"
