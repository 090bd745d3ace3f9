#!/usr/bin/env bash
# The response cache's memory under a search-heavy load: a release node with the full demo
# network answers many distinct network-wide searches from concurrent clients (wrk with a
# script that never repeats a query), once with the cache off (the process's own growth
# under that load: the search engine, buffers) and once with `--cache-mb N`. It prints the
# resident memory of both, the cache's counted bytes, and the ratio
#   (RSS with the cache − RSS without) / counted bytes,
# which should stay near 1 (the issue's bound: RSS within 1.3 × the setting plus the base).
# Usage: bench/cache-memory.sh [cache-mb (64)] [seconds (30)]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
MB=${1:-64}
SECS=${2:-30}
machine
need wrk wrk
cargo build --release --locked -q --bin portico
BIN=target/release/portico
DATA=$(mktemp -d)
trap 'rm -rf "$DATA"; kill $(jobs -p) 2>/dev/null || true' EXIT
echo "== building the demo network once"
"$BIN" serve --demo --data "$DATA" --listen 127.0.0.1:0 >"$DATA/seed.log" 2>&1 &
SEED=$!
until grep -q "serving on" "$DATA/seed.log"; do sleep 0.5; done
kill $SEED; wait $SEED 2>/dev/null || true

cat >"$DATA/queries.lua" <<'LUA'
local words = {"quyet", "dinh", "ke", "hoach", "thong", "bao", "cong", "van", "tin", "tuc",
  "su", "kien", "chi", "dao", "nong", "thon", "moi", "giao", "duc", "y", "te", "dat", "dai"}
local m = 0
request = function()
  -- Each query twice in a row: an answer to a query is kept from its second asking on.
  m = m + 1
  local n = math.floor((m + 1) / 2)
  local a = words[(n % #words) + 1]
  local b = words[((n * 7) % #words) + 1]
  -- A page number makes every query distinct: each answer (asked twice) is a new cache entry.
  local path = "/api/v1/public/search?site=main&q=" .. a .. "+" .. b ..
    "&per_page=10&page=" .. ((math.floor(n / #words) % 200) + 1) .. "&facets=" ..
    ((n % 2 == 0) and "true" or "false") .. "&sort=" .. ((n % 3 == 0) and "date" or "relevance") ..
    "&year_to=" .. (2200 - (n % 150))
  return wrk.format("GET", path)
end
LUA

run() { # run CACHE_MB: prints RSS (kB) after the load and the cache's counted bytes
  local mb=$1 port pid
  port=$(free_port)
  "$BIN" serve --data "$DATA" --listen "127.0.0.1:$port" --cache-mb "$mb" >"$DATA/serve-$mb.log" 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.3; done
  wrk -t2 -c32 -d"${SECS}s" -s "$DATA/queries.lua" "http://127.0.0.1:$port" >"$DATA/wrk-$mb.txt"
  RSS=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  COUNTED=$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^portico_cache_bytes / {print $2}')
  ENTRIES=$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^portico_cache_entries / {print $2}')
  REQS=$(awk '/requests in/ {print $1}' "$DATA/wrk-$mb.txt")
  kill $pid; wait $pid 2>/dev/null || true
}
echo "== $SECS s of distinct network-wide searches from 32 connections"
run 0; BASE=$RSS; BASE_REQS=$REQS
run "$MB"
echo "cache off:     RSS $((BASE / 1024)) MB after $BASE_REQS searches"
echo "cache ${MB} MB: RSS $((RSS / 1024)) MB after $REQS searches; counted $((${COUNTED:-0} / 1048576)) MB in ${ENTRIES:-0} entries"
python3 - "$BASE" "$RSS" "${COUNTED:-0}" "$MB" <<'PY'
import sys
base, rss, counted, mb = (int(x) for x in sys.argv[1:])
extra = (rss - base) * 1024
print(f"RSS above the cache-off run: {extra / 1048576:.0f} MB = {extra / max(counted, 1):.2f} x counted,"
      f" {extra / (mb * 1048576):.2f} x the setting")
PY
