#!/usr/bin/env bash
# Delivery benchmarks: requests per second and latency of public pages, the delivery API and
# a feed, served by `portico serve` over the demo network with no response cache, measured by
# wrk on the same machine. Usage: bench/delivery.sh [seconds per URL, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
CONNS=50
if ! command -v wrk >/dev/null; then
  echo "wrk is missing; installing it from Debian's packages" >&2
  if [ "$(id -u)" = 0 ]; then apt-get install -y wrk >&2; else sudo apt-get install -y wrk >&2; fi
fi
cargo build --release --locked -p portico >&2
DATA=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
B="http://127.0.0.1:$PORT"
PORTICO_LOG=warn target/release/portico serve --demo --cache-mb 0 --data "$DATA" --listen "127.0.0.1:$PORT" >"$DATA/log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 1 120); do curl -sf "$B/healthz" >/dev/null && break; sleep 0.5; done
# Let the search index finish taking in the demo network, so it does not compete.
sleep 3

ITEM=$(curl -sf "$B/api/v1/public/sites/main/items?kind=article&limit=1")
SLUG=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["slug"])' <<<"$ITEM")
CHANNEL=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["channels"][0])' <<<"$ITEM")

echo "== machine"
echo "date:   $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "cpu:    $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //') ($(nproc) cores)"
echo "memory: $(free -h | awk '/^Mem:/ {print $2}')"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "load:   wrk, 1 thread, $CONNS connections, ${SECS}s per URL, on the same machine; no response cache"
echo "== figures"
printf '%-28s %10s %10s %10s  %s\n' "what" "req/s" "p50" "p99" "url"
run() {
  local name=$1 path=$2 out
  curl -sf -o /dev/null "$B$path" || { echo "$name: $B$path does not answer 200" >&2; exit 1; }
  out=$(wrk -t1 -c"$CONNS" -d"${SECS}s" --latency "$B$path")
  local rps p50 p99 errors
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errors=$(grep -E "Non-2xx|Socket errors" <<<"$out" || true)
  printf '%-28s %10s %10s %10s  %s\n' "$name" "$rps" "$p50" "$p99" "$path"
  [ -z "$errors" ] || echo "  $errors"
}
run "article page" "/main/$CHANNEL/$SLUG"
run "channel list page" "/main/$CHANNEL"
run "site home page" "/main/"
run "delivery API list" "/api/v1/public/sites/main/items?limit=20"
run "delivery API item" "/api/v1/public/sites/main/items/$SLUG"
run "RSS feed (site)" "/main/feed.rss"
echo "server RSS after the run: $(awk '/VmRSS/ {print $2/1024 " MB"}' /proc/$PID/status)"
