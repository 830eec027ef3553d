#!/usr/bin/env bash
# A PostgreSQL cluster of one test's own, beside the shared one scripts/test.sh starts: one the
# test stops and starts (a server restart), or one serving TLS. Same superuser and password
# (PGFLEET_TEST_PGPASSWORD). Used by tests/integration/scratch_cluster.cpp.
#
#   scratch_cluster.sh create [--ssl]   # starts one on 127.0.0.1:<free port>; prints "DIR PORT"
#   scratch_cluster.sh stop DIR         # fast shutdown, waits until it is down
#   scratch_cluster.sh start DIR        # waits until it accepts connections
#   scratch_cluster.sh remove DIR       # stops it if it runs, removes DIR
set -euo pipefail
# shellcheck source=../../scripts/lib/scratch-pg.sh
source "$(dirname "$0")/../../scripts/lib/scratch-pg.sh"

pg_ctl_as_owner() {
  local dir=$1
  shift
  scratch_pg_as_owner "$PGFLEET_TEST_PGBIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" "$@" \
    >/dev/null
}

case ${1:-} in
  create)
    port=$(scratch_pg_free_port)
    scratch_pg_start_cluster 127.0.0.1 "$port"
    if [[ ${2:-} == --ssl ]]; then
      scratch_pg_enable_ssl "$SCRATCH_PG_LAST_DIR"
    fi
    echo "$SCRATCH_PG_LAST_DIR $port"
    ;;
  stop) pg_ctl_as_owner "$2" -m fast -w -t 60 stop ;;
  start) pg_ctl_as_owner "$2" -w -t 60 start ;;
  remove)
    if [[ -f $2/data/postmaster.pid ]]; then
      pg_ctl_as_owner "$2" -m immediate -w -t 60 stop || true
    fi
    rm -rf "$2"
    ;;
  *)
    echo "usage: scratch_cluster.sh create [--ssl] | stop DIR | start DIR | remove DIR" >&2
    exit 2
    ;;
esac
