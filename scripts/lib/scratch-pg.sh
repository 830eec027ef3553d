# Scratch PostgreSQL 15 clusters and a PgBouncer for tests, the demo and the benchmark.
# Source this file (bash), then:
#
#   scratch_pg_start          # cluster on 127.0.0.1:<free port> + PgBouncer; exports PGFLEET_TEST_*
#   trap scratch_pg_stop EXIT # always stop what was started
#   scratch_pg_start_cluster 127.0.0.2 "$PGFLEET_TEST_PGPORT"  # another cluster (same password)
#   scratch_pg_enable_ssl "$SCRATCH_PG_LAST_DIR"               # TLS on it (self-signed)
#   scratch_pg_psql [psql args...]                             # psql as the superuser
#   scratch_pg_stop           # stops every cluster and the bouncer, removes the temp dirs
#
# Exported after scratch_pg_start: PGFLEET_TEST_PGHOST, PGFLEET_TEST_PGPORT, PGFLEET_TEST_PGUSER,
# PGFLEET_TEST_PGPASSWORD, PGFLEET_TEST_BOUNCER_PORT, PGFLEET_TEST_PGBIN.
# Never touches the system cluster: everything lives in its own temp dir on a free port, and the
# server binaries run as `postgres` when we are root (initdb, pg_ctl and pgbouncer refuse root).

PGFLEET_TEST_PGBIN=${PGFLEET_TEST_PGBIN:-/usr/lib/postgresql/15/bin}
export PGFLEET_TEST_PGBIN

# Sourcing twice must not forget what was started.
if [[ -z ${SCRATCH_PG_SOURCED:-} ]]; then
  SCRATCH_PG_SOURCED=1
  SCRATCH_PG_DIRS=()        # dirs of every cluster started, stopped by scratch_pg_stop
  SCRATCH_PG_BOUNCER_DIR="" # temp dir of the PgBouncer, if started
fi

# Runs a command as the `postgres` OS user when we are root, else as ourselves.
scratch_pg_as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Makes a temp dir owned by whoever runs the servers; prints its path.
scratch_pg_make_dir() {
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/pgfleet-$1.XXXXXX")
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres:postgres "$dir"
  fi
  chmod 700 "$dir"
  echo "$dir"
}

