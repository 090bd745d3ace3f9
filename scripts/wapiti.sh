#!/usr/bin/env bash
# A web vulnerability scanner nobody here wrote: wapiti (from PyPI, into target/tools) against a
# real `portico serve --demo` node, twice: the public pages as a citizen, then the editors'
# interface with the network admin's session. Every finding must be one that docs/SECURITY.md
# explains (scripts/wapiti-known.txt lists them by module, path and parameter); anything else
# fails the run. Each run is bounded in time, so the scan covers what it reaches in that time.
#
# The scanner's call-back endpoints (SSRF, blind injections) point at a local HTTP server:
# CI has no other network, and a scanner calling wapiti3.ovh would scan nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib.sh
VENV=target/tools/wapiti
pip_tool wapiti wapiti3 3.2.3 wapiti

BIN=${PORTICO_BIN:-target/debug/portico}
[ -x "$BIN" ] || cargo build --locked -q --bin portico
DATA=$(mktemp -d)
PORT=$(free_port)
ECHO_PORT=$(free_port)
"$BIN" serve --demo --demo-size small --data "$DATA/node" --listen "127.0.0.1:$PORT" \
  >"$DATA/server.log" 2>&1 &
SERVER=$!
mkdir -p "$DATA/echo"
python3 -m http.server "$ECHO_PORT" --bind 127.0.0.1 --directory "$DATA/echo" >/dev/null 2>&1 &
ECHO=$!
# The scan's verdict is the script's: the echo server, ended here by SIGTERM, must not make it 143.
trap 'rc=$?; kill $SERVER $ECHO 2>/dev/null; wait $SERVER $ECHO 2>/dev/null || true; rm -rf "$DATA"; exit $rc' EXIT
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 600); do
  curl -sf "$BASE/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -sf "$BASE/readyz" >/dev/null || { cat "$DATA/server.log" >&2; echo "the server did not start" >&2; exit 1; }

# The admin's session, as the sign-in form gives it (a session token is what the cookie holds).
SESSION=$(curl -s "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"username":"admin","password":"demo"}' | python3 -c 'import sys, json; print(json.load(sys.stdin)["token"])')

MODULES=xss,sql,exec,file,crlf,redirect,ssrf,csrf,http_headers,cookieflags
# Per run: the crawl and all modules together, and each module's attacks at most a tenth of it.
SCAN_TIME=${WAPITI_SCAN_TIME:-90}
scan() { # name, start URL, extra arguments
  local name=$1 url=$2
  shift 2
  local started=$SECONDS
  "$VENV/bin/wapiti" -u "$url" --scope folder -m "$MODULES" -d 2 \
    --max-links-per-page 20 --max-files-per-dir 20 --max-parameters 6 \
    --max-scan-time "$SCAN_TIME" --max-attack-time $((SCAN_TIME / 10)) \
    --internal-endpoint "http://127.0.0.1:$ECHO_PORT/" \
    --external-endpoint "http://127.0.0.1:$ECHO_PORT/" \
    --dns-endpoint 127.0.0.1 \
    --flush-session --store-session "$DATA/session-$name" \
    --tasks 4 -t 20 --no-bugreport -v 0 \
    -f json -o "$DATA/$name.json" "$@" >"$DATA/$name.log" 2>&1 || {
    tail -n 40 "$DATA/$name.log" >&2
    echo "wapiti failed on the $name run" >&2
    return 1
  }
  echo "wapiti: $name run ($url) took $((SECONDS - started)) s"
}

# The two runs at once: each spends most of its time waiting on answers, and one after the
# other they were three minutes of every test run.
scan public "$BASE/main/" &
public_run=$!
# Signing out would end the session the run uses.
editors_rc=0
scan editors "$BASE/admin/" -C "portico_session=$SESSION" -x "$BASE/admin/logout" || editors_rc=$?
wait "$public_run"
[ "$editors_rc" = 0 ]
# The session must still be good: a run whose requests all bounced off the sign-in page
# would have scanned nothing.
curl -sf -o /dev/null -H "Cookie: portico_session=$SESSION" "$BASE/admin/" || {
  echo "the admin's session ended during the scan: the editors' run scanned the sign-in page" >&2
  exit 1
}

python3 - "$DATA/public.json" "$DATA/editors.json" scripts/wapiti-known.txt <<'PY'
import json, sys
from urllib.parse import urlsplit

*reports, known_file = sys.argv[1:]
known = set()
for line in open(known_file, encoding="utf-8"):
    line = line.split("#", 1)[0].strip()
    if line:
        category, path, parameter = (line.split("\t") + ["", ""])[:3]
        known.add((category.strip(), path.strip(), parameter.strip()))

def matches(category, path, parameter):
    for c, p, q in known:
        if c == category and (p == path or (p.endswith("*") and path.startswith(p[:-1]))) and q in ("*", parameter):
            return True
    return False

unexplained, explained, crawled = [], 0, 0
for report in reports:
    data = json.load(open(report, encoding="utf-8"))
    crawled += int(data.get("infos", {}).get("crawled_pages_nbr", 0) or 0)
    for category, findings in data.get("vulnerabilities", {}).items():
        for f in findings:
            path = urlsplit(f.get("path", "")).path or f.get("path", "")
            parameter = f.get("parameter", "") or ""
            if matches(category, path, parameter):
                explained += 1
            else:
                unexplained.append((category, f.get("method", ""), path, parameter, f.get("info", "")))
    for category, findings in data.get("anomalies", {}).items():
        for f in findings:
            unexplained.append(("anomaly: " + category, f.get("method", ""), f.get("path", ""), f.get("parameter", ""), f.get("info", "")))

print(f"wapiti: {crawled} pages crawled, {explained} findings explained in docs/SECURITY.md, {len(unexplained)} not")
for u in unexplained:
    print("  unexplained:", " | ".join(str(x) for x in u))
if crawled < 20:
    print("wapiti crawled too little to mean anything", file=sys.stderr)
    sys.exit(1)
sys.exit(1 if unexplained else 0)
PY
