#!/usr/bin/env bash
# Cached delivery: `portico serve` (its own response cache), `portico edge` in front of it, and
# Varnish (Debian's package) in front of the same node with the same storage size, each
# measured by wrk at 50 connections on the same machine; then publish-to-visible latency at
# the edge, and the edge's memory per 100,000 cached answers.
# Usage: bench/edge.sh [seconds per URL, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
SECS=${1:-10}
CONNS=50
need wrk wrk
need varnishd varnish
cargo build --release --locked -p portico >&2
DATA=$(mktemp -d)
P_NODE=$(free_port); P_EDGE=$(free_port); P_VARNISH=$(free_port)
NODE="http://127.0.0.1:$P_NODE"; EDGE="http://127.0.0.1:$P_EDGE"; VARNISH="http://127.0.0.1:$P_VARNISH"
TOKEN=bench-edge-token-0123456789
trap cleanup EXIT
PORTICO_LOG=warn target/release/portico serve --demo --data "$DATA/node" --listen "127.0.0.1:$P_NODE" \
  --edge-token "$TOKEN" --cache-mb 512 >"$DATA/node.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 240); do curl -sf "$NODE/readyz" >/dev/null && break; sleep 0.5; done
PORTICO_LOG=warn target/release/portico edge --listen "127.0.0.1:$P_EDGE" --origin "$NODE" \
  --token "$TOKEN" --cache-mb 2048 >"$DATA/edge.log" 2>&1 &
EDGE_PID=$!
PIDS+=($EDGE_PID)
# Varnish with the same rules as the edge (the origin's Cache-Control decides, grace from
# stale-while-revalidate), 512 MB of memory storage.
start_varnish "$P_VARNISH" "$P_NODE" 512m
up=no
for _ in $(seq 1 60); do
  curl -sf "$EDGE/_edge/healthz" >/dev/null && curl -sf -o /dev/null "$VARNISH/healthz" && { up=yes; break; }
  sleep 0.5
done
[ $up = yes ] || { echo "the edge or Varnish did not start:" >&2; tail -5 "$DATA/edge.log" "$DATA/varnish.log" >&2; exit 1; }

sample_article "$NODE"

machine
echo "varnish: $(varnishd -V 2>&1 | head -1)"
echo "load:   wrk, 1 thread, $CONNS connections, ${SECS}s per URL, on the same machine"
echo "== cached answers"
printf '%-10s %-18s %10s %10s %10s\n' "server" "what" "req/s" "p50" "p99"
run() {
  local server=$1 base=$2 name=$3 path=$4
  measure "$base$path" "$CONNS" 1 >/dev/null || { tail -5 "$DATA/$server.log" >&2 || true; exit 1; }
  measure "$base$path" "$CONNS" "$SECS"
  printf '%-10s %-18s %10s %10s %10s\n' "$server" "$name" "$RPS" "$P50" "$P99"
  [ -z "$ERRORS" ] || echo "  $ERRORS"
}
# As browsers ask (compressed: Portico sends br from its stored copy; Varnish, whose origin
# sends the original, sends that), and as a client that takes no encoding (Portico inflates
# its stored gzip copy for it).
for enc in "br, gzip" ""; do
  export WRK_HEADER=${enc:+Accept-Encoding: $enc}
  echo "-- Accept-Encoding: ${enc:-(none)}"
  for what in "article page|/main/$CHANNEL/$SLUG" "API item|/api/v1/public/sites/main/items/$SLUG"; do
    name=${what%%|*}; path=${what#*|}
    run serve "$NODE" "$name" "$path"
    run edge "$EDGE" "$name" "$path"
    run varnish "$VARNISH" "$name" "$path"
  done
done
unset WRK_HEADER

echo "== publish to visible at the edge"
python3 - "$NODE" "$EDGE" <<'PY'
import json, sys, time, urllib.request
node, edge = sys.argv[1], sys.argv[2]
def call(method, url, body=None, token=None):
    req = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None)
    req.add_header("content-type", "application/json")
    if token: req.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as r: return json.loads(r.read() or b"null")
def get(url):
    with urllib.request.urlopen(url) as r: return r.read().decode()
token = call("POST", node + "/api/v1/auth/login", {"username": "admin", "password": "demo"})["token"]
listing = edge + "/api/v1/public/sites/main/items?limit=5"
samples = []
for i in range(30):
    get(listing); get(listing)  # cached at the edge
    title = f"Thông báo đo độ trễ số {i} {time.time_ns()}"
    item = call("POST", node + "/api/v1/sites/main/items", {"kind": "article", "channels": ["tin-tuc-su-kien"], "fields": {"title": title, "body": "Nội dung."}}, token)
    for a in ("submit", "forward"):
        call("POST", f"{node}/api/v1/items/{item['id']}/transitions", {"action": a}, token)
    t0 = time.monotonic()
    call("POST", f"{node}/api/v1/items/{item['id']}/transitions", {"action": "publish"}, token)
    while item["slug"] not in get(listing):
        if time.monotonic() - t0 > 10: sys.exit("not visible at the edge after 10 s")
        time.sleep(0.005)
    samples.append((time.monotonic() - t0) * 1000)
samples.sort()
p = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]
print(f"{len(samples)} publishes, from the publish call to the list at the edge showing it: p50 {p(0.5):.0f} ms, p99 {p(0.99):.0f} ms, max {samples[-1]:.0f} ms")
PY

echo "== edge memory per 100,000 cached answers"
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
curl -sf -X POST -H "authorization: Bearer $TOKEN" -d '{"all": true}' "$EDGE/_edge/purge" >/dev/null
BEFORE=$(rss "$EDGE_PID")
cat >"$DATA/unique.lua" <<EOF
n = 0
request = function()
  n = n + 1
  return wrk.format(nil, "/api/v1/public/sites/main/items/$SLUG?n=" .. n)
end
EOF
wrk -t1 -c"$CONNS" -d20s -s "$DATA/unique.lua" "$EDGE" >/dev/null
STATUS=$(curl -sf "$EDGE/_edge/status")
AFTER=$(rss "$EDGE_PID")
SIZE=$(curl -sf "$NODE/api/v1/public/sites/main/items/$SLUG" | wc -c)
python3 - "$STATUS" "$BEFORE" "$AFTER" "$SIZE" <<'PY'
import json, sys
s = json.loads(sys.argv[1]); before, after, size = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
n, held = s["cache"]["entries"], s["cache"]["bytes"]
print(f"{n} answers of {size} bytes each cached: resident memory +{(after - before) / 1024:.0f} MB, "
      f"{(after - before) / 1024 * 100000 / max(n, 1):.0f} MB per 100,000 "
      f"(the cache counts {held / max(n, 1):.0f} bytes per answer)")
PY
