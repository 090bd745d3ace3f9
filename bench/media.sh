#!/usr/bin/env bash
# Media benchmarks, in one run on this machine:
# 1. resizing generated 4000 x 3000 JPEG photos to 800 px wide JPEG and WebP: ms per image
#    from one thread and images per second on every core, Portico's pipeline beside libvips'
#    vipsthumbnail (Debian package libvips-tools, installed when missing) on the same files;
# 2. the server's peak memory while it makes 16 derivatives at once (16 concurrent requests
#    for 16 different photos), measured as the rise of VmHWM after resetting it.
# Usage: bench/media.sh [photos, default 12]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
PHOTOS=${1:-12}
if ! command -v vipsthumbnail >/dev/null; then
  echo "vipsthumbnail is missing; installing libvips-tools from Debian's packages" >&2
  if [ "$(id -u)" = 0 ]; then apt-get install -y libvips-tools >&2; else sudo apt-get install -y libvips-tools >&2; fi
fi
cargo build --release --locked -p portico -p portico-bench >&2
WORK=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; rm -rf "$WORK"' EXIT

machine
echo "libvips: $(vips --version 2>/dev/null || echo unknown)"
echo "== resizing 4000x3000 JPEG -> 800 px wide, quality 80 (Lanczos3 both; libvips with VIPS_CONCURRENCY=1 per process)"
target/release/portico-media-bench --photos "$PHOTOS" --out "$WORK/photos"

echo "== peak memory of portico serve during 16 concurrent resizes"
PORT=$(free_port)
B="http://127.0.0.1:$PORT"
PORTICO_LOG=warn target/release/portico serve --demo --data "$WORK/data" --listen "127.0.0.1:$PORT" \
  --media-preset bench=800x:inside:jpeg >"$WORK/log" 2>&1 &
PID=$!
for _ in $(seq 1 120); do curl -sf "$B/healthz" >/dev/null && break; sleep 0.5; done
TOKEN=$(curl -sf "$B/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"username":"admin","password":"demo"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
IDS=()
for i in $(seq 0 15); do
  f=$(printf '%s/photos/photo-%02d.jpg' "$WORK" $((i % PHOTOS)))
  # Distinct bytes per upload, so that each is its own file and its own resize.
  cp "$f" "$WORK/up.jpg"; printf '%04d' "$i" >>"$WORK/up.jpg"
  id=$(curl -sf "$B/api/v1/sites/main/media" -H "authorization: Bearer $TOKEN" -F "file=@$WORK/up.jpg" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  curl -sf -X PATCH "$B/api/v1/media/$id" -H "authorization: Bearer $TOKEN" \
    -H 'content-type: application/json' -d '{"public":true}' >/dev/null
  IDS+=("$id")
done
sleep 1
before=$(awk '/VmRSS/ {print $2}' /proc/$PID/status)
echo 5 >/proc/$PID/clear_refs
t0=$(date +%s.%N)
CURLS=()
for id in "${IDS[@]}"; do curl -sf -o /dev/null "$B/media/$id/bench" & CURLS+=($!); done
wait "${CURLS[@]}" || true
t1=$(date +%s.%N)
peak=$(awk '/VmHWM/ {print $2}' /proc/$PID/status)
made=$(for id in "${IDS[@]}"; do curl -sf -o /dev/null -w '%{http_code}\n' "$B/media/$id/bench"; done | grep -c 200)
printf 'RSS before: %.1f MB; peak during 16 concurrent resizes: %.1f MB (%d of 16 served); wall time %.2f s\n' \
  "$(echo "$before/1024" | bc -l)" "$(echo "$peak/1024" | bc -l)" "$made" "$(echo "$t1-$t0" | bc -l)"
