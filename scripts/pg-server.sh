#!/usr/bin/env bash
# Makes sure PostgreSQL's server programs are on the machine for the tests: Debian's
# postgresql package, installed when missing. The tests start and stop their own throwaway
# cluster (storage/tests/support/pg_server.rs); nothing here starts a server.
set -euo pipefail

found() { ls -d /usr/lib/postgresql/*/bin/postgres 2>/dev/null | sort -V | tail -1; }

if [ -n "${PORTICO_PG_BIN:-}" ] && [ -x "$PORTICO_PG_BIN/postgres" ]; then
  echo "postgres: $("$PORTICO_PG_BIN/postgres" --version) (PORTICO_PG_BIN)"
  exit 0
fi
bin=$(found || true)
if [ -z "$bin" ]; then
  echo "installing Debian's postgresql package (once)"
  if [ "$(id -u)" = 0 ]; then
    sudo=""
  elif command -v sudo >/dev/null; then
    sudo="sudo"
  else
    echo "PostgreSQL is missing and this user cannot install packages: install Debian's" >&2
    echo "postgresql package, or point PORTICO_PG_BIN at a folder with initdb and postgres" >&2
    exit 1
  fi
  # The package would start a cluster of its own on port 5432; the tests need none.
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  bin=$(found || true)
  if [ -z "$bin" ]; then
    echo "apt-get installed postgresql, but no /usr/lib/postgresql/*/bin/postgres appeared" >&2
    exit 1
  fi
fi
echo "postgres: $("$bin" --version)"
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
  echo "the tests run as root, so PostgreSQL runs as the 'postgres' user, which is missing" >&2
  exit 1
fi
