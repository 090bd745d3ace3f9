#!/usr/bin/env bash
# Bytes on the wire of the public portal at 360 px in headless Chromium (home page and an
# article, first visit and with assets cached), as sent and as gzip/brotli would send them.
# Usage: bench/portal-bytes.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
(cd scripts/a11y && npm ci --no-audit --no-fund --loglevel=error >&2)
cargo build --release --locked -p portico >&2
DATA=$(mktemp -d)
PORT=$(free_port)
PORTICO_LOG=warn target/release/portico serve --demo --data "$DATA" --listen "127.0.0.1:$PORT" >"$DATA/log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.5; done
machine
echo "browser: $(chromium --version 2>/dev/null || echo chromium), viewport 360x800 (mobile), the full demo network"
CHROMIUM=$(command -v chromium) node bench/portal-bytes.mjs "http://127.0.0.1:$PORT"
