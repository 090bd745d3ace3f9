# Shared by the bench scripts (sourced): the machine banner, missing tools, free ports, wrk.

# Prints what machine the figures come from.
machine() {
  echo "== machine"
  echo "date:   $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpu:    $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //') ($(nproc) cores)"
  echo "memory: $(free -h | awk '/^Mem:/ {print $2}')"
  echo "kernel: $(uname -sr)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
}

# need COMMAND PACKAGE: installs PACKAGE from Debian's packages when COMMAND is missing.
need() {
  command -v "$1" >/dev/null && return
  echo "$1 is missing; installing $2 from Debian's packages" >&2
  if [ "$(id -u)" = 0 ]; then apt-get install -y "$2" >&2; else sudo apt-get install -y "$2" >&2; fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# measure URL CONNECTIONS SECONDS: loads URL with wrk (one thread) after checking it answers
# 200; sets RPS, P50, P99 and ERRORS (wrk's non-2xx and socket error lines, if any).
measure() {
  local url=$1 conns=$2 secs=$3 code out
  code=$(curl -s -o /dev/null -w "%{http_code}" "$url")
  [ "$code" = 200 ] || { echo "$url answers $code, not 200" >&2; return 1; }
  # WRK_HEADER (e.g. "Accept-Encoding: br, gzip", as browsers send) goes with every request.
  if [ -n "${WRK_HEADER:-}" ]; then
    out=$(wrk -t1 -c"$conns" -d"${secs}s" --latency -H "$WRK_HEADER" "$url")
  else
    out=$(wrk -t1 -c"$conns" -d"${secs}s" --latency "$url")
  fi
  RPS=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  P50=$(awk '$1=="50%" {print $2}' <<<"$out")
  P99=$(awk '$1=="99%" {print $2}' <<<"$out")
  ERRORS=$(grep -E "Non-2xx|Socket errors" <<<"$out" || true)
}

# Sets SLUG and CHANNEL to those of the newest article of the main portal at $1 (a node's base URL).
sample_article() {
  local item
  item=$(curl -sf "$1/api/v1/public/sites/main/items?kind=article&limit=1")
  SLUG=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["slug"])' <<<"$item")
  CHANNEL=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["channels"][0])' <<<"$item")
}

# What a script started (`PIDS+=($!)` after each start) is stopped, and its folder $DATA
# removed, when it exits: `trap cleanup EXIT` once DATA is set.
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "${DATA:?}"
}

# start_varnish PORT ORIGIN_PORT STORAGE: Varnish (Debian's package) on PORT in front of the
# node on ORIGIN_PORT with malloc storage of STORAGE (e.g. 512m) and the default rules (the
# origin's Cache-Control decides, grace from stale-while-revalidate); sets VARNISH_PID.
start_varnish() {
  mkdir -p "$DATA/varnish"
  # Varnish's worker runs as its own user: it must be able to enter the folder.
  chmod 755 "$DATA" "$DATA/varnish"
  cat >"$DATA/varnish/portico.vcl" <<EOF
vcl 4.1;
backend node { .host = "127.0.0.1"; .port = "$2"; }
EOF
  varnishd -F -a "127.0.0.1:$1" -f "$DATA/varnish/portico.vcl" -s "malloc,$3" \
    -n "$DATA/varnish/work" >"$DATA/varnish.log" 2>&1 &
  VARNISH_PID=$!
  PIDS+=($VARNISH_PID)
}
