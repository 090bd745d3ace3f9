#!/usr/bin/env bash
# Search at network scale. Usage: bench/search.sh [portico-search-bench flags]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p portico-bench >&2
echo "== machine"
echo "date:   $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "cpu:    $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //') ($(nproc) cores)"
echo "memory: $(free -h | awk '/^Mem:/ {print $2}')"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "== figures (in-process: the index itself, without HTTP)"
exec target/release/portico-search-bench "$@"
