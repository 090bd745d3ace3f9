#!/usr/bin/env bash
# Browser tests: the accessibility audit of the portal pages (axe-core, every WCAG 2.0/2.1 A
# and AA rule, at desktop and phone widths, plus a keyboard check) and the editors' interface
# (the workflow clicked through by three users, and every admin screen through axe) and single
# sign-on against a real OpenID provider (scripts/a11y/sso.mjs) and signing in over TLS through
# the edge (scripts/a11y/tls.mjs), in
# headless Chromium against the demo network served by the debug build. Installs Chromium and Node.js from Debian's packages
# when they are missing (as root), and the audit's two npm packages from package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

need() {
  local cmd=$1 pkgs=$2
  command -v "$cmd" >/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "a11y: installing $pkgs from Debian's packages" >&2
    apt-get install -y --no-install-recommends $pkgs >&2 ||
      { apt-get update -qq >&2 && apt-get install -y --no-install-recommends $pkgs >&2; }
  else
    echo "a11y: '$cmd' is missing; install the Debian package(s) $pkgs" >&2
    exit 1
  fi
}
need chromium chromium
need node nodejs
need npm npm

(cd scripts/a11y && npm ci --no-audit --no-fund --loglevel=error >&2)
# The binary the test run built (same features), so nothing is compiled again.
cargo test --workspace --locked --no-run >&2

DATA=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PORTICO_LOG=warn target/debug/portico serve --demo --data "$DATA" --listen "127.0.0.1:$PORT" >"$DATA/log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 1 240); do
  curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break
  kill -0 $PID 2>/dev/null || { cat "$DATA/log" >&2; exit 1; }
  sleep 0.5
done
export CHROMIUM=$(command -v chromium)
status=0
node scripts/a11y/audit.mjs "http://127.0.0.1:$PORT" || status=1
# The editors' interface: the workflow in a browser, and every admin screen through axe.
# PORTICO_SHOTS=DIR keeps a screenshot of each screen at both widths.
node scripts/a11y/admin.mjs "http://127.0.0.1:$PORT" ${PORTICO_SHOTS:-} || status=1
# Single sign-on against a real OpenID provider (npm's oidc-provider, started by the script
# in its own process), with its own Portico.
node scripts/a11y/sso.mjs target/debug/portico ${PORTICO_SHOTS:-} 2>&1 | grep -v 'oidc-provider \(WARNING\|NOTICE\)' || status=1
# Signing in over TLS through the edge: __Host- cookies as Chromium enforces them, many
# users at once, a planted bare cookie not read (its own node, edge and certificate).
node scripts/a11y/tls.mjs target/debug/portico || status=1
exit $status
