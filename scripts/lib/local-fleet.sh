# A persistent local PostgreSQL 15 holding a demo fleet: a control-plane database and tenant
# databases. Source scripts/lib/scratch-pg.sh first, then this file (bash), then:
#
#   local_fleet_start DIR           # start the cluster in DIR (create it the first time, reuse
#                                   # it after); exports LOCAL_FLEET_PORT and PGPASSFILE
#   local_fleet_psql DB [args...]   # psql as the superuser (password from PGPASSFILE)
#   local_fleet_ensure_database DB  # creates DB (owned by the migrator role) if missing
#   local_fleet_tenant_url DB [PORT]  # the migrator's URL for DB, password included
#   local_fleet_stop DIR            # stops the cluster (data kept)
#
# The cluster listens on 127.0.0.1 only, on a port that was free when it first started (kept
# in DIR/port), with scram-sha-256 password auth. Passwords are generated once, kept in
# DIR/*.password (mode 600) and DIR/pgpass, and never put on a command line. The server runs as
# `postgres` when we are root; if that user cannot write DIR (say, a checkout under /root), the
# data directory lives in /var/tmp and DIR/pgdata links to it.

LOCAL_FLEET_MIGRATOR=pgfleet_migrator # the role tenants' connection strings use

# Prints a random hex secret.
local_fleet_secret() {
  od -An -N16 -tx1 /dev/urandom | tr -d ' \n'
}

# True when something accepts TCP connections on 127.0.0.1:PORT.
local_fleet_port_in_use() {
  python3 - "$1" <<'PY'
import socket, sys
s = socket.socket()
s.settimeout(0.5)
sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)
PY
}

