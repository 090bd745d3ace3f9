#!/usr/bin/env bash
# Search at network scale. Usage: bench/search.sh [portico-search-bench flags]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
cargo build --release --locked -p portico-bench >&2
machine
echo "== figures (in-process: the index itself, without HTTP)"
exec target/release/portico-search-bench "$@"
