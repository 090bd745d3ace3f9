#!/usr/bin/env bash
# Delivery benchmarks: requests per second and latency of public pages, the delivery API and
# a feed, served by `portico serve` over the demo network with no response cache, measured by
# wrk on the same machine. Usage: bench/delivery.sh [seconds per URL, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
SECS=${1:-10}
CONNS=50
need wrk wrk
cargo build --release --locked -p portico >&2
DATA=$(mktemp -d)
PORT=$(free_port)
B="http://127.0.0.1:$PORT"
PORTICO_LOG=warn target/release/portico serve --demo --cache-mb 0 --data "$DATA" --listen "127.0.0.1:$PORT" >"$DATA/log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 1 120); do curl -sf "$B/healthz" >/dev/null && break; sleep 0.5; done
# Let the search index finish taking in the demo network, so it does not compete.
sleep 3

sample_article "$B"

machine
echo "load:   wrk, 1 thread, $CONNS connections, ${SECS}s per URL, on the same machine; no response cache"
echo "== figures"
printf '%-28s %10s %10s %10s  %s\n' "what" "req/s" "p50" "p99" "url"
run() {
  local name=$1 path=$2
  measure "$B$path" "$CONNS" "$SECS" || exit 1
  printf '%-28s %10s %10s %10s  %s\n' "$name" "$RPS" "$P50" "$P99" "$path"
  [ -z "$ERRORS" ] || echo "  $ERRORS"
}
run "article page" "/main/$CHANNEL/$SLUG"
run "channel list page" "/main/$CHANNEL"
run "site home page" "/main/"
run "document register" "/main/van-ban"
run "delivery API list" "/api/v1/public/sites/main/items?limit=20"
run "delivery API item" "/api/v1/public/sites/main/items/$SLUG"
run "RSS feed (site)" "/main/feed.rss"
echo "server RSS after the run: $(awk '/VmRSS/ {print $2/1024 " MB"}' /proc/$PID/status)"