# Prints a TCP port that is free on loopback right now.
scratch_pg_free_port() {
  python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

# Waits until something accepts PostgreSQL connections on HOST:PORT (up to ~30s).
scratch_pg_wait_ready() {
  local host=$1 port=$2 i
  for ((i = 0; i < 300; i++)); do
    if "$PGFLEET_TEST_PGBIN/pg_isready" -q -h "$host" -p "$port" -t 1; then
      return 0
    fi
    sleep 0.1
  done
  echo "scratch-pg: nothing answers on $host:$port" >&2
  return 1
}

# Starts a cluster listening on HOST:PORT only, with superuser `postgres` and password
# PGFLEET_TEST_PGPASSWORD (generated when unset). Prints nothing; sets SCRATCH_PG_LAST_DIR.
scratch_pg_start_cluster() {
  local host=$1 port=$2 dir
  if [[ -z ${PGFLEET_TEST_PGPASSWORD:-} ]]; then
    PGFLEET_TEST_PGPASSWORD="scratch-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
    export PGFLEET_TEST_PGPASSWORD
  fi
  dir=$(scratch_pg_make_dir "pg") || return 1
  SCRATCH_PG_DIRS+=("$dir")
  SCRATCH_PG_LAST_DIR=$dir
  (umask 077 && printf '%s\n' "$PGFLEET_TEST_PGPASSWORD" >"$dir/pwfile")
  [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$dir/pwfile"
  if ! scratch_pg_as_owner "$PGFLEET_TEST_PGBIN/initdb" -D "$dir/data" -U postgres \
    --pwfile="$dir/pwfile" --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
    echo "scratch-pg: initdb failed:" >&2
    cat "$dir/initdb.log" >&2
    return 1
  fi
  rm -f "$dir/pwfile"
  cat >>"$dir/data/postgresql.conf" <<EOF
# scratch cluster for pgfleet tests: fast, not durable
listen_addresses = '$host'
port = $port
unix_socket_directories = '$dir'
max_connections = 300
shared_buffers = 64MB
fsync = off
synchronous_commit = off
full_page_writes = off
password_encryption = 'scram-sha-256'
log_line_prefix = '%m [%p] %q%u@%d '
EOF
  cat >"$dir/data/pg_hba.conf" <<EOF
local all all trust
host all all 127.0.0.0/8 scram-sha-256
EOF
  if ! scratch_pg_as_owner "$PGFLEET_TEST_PGBIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" \
    -w -t 60 start >/dev/null; then
    echo "scratch-pg: PostgreSQL on $host:$port did not start:" >&2
    tail -n 20 "$dir/postgres.log" >&2
    return 1
  fi
}

# Turns TLS on for the cluster in DIR (as started by scratch_pg_start_cluster) with a fresh
# self-signed certificate for 127.0.0.1, and restarts it. Clients that do not verify certificates
# (sslmode prefer / require) then connect over TLS; plaintext is still accepted.
scratch_pg_enable_ssl() {
  local dir=$1
  if ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=127.0.0.1" -keyout "$dir/data/server.key" -out "$dir/data/server.crt" \
    >"$dir/openssl.log" 2>&1; then
    echo "scratch-pg: openssl could not make a certificate:" >&2
    cat "$dir/openssl.log" >&2
    return 1
  fi
  chmod 600 "$dir/data/server.key"
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres:postgres "$dir/data/server.key" "$dir/data/server.crt"
  fi
  cat >>"$dir/data/postgresql.conf" <<EOF
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
EOF
  if ! scratch_pg_as_owner "$PGFLEET_TEST_PGBIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" \
    -m fast -w -t 60 restart >/dev/null; then
    echo "scratch-pg: PostgreSQL in $dir did not restart with TLS:" >&2
    tail -n 20 "$dir/postgres.log" >&2
    return 1
  fi
}

# Starts PgBouncer (transaction pooling) on 127.0.0.1:BOUNCER_PORT in front of HOST:PORT.
scratch_pg_start_bouncer() {
  local host=$1 port=$2 bouncer_port=$3 dir
  dir=$(scratch_pg_make_dir "bouncer") || return 1
  SCRATCH_PG_BOUNCER_DIR=$dir
  (umask 077 && printf '"postgres" "%s"\n' "$PGFLEET_TEST_PGPASSWORD" >"$dir/userlist.txt")
  cat >"$dir/pgbouncer.ini" <<EOF
[databases]
* = host=$host port=$port

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bouncer_port
unix_socket_dir = $dir
pool_mode = transaction
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
auth_user = postgres
auth_query = SELECT usename, passwd FROM pg_shadow WHERE usename = \$1
admin_users = postgres
max_client_conn = 500
default_pool_size = 20
reserve_pool_size = 5
ignore_startup_parameters = extra_float_digits
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
EOF
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres:postgres "$dir/userlist.txt" "$dir/pgbouncer.ini"
  fi
  if ! scratch_pg_as_owner pgbouncer -q -d "$dir/pgbouncer.ini"; then
    echo "scratch-pg: pgbouncer did not start:" >&2
    tail -n 20 "$dir/pgbouncer.log" >&2 2>/dev/null
    return 1
  fi
  scratch_pg_wait_ready 127.0.0.1 "$bouncer_port"
}

# Starts the main scratch cluster and a PgBouncer in front of it; exports PGFLEET_TEST_*.
scratch_pg_start() {
  local port bouncer_port
  port=$(scratch_pg_free_port) || return 1
  bouncer_port=$(scratch_pg_free_port) || return 1
  while [[ $bouncer_port == "$port" ]]; do bouncer_port=$(scratch_pg_free_port); done
  export PGFLEET_TEST_PGHOST=127.0.0.1
  export PGFLEET_TEST_PGPORT=$port
  export PGFLEET_TEST_PGUSER=postgres
  scratch_pg_start_cluster 127.0.0.1 "$port" || return 1
  SCRATCH_PG_MAIN_DIR=$SCRATCH_PG_LAST_DIR
  scratch_pg_start_bouncer 127.0.0.1 "$port" "$bouncer_port" || return 1
  export PGFLEET_TEST_BOUNCER_PORT=$bouncer_port
  echo "scratch-pg: PostgreSQL on 127.0.0.1:$port, PgBouncer on 127.0.0.1:$bouncer_port" \
    "(logs in $SCRATCH_PG_MAIN_DIR, $SCRATCH_PG_BOUNCER_DIR)"
}

# psql as the superuser on the main scratch cluster (TCP, password from the environment).
scratch_pg_psql() {
  PGPASSWORD=$PGFLEET_TEST_PGPASSWORD "$PGFLEET_TEST_PGBIN/psql" -X -q -v ON_ERROR_STOP=1 \
    -h "$PGFLEET_TEST_PGHOST" -p "$PGFLEET_TEST_PGPORT" -U "$PGFLEET_TEST_PGUSER" "$@"
}

# Stops the bouncer and every cluster started here, and removes their temp dirs. Idempotent.
scratch_pg_stop() {
  local dir pid i
  if [[ -n $SCRATCH_PG_BOUNCER_DIR && -d $SCRATCH_PG_BOUNCER_DIR ]]; then
    if [[ -f $SCRATCH_PG_BOUNCER_DIR/pgbouncer.pid ]]; then
      pid=$(cat "$SCRATCH_PG_BOUNCER_DIR/pgbouncer.pid")
      kill "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -rf "$SCRATCH_PG_BOUNCER_DIR"
  fi
  SCRATCH_PG_BOUNCER_DIR=""
  for dir in "${SCRATCH_PG_DIRS[@]}"; do
    if [[ -f $dir/data/postmaster.pid ]]; then
      scratch_pg_as_owner "$PGFLEET_TEST_PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop \
        >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
  done
  SCRATCH_PG_DIRS=()
  return 0
}
