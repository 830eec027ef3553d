#!/usr/bin/env bash
# Benchmarks pgfleet against a psql loop and a libpq floor on a local scratch PostgreSQL 15.
#
#   scripts/bench.sh                 N=200 tenants, P = 1 8 32; writes docs/BENCHMARKS.md
#   scripts/bench.sh --quick         N=20, RSS at 20 and 100 tenants; prints the report only
#   scripts/bench.sh --tenants N     fleet size for the throughput runs
#   scripts/bench.sh --repeat R      runs per measurement, the best is kept (default 3, --quick 1)
#   scripts/bench.sh --rtt "MS..."   added round-trip latencies for the P=8 latency table, through
#                                    count_proxy.py --delay-ms MS/2 (default "20"; 0 is the
#                                    throughput table's direct run), e.g. --rtt "5 20"
#   scripts/bench.sh --out FILE      where to write the report (default docs/BENCHMARKS.md,
#                                    with --quick: only printed)
#   scripts/bench.sh --schedule-only only the scheduler section (no database): FleetRunner alone
#                                    over 10,000 to 100,000 fake tenants on 1,000 hosts; updates
#                                    its section of the report in place
#   scripts/bench.sh --no-schedule   leave the scheduler section out of a full run
#   scripts/bench.sh --rss-only      only the peak-RSS section (schema-per-tenant fleets of
#                                    --rss-sizes); updates its section of the report in place
#   scripts/bench.sh --rss-sizes "N..."  fleet sizes for the peak-RSS runs (default
#                                    "100 2000 10000")
#   scripts/bench.sh --ledger-only   only the shared run ledger section (scripts/bench/ledger.py:
#                                    one process vs 1 and 3 ledger workers over one fleet, the
#                                    ledger's queries and ms per tenant); updates it in place
#   PGFLEET_BUILD_DIR=DIR            build directory (default build); PGFLEET_SKIP_BUILD=1 to
#                                    use what is there
#
# Every tool migrates the same fleet (one database per tenant, recreated from an empty template
# database before each run) with migrations/:
#   pgfleet  pgfleet apply --tenants FILE --concurrency P --yes
#   psql     per tenant, per migration: one `psql -1 -f file -c <history insert>` (no -1 for
#            no-transaction files); tenants in parallel with xargs -P
#   floor    tests/bench/floor.cpp: per tenant one connection, every transactional migration and
#            one history insert in one PQexec, then the no-transaction statements
# Round trips per tenant come from scripts/bench/count_proxy.py; peak RSS of pgfleet from
# getrusage (the number /usr/bin/time -v prints) with schema-per-tenant fleets.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

tenants=200
rss_sizes=(100 2000 10000)
concurrencies=(1 8 32)
rt_concurrency=8
rtts=(20)
repeat=3
out=docs/BENCHMARKS.md
schedule=with # with | only | without: the scheduler section (scripts/bench/schedule.py)
ledger_only=0 # 1: only the ledger section (scripts/bench/ledger.py)
rss_only=0    # 1: only the peak-RSS section (scripts/bench/rss.py)
while [[ $# -gt 0 ]]; do
  case $1 in
    --tenants)
      tenants=$2
      shift 2
      ;;
    --quick)
      tenants=20
      rss_sizes=(20 100)
      repeat=1
      out=""
      shift
      ;;
    --repeat)
      repeat=$2
      shift 2
      ;;
    --rtt)
      read -r -a rtts <<<"$2"
      shift 2
      ;;
    --out)
      out=$2
      shift 2
      ;;
    --schedule-only)
      schedule=only
      shift
      ;;
    --no-schedule)
      schedule=without
      shift
      ;;
    --ledger-only)
      ledger_only=1
      shift
      ;;
    --rss-only)
      rss_only=1
      shift
      ;;
    --rss-sizes)
      read -r -a rss_sizes <<<"$2"
      shift 2
      ;;
    *)
      echo "usage: scripts/bench.sh [--tenants N] [--quick] [--repeat R] [--rtt \"MS...\"] [--out FILE]" \
        "[--schedule-only | --no-schedule | --ledger-only | --rss-only] [--rss-sizes \"N...\"]" >&2
      exit 2
      ;;
  esac
done

build_dir=${PGFLEET_BUILD_DIR:-build}
if [[ ${PGFLEET_SKIP_BUILD:-0} != 1 ]]; then
  echo "bench: building ($build_dir)"
  PGFLEET_BUILD_DIR=$build_dir ./scripts/build.sh >/dev/null
fi
pgfleet=$repo/$build_dir/pgfleet
floor=$repo/$build_dir/tests/bench/bench_floor
schedule_bench=$repo/$build_dir/tests/bench/bench_schedule
for binary in "$pgfleet" "$floor" "$schedule_bench"; do
  [[ -x $binary ]] || {
    echo "bench: $binary is missing (build first)" >&2
    exit 2
  }
