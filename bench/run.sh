#!/usr/bin/env bash
# Portico's foundation benchmarks. Usage: bench/run.sh [portico-bench flags]
# Builds in release mode, prints the machine, then the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p portico -p portico-bench >&2
echo "== machine"
echo "date:   $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "cpu:    $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //') ($(nproc) cores)"
echo "memory: $(free -h | awk '/^Mem:/ {print $2}')"
echo "kernel: $(uname -sr)"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "== figures (the load generator runs on the same machine)"
exec target/release/portico-bench "$@"
