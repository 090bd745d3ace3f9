#!/usr/bin/env bash
# Memory per cached answer against the answer's size: `portico edge` and Varnish (Debian's
# package, malloc storage) in front of the same node, each filled with N distinct URLs of the
# same answer (a query string makes each one a new entry); the growth of each one's resident
# memory divided by N, against the answer as the origin sends it (header fields and body)
# and against the bytes one entry holds:
#   the edge:    the header fields + the brotli copy + the gzip copy (it keeps both,
#                compressed once when stored, and no original);
#   Varnish:     the header fields + the gzip body it stores (http_gzip_support).
# Usage: bench/edge-memory.sh [answers (100000)] [api|page (api)]
# Tools it installs from Debian's packages when missing: wrk, varnish.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
N=${1:-100000}
WHAT=${2:-api}
need wrk wrk
need varnishd varnish
cargo build --release --locked -p portico >&2
cargo build --release --locked -p portico-api --example entry_memory >&2
DATA=$(mktemp -d)
chmod 755 "$DATA"
P_NODE=$(free_port); P_EDGE=$(free_port); P_VARNISH=$(free_port)
NODE="http://127.0.0.1:$P_NODE"; EDGE="http://127.0.0.1:$P_EDGE"; VARNISH="http://127.0.0.1:$P_VARNISH"
trap cleanup EXIT
PORTICO_LOG=warn target/release/portico serve --demo --demo-size small --data "$DATA/node" \
  --listen "127.0.0.1:$P_NODE" --cache-mb 256 >"$DATA/node.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 240); do curl -sf "$NODE/readyz" >/dev/null && break; sleep 0.5; done
PORTICO_LOG=warn target/release/portico edge --listen "127.0.0.1:$P_EDGE" --origin "$NODE" \
  --cache-mb 4096 --max-connections-per-address 1000 >"$DATA/edge.log" 2>&1 &
EDGE_PID=$!
PIDS+=($EDGE_PID)
start_varnish "$P_VARNISH" "$P_NODE" 4096m
for _ in $(seq 1 60); do
  curl -sf "$EDGE/_edge/healthz" >/dev/null && curl -sf -o /dev/null "$VARNISH/healthz" && break
  sleep 0.5
done
sample_article "$NODE"
case $WHAT in
  api) PATH_Q="/api/v1/public/sites/main/items/$SLUG" ;;
  page) PATH_Q="/main/$CHANNEL/$SLUG" ;;
  *) echo "usage: $0 [answers] [api|page]" >&2; exit 2 ;;
esac
machine
echo "varnish: $(varnishd -V 2>&1 | head -1)"
echo "answer:  $PATH_Q, $N distinct URLs"

# The Varnish child (the cache process) holds the objects; the manager stays small.
VARNISH_CHILD=$(pgrep -P "$VARNISH_PID" | head -1)
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
fill() { # fill BASE: the N distinct URLs, each asked about once, as a browser asks
  cat >"$DATA/fill.lua" <<EOF
local start, n = 0, 0
init = function(args) start = tonumber(args[1]) end
request = function()
  n = n + 1
  return wrk.format(nil, "$PATH_Q?n=" .. ((start + n) % $N + 1), {["Accept-Encoding"] = "br, gzip"})
end
EOF
  # wrk has no request count: rounds of a second, each going on from where the last one
  # stopped, until the cache holds N answers (the edge's status; Varnish's n_object).
  local done=0 out
  for _ in $(seq 1 900); do
    out=$(wrk -t1 -c32 -d1s -s "$DATA/fill.lua" "$1" -- "$done")
    done=$((done + $(awk '/requests in/ {print $1}' <<<"$out")))
    [ "$(count "$1")" -ge "$N" ] && return
  done
  echo "could not fill $1 with $N answers" >&2
  exit 1
}
count() {
  if [ "$1" = "$EDGE" ]; then
    curl -sf "$EDGE/_edge/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["cache"]["entries"])'
  else
    varnishstat -n "$DATA/varnish/work" -1 -f MAIN.n_object | awk '{print $2}'
  fi
}
# Warm both (one URL), then the baseline.
curl -sf -o /dev/null "$EDGE$PATH_Q?n=0"; curl -sf -o /dev/null "$VARNISH$PATH_Q?n=0"
E0=$(rss "$EDGE_PID"); V0=$(rss "$VARNISH_CHILD")
fill "$EDGE"
E1=$(rss "$EDGE_PID"); EN=$(count "$EDGE")
fill "$VARNISH"
V1=$(rss "$VARNISH_CHILD"); VN=$(count "$VARNISH")

# What one entry must hold.
curl -s -D "$DATA/answer.head" -o "$DATA/answer.body" "$NODE$PATH_Q"
HEAD=$(wc -c <"$DATA/answer.head")
BR=$(curl -s -H 'Accept-Encoding: br' "$EDGE$PATH_Q?n=1" | wc -c)
GZ=$(curl -s -H 'Accept-Encoding: gzip' "$EDGE$PATH_Q?n=1" | wc -c)
ORIG=$(curl -s "$NODE$PATH_Q" | wc -c)
VGZ=$(curl -s -H 'Accept-Encoding: gzip' "$VARNISH$PATH_Q?n=1" | wc -c)
COUNTED=$(curl -sf "$EDGE/_edge/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["cache"]["bytes"])')
python3 - "$E0" "$E1" "$EN" "$V0" "$V1" "$VN" "$HEAD" "$BR" "$GZ" "$ORIG" "$VGZ" "$COUNTED" <<'PY'
import sys
e0, e1, en, v0, v1, vn, head, br, gz, orig, vgz, counted = (int(x) for x in sys.argv[1:])
answer = head + orig
edge_held = head + br + gz
varnish_held = head + vgz
edge_per = (e1 - e0) * 1024 / en
varnish_per = (v1 - v0) * 1024 / vn
print(f"the answer: header fields {head} bytes + body {orig} bytes = {answer} bytes as the origin sends it;"
      f" brotli {br}, gzip {gz}")
print(f"{'':8} {'entries':>8} {'RSS growth':>11} {'per entry':>10} {'/ answer':>9} {'bytes held':>11} {'/ held':>7}")
for name, n, grow, per, held in (("edge", en, e1 - e0, edge_per, edge_held),
                                 ("varnish", vn, v1 - v0, varnish_per, varnish_held)):
    print(f"{name:8} {n:>8} {grow / 1024:>8.0f} MB {per:>8.0f} B {per / answer:>8.2f}x {held:>9} B {per / held:>6.2f}x")
print("(bytes held: the header fields and the bodies each one keeps, the edge brotli and gzip, Varnish gzip;"
      f" the edge counts {counted / en:.0f} bytes per entry against its --cache-mb)")
PY
echo "== the same answer stored 20,000 times by the cache's own code, heap counted by the allocator"
echo "   (what the resident memory adds to it is the allocator's rounding and free lists):"
target/release/examples/entry_memory "$DATA/answer.head" "$DATA/answer.body" 20000
