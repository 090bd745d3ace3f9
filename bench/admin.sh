#!/usr/bin/env bash
# The editors' interface under volume: the demo network plus generated items (200,000 by
# default, 85 % published, the rest waiting in the workflow) over its 92 portals, on SQLite and
# on PostgreSQL; a release `portico serve` on each; the desk, an item list and an edit page
# timed over loopback for the demo's `editor`, who holds a role on every portal, with the
# database statements each costs. Usage: bench/admin.sh [items] [requests per page]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
ITEMS=${1:-200000}
REQS=${2:-300}
cargo build --release --locked -p portico -p portico-bench >&2
scripts/pg-server.sh >&2
PGBIN=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/postgres | sort -V | tail -1)")
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

WORK=$(mktemp -d)
chmod 755 "$WORK"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

machine
echo "load:   one client, requests one after another, keep-alive, over 127.0.0.1"
echo "data:   demo network (92 portals) + $ITEMS generated items; user 'editor' holds a role on every portal"

for store in sqlite postgres; do
  DATA="$WORK/$store"
  mkdir -p "$DATA"
  STORE=()
  if [ "$store" = postgres ]; then
    PGDIR="$WORK/pg"
    mkdir -p "$PGDIR"
    [ "$(id -u)" = 0 ] && chown postgres "$PGDIR"
    as_pg "$PGBIN/initdb" -D "$PGDIR/data" -U portico --auth=trust -E UTF8 --locale=C --no-sync >/dev/null
    PGPORT=$(free_port)
    as_pg "$PGBIN/postgres" -D "$PGDIR/data" -p "$PGPORT" -c listen_addresses=127.0.0.1 \
      -c unix_socket_directories="$PGDIR" -c fsync=off -c synchronous_commit=off \
      -c shared_buffers=256MB >"$WORK/pg.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 1 60); do "$PGBIN/pg_isready" -h 127.0.0.1 -p "$PGPORT" -q && break; sleep 0.5; done
    psql -q -h 127.0.0.1 -p "$PGPORT" -U portico -d postgres -c 'CREATE DATABASE portico' >/dev/null
    STORE=(--store "postgres://portico@127.0.0.1:$PGPORT/portico")
  fi
  echo "== $store: filling" >&2
  target/release/portico-admin-bench fill --data "$DATA" "${STORE[@]}" --items "$ITEMS"
  PORT=$(free_port)
  PORTICO_LOG=warn target/release/portico serve --data "$DATA" "${STORE[@]}" --listen "127.0.0.1:$PORT" >"$WORK/$store.log" 2>&1 &
  PIDS+=($!)
  # Measured once the search index has taken in every published item (readyz says so).
  for _ in $(seq 1 1200); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 1; done
  echo "== figures: $store"
  target/release/portico-admin-bench measure --base "http://127.0.0.1:$PORT" --requests "$REQS"
done
