#!/usr/bin/env bash
# The same cached page from `portico edge` and from nginx serving the same bytes as a static
# file (the practical ceiling): over plain HTTP/1.1 with wrk at 50 and 400 connections, then
# over TLS with HTTP/2 with h2load; compression on (the edge's stored brotli copy, nginx's
# file of the same brotli bytes).
# Usage: bench/edge-tls.sh [seconds per run, default 10]
# Tools it installs from Debian's packages when missing: wrk, nginx-light, nghttp2-client (h2load).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
SECS=${1:-10}
need wrk wrk
need nginx nginx-light
need h2load nghttp2-client
need openssl openssl
cargo build --release --locked -p portico >&2
DATA=$(mktemp -d)
chmod 755 "$DATA"
P_NODE=$(free_port); P_EDGE=$(free_port); P_EDGE_TLS=$(free_port); P_NGINX=$(free_port); P_NGINX_TLS=$(free_port)
NODE="http://127.0.0.1:$P_NODE"
trap cleanup EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj "/CN=laocai.example" -addext "subjectAltName=DNS:laocai.example" \
  -keyout "$DATA/tls.key" -out "$DATA/tls.crt" 2>/dev/null
PORTICO_LOG=warn target/release/portico serve --demo --demo-size small --data "$DATA/node" \
  --listen "127.0.0.1:$P_NODE" --cache-mb 256 >"$DATA/node.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 240); do curl -sf "$NODE/readyz" >/dev/null && break; sleep 0.5; done
PORTICO_LOG=warn target/release/portico edge --listen "127.0.0.1:$P_EDGE" --origin "$NODE" \
  --tls-listen "127.0.0.1:$P_EDGE_TLS" --tls-cert "$DATA/tls.crt" --tls-key "$DATA/tls.key" \
  --cache-mb 512 --max-connections-per-address 1000 >"$DATA/edge.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$P_EDGE/_edge/healthz" >/dev/null && break; sleep 0.5; done
sample_article "$NODE"
PAGE="/main/$CHANNEL/$SLUG"
# The bytes the edge sends a browser, as nginx's file.
mkdir -p "$DATA/www/main/$CHANNEL"
curl -sf -H 'Accept-Encoding: br' "http://127.0.0.1:$P_EDGE$PAGE" -o /dev/null
curl -sf -H 'Accept-Encoding: br' "http://127.0.0.1:$P_EDGE$PAGE" -o "$DATA/www$PAGE"
SIZE=$(wc -c <"$DATA/www$PAGE")
cat >"$DATA/nginx.conf" <<NGINX
worker_processes auto;
pid $DATA/nginx.pid;
error_log $DATA/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on; tcp_nopush on; keepalive_requests 100000;
  server {
    listen 127.0.0.1:$P_NGINX;
    listen 127.0.0.1:$P_NGINX_TLS ssl http2;
    ssl_certificate $DATA/tls.crt; ssl_certificate_key $DATA/tls.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    root $DATA/www;
    location / { types { } default_type "text/html; charset=utf-8"; add_header Content-Encoding br; add_header Vary Accept-Encoding; }
  }
}
NGINX
nginx -c "$DATA/nginx.conf" -g 'daemon off;' 2>"$DATA/nginx.log" &
PIDS+=($!)
sleep 1

machine
echo "nginx:  $(nginx -v 2>&1)"
echo "page:   $PAGE, $SIZE bytes as brotli"
echo "setup:  the edge on every core (tokio), nginx with one worker process per core; the load generator on the same 2 cores;"
echo "        the edge's per-address cap raised to 1000 (every connection comes from 127.0.0.1)"
echo "== plain HTTP/1.1, wrk (1 thread), Accept-Encoding: br"
export WRK_HEADER="Accept-Encoding: br"
printf '%-12s %6s %10s %10s %10s\n' "server" "conns" "req/s" "p50" "p99"
for conns in 50 400; do
  for s in "edge|http://127.0.0.1:$P_EDGE" "nginx|http://127.0.0.1:$P_NGINX"; do
    name=${s%%|*}; base=${s#*|}
    measure "$base$PAGE" "$conns" 1 >/dev/null
    measure "$base$PAGE" "$conns" "$SECS"
    printf '%-12s %6s %10s %10s %10s\n' "$name" "$conns" "$RPS" "$P50" "$P99"
    [ -z "$ERRORS" ] || echo "  $ERRORS"
  done
done
unset WRK_HEADER
echo "== TLS 1.3, HTTP/2, h2load (1 thread, 10 streams per connection), Accept-Encoding: br"
printf '%-12s %6s %10s %12s %12s\n' "server" "conns" "req/s" "mean" "max"
for conns in 50 400; do
  for s in "edge|$P_EDGE_TLS" "nginx|$P_NGINX_TLS"; do
    name=${s%%|*}; port=${s#*|}
    out=$(h2load -t1 -c"$conns" -m10 -D "$SECS" --warm-up-time=1 -H 'accept-encoding: br' \
      "https://127.0.0.1:$port$PAGE" 2>&1)
    rps=$(awk '/^finished in/ {gsub(",", "", $4); print $4}' <<<"$out")
    mean=$(awk '$1=="time" && $3=="request:" {print $6}' <<<"$out")
    max=$(awk '$1=="time" && $3=="request:" {print $5}' <<<"$out")
    ok=$(awk '/^status codes:/ {print $3}' <<<"$out")
    printf '%-12s %6s %10s %12s %12s  (%s 2xx)\n' "$name" "$conns" "$rps" "$mean" "$max" "$ok"
  done
done