# Creates the data directory (initdb) under DIR; run once per DIR.
local_fleet_init() {
  local dir=$1 data pwfile
  mkdir -p "$dir/pgdata"
  [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$dir/pgdata"
  chmod 700 "$dir/pgdata"
  if ! scratch_pg_as_owner test -w "$dir/pgdata"; then
    # The server's user cannot reach DIR (e.g. a checkout under /root): keep the data in
    # /var/tmp and link it from DIR/pgdata.
    local external
    external=/var/tmp/pgfleet-demo-$(printf '%s' "$dir" | sha256sum | cut -c1-12)
    mkdir -p "$external/data"
    chown -R postgres:postgres "$external"
    chmod 700 "$external" "$external/data"
    rmdir "$dir/pgdata"
    ln -sfn "$external/data" "$dir/pgdata"
  fi
  data=$(local_fleet_data_dir "$dir")
  (umask 077 && local_fleet_secret >"$dir/superuser.password" &&
    local_fleet_secret >"$dir/migrator.password")
  pwfile=$(scratch_pg_make_dir initdb-pw)/pw
  cp "$dir/superuser.password" "$pwfile"
  [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$pwfile"
  if ! scratch_pg_as_owner "$PGFLEET_TEST_PGBIN/initdb" -D "$data" -U postgres \
    --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
    rm -rf "$(dirname "$pwfile")"
    rm -f "$dir/superuser.password" "$dir/migrator.password"
    echo "local-fleet: initdb failed (log: $dir/initdb.log)" >&2
    return 1
  fi
  rm -rf "$(dirname "$pwfile")"
  scratch_pg_as_owner tee -a "$data/postgresql.conf" >/dev/null <<EOF
# pgfleet demo cluster: loopback only, password auth, not tuned for durability
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 200
shared_buffers = 64MB
fsync = off
synchronous_commit = off
password_encryption = 'scram-sha-256'
logging_collector = on
log_directory = 'log'
include_if_exists = 'pgfleet-port.conf'
EOF
  echo 'host all all 127.0.0.1/32 scram-sha-256' | scratch_pg_as_owner tee "$data/pg_hba.conf" >/dev/null
}

# The data directory of the cluster in DIR (following the /var/tmp link if there is one).
local_fleet_data_dir() {
  readlink -f "$1/pgdata"
}

# Starts the cluster in DIR, creating it the first time; reuses it when already running.
local_fleet_start() {
  local dir data port
  mkdir -p "$1"
  dir=$(cd "$1" && pwd)
  [[ -f $dir/superuser.password ]] || local_fleet_init "$dir" || return 1
  data=$(local_fleet_data_dir "$dir")
  port=$(cat "$dir/port" 2>/dev/null || true)

  if ! scratch_pg_as_owner "$PGFLEET_TEST_PGBIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    if [[ -z $port ]] || local_fleet_port_in_use "$port"; then
      port=$(scratch_pg_free_port) || return 1
    fi
    echo "port = $port" | scratch_pg_as_owner tee "$data/pgfleet-port.conf" >/dev/null
    echo "$port" >"$dir/port"
    if ! scratch_pg_as_owner "$PGFLEET_TEST_PGBIN/pg_ctl" -D "$data" -l "$data/startup.log" \
      -w -t 60 start >/dev/null; then
      echo "local-fleet: PostgreSQL did not start (see $dir/pgdata/startup.log and log/)" >&2
      return 1
    fi
    echo "local-fleet: started PostgreSQL 15 on 127.0.0.1:$port (data in $dir/pgdata)"
  else
    echo "local-fleet: reusing PostgreSQL on 127.0.0.1:$port (data in $dir/pgdata)"
  fi
  scratch_pg_wait_ready 127.0.0.1 "$port" || return 1

  (umask 077 && {
    printf '127.0.0.1:*:*:postgres:%s\n' "$(cat "$dir/superuser.password")"
    printf '127.0.0.1:*:*:%s:%s\n' "$LOCAL_FLEET_MIGRATOR" "$(cat "$dir/migrator.password")"
  } >"$dir/pgpass")
  export PGPASSFILE=$dir/pgpass
  export LOCAL_FLEET_PORT=$port
  LOCAL_FLEET_DIR=$dir

  # The migrator role owns the tenant databases. Its password goes through stdin, so it is on
  # no command line.
  local_fleet_psql postgres >/dev/null <<EOF
SELECT format('CREATE ROLE %I LOGIN', '$LOCAL_FLEET_MIGRATOR')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$LOCAL_FLEET_MIGRATOR') \gexec
ALTER ROLE $LOCAL_FLEET_MIGRATOR PASSWORD '$(cat "$dir/migrator.password")';
EOF
}

# psql as the superuser on the local fleet cluster.
local_fleet_psql() {
  local db=$1
  shift
  "$PGFLEET_TEST_PGBIN/psql" -X -q -v ON_ERROR_STOP=1 \
    "host=127.0.0.1 port=$LOCAL_FLEET_PORT user=postgres dbname=$db sslmode=disable" "$@"
}

# Creates database DB owned by the migrator role unless it exists; prints "created" if it did.
local_fleet_ensure_database() {
  local exists
  exists=$(local_fleet_psql postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$1'")
  if [[ -z $exists ]]; then
    local_fleet_psql postgres -c "CREATE DATABASE \"$1\" OWNER $LOCAL_FLEET_MIGRATOR" >/dev/null
    echo created
  fi
}

# The migrator's connection URL for DB (on PORT, default the cluster's), password included.
local_fleet_tenant_url() {
  printf 'postgresql://%s:%s@127.0.0.1:%s/%s?sslmode=disable' "$LOCAL_FLEET_MIGRATOR" \
    "$(cat "$LOCAL_FLEET_DIR/migrator.password")" "${2:-$LOCAL_FLEET_PORT}" "$1"
}

# Stops the cluster in DIR if it runs; keeps its data.
local_fleet_stop() {
  local dir data
  if [[ ! -d $1 ]]; then
    echo "local-fleet: nothing in $1"
    return 0
  fi
  dir=$(cd "$1" && pwd)
  data=$(local_fleet_data_dir "$dir")
  if scratch_pg_as_owner "$PGFLEET_TEST_PGBIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    scratch_pg_as_owner "$PGFLEET_TEST_PGBIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    echo "local-fleet: stopped PostgreSQL in $dir/pgdata"
  else
    echo "local-fleet: PostgreSQL in $dir/pgdata is not running"
  fi
}
