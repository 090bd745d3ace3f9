#!/usr/bin/env bash
# Portico's foundation benchmarks. Usage: bench/run.sh [portico-bench flags]
# Builds in release mode, prints the machine, then the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
cargo build --release --locked -p portico -p portico-bench >&2
machine
echo "== figures (the load generator runs on the same machine)"
exec target/release/portico-bench "$@"
