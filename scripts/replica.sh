#!/usr/bin/env bash
# A real streaming replica of the local PostgreSQL (issue 25), for the replica tests and the benchmarks:
#   scripts/replica.sh start   # pg_basebackup into var/replica/data with a replication slot; serves 127.0.0.1:5433
#   scripts/replica.sh status  # the replica's lag as the primary sees it
#   scripts/replica.sh stop    # stops it, drops the slot (a stopped replica's slot would keep WAL forever)
# Then: DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:5433/<database>. The primary must accept replication
# connections from 127.0.0.1; when its pg_hba.conf has no such line and this runs as root, `start` adds one.
# PRIMARY (default postgres://postgres@127.0.0.1:5432), REPLICA_PORT (5433), PG_BIN select another setup.
set -euo pipefail

PRIMARY="${PRIMARY:-postgres://postgres@127.0.0.1:5432}"
PORT="${REPLICA_PORT:-5433}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="$ROOT/var/replica"
SLOT="tinhso_replica"

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
primary() { psql "$PRIMARY/postgres" -XAtq -c "$1"; }

start() {
  if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
    echo "replica already answering on 127.0.0.1:$PORT"
    return
  fi
  local hba
  hba="$(primary "SHOW hba_file")"
  if ! grep -Eq '^host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32' "$hba" 2>/dev/null; then
    [ -w "$hba" ] || { echo "add 'host replication all 127.0.0.1/32 trust' to $hba, then reload" >&2; exit 1; }
    echo "host replication all 127.0.0.1/32 trust" >>"$hba"
    primary "SELECT pg_reload_conf()" >/dev/null
  fi
  if [ ! -f "$DIR/data/PG_VERSION" ]; then
    rm -rf "$DIR/data"
    mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres: "$DIR"
    primary "SELECT pg_create_physical_replication_slot('$SLOT')
             WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '$SLOT')" >/dev/null
    echo "pg_basebackup of the primary into $DIR/data (slot $SLOT)…"
    as_postgres "$PG_BIN/pg_basebackup" -d "$PRIMARY" -D "$DIR/data" -R -S "$SLOT" -X stream -c fast
    # Debian keeps the primary's configuration outside its data directory: the replica gets its own.
    as_postgres sh -c "printf '%s\n' 'hot_standby = on' 'max_connections = 100' >'$DIR/data/postgresql.conf'"
    as_postgres sh -c "printf '%s\n' 'local all all trust' 'host all all 127.0.0.1/32 trust' >'$DIR/data/pg_hba.conf'"
  fi
  as_postgres "$PG_BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
    -o "-p $PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$DIR" start
  echo "replica streaming on 127.0.0.1:$PORT"
}

stop() {
  if [ -f "$DIR/data/postmaster.pid" ]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$DIR/data" -m fast -w stop
  fi
  primary "SELECT pg_drop_replication_slot('$SLOT') FROM pg_replication_slots WHERE slot_name = '$SLOT'" >/dev/null
  rm -rf "$DIR/data"
}

status() {
  primary "SELECT application_name, state, replay_lag FROM pg_stat_replication"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|status|stop" >&2; exit 2 ;;
esac
