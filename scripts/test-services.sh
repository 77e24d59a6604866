#!/usr/bin/env bash
# Start (or stop) a throwaway PostgreSQL cluster for the tests, on 127.0.0.1:55432.
# Usage: scripts/test-services.sh start|stop   — prints the DSN on start.
set -euo pipefail
PGROOT=${EXITLENS_PG_DIR:-/tmp/exitlens-pgtest}
PORT=${EXITLENS_PG_PORT:-55432}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$PGBIN" ] || { echo "PostgreSQL server not installed (run scripts/install-system-deps.sh)" >&2; exit 1; }
as_pg() {
  if [ "$(id -u)" = "0" ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}
case "${1:-start}" in
  start)
    if [ -f "$PGROOT/data/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl -D $PGROOT/data status" >/dev/null 2>&1; then
      echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"; exit 0
    fi
    rm -rf "$PGROOT"; mkdir -p "$PGROOT/data"
    if [ "$(id -u)" = "0" ]; then chown -R postgres "$PGROOT"; fi
    as_pg "$PGBIN/initdb -D $PGROOT/data -A trust -U postgres --no-sync" >/dev/null
    as_pg "$PGBIN/pg_ctl -D $PGROOT/data -o '-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off' -l $PGROOT/pg.log -w start" >/dev/null
    echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"
    ;;
  stop)
    as_pg "$PGBIN/pg_ctl -D $PGROOT/data -m fast stop" >/dev/null 2>&1 || true
    ;;
esac