done

# ---- scheduling alone (no database): its section of the report, updated in place
if [[ $schedule == only ]]; then
  if [[ -n $out ]]; then
    python3 scripts/bench/schedule.py "$schedule_bench" --repeat "$repeat" --update "$out"
    echo "bench: updated the scheduling section of $out"
  else
    python3 scripts/bench/schedule.py "$schedule_bench" --repeat "$repeat"
  fi
  exit 0
fi

# shellcheck source=lib/scratch-pg.sh
source scripts/lib/scratch-pg.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/pgfleet-bench.XXXXXX")
proxy_pid=""
cleanup() {
  [[ -n $proxy_pid ]] && kill "$proxy_pid" 2>/dev/null
  scratch_pg_stop
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port=$(scratch_pg_free_port)
export PGFLEET_TEST_PGHOST=127.0.0.1 PGFLEET_TEST_PGPORT=$port PGFLEET_TEST_PGUSER=postgres
scratch_pg_start_cluster 127.0.0.1 "$port"
(umask 077 && printf '127.0.0.1:*:*:postgres:%s\n' "$PGFLEET_TEST_PGPASSWORD" >"$work/pgpass")
export PGPASSFILE=$work/pgpass
export PGOPTIONS="-c client_min_messages=warning" # no "IF NOT EXISTS ... skipping" notices
unset PGPASSWORD
psql_bin=$PGFLEET_TEST_PGBIN/psql
results=$work/results.jsonl
: >"$results"
echo "bench: scratch PostgreSQL on 127.0.0.1:$port, work dir $work"

# ---- the shared run ledger: one process vs 1 and 3 workers (docs/LEDGER.md)
ledger_args=(--port "$port" --repeat "$repeat")
[[ $tenants -lt 300 ]] && ledger_args+=(--tenants "$tenants")
if [[ $ledger_only == 1 ]]; then
  python3 scripts/bench/ledger.py "$pgfleet" "${ledger_args[@]}" ${out:+--update "$out"}
  exit 0
fi

mapfile -t migration_files < <(find migrations -maxdepth 1 -name '*.up.sql' | sort)
migration_count=${#migration_files[@]}

# Appends one measurement to results.jsonl: KIND TOOL CONCURRENCY TENANTS SECONDS [JSON extra].
record() {
  printf '{"kind":"%s","tool":"%s","concurrency":%s,"tenants":%s,"seconds":%s,"extra":%s}\n' \
    "$1" "$2" "$3" "$4" "$5" "${6:-null}" >>"$results"
}

now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$2"; }

tenant_db() { printf 'tenant_%04d' "$1"; }

# Writes the tenant lists for PORT (the server or the proxy): pgfleet JSONL, floor conninfos,
# psql database names.
write_tenant_files() {
  local target_port=$1 i db conn
  : >"$work/tenants.jsonl"
  : >"$work/tenants.conninfo"
  : >"$work/tenants.names"
  for ((i = 1; i <= tenants; i++)); do
    db=$(tenant_db "$i")
    conn="host=127.0.0.1 port=$target_port user=postgres dbname=$db sslmode=disable"
    printf '{"id":"%s","connection_string":"%s"}\n' "$db" "$conn" >>"$work/tenants.jsonl"
    echo "$conn" >>"$work/tenants.conninfo"
    echo "$db" >>"$work/tenants.names"
  done
}

# Drops and recreates every tenant database from the empty template (FILE_COPY is the faster
# strategy for a small template).
reset_fleet() {
  local i db
  for ((i = 1; i <= tenants; i++)); do
    db=$(tenant_db "$i")
    echo "DROP DATABASE IF EXISTS $db WITH (FORCE);"
    echo "CREATE DATABASE $db TEMPLATE bench_template STRATEGY FILE_COPY;"
  done | scratch_pg_psql -d postgres >/dev/null
}

# Fails unless every tenant has all migrations recorded and the last table exists.
verify_fleet() {
  local i ok
  ok=$(for ((i = 1; i <= tenants; i++)); do
    echo "\\connect $(tenant_db "$i")"
    echo "SELECT count(*) = $migration_count AND to_regclass('api_keys') IS NOT NULL FROM pgfleet.schema_migrations;"
  done | scratch_pg_psql -d postgres -tA | grep -c '^t$' || true)
  if [[ $ok != "$tenants" ]]; then
    echo "bench: only $ok of $tenants tenants are fully migrated after $1" >&2
    exit 1
  fi
}

# The psql loop's per-tenant script: history table, then each migration + its history row.
write_psql_script() {
  local file version name checksum tx
  {
    echo '#!/usr/bin/env bash'
    echo 'set -euo pipefail'
    echo "conn=\"host=127.0.0.1 port=\$BENCH_PORT user=postgres dbname=\$1 sslmode=disable\""
    echo "run() { '$psql_bin' -X -q -v ON_ERROR_STOP=1 \"\$conn\" \"\$@\" >/dev/null; }"
    echo "run -c 'CREATE SCHEMA IF NOT EXISTS pgfleet' -c 'CREATE TABLE IF NOT EXISTS" \
      "pgfleet.schema_migrations (version bigint PRIMARY KEY, name text, checksum text, state text," \
      "applied_at timestamptz, duration_ms integer, run_id text, applied_by text)'"
    for file in "${migration_files[@]}"; do
      name=$(basename "$file" .up.sql)
      version=$((10#${name%%_*}))
      checksum=$(sha256sum "$file" | cut -d' ' -f1)
      tx=-1
      grep -q -- '-- pgfleet: no-transaction' "$file" && tx=""
      echo "run $tx -f '$repo/$file' -c \"INSERT INTO pgfleet.schema_migrations VALUES ($version," \
        "'${name#*_}', '$checksum', 'applied', now(), 0, 'psql', current_user)\""
    done
  } >"$work/psql_tenant.sh"
}

run_pgfleet() {
  "$pgfleet" apply --tenants "$work/tenants.jsonl" --migrations migrations --var region=bench \
    --results-dir "$work/pgfleet-results" --concurrency "$1" --yes >"$work/pgfleet.log" 2>&1 || {
    tail -n 20 "$work/pgfleet.log" >&2
    return 1
  }
}
run_psql() {
  BENCH_PORT=$2 xargs -P "$1" -n 1 bash "$work/psql_tenant.sh" <"$work/tenants.names"
}
run_floor() {
  "$floor" --tenants "$work/tenants.conninfo" --migrations migrations --concurrency "$1" >/dev/null
}

# Peak RSS of pgfleet over schema-per-tenant fleets (one database, one schema per tenant) of each
# of rss_sizes; one `rss` row each.
measure_rss() {
  local size start seconds applied
  for size in "${rss_sizes[@]}"; do
    scratch_pg_psql -d postgres -c "DROP DATABASE IF EXISTS bench_schemas WITH (FORCE)" \
      -c "CREATE DATABASE bench_schemas" >/dev/null
    scratch_pg_psql -d bench_schemas >/dev/null <<EOF
SELECT format('CREATE SCHEMA %I', 's_' || lpad(i::text, greatest(4, length(i::text)), '0')) FROM generate_series(1, $size) i \gexec
EOF
    python3 - "$size" "$port" >"$work/schemas.jsonl" <<'EOF'
import json, sys
size, port = int(sys.argv[1]), sys.argv[2]
for i in range(1, size + 1):
    s = f"s_{i:04d}"
    print(json.dumps({"id": s, "schema": s, "connection_string":
        f"host=127.0.0.1 port={port} user=postgres dbname=bench_schemas sslmode=disable"}))
EOF
    start=$(now)
    python3 - "$work/rss.json" "$pgfleet" apply --tenants "$work/schemas.jsonl" --migrations migrations --var region=bench \
      --results-dir "$work/pgfleet-results" --concurrency 16 --yes >"$work/pgfleet-rss.log" 2>&1 <<'EOF' || {
import json, resource, subprocess, sys
code = subprocess.call(sys.argv[2:])
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
json.dump({"exit_code": code, "peak_rss_kib": peak_kib}, open(sys.argv[1], "w"))
sys.exit(code)
EOF
      tail -n 20 "$work/pgfleet-rss.log" >&2
      exit 1
    }
    seconds=$(elapsed "$start" "$(now)")
    applied=$(scratch_pg_psql -d bench_schemas -tAc "SELECT count(*) FROM pg_class WHERE relname = 'pgfleet_schema_migrations'")
    [[ $applied == "$size" ]] || {
      echo "bench: $applied of $size schemas have a history table" >&2
      exit 1
    }
    record rss pgfleet 16 "$size" "$seconds" "$(cat "$work/rss.json")"
    echo "bench: pgfleet with $size schema tenants: ${seconds}s, $(cat "$work/rss.json")"
  done
}

# ---- peak RSS alone: its section of the report, updated in place
if [[ $rss_only == 1 ]]; then
  measure_rss
  rss_args=("$results" "$("$PGFLEET_TEST_PGBIN/postgres" --version)")
  [[ -n $out ]] && rss_args+=(--update "$out")
  python3 scripts/bench/rss.py "${rss_args[@]}"
  exit 0
fi

# ---- the fleet
scratch_pg_psql -d postgres -c "CREATE DATABASE bench_template" >/dev/null
write_psql_script
write_tenant_files "$port"
start=$(now)
reset_fleet
reset_seconds=$(elapsed "$start" "$(now)")
echo "bench: $tenants tenant databases created from a template in ${reset_seconds}s"
run_floor 8 # warm-up, not counted: the first run on a new cluster pays for cold caches

# ---- throughput: the tools take turns, so that a change in machine load hits them alike
for ((round = 1; round <= repeat; round++)); do
  for p in "${concurrencies[@]}"; do
    for tool in floor pgfleet psql; do
      reset_fleet
      start=$(now)
      case $tool in
        pgfleet) run_pgfleet "$p" ;;
        psql) run_psql "$p" "$port" ;;
        floor) run_floor "$p" ;;
      esac
      seconds=$(elapsed "$start" "$(now)")
      verify_fleet "$tool at P=$p"
      record throughput "$tool" "$p" "$tenants" "$seconds"
      echo "bench: round $round/$repeat: $tool P=$p: ${seconds}s"
    done
  done
done

# ---- round trips through the counting proxy
# Runs COMMAND... with the tenant files pointing at a fresh proxy that adds $proxy_delay_ms in
# each direction; prints the proxy's report.
proxy_delay_ms=0
through_proxy() {
  local proxy_port
  proxy_port=$(scratch_pg_free_port)
  rm -f "$work/proxy.ready"
  python3 scripts/bench/count_proxy.py --listen "$proxy_port" --target "127.0.0.1:$port" \
    --delay-ms "$proxy_delay_ms" --ready-file "$work/proxy.ready" --out "$work/proxy.json" \
    >/dev/null &
  proxy_pid=$!
  while [[ ! -f $work/proxy.ready ]]; do sleep 0.05; done
  write_tenant_files "$proxy_port"
  "$@" "$proxy_port"
  kill "$proxy_pid"
  wait "$proxy_pid" || true
  proxy_pid=""
  write_tenant_files "$port"
  cat "$work/proxy.json"
}
rt_pgfleet() { run_pgfleet "$rt_concurrency"; }
rt_psql() { run_psql "$rt_concurrency" "$1"; }
rt_floor() { run_floor "$rt_concurrency"; }
for tool in floor pgfleet psql; do
  reset_fleet
  report=$(through_proxy "rt_$tool")
  verify_fleet "$tool through the proxy"
  record roundtrips "$tool" "$rt_concurrency" "$tenants" 0 "$report"
  echo "bench: round trips, $tool: $(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["totals"])' "$report")"
  if [[ $tool == pgfleet ]]; then
    report=$(through_proxy rt_pgfleet) # second run: every tenant is up to date
    record roundtrips pgfleet-noop "$rt_concurrency" "$tenants" 0 "$report"
  fi
done
echo "bench: round trips counted"

# ---- latency: P=8 through the proxy with RTT/2 added in each direction, the tools in turns
lat_pgfleet() { run_pgfleet "$rt_concurrency"; }
lat_psql() { run_psql "$rt_concurrency" "$1"; }
lat_floor() { run_floor "$rt_concurrency"; }
timed_lat() {
  local started
  started=$(now)
  "lat_$1" "$2"
  elapsed "$started" "$(now)" >"$work/lat.seconds"
}
for rtt in "${rtts[@]}"; do
  [[ $rtt == 0 ]] && continue
  proxy_delay_ms=$(python3 -c "import sys; print(float(sys.argv[1]) / 2)" "$rtt")
  for ((round = 1; round <= repeat; round++)); do
    for tool in floor pgfleet psql; do
      reset_fleet
      through_proxy timed_lat "$tool" >/dev/null
      seconds=$(cat "$work/lat.seconds")
      verify_fleet "$tool at RTT $rtt ms"
      record latency "$tool" "$rt_concurrency" "$tenants" "$seconds" "{\"rtt_ms\": $rtt}"
      echo "bench: round $round/$repeat: $tool P=$rt_concurrency RTT ${rtt}ms: ${seconds}s"
    done
  done
done
proxy_delay_ms=0

# ---- peak RSS, schema-per-tenant (one database, one schema per tenant)
measure_rss

# ---- report
report_file=$work/BENCHMARKS.md
python3 scripts/bench/report.py "$results" "$migration_count" "$reset_seconds" \
  "$("$PGFLEET_TEST_PGBIN/postgres" --version)" >"$report_file"
python3 scripts/bench/ledger.py "$pgfleet" "${ledger_args[@]}" --update "$report_file" >/dev/null
if [[ $schedule == with ]]; then
  python3 scripts/bench/schedule.py "$schedule_bench" --repeat "$repeat" \
    --update "$report_file" >/dev/null
fi
if [[ -n $out ]]; then
  cp "$report_file" "$out"
  echo "bench: wrote $out"
fi
cat "$report_file"
